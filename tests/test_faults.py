"""Fault injection: the attacks and faults of issue 19, each with the outcome it must have.

Nothing lost (the good documents are published, exit 3 when a source was bad), nothing
leaked (no password in any output), the user's files untouched, memory bounded, no
traceback. One real `ptsm run` (fixture `faulty_run`) holds the sources that can share a
run; the other cases are checked on the function that handles them.
"""

from __future__ import annotations

import base64
import gzip
import hashlib
import json
import os
import resource
import shutil
import struct
import time
import tracemalloc
import zlib
from datetime import UTC, datetime
from pathlib import Path

import pandas as pd
import pyarrow as pa
import pytest
from conftest import SAMPLES, run_cli
from http_server import Encoded, File, TrickleHeaders, serve_folder

from pipeline.analytics.export import exports_dir, write_csv, write_xlsx
from pipeline.cli import main
from pipeline.config import Settings, machine_workers
from pipeline.dataset.history import merge_history, unchanged_dataset
from pipeline.dataset.outputs import OutputError, check_replaceable, resolve_output, snapshots_dir
from pipeline.dataset.publish import damaged_files, publish, to_arrow
from pipeline.ingest.fetch import FetchError, FetchSettings, fetch
from pipeline.ingest.sources import Source
from pipeline.stages import ingest_stage

PASSWORD = "s3cr3t-Pa55w0rd"  # must appear in no output
LOCAL = FetchSettings(allowed_hosts=frozenset({"127.0.0.1"}), timeout_s=5, total_timeout_s=5)
FORMULAS = ["=HYPERLINK(\"http://evil.example/\",\"cliquez\")", "+33 1 23 45 67 89",
            "-1 lit en psychiatrie", "@SOMME(A1:A9)"]


def gzip_bomb(decoded_bytes: int) -> bytes:
    """A gzip stream of `decoded_bytes` zeros, about 1,000 times smaller: one megabyte
    compressed once and its (identical, fully flushed) deflate block repeated."""
    engine = zlib.compressobj(9, zlib.DEFLATED, -zlib.MAX_WBITS)
    block = b"\0" * (1 << 20)
    first = engine.compress(block) + engine.flush(zlib.Z_FULL_FLUSH)
    repeated = engine.compress(block) + engine.flush(zlib.Z_FULL_FLUSH)
    n = decoded_bytes >> 20
    crc = 0
    for _ in range(n):
        crc = zlib.crc32(block, crc)
    return b"".join([b"\x1f\x8b\x08\0\0\0\0\0\x02\xff", first, repeated * (n - 1),
                     engine.flush(), struct.pack("<II", crc, (n << 20) & 0xFFFFFFFF)])


def page(title: str, *paragraphs: str) -> bytes:
    body = "".join(f"<p>{p}</p>" for p in paragraphs)
    return (f"<html><head><meta charset='utf-8'><title>{title}</title></head><body><main>"
            f"<h1>{title}</h1>{body}</main></body></html>").encode()


# --- `--out` never destroys what this tool did not publish ----------------------------------


def _tree(folder: Path) -> dict[str, bytes]:
    return {str(p.relative_to(folder)): p.read_bytes() for p in sorted(folder.rglob("*"))
            if p.is_file()}


@pytest.mark.parametrize("kind", ["user_folder", "file", "dot", "foreign_link"])
def test_out_refuses_what_ptsm_did_not_publish(tmp_path: Path, kind: str, capsys,
                                               monkeypatch: pytest.MonkeyPatch) -> None:
    home = tmp_path / "home"
    (home / "notes").mkdir(parents=True)
    (home / "notes" / "thesis.docx").write_bytes(b"years of work")
    (home / "budget.csv").write_text("a;b\n")
    (home / "elsewhere").mkdir()
    os.symlink(home / "elsewhere", home / "link")
    monkeypatch.chdir(home)
    out = {"user_folder": "notes", "file": "budget.csv", "dot": ".", "foreign_link": "link"}[kind]
    before = _tree(home)
    assert main(["run", "--raw", str(SAMPLES), "--out", out]) == 2
    error = capsys.readouterr().err
    assert "refused" in error and str(resolve_output(out)) in error and "Traceback" not in error
    assert _tree(home) == before and (home / "link").is_symlink()
    with pytest.raises(OutputError):  # publish itself refuses too (library callers)
        publish({}, home / out, {"run_id": "x", "schema_version": 1})
    assert _tree(home) == before and not snapshots_dir(home / out).exists()


