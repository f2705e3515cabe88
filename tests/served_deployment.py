"""One `ptsm serve` deployment on a real Prefect server, watching a real page on 127.0.0.1,
whose first scheduled runs tests check (tests/test_serve.py).

The scheduler fires on minute boundaries, so the wait is minutes: `ServedDeployment.start`
returns at once and a background thread starts the server, serves the deployment on a
one-minute cron, waits for `RUNS` runs made by the scheduler, then stops both.
conftest starts it with the session, so the other tests run while the scheduler waits;
`ServedDeployment.outcome` waits for the thread and gives what the runs did.

The watched page lists one PDF until it is first fetched, two from then on: the first run
publishes one document, the second ingests the link added in between, the third finds
nothing changed.
"""

from __future__ import annotations

import json
import os
import shutil
import signal
import socket
import subprocess
import sys
import threading
import time
from collections.abc import Callable
from contextlib import ExitStack
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, TypeVar

import httpx
from conftest import FIXTURES, ROOT
from http_server import Handler, Static, TestServer, serve_folder
from test_watch import index_page

from flows.api_server import services_off
from pipeline.dataset.publish import snapshots_dir

EVERY_MINUTE = "* * * * *"
NAME = "test"
DEPLOYMENT = f"ptsm-scheduled/{NAME}"
RUNS = 3  # publishes, ingests the added link, finds nothing changed
SERVER_START_S = 300  # a fresh database migrates: 20-40 s when loaded, minutes overloaded
DEPLOYMENT_S = 180  # `ptsm serve` imports Prefect and registers the deployment
SCHEDULED_S = 300  # the next minute boundary, then the run itself on a loaded machine
FINISHED = ["COMPLETED", "FAILED", "CRASHED", "CANCELLED"]
UNUSED_SERVICES = ("TRIGGERS", "FOREMAN", "LATE_RUNS", "PAUSE_EXPIRATIONS",
                   "CANCELLATION_CLEANUP", "REPOSSESSOR", "CLEANUP_RECONCILER")
FIRST_LINK = ("/feuille-de-route.pdf", "Feuille de route du PTSM")
ADDED_LINK = ("/contrat.pdf", "Contrat territorial de santé mentale")

T = TypeVar("T")


class ServingError(RuntimeError):
    """The server, the deployment or its runs did not come (the message has the log)."""


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def start_process(args: list[str], env: dict[str, str], log: Path) -> subprocess.Popen:
    with log.open("w") as handle:  # the child keeps its own descriptor
        return subprocess.Popen(args, cwd=ROOT, env=env, stdout=handle,
                                stderr=subprocess.STDOUT, start_new_session=True)


def stop_process(process: subprocess.Popen) -> None:
    """SIGTERM the process group (the server's workers, the runner's flow runs), then kill."""
    if process.poll() is None:
        os.killpg(process.pid, signal.SIGTERM)
        try:
            process.wait(timeout=20)
        except subprocess.TimeoutExpired:
            os.killpg(process.pid, signal.SIGKILL)
            process.wait(timeout=10)


def wait_for(what: str, probe: Callable[[], T | None], timeout: float,
             process: subprocess.Popen, log: Path, every: float = 1.0) -> T:
    """The first truthy `probe()`; ServingError early if `process` died, late after
    `timeout`."""
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if process.poll() is not None:
            raise ServingError(f"{what}: process exited {process.returncode}\n"
                               f"{log.read_text()[-3000:]}")
        value = probe()
        if value:
            return value
        time.sleep(every)
    raise ServingError(f"{what}: nothing after {timeout:.0f} s\n{log.read_text()[-3000:]}")


@dataclass
class EditedAfterFirstRequest:
    """A page whose first request gets `before` and the next ones `after`: edited between
    the first run and the second, whenever the scheduler starts them."""

    before: Static
    after: Static
    calls: int = 0

    def respond(self, h: Handler) -> None:
        self.calls += 1
        (self.before if self.calls == 1 else self.after).respond(h)


@dataclass
class Outcome:
    """What the served deployment did: its record on the server, its first `RUNS` finished
    runs (by scheduled time) and the manifests of the snapshots they published (by finish
    time), and the URLs of the watched site."""

    deployment: dict[str, Any]
    runs: list[dict[str, Any]]
    manifests: list[dict[str, Any]]
    out: Path
    site: TestServer
    serve_log: str = field(repr=False)


