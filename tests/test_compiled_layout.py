"""The PDF layout modules compiled with mypyc: served only when built for the current sources,
and reading every PDF of the repository exactly as the Python modules do (on the fast path;
and on pdfplumber's, but for the two long plans)."""

from __future__ import annotations

import importlib.machinery
import json
import os
import subprocess
import sys
from pathlib import Path

import pytest

from pipeline.readers import compiled

ROOT = Path(__file__).resolve().parents[1]
CANNOT = compiled.cannot_build()
needs_build = pytest.mark.skipif(CANNOT is not None, reason=f"cannot compile: {CANNOT}")

WHICH = """
import json
import pipeline.readers.pdf  # imports the three layout modules
from pipeline.readers import compiled
print(json.dumps({m: sys.modules[m].__file__ for m in compiled.MODULES}))
"""

READ_ALL = """
import json
from pathlib import Path
from pipeline.readers.pdf import PdfSettings, read_pdf
from pipeline.readers.pdf_fast import FastSettings
docs = {}
for path in sorted(p for d in ("tests", "data/raw") for p in Path(d).rglob("*.pdf")):
    for fast in (True, False) if path.stat().st_size < 200_000 else (True,):  # pdfplumber: slow
        try:
            doc = read_pdf(path, source_uri=str(path), doc_id="x",
                           settings=PdfSettings(fast=FastSettings(enabled=fast)))
            docs[f"{path}|{fast}"] = doc.to_dict()
        except Exception as exc:
            docs[f"{path}|{fast}"] = f"{type(exc).__name__}: {exc}"
print(json.dumps(docs, default=str, sort_keys=True))
"""


def _python(code: str, **env: str) -> str:
    """Run `code` in a fresh interpreter at the repository's root (its stdout)."""
    done = subprocess.run([sys.executable, "-c", "import sys\n" + code], cwd=ROOT,
                          env={**os.environ, "PYTHONPATH": str(ROOT), **env},
                          capture_output=True, text=True, timeout=600, check=True)
    return done.stdout


def _files(**env: str) -> dict[str, str]:
    return json.loads(_python(WHICH, **env))


@needs_build
def test_the_compiled_modules_serve_the_reader_once_built() -> None:
    compiled.build()  # at once when `make` built these sources already
    suffix = importlib.machinery.EXTENSION_SUFFIXES[0]
    files = _files()
    assert sorted(files) == sorted(compiled.MODULES)
    assert all(f.endswith(suffix) and f.startswith(str(compiled.build_folder()))
               for f in files.values()), files


def test_without_a_build_of_these_sources_the_python_modules_run(tmp_path: Path) -> None:
    python_files = {m: str(ROOT.joinpath(*m.split(".")).with_suffix(".py"))
                    for m in compiled.MODULES}
    assert _files(PTSM_COMPILED="0") == python_files
    assert _files(PTSM_CACHE_DIR=str(tmp_path)) == python_files  # nothing built there
    # a build is named by its sources: an edited module is never served an old build
    sources = [b"a = 1\n", b"b = 2\n", b"c = 3\n"]
    assert compiled.source_tag(sources) != compiled.source_tag([*sources[:2], b"c = 4\n"])
    assert compiled.build_folder().name == f"layout-{compiled.source_tag()}"


@needs_build
def test_compiled_and_python_modules_read_the_repository_pdfs_alike() -> None:
    compiled.build()
    # the JSON texts themselves (json.loads would take 10 and 10.0 as equal)
    with_compiled = {k: json.dumps(v, sort_keys=True)
                     for k, v in json.loads(_python(READ_ALL)).items()}
    with_python = {k: json.dumps(v, sort_keys=True)
                   for k, v in json.loads(_python(READ_ALL, PTSM_COMPILED="0")).items()}
    assert len(with_compiled) >= 40
    assert with_compiled.keys() == with_python.keys()
    differ = [k for k in with_compiled if with_compiled[k] != with_python[k]]
    assert not differ, differ


@needs_build
def test_a_failed_build_is_reported_and_not_tried_again_unless_asked(
        tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    from pipeline.readers import compile_layout

    monkeypatch.setenv("PTSM_CACHE_DIR", str(tmp_path))
    compiled.failed_marker().write_text("error: an earlier build failed\n", encoding="utf-8")
    assert compile_layout.main([]) == 1  # at once: no build started
    assert "failed before" in capsys.readouterr().err
    assert not compiled.build_folder().exists()