def test_out_accepts_new_empty_or_published(tmp_path: Path) -> None:
    (tmp_path / "empty").mkdir()
    for name in ("new", "empty"):
        assert publish({}, tmp_path / name, {"run_id": "r1", "schema_version": 1}).is_symlink()
        check_replaceable(resolve_output(tmp_path / name))  # a published one: replaceable
        publish({}, tmp_path / name, {"run_id": "r2", "schema_version": 1})
    legacy = tmp_path / "legacy"  # a dataset published as a plain folder (older layout)
    legacy.mkdir()
    (legacy / "_manifest.json").write_text(json.dumps({"run_id": "0", "schema_version": 1}))
    publish({}, legacy, {"run_id": "r1", "schema_version": 1})
    assert legacy.is_symlink()


# --- one failing source or document never stops the batch ---------------------------------


def _settings(tmp_path: Path, **overrides: object) -> Settings:
    return Settings(raw_dir=tmp_path, store_dir=tmp_path / "store", allowed_roots=[tmp_path],
                    allowed_hosts=["127.0.0.1"], **overrides)


def test_nul_byte_and_unexpected_errors_become_quarantine_rows(
        tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    (tmp_path / "a.html").write_bytes(page("Un PTSM"))
    settings = _settings(tmp_path)
    row = ingest_stage(Source("nul", str(tmp_path / "a\0.html")), settings)
    assert isinstance(row, dict) and row["error_type"] == "invalid_uri"
    assert "NUL byte" in row["message"] and "\0" not in row["source_uri"] + row["message"]

    import pipeline.ingest.raw_store

    for fault, error_type in ((MemoryError(), "out_of_memory"),
                              (RuntimeError("boom"), "ingest_crash"),
                              (ValueError("embedded null byte"), "ingest_crash")):
        def broken(_data: bytes, fault: BaseException = fault) -> str:
            raise fault
        monkeypatch.setattr(pipeline.ingest.raw_store, "sniff_media_type", broken)
        row = ingest_stage(Source("a", str(tmp_path / "a.html")), settings)
        assert isinstance(row, dict) and row["error_type"] == error_type, row
        assert row["message"].startswith(str(tmp_path / "a.html"))


def test_an_exception_from_the_ingest_task_becomes_a_row() -> None:
    from flows.run_flow import _ingested_or_row

    source = Source("x", f"http://user:{PASSWORD}@example.org/x.pdf")
    for value in (ValueError("embedded null byte"), MemoryError(), None):
        row = _ingested_or_row(source, value)
        assert isinstance(row, dict) and row["error_type"] == "ingest_crash"
        assert PASSWORD not in json.dumps(row, default=str)


# --- fetch: size and time bounded whatever the server sends ---------------------------------


@pytest.fixture(scope="module")
def hostile() -> object:
    bomb = gzip_bomb(64 << 20)
    routes = {
        "/bomb.html": Encoded(bomb),
        "/double.html": Encoded(gzip.compress(gzip.compress(b"\0" * (8 << 20))), "gzip, gzip"),
        "/deflate.html": Encoded(zlib.compress(page("Dégonflé")), "deflate"),
        "/gzip.html": Encoded(gzip.compress(page("Compressé")), "gzip"),
        "/trickle-headers": TrickleHeaders(interval_s=0.05),
    }
    with serve_folder(routes=routes) as server:
        yield server


def test_gzip_bomb_stops_at_the_limit_with_bounded_memory(hostile) -> None:
    limit = 4 << 20
    tracemalloc.start()
    with pytest.raises(FetchError) as caught:
        fetch(hostile.url("bomb.html"), FetchSettings(**{**LOCAL.__dict__, "max_bytes": limit}))
    peak = tracemalloc.get_traced_memory()[1]
    tracemalloc.stop()
    assert caught.value.error_type == "too_large" and "decompressed" in str(caught.value)
    assert peak < 4 * limit  # 64 MiB decoded would be far more


def test_one_level_of_content_encoding(hostile) -> None:
    with pytest.raises(FetchError) as caught:
        fetch(hostile.url("double.html"), LOCAL)
    assert caught.value.error_type == "unsupported_encoding" and not caught.value.retryable
    assert b"Compress" in fetch(hostile.url("gzip.html"), LOCAL).content
    assert b"gonfl" in fetch(hostile.url("deflate.html"), LOCAL).content


def test_headers_trickling_are_cut_at_the_total_deadline(hostile, tmp_path: Path) -> None:
    started = time.monotonic()
    row = ingest_stage(Source("slow", hostile.url("trickle-headers")),
                       _settings(tmp_path, http_total_timeout_s=1.0))
    assert time.monotonic() - started < 3  # not 30 s of read timeouts, nor for ever
    assert row["error_type"] == "timeout" and "not finished within 1 s" in row["message"]


def test_credentials_used_but_never_shown(tmp_path: Path) -> None:
    site = tmp_path / "site"
    site.mkdir()
    with serve_folder(routes={"/private.html": File("missing.html")}) as server:
        url = server.url("private.html").replace("://", f"://ptsm:{PASSWORD}@")
        with pytest.raises(FetchError) as caught:
            fetch(url + f"?token={PASSWORD}", LOCAL)
        sent = server.requests[-1].headers["Authorization"]
    assert base64.b64decode(sent.split()[1]).decode() == f"ptsm:{PASSWORD}"  # still used
    assert caught.value.error_type == "http_404"
    assert PASSWORD not in str(caught.value) + str(caught.value.url)


# --- exports never carry live formulas ------------------------------------------------------


def test_exports_neutralise_formulas(tmp_path: Path) -> None:
    from openpyxl import load_workbook

    table = pa.table({"text": [*FORMULAS, "\tTab", "texte ordinaire"],
                      "items": [[f] for f in FORMULAS] + [None, None],
                      "n": [-1, 2, 3, 4, 5, 6]})
    csv = write_csv(table, tmp_path / "t.csv", sep=";")
    frame = pd.read_csv(csv, sep=";", encoding="utf-8-sig", keep_default_na=False)
    cells = [str(v) for v in frame["text"].tolist() + frame["items"].tolist() if v != ""]
    assert all(c[0] not in "=+-@\t\r" for c in cells), cells
    assert frame["text"].tolist()[:2] == ["'" + FORMULAS[0], "'" + FORMULAS[1]]
    assert frame["n"].tolist()[0] == -1  # numbers stay numbers
    sheet = load_workbook(write_xlsx({"t": table}, tmp_path / "t.xlsx"))["t"]
    cells = [c for row in sheet.iter_rows() for c in row]
    assert not [c.value for c in cells if c.data_type == "f"]
    assert FORMULAS[0] in [c.value for c in cells]  # shown as written, as text


# --- a damaged dataset ----------------------------------------------------------------------


def _published(out: Path) -> Path:
    doc = {"doc_id": "d1", "source_id": "s1", "source_uri": "/x/a.html", "sha256": "ab",
           "media_type": "text/html", "status": "ok", "is_current": True, "version": 1,
           "source_status": "ok", "department_code": "53"}
    passage = {"passage_id": "p1", "doc_id": "d1", "department_code": "53", "seq": 0,
               "kind": "paragraph", "text": FORMULAS[0]}
    publish({"documents": to_arrow("documents", [doc]),
             "passages": to_arrow("passages", [passage])}, out,
            {"run_id": "r1", "schema_version": 1, "sources": ["s1"], "quarantined": 0})
    return out


def _corrupt(folder: Path) -> Path:
    victim = next(p for p in sorted(folder.rglob("part-*.parquet")))
    victim.write_bytes(b"not a parquet file at all")
    return victim


@pytest.mark.parametrize("command", [["report"], ["export", "--format", "csv"],
                                     ["export", "--format", "xlsx"]])
def test_report_and_export_name_the_damage(tmp_path: Path, command: list[str], capsys) -> None:
    out = _published(tmp_path / "curated")
    victim = _corrupt(out / "documents")
    (problem,) = damaged_files(out)
    assert problem.startswith(f"{victim}: unreadable (ArrowInvalid: Parquet magic bytes")
    assert main([*command, "--out", str(out)]) == 2
    error = capsys.readouterr().err
    assert "damaged" in error and victim.name in error and "Traceback" not in error


def test_history_survives_a_damaged_snapshot(tmp_path: Path) -> None:
    out = _published(tmp_path / "curated")
    _corrupt(out / "documents")
    rows: dict[str, list] = {"documents": [], "passages": []}
    problems = merge_history(rows, str(out), ["s1"])
    assert problems and "documents" in problems[0] and "unreadable" in problems[0]
    assert unchanged_dataset(str(out), {"s1": "ab"}, "f", 1) is None  # never republished
    healthy = _published(tmp_path / "other")
    _corrupt(healthy / "passages")
    rebuilt = []
    rows = {name: [] for name in ("documents", "passages", "fiches", "fiche_objectives",
                                  "fiche_links", "governance_events", "facts", "entities",
                                  "acronyms", "people")}
    problems = merge_history(rows, str(healthy), ["s1"],
                             rebuild=lambda docs: rebuilt.extend(docs) or [])
    assert [d["doc_id"] for d in rebuilt] == ["d1"]  # its rows are asked for again
    assert any("passages" in p for p in problems)


# --- the machine and the store --------------------------------------------------------------


def test_workers_bounded_by_the_machine(capsys) -> None:
    from pipeline.cli import build_parser, settings_from_args

    bound, _ = machine_workers()
    settings = settings_from_args(build_parser().parse_args(["run", "--workers", "1000"]))
    assert settings.workers == bound <= (os.cpu_count() or 1)
    assert "--workers 1000 lowered to" in capsys.readouterr().err


def test_read_only_store_is_one_clear_line(tmp_path: Path, capsys) -> None:
    blocker = tmp_path / "store-is-a-file"
    blocker.write_text("")
    store = blocker / "store"  # cannot be created: as for a read-only disk, even as root
    assert main(["run", "--raw", str(SAMPLES), "--out", str(tmp_path / "out"),
                 "--store", str(store)]) == 2
    error = capsys.readouterr().err.strip()
    assert error.startswith("ptsm: error: the raw store") and str(store) in error
    assert "\n" not in error


# --- one real run with hostile sources ------------------------------------------------------


def _damaged_previous(out: Path, store: Path) -> str:
    """A dataset published before the run: the source "gone" (404 in the run, so carried
    over) has a document whose raw file is in the store; its `passages` file is damaged."""
    data = page("Diagnostic territorial partagé de la Mayenne", "Le COPIL s'est réuni.")
    sha = hashlib.sha256(data).hexdigest()
    store.mkdir(parents=True)
    (store / f"{sha}.html").write_bytes(data)
    doc = {"doc_id": sha[:16], "source_id": "gone", "source_uri": "http://example.org/x",
           "sha256": sha, "media_type": "text/html", "raw_path": str(store / f"{sha}.html"),
           "status": "ok", "is_current": True, "version": 1, "source_status": "ok",
           "department_code": "53", "ingested_at": datetime(2025, 1, 2, tzinfo=UTC)}
    passage = {"passage_id": "p", "doc_id": sha[:16], "department_code": "53", "seq": 0,
               "kind": "paragraph", "text": "x"}
    publish({"documents": to_arrow("documents", [doc]),
             "passages": to_arrow("passages", [passage])}, out,
            {"run_id": "before", "schema_version": 1, "sources": ["gone"]})
    _corrupt(out / "passages")
    return sha[:16]


@pytest.fixture(scope="module")
def faulty_run(tmp_path_factory: pytest.TempPathFactory, prefect_home: Path) -> dict:
    """One `ptsm run` on hostile sources over a damaged previous dataset, then an export.
    (Threads: the worker processes are not what these faults are about, and spare the
    start-up of the spaCy model in two processes.)"""
    work = tmp_path_factory.mktemp("faults")
    raw, site = work / "raw", work / "site"
    raw.mkdir()
    site.mkdir()
    shutil.copy(SAMPLES / sorted(p.name for p in SAMPLES.glob("*.html"))[0], raw / "good.html")
    (raw / "formulas.html").write_bytes(page("Projet territorial de santé mentale", *FORMULAS))
    (site / "protected.html").write_bytes(page("Page protégée du PTSM de la Mayenne"))
    out, store = work / "curated", work / "store"
    carried = _damaged_previous(out, store)
    routes = {"/bomb.html": Encoded(gzip_bomb(160 << 20)),
              "/double.html": Encoded(gzip.compress(gzip.compress(b"\0" * (1 << 20))),
                                      "gzip, gzip")}
    with serve_folder(site, routes) as server:
        protected = server.url("protected.html").replace("://", f"://ptsm:{PASSWORD}@")
        entries = [("good", "good.html"), ("formulas", "formulas.html"),
                   ("nul", "nul\\u0000byte.pdf"), ("protected", protected),
                   ("gone", server.url("gone.pdf").replace("://", f"://ptsm:{PASSWORD}@")),
                   ("bomb", server.url("bomb.html")), ("double", server.url("double.html"))]
        (raw / "sources.toml").write_text("".join(
            f'[[source]]\nid = "{sid}"\nuri = "{uri}"\n\n' for sid, uri in entries))
        run = run_cli("run", "--sources", str(raw / "sources.toml"), "--out", str(out),
                      "--store", str(store), "--allow-host", "127.0.0.1",
                      "--task-runner", "thread", home=prefect_home)
        auth = [r.headers.get("Authorization") for r in server.requests
                if r.path == "/protected.html"]
    export = run_cli("export", "--out", str(out), "--format", "csv", home=prefect_home)
    return {"run": run, "export": export, "out": out, "store": store, "auth": auth,
            "carried": carried, "rss": resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss}


def test_faulty_run_publishes_the_good_documents(faulty_run: dict) -> None:
    run = faulty_run["run"]
    assert run.returncode == 3, run.stdout + run.stderr
    assert "Traceback" not in run.stdout + run.stderr
    out = faulty_run["out"]
    documents = pd.read_parquet(out / "documents")
    current = documents[documents.is_current]
    assert sorted(current.source_id) == ["formulas", "gone", "good", "protected"]
    assert set(current[current.source_id != "gone"].status) == {"ok"}
    quarantine = pd.read_parquet(out / "quarantine")
    outcome = dict(zip(quarantine.source_id, quarantine.error_type, strict=True))
    assert outcome == {"nul": "invalid_uri", "gone": "http_404", "bomb": "too_large",
                       "double": "unsupported_encoding"}
    assert not damaged_files(out)


def test_damaged_previous_snapshot_is_reported_and_rebuilt(faulty_run: dict) -> None:
    run, out = faulty_run["run"], faulty_run["out"]
    assert "previous dataset" in run.stdout + run.stderr and "passages" in run.stderr
    gone = pd.read_parquet(out / "documents").query("source_id == 'gone'")
    assert gone.source_status.tolist() == ["missing"]  # carried over, not lost
    passages = pd.read_parquet(out / "passages")
    rebuilt = passages[passages.doc_id == faulty_run["carried"]]
    assert "Le COPIL s'est réuni." in rebuilt.text.tolist()  # read again from its raw file
    manifest = json.loads((out / "_manifest.json").read_text())
    assert any("unreadable" in p for p in manifest["repaired"])


def test_faulty_run_keeps_memory_bounded(faulty_run: dict) -> None:
    assert faulty_run["rss"] < 1024 * 1024  # KiB: the 160 MiB bomb never fully decoded


def test_faulty_run_leaks_no_password(faulty_run: dict) -> None:
    assert faulty_run["auth"] and all(a and a.startswith("Basic ") for a in faulty_run["auth"])
    places = {"console": "".join(faulty_run[k].stdout + faulty_run[k].stderr
                                 for k in ("run", "export"))}
    for root in (snapshots_dir(faulty_run["out"]), exports_dir(faulty_run["out"]),
                 faulty_run["store"]):
        for path in root.rglob("*"):  # tables, manifests, exports, DuckDB, log, state, cache
            if path.is_file():
                places[str(path)] = path.read_bytes().decode("latin-1")
    leaked = [where for where, text in places.items() if PASSWORD in text]
    assert not leaked
    assert any("fetch_log.jsonl" in p for p in places)


def test_faulty_run_exports_no_formula(faulty_run: dict) -> None:
    assert faulty_run["export"].returncode == 0, faulty_run["export"].stderr
    passages = pd.read_csv(exports_dir(faulty_run["out"]) / "csv" / "passages.csv",
                           encoding="utf-8-sig", keep_default_na=False)
    texts = passages["text"].tolist()
    assert "'" + FORMULAS[0] in texts and not [t for t in texts if t[:1] in "=+-@"]

