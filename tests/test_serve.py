"""`ptsm serve`: a real Prefect server, the deployment on its cron schedule, a run of it."""

from __future__ import annotations

import json
import os
import signal
import socket
import subprocess
import sys
import time
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import TypeVar

import httpx
import pytest
from conftest import ROOT, Run, run_cli

from flows.serve import parameters_from_settings
from pipeline.config import Settings

EVERY_MINUTE = "* * * * *"
DEPLOYMENT = "ptsm-scheduled/test"
SERVER_START_S = 300  # a fresh database migrates: 20-40 s when loaded, minutes overloaded
DEPLOYMENT_S = 180  # `ptsm serve` imports Prefect and registers the deployment
SCHEDULED_S = 300  # the next minute boundary, then the run itself on a loaded machine

T = TypeVar("T")


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def _wait_for(what: str, probe: Callable[[], T | None], timeout: float,
              process: subprocess.Popen, log: Path, every: float = 1.0) -> T:
    """The first truthy `probe()`; fails early if `process` died, late after `timeout`."""
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if process.poll() is not None:
            pytest.fail(f"{what}: process exited {process.returncode}\n"
                        f"{log.read_text()[-3000:]}")
        value = probe()
        if value:
            return value
        time.sleep(every)
    pytest.fail(f"{what}: nothing after {timeout:.0f} s\n{log.read_text()[-3000:]}")


def _start(args: list[str], env: dict[str, str], log: Path) -> subprocess.Popen:
    with log.open("w") as handle:  # the child keeps its own descriptor
        return subprocess.Popen(args, cwd=ROOT, env=env, stdout=handle,
                                stderr=subprocess.STDOUT, start_new_session=True)


def _stop(process: subprocess.Popen) -> None:
    """SIGTERM the process group (the server's workers, the runner's flow runs), then kill."""
    if process.poll() is None:
        os.killpg(process.pid, signal.SIGTERM)
        try:
            process.wait(timeout=20)
        except subprocess.TimeoutExpired:
            os.killpg(process.pid, signal.SIGKILL)
            process.wait(timeout=10)


@pytest.fixture
def prefect_server(tmp_path: Path) -> Iterator[tuple[str, dict[str, str]]]:
    """A real `prefect server start` on a free port; yields its API URL and client env."""
    port = _free_port()
    env = {k: v for k, v in os.environ.items() if not k.startswith("PREFECT_")}
    env.update(PREFECT_HOME=str(tmp_path / "prefect-home"),
               PREFECT_SERVER_ANALYTICS_ENABLED="false", PREFECT_SERVER_UI_ENABLED="false",
               PREFECT_LOGGING_LEVEL="WARNING",
               # the scheduler looks for new deployments every few seconds, not every minute
               PREFECT_SERVER_SERVICES_SCHEDULER_LOOP_SECONDS="5")
    log = tmp_path / "server.log"
    server = _start([sys.executable, "-m", "prefect", "server", "start",
                     "--host", "127.0.0.1", "--port", str(port)], env, log)
    api = f"http://127.0.0.1:{port}/api"

    def healthy() -> bool:
        try:
            return httpx.get(f"{api}/health", timeout=5).json() is True
        except (httpx.HTTPError, ValueError):
            return False

    try:
        _wait_for("prefect server", healthy, SERVER_START_S, server, log)
        yield api, {**env, "PREFECT_API_URL": api}
    finally:
        _stop(server)


def test_serve_refuses_a_bad_cron_expression(tmp_path: Path) -> None:
    proc = run_cli("serve", "--cron", "every monday", "--out", str(tmp_path / "out"))
    assert proc.returncode == 2
    assert "invalid cron expression 'every monday'" in proc.stderr


@pytest.mark.scheduler
def test_the_scheduler_runs_the_pipeline_by_itself(prefect_server: tuple[str, dict[str, str]],
                                                   sample_run: Run, tmp_path: Path) -> None:
    """The server's scheduler creates the runs of a one-minute cron, `ptsm serve` runs them:
    the first publishes into the `--out` given, the next finds nothing changed. Takes 1-2
    minutes (it waits for two minute boundaries) but runs in CI: nothing else shows that
    scheduled runs happen (SQLAlchemy 2.1 broke Prefect's scheduler without a failing
    test)."""
    api, env = prefect_server
    out = tmp_path / "curated"
    # the samples run's raw store, with their cached results: the scheduled run reuses them,
    # as a weekly re-ingestion of unchanged sources does (a copy would not do: Prefect's
    # cache records hold the absolute path of their result)
    store = sample_run.out.parent / "store"
    log = tmp_path / "serve.log"
    serve = _start([sys.executable, "-m", "pipeline.cli", "serve", "--cron", EVERY_MINUTE,
                    "--name", "test", "--sources", str(ROOT / "data/raw/sources.toml"),
                    "--out", str(out), "--store", str(store)],
                   {**env, "PREFECT_RUNNER_POLL_FREQUENCY": "2"}, log)
    client = httpx.Client(base_url=api, timeout=10)
    try:
        def deployment() -> dict | None:
            reply = client.get(f"/deployments/name/{DEPLOYMENT}")
            return reply.json() if reply.status_code == 200 else None

        found = _wait_for("deployment", deployment, DEPLOYMENT_S, serve, log)
        assert [s["schedule"].get("cron") for s in found["schedules"]] == [EVERY_MINUTE]
        assert found["parameters"]["out"] == str(out)

        def finished_runs(count: int) -> Callable[[], list[dict] | None]:
            def probe() -> list[dict] | None:
                reply = client.post("/flow_runs/filter", json={
                    "deployments": {"id": {"any_": [found["id"]]}},
                    "flow_runs": {"state": {"type": {"any_": [
                        "COMPLETED", "FAILED", "CRASHED", "CANCELLED"]}}},
                    "sort": "EXPECTED_START_TIME_ASC"})
                runs = reply.json() if reply.status_code == 200 else []
                return runs if len(runs) >= count else None
            return probe

        first = _wait_for("first scheduled run", finished_runs(1), SCHEDULED_S, serve, log)[0]
        assert first["auto_scheduled"], "created by the scheduler, not by hand"
        assert first["state_type"] == "COMPLETED", f"{first['state']}\n{log.read_text()[-3000:]}"
        manifest = json.loads((out / "_manifest.json").read_text())
        assert out.is_symlink() and (out / "documents").is_dir()
        assert manifest["tables"]["documents"] == 5 and not manifest.get("unchanged_since")

        second = _wait_for("next scheduled run", finished_runs(2), SCHEDULED_S, serve, log)[1]
        assert second["auto_scheduled"] and second["state_type"] == "COMPLETED"
        again = json.loads((out / "_manifest.json").read_text())
        assert again["unchanged_since"] == manifest["run_id"], "nothing changed"
        assert again["run_id"] != manifest["run_id"]
    finally:
        client.close()
        _stop(serve)


def test_serve_keeps_the_link_of_its_output(tmp_path: Path) -> None:
    """A local `--out` is a link to its current snapshot: the deployment publishes through
    the link, not into the snapshot it pointed to when it was served."""
    snapshot = tmp_path / ".curated.snapshots" / "run1"
    snapshot.mkdir(parents=True)
    out = tmp_path / "curated"
    out.symlink_to(snapshot.relative_to(tmp_path))
    params = parameters_from_settings(Settings(out=str(out)))
    assert params["out"] == str(out)
    relative = parameters_from_settings(Settings(out="curated"))
    assert relative["out"] == str(Path.cwd() / "curated")
