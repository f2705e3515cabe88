"""Scheduled re-ingestion from the web: incremental, versioned, atomic (real HTTP server)."""

from __future__ import annotations

import json
import os
import shutil
import signal
import socket
import subprocess
import sys
import time
from pathlib import Path

import pandas as pd
import pytest
from conftest import ROOT, SAMPLES, run_cli
from http_server import FailThen, File, Status, serve_folder

from pipeline.dataset.lock import LockedError, output_lock
from pipeline.dataset.publish import snapshots_dir

PAGES = ["ptsm35-composition-du-ptsm.html", "ct-sante-idf-arrete-ptsm77.html",
         "ptsm-methode-co-construction.html"]


def _closed_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]  # nothing listens there once the socket is closed


def _sources(base: str) -> str:
    entries = [(p.removesuffix(".html"), f"{base}/{p}") for p in PAGES]
    entries += [("flaky", f"{base}/flaky.html"), ("gone", f"{base}/gone.html"),
                ("vanishing", f"{base}/vanishing.html"),
                ("refused", f"http://127.0.0.1:{_closed_port()}/ptsm.html")]
    return "".join(f'[[source]]\nid = "{i}"\nuri = "{u}"\n\n' for i, u in entries)


def _manifest(out: Path) -> dict:
    return json.loads((out / "_manifest.json").read_text())


@pytest.fixture(scope="module")
def site(tmp_path_factory: pytest.TempPathFactory):
    folder = tmp_path_factory.mktemp("site")
    for page in PAGES:
        shutil.copy(SAMPLES / page, folder / page)
    # distinct bytes (the same bytes under two names would be one document)
    for name, page in (("vanishing.html", PAGES[0]), ("flaky-body.html", PAGES[2])):
        text = (SAMPLES / page).read_text(encoding="utf-8")
        (folder / name).write_text(text.replace("</main>", f"<p>{name}</p></main>"),
                                   encoding="utf-8")
    routes = {"/flaky.html": FailThen(2, File("flaky-body.html")),
              "/gone.html": Status(404)}
    with serve_folder(folder, routes=routes) as server:
        yield server, folder


@pytest.fixture(scope="module")
def runs(site, tmp_path_factory, prefect_home) -> dict:
    """Three runs: first, nothing changed, one page changed + one source gone."""
    server, folder = site
    work = tmp_path_factory.mktemp("incremental")
    sources = work / "sources.toml"
    sources.write_text(_sources(server.url("").rstrip("/")))
    out = work / "curated"

    def run() -> subprocess.CompletedProcess:
        return run_cli("run", "--sources", str(sources), "--out", str(out), "--store",
                       str(work / "store"), "--allow-host", "127.0.0.1", home=prefect_home)

    result: dict = {"out": out, "server": server}
    result["first"] = run()
    result["first_manifest"] = _manifest(out)
    result["first_documents"] = pd.read_parquet(out / "documents")
    result["first_passages"] = pd.read_parquet(out / "passages")
    result["hits_after_first"] = dict(server.hits)
    result["second"] = run()
    result["second_manifest"] = _manifest(out)
    result["second_passages"] = pd.read_parquet(out / "passages")
    page = folder / PAGES[1]
    page.write_text(page.read_text().replace("signature de l’Arrêté",
                                             "signature officielle de l’Arrêté"))
    server.routes["/vanishing.html"] = Status(404)
    result["third"] = run()
    result["third_manifest"] = _manifest(out)
    return result


def test_first_run_ingests_all_retries_transient_errors_and_quarantines_404(runs) -> None:
    first = runs["first"]
    assert first.returncode == 3, first.stdout + first.stderr
    assert runs["first_manifest"]["documents_processed"] == 5
    assert runs["hits_after_first"]["/flaky.html"] == 3  # 500, 500, then 200
    quarantine = pd.read_parquet(runs["out"] / "quarantine")
    assert "gone" in set(quarantine.source_id)
    gone = quarantine[quarantine.source_id == "gone"].iloc[0]
    assert gone.error_type == "http_404" and "404" in gone.message
    refused = quarantine[quarantine.source_id == "refused"].iloc[0]
    assert "Connection refused" in refused.message and "\n" not in refused.message
    # a refused connection is retried, then quarantined: log lines, no traceback
    assert "Traceback" not in first.stdout + first.stderr


def test_second_run_rereads_nothing_and_publishes_the_same_dataset(runs) -> None:
    assert runs["second"].returncode == 3  # the 404 source is still quarantined
    manifest = runs["second_manifest"]
    assert manifest["documents_processed"] == 0
    assert manifest["documents_unchanged"] == 5
    assert manifest["tables"] == runs["first_manifest"]["tables"]
    cols = ["passage_id", "doc_id", "text", "cluster_id", "is_canonical"]
    first = runs["first_passages"][cols].sort_values("passage_id").reset_index(drop=True)
    second = runs["second_passages"][cols].sort_values("passage_id").reset_index(drop=True)
    pd.testing.assert_frame_equal(first, second)
    # conditional requests: the unchanged pages answered 304
    statuses = [r for r in runs["server"].requests if r.path == f"/{PAGES[0]}"]
    assert any("If-None-Match" in r.headers for r in statuses)


