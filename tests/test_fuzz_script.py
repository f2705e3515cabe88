"""`benchmarks/fuzz_readers.py` runs, mutates every input kind and reports no crash."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

from conftest import ROOT


def test_fuzz_script_short_run(tmp_path: Path) -> None:
    report = tmp_path / "fuzz.json"
    proc = subprocess.run(
        [sys.executable, str(ROOT / "benchmarks" / "fuzz_readers.py"), "--iterations", "48",
         "--seed", "3", "--workers", "2", "--json", str(report)],
        capture_output=True, text=True, cwd=ROOT, timeout=600)
    assert proc.returncode == 0, proc.stdout[-3000:] + proc.stderr[-3000:]
    summary = json.loads(report.read_text(encoding="utf-8"))
    assert summary["iterations"] == 48
    assert summary["unhandled_exceptions"] == 0 and summary["timeouts"] == 0
    assert set(summary["outcomes_by_input"]) == {"pdf", "docx", "html"}