class ServedDeployment:
    """`ptsm serve --cron '* * * * *'` of a watched page, on its own Prefect server."""

    def __init__(self, work: Path) -> None:
        self.work = work
        self.out = work / "curated"
        self._stack = ExitStack()
        self._outcome: Outcome | None = None
        self._error: BaseException | None = None
        # read now, not in the thread while other tests may patch the environment
        self._environ = {k: v for k, v in os.environ.items() if not k.startswith("PREFECT_")}
        self._thread = threading.Thread(target=self._serve, name="served-deployment",
                                        daemon=True)

    def start(self) -> None:
        site = self.work / "site"
        site.mkdir()
        shutil.copy(FIXTURES / "pdf" / "text_features.pdf", site / "feuille-de-route.pdf")
        shutil.copy(FIXTURES / "pdf" / "toc.pdf", site / "contrat.pdf")
        page = EditedAfterFirstRequest(Static(index_page([FIRST_LINK]), "text/html"),
                                       Static(index_page([FIRST_LINK, ADDED_LINK]), "text/html"))
        self.site = self._stack.enter_context(serve_folder(site, routes={"/ptsm.html": page}))
        self.sources = self.work / "sources.toml"
        self.sources.write_text(f'[[watch]]\nid = "ars"\nuri = "{self.site.url("ptsm.html")}"\n'
                                'follow = ["pdf"]\ndelay_s = 0\n')
        self._thread.start()

    def outcome(self, timeout: float) -> Outcome:
        """What the runs did, once `RUNS` of them finished (ServingError if they did not)."""
        self._thread.join(timeout)
        if self._thread.is_alive():
            raise ServingError(f"no {RUNS} scheduled runs after waiting {timeout:.0f} s more")
        if self._error is not None:
            raise ServingError(str(self._error)) from self._error
        assert self._outcome is not None
        return self._outcome

    def close(self) -> None:
        """Stop serving (also when the runs are still awaited), the server and the site."""
        self._stack.close()

    def _serve(self) -> None:
        try:
            self._outcome = self._serve_and_wait()
        except BaseException as exc:  # reported by `outcome`, in the test
            self._error = exc

    def _server(self) -> tuple[subprocess.Popen, str, dict[str, str]]:
        """A real `prefect server start` on a free port: it, its API URL and client env."""
        port = free_port()
        env = dict(self._environ)
        env.update(PREFECT_HOME=str(self.work / "prefect-home"),
                   PREFECT_SERVER_ANALYTICS_ENABLED="false", PREFECT_SERVER_UI_ENABLED="false",
                   PREFECT_LOGGING_LEVEL="WARNING",
                   # the scheduler looks for new deployments every few seconds
                   PREFECT_SERVER_SERVICES_SCHEDULER_LOOP_SECONDS="5",
                   # the services these runs do not need: less load on the other tests
                   **services_off(*UNUSED_SERVICES))
        log = self.work / "server.log"
        server = start_process([sys.executable, "-m", "prefect", "server", "start",
                                "--host", "127.0.0.1", "--port", str(port)], env, log)
        self._stack.callback(stop_process, server)
        api = f"http://127.0.0.1:{port}/api"

        def healthy() -> bool:
            try:
                return httpx.get(f"{api}/health", timeout=5).json() is True
            except (httpx.HTTPError, ValueError):
                return False

        wait_for("prefect server", healthy, SERVER_START_S, server, log)
        return server, api, {**env, "PREFECT_API_URL": api}

    def _serve_and_wait(self) -> Outcome:
        server, api, env = self._server()
        log = self.work / "serve.log"
        serve = start_process([sys.executable, "-m", "pipeline.cli", "serve",
                               "--cron", EVERY_MINUTE, "--name", NAME,
                               "--sources", str(self.sources), "--out", str(self.out),
                               "--store", str(self.work / "store"),
                               "--allow-host", "127.0.0.1"],
                              {**env, "PREFECT_RUNNER_POLL_FREQUENCY": "2"}, log)
        self._stack.callback(stop_process, serve)
        client = self._stack.enter_context(httpx.Client(base_url=api, timeout=10))

        def deployment() -> dict | None:
            reply = client.get(f"/deployments/name/{DEPLOYMENT}")
            return reply.json() if reply.status_code == 200 else None

        found = wait_for("deployment", deployment, DEPLOYMENT_S, serve, log)

        def finished_runs() -> list[dict] | None:
            reply = client.post("/flow_runs/filter", json={
                "deployments": {"id": {"any_": [found["id"]]}},
                "flow_runs": {"state": {"type": {"any_": FINISHED}}},
                "sort": "EXPECTED_START_TIME_ASC"})
            runs = reply.json() if reply.status_code == 200 else []
            return runs if len(runs) >= RUNS else None

        runs = wait_for(f"{RUNS} scheduled runs", finished_runs, SCHEDULED_S * RUNS, serve, log,
                        every=2)[:RUNS]
        for process in (serve, server):  # no more runs: the outcome stays as tests read it,
            stop_process(process)        # and no load is left on the other tests
        manifests = sorted((json.loads(p.read_text())
                            for p in snapshots_dir(self.out).glob("*/_manifest.json")),
                           key=lambda m: m["finished_at"])
        return Outcome(found, runs, manifests, self.out, self.site, log.read_text())
