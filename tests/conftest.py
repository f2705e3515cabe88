"""Shared fixtures: one real run of the pipeline (Prefect flow, Parquet) on the samples, and
the `ptsm serve` deployment whose scheduled runs tests/test_serve.py checks."""

from __future__ import annotations

import os
import subprocess
import sys
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING

import pytest

if TYPE_CHECKING:
    from served_deployment import ServedDeployment

ROOT = Path(__file__).resolve().parents[1]
SAMPLES = ROOT / "data" / "raw" / "samples"
FIXTURES = Path(__file__).resolve().parent / "fixtures"


@dataclass
class Run:
    out: Path
    returncode: int
    stdout: str
    stderr: str


def run_cli(*args: str, cwd: Path = ROOT, home: Path | None = None) -> subprocess.CompletedProcess:
    """Run the real `ptsm` command (same interpreter) and capture its output."""
    env = dict(os.environ)
    if home is not None:
        env["PREFECT_HOME"] = str(home)
    env.setdefault("PREFECT_LOGGING_LEVEL", "WARNING")
    return subprocess.run([sys.executable, "-m", "pipeline.cli", *args], cwd=cwd, env=env,
                          capture_output=True, text=True, timeout=900)


@pytest.fixture(scope="session")
def prefect_home(tmp_path_factory: pytest.TempPathFactory) -> Path:
    return tmp_path_factory.mktemp("prefect-home")


@pytest.fixture(scope="session")
def sample_run(tmp_path_factory: pytest.TempPathFactory, prefect_home: Path) -> Run:
    """`ptsm run` on the shipped samples (data/raw/sources.toml) into a temporary folder."""
    work = tmp_path_factory.mktemp("run")
    out = work / "curated"
    proc = run_cli("run", "--sources", str(ROOT / "data/raw/sources.toml"), "--out", str(out),
                   "--store", str(work / "store"), home=prefect_home)
    return Run(out=out, returncode=proc.returncode, stdout=proc.stdout, stderr=proc.stderr)


@pytest.fixture(scope="session")
def served_deployment(tmp_path_factory: pytest.TempPathFactory) -> Iterator[ServedDeployment]:
    """The `ptsm serve` deployment whose scheduled runs tests/test_serve.py checks, started
    (in the background) once for the session: see tests/served_deployment.py."""
    from served_deployment import ServedDeployment

    served = ServedDeployment(tmp_path_factory.mktemp("served"))
    try:
        served.start()
        yield served
    finally:
        served.close()


@pytest.fixture(scope="session", autouse=True)
def _serve_while_other_tests_run(request: pytest.FixtureRequest) -> None:
    """Start the served deployment with the session when a test needs it: the scheduler's
    minutes of waiting then overlap the other tests instead of adding to them."""
    if any("served_deployment" in getattr(item, "fixturenames", ())
           for item in request.session.items):
        request.getfixturevalue("served_deployment")
