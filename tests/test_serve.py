"""`ptsm serve`: a real Prefect server, the deployment on its cron schedule, a run of it."""

from __future__ import annotations

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

CRON = "0 6 * * 1"
DEPLOYMENT = "ptsm-scheduled/test"
SERVER_START_S = 120  # migrating a fresh database takes 20-40 s on a loaded machine
DEPLOYMENT_S = 90
RUN_S = 240

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
               PREFECT_LOGGING_LEVEL="WARNING")
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


def test_serve_schedules_and_runs_the_pipeline(prefect_server: tuple[str, dict[str, str]],
                                               sample_run: Run, tmp_path: Path) -> None:
    api, env = prefect_server
    out = tmp_path / "curated"
    # the samples run's raw store, with their cached results: the scheduled run reuses them,
    # as a weekly re-ingestion of unchanged sources does (a copy would not do: Prefect's
    # cache records hold the absolute path of their result)
    store = sample_run.out.parent / "store"
    log = tmp_path / "serve.log"
    serve = _start([sys.executable, "-m", "pipeline.cli", "serve", "--cron", CRON,
                    "--name", "test", "--sources", str(ROOT / "data/raw/sources.toml"),
                    "--out", str(out), "--store", str(store)], env, log)
    client = httpx.Client(base_url=api, timeout=10)
    try:
        def deployment() -> dict | None:
            reply = client.get(f"/deployments/name/{DEPLOYMENT}")
            return reply.json() if reply.status_code == 200 else None

        found = _wait_for("deployment", deployment, DEPLOYMENT_S, serve, log)
        assert [s["schedule"].get("cron") for s in found["schedules"]] == [CRON]
        assert found["parameters"]["out"] == str(out)

        def created() -> httpx.Response | None:
            # a busy SQLite database answers 503 while the scheduler inserts the
            # schedule's runs: ask again, as Prefect's own client does
            reply = client.post(f"/deployments/{found['id']}/create_flow_run", json={})
            return None if reply.status_code == 503 else reply

        flow_run = _wait_for("flow run creation", created, DEPLOYMENT_S, serve, log)
        flow_run.raise_for_status()

        def finished() -> dict | None:
            state = client.get(f"/flow_runs/{flow_run.json()['id']}").json()["state"]
            return state if state["type"] in {"COMPLETED", "FAILED", "CRASHED",
                                              "CANCELLED"} else None

        state = _wait_for("scheduled run", finished, RUN_S, serve, log, every=2)
        assert state["type"] == "COMPLETED", f"{state}\n{log.read_text()[-3000:]}"
        assert (out / "_manifest.json").is_file()
        assert (out / "documents").is_dir()
    finally:
        client.close()
        _stop(serve)
