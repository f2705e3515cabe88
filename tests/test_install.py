"""Installed from the checkout, the package runs outside it: nothing reads the tests."""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
from pathlib import Path

from conftest import ROOT, Run

GOLD = ROOT / "tests" / "fixtures" / "gold"


def test_an_installed_copy_evaluates_a_gold_file_outside_the_checkout(
        sample_run: Run, tmp_path: Path) -> None:
    site = tmp_path / "site"
    subprocess.run([sys.executable, "-m", "pip", "install", "--quiet", "--no-deps",
                    "--disable-pip-version-check",
                    "--target", str(site), str(ROOT)], check=True, capture_output=True)
    elsewhere = tmp_path / "elsewhere"
    elsewhere.mkdir()
    for name in ("governance.json", "fiches_mayenne.json"):
        shutil.copy(GOLD / name, elsewhere / name)
    env = {**os.environ, "PYTHONPATH": str(site)}  # the installed copy, not the checkout
    where = subprocess.run([sys.executable, "-c", "import evaluation, pipeline; "
                            "print(evaluation.__file__, pipeline.__file__)"],
                           cwd=elsewhere, env=env, capture_output=True, text=True, check=True)
    assert str(ROOT) not in where.stdout and str(site) in where.stdout
    proc = subprocess.run([sys.executable, "-m", "pipeline.cli", "eval", "--out",
                           str(sample_run.out), "--gold", "governance.json",
                           "--gold", "fiches_mayenne.json"],
                          cwd=elsewhere, env=env, capture_output=True, text=True, timeout=300)
    assert proc.returncode == 0, proc.stderr[-2000:]
    assert "Traceback" not in proc.stderr
