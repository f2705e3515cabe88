"""Shared fixtures: one real run of the pipeline (Prefect flow, Parquet) on the samples."""

from __future__ import annotations

import os
import subprocess
import sys
from dataclasses import dataclass
from pathlib import Path

import pytest

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
