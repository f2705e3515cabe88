"""The temporary local Prefect API server of a run without `PREFECT_API_URL`.

Spawned first thing (before Prefect and the pipeline are imported, so that both start at
once) and exported in `PREFECT_API_URL` to every process of the run: the task runner's
worker processes and Dask workers then talk to it instead of each starting a temporary
server of its own. It is the server Prefect itself would start (the same uvicorn command
as `prefect.server.api.server.SubprocessASGIServer`, Prefect being pinned); its output
goes to a log file, and it is stopped when this process exits, after Prefect has sent its
last events.
"""

from __future__ import annotations

import atexit
import importlib.util
import os
import socket
import subprocess
import sys
import time
import urllib.error
import urllib.request
from dataclasses import dataclass
from pathlib import Path

STARTUP_TIMEOUT_S = 180.0  # a fresh PREFECT_HOME migrates its database first
# The event services of an ephemeral server record task runs and events for the UI and
# for automations: a temporary server has neither, and they cost CPU during the run.
def services_off(*names: str) -> dict[str, str]:
    """The environment that switches these Prefect server services off."""
    return {f"PREFECT_SERVER_SERVICES_{name}_ENABLED": "false" for name in names}


QUIET_SERVICES = services_off("TASK_RUN_RECORDER", "EVENT_PERSISTER", "TRIGGERS", "EVENT_LOGGER")


@dataclass
class TemporaryServer:
    process: subprocess.Popen
    api_url: str
    log: Path

    def wait_until_healthy(self, timeout: float = STARTUP_TIMEOUT_S) -> str:
        """The API URL once the server answers its health check."""
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            if self.process.poll() is not None:
                raise RuntimeError(f"the temporary Prefect server exited with status "
                                   f"{self.process.returncode}; see {self.log}")
            try:
                with urllib.request.urlopen(f"{self.api_url}/health", timeout=5) as reply:
                    if reply.status == 200:
                        return self.api_url
            except (urllib.error.URLError, OSError):
                pass
            time.sleep(0.1)
        raise RuntimeError(f"the temporary Prefect server did not answer within "
                           f"{timeout:.0f} s; see {self.log}")

    def stop(self) -> None:
        if self.process.poll() is None:
            self.process.terminate()
            try:
                self.process.wait(timeout=5)
            except subprocess.TimeoutExpired:
                self.process.kill()
                self.process.wait()


# uvicorn, asking Linux first to stop it when this process ends, however it ends
# (PR_SET_PDEATHSIG is kept across exec); elsewhere plain uvicorn, stopped at exit
_DIE_WITH_PARENT = """
import ctypes, os, signal, sys
try:
    ctypes.CDLL(None).prctl(1, signal.SIGTERM)
except (AttributeError, OSError):
    pass
os.execv(sys.executable, [sys.executable, "-m", "uvicorn", *sys.argv[1:]])
"""

_SERVER: list[TemporaryServer] = []


def profile_api_url() -> str | None:
    """`PREFECT_API_URL` of the active Prefect profile (`prefect config set`, `prefect
    cloud login`), read without importing Prefect."""
    import tomllib

    home = Path(os.environ.get("PREFECT_HOME", "~/.prefect")).expanduser()
    path = Path(os.environ.get("PREFECT_PROFILES_PATH", home / "profiles.toml")).expanduser()
    try:
        profiles = tomllib.loads(path.read_text(encoding="utf-8"))
    except (OSError, tomllib.TOMLDecodeError):
        return None
    name = os.environ.get("PREFECT_PROFILE") or profiles.get("active", "ephemeral")
    return profiles.get("profiles", {}).get(name, {}).get("PREFECT_API_URL")


def temporary_server(log: Path) -> TemporaryServer | None:
    """The run's temporary server, spawned on the first call (None when
    `PREFECT_API_URL`, in the environment or the active Prefect profile, names a server)."""
    if _SERVER:
        return _SERVER[0]
    if os.environ.get("PREFECT_API_URL") or profile_api_url():
        return None
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        port = sock.getsockname()[1]
    site = Path(importlib.util.find_spec("prefect").origin).parent.parent
    command = [sys.executable, "-c", _DIE_WITH_PARENT, "--app-dir", str(site), "--factory",
               "prefect.server.api.server:create_app", "--host", "127.0.0.1", "--port",
               str(port), "--log-level", "error", "--lifespan", "on"]
    env = {**os.environ, "PREFECT_UI_ENABLED": "0", "PREFECT__SERVER_EPHEMERAL": "1",
           "PREFECT__SERVER_FINAL": "1", **QUIET_SERVICES}
    log.parent.mkdir(parents=True, exist_ok=True)
    with log.open("ab") as output:
        process = subprocess.Popen(command, env=env, stdin=subprocess.DEVNULL, stdout=output,
                                   stderr=subprocess.STDOUT)
    server = TemporaryServer(process, f"http://127.0.0.1:{port}/api", log)
    atexit.register(server.stop)  # registered before Prefect's own exit handlers: runs last
    os.environ["PREFECT_API_URL"] = server.api_url
    _SERVER.append(server)
    return server