def test_a_changed_page_becomes_a_new_current_version(runs) -> None:
    assert runs["third_manifest"]["documents_processed"] == 1
    docs = pd.read_parquet(runs["out"] / "documents")
    changed = docs[docs.source_id == PAGES[1].removesuffix(".html")].sort_values("version")
    assert list(changed.version) == [1, 2]
    assert list(changed.is_current) == [False, True]
    assert changed.superseded_by.iloc[0] == changed.doc_id.iloc[1]
    first_ids = set(runs["first_documents"].doc_id)
    assert changed.doc_id.iloc[0] in first_ids and changed.doc_id.iloc[1] not in first_ids


def test_a_vanished_source_is_marked_not_erased(runs) -> None:
    docs = pd.read_parquet(runs["out"] / "documents")
    vanished = docs[docs.source_id == "vanishing"]
    assert len(vanished) == 1 and vanished.source_status.item() == "missing"
    passages = pd.read_parquet(runs["out"] / "passages")
    assert (passages.doc_id == vanished.doc_id.item()).sum() > 10


def test_a_second_run_cannot_publish_into_the_same_output(tmp_path: Path) -> None:
    out = tmp_path / "curated"
    with output_lock(out), pytest.raises(LockedError, match="being published"), \
            output_lock(out):
        pass


def test_killed_while_publishing_leaves_the_previous_dataset(runs, tmp_path, prefect_home):
    out = runs["out"]
    before = _manifest(out)
    snapshots = snapshots_dir(out)
    env = {**os.environ, "PREFECT_HOME": str(prefect_home), "PREFECT_LOGGING_LEVEL": "WARNING"}
    sources = out.parent / "sources.toml"
    args = [sys.executable, "-m", "pipeline.cli", "run", "--sources", str(sources), "--out",
            str(out), "--store", str(tmp_path / "fresh-store"), "--allow-host", "127.0.0.1"]
    proc = subprocess.Popen(args, cwd=ROOT, env=env, stdout=subprocess.DEVNULL,
                            stderr=subprocess.DEVNULL)
    deadline = time.monotonic() + 600
    killed = False
    while proc.poll() is None and time.monotonic() < deadline:
        if any(p.name.startswith(".staging-") for p in snapshots.iterdir()):
            proc.send_signal(signal.SIGKILL)
            killed = True
            break
        time.sleep(0.005)
    proc.wait()
    if not killed:
        pytest.skip("the run finished publishing before it could be killed")
    assert _manifest(out) == before  # still the previous snapshot, complete
    for table, count in before["tables"].items():
        assert len(pd.read_parquet(out / table)) == count, table
    again = run_cli(*args[3:], home=prefect_home)
    assert again.returncode == 3, again.stderr[-2000:]
    assert _manifest(out)["run_id"] != before["run_id"]
    assert not any(p.name.startswith(".staging-") for p in snapshots.iterdir())


def test_a_run_with_nothing_changed_republishes_without_reading(tmp_path: Path,
                                                                 prefect_home: Path) -> None:
    """No quarantine, same bytes, same code: a new snapshot whose table files are hard
    links to the previous ones; any change (here one page) takes the full path again."""
    raw = tmp_path / "raw"
    raw.mkdir()
    for page in PAGES:
        shutil.copy(SAMPLES / page, raw / page)
    out = tmp_path / "curated"

    def run() -> dict:  # the default store: next to the output, not in the inputs
        proc = run_cli("run", "--raw", str(raw), "--out", str(out), home=prefect_home)
        assert proc.returncode == 0, proc.stdout + proc.stderr
        return _manifest(out)

    first = run()
    assert sorted(p.name for p in raw.iterdir()) == sorted(PAGES)
    assert (tmp_path / "store" / "fetch_log.jsonl").is_file()
    first_files = {p.relative_to(out): p.stat().st_ino for p in out.rglob("*.parquet")}
    (out / "report.html").write_text("report of the first run")  # as `ptsm report` does
    second = run()
    assert not (out / "report.html").exists()  # tables only: no stale report shared
    assert second["run_id"] != first["run_id"]
    assert second["unchanged_since"] == first["run_id"]
    assert second["dataset_fingerprint"] == first["dataset_fingerprint"]
    assert (second["documents_processed"], second["documents_unchanged"]) == (0, 3)
    assert first["flow_run_id"] and second["flow_run_id"] is None  # checked before Prefect
    assert second["tables"] == first["tables"]
    assert out.resolve().name == second["run_id"]  # a new snapshot, switched to
    assert {p.relative_to(out): p.stat().st_ino for p in out.rglob("*.parquet")} == first_files
    assert (out / "ptsm.duckdb").is_file()
    page = raw / PAGES[1]
    page.write_text(page.read_text().replace("signature de l’Arrêté",
                                             "signature officielle de l’Arrêté"))
    third = run()
    assert "unchanged_since" not in third
    assert (third["documents_processed"], third["documents_unchanged"]) == (1, 2)
