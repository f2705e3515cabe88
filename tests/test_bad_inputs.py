"""Bad inputs through the real pipeline: nothing lost, nothing crashes the batch.

One `ptsm run` (session fixture `batch`) on the corpus of tests/fixtures/bad/ (made by
scripts/make_bad_inputs.py), the 50 MB HTML generated here, the good sample web pages, a
good URL, a file:// source outside the roots and a URL redirecting to a link-local address.
"""

from __future__ import annotations

import importlib.util
import shutil
from dataclasses import dataclass
from pathlib import Path

import pandas as pd
import pytest
from conftest import FIXTURES, ROOT, SAMPLES, run_cli
from http_server import Redirect, serve_folder

from pipeline.ingest.sniff import sniff_media_type

BAD = FIXTURES / "bad"
MAX_PAGES = 10  # too_many_pages.pdf has 12


def _load_maker():
    spec = importlib.util.spec_from_file_location("make_bad_inputs",
                                                  ROOT / "scripts" / "make_bad_inputs.py")
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


maker = _load_maker()
EXPECTED = {**maker.EXPECTED, maker.BIG_HTML: maker.BIG_EXPECTED}
GOOD = sorted(p.name for p in SAMPLES.glob("*.html"))


@dataclass
class Outcome:
    returncode: int
    stdout: str
    stderr: str
    documents: pd.DataFrame
    quarantine: pd.DataFrame

    def quarantined(self, source_id: str) -> list[dict]:
        return self.quarantine[self.quarantine.source_id == source_id].to_dict("records")

    def document(self, source_id: str) -> dict | None:
        rows = self.documents[self.documents.source_id == source_id].to_dict("records")
        return rows[0] if rows else None


def _outcome(proc, out: Path) -> Outcome:
    assert (out / "documents").exists(), proc.stdout + proc.stderr
    return Outcome(proc.returncode, proc.stdout, proc.stderr,
                   pd.read_parquet(out / "documents"), pd.read_parquet(out / "quarantine"))


@pytest.fixture(scope="session")
def batch(tmp_path_factory: pytest.TempPathFactory, prefect_home: Path) -> Outcome:
    """One real run: every bad input, the 50 MB HTML, the good web pages, plus a good URL,
    a file:// source escaping the roots and a URL redirecting to a link-local address.

    (One sources.toml listing every file of the raw folder by name, like `--raw` does,
    so that a single Prefect start covers both the corpus and the fetcher sources.)
    """
    work = tmp_path_factory.mktemp("bad")
    raw, site, outside = work / "raw", work / "site", work / "outside"
    shutil.copytree(BAD, raw)
    maker.make_big_html(raw / maker.BIG_HTML)
    for name in GOOD:
        shutil.copy(SAMPLES / name, raw / name)
    site.mkdir()
    outside.mkdir()
    (site / "page.html").write_bytes(maker.good_html("Une page servie en HTTP"))
    (outside / "secret.html").write_text("<html><body><p>secret</p></body></html>")
    entries = [(p.name, p.name) for p in sorted(raw.iterdir())]
    routes = {"/to-metadata": Redirect("http://169.254.169.254/latest/meta-data/")}
    with serve_folder(site, routes) as server:
        entries += [("good-url", server.url("page.html")),
                    ("escape", f"file://{raw}/../outside/secret.html"),
                    ("metadata", server.url("to-metadata"))]
        (raw / "sources.toml").write_text("".join(
            f"[[source]]\nid = '{sid}'\nuri = '{uri}'\n\n" for sid, uri in entries),
            encoding="utf-8")
        out = work / "curated"
        proc = run_cli("run", "--sources", str(raw / "sources.toml"), "--out", str(out),
                       "--store", str(work / "store"), "--max-pages", str(MAX_PAGES),
                       "--allow-host", "127.0.0.1", home=prefect_home)
    return _outcome(proc, out)


def test_corpus_is_complete_small_and_reproducible(tmp_path: Path) -> None:
    committed = sorted(p.name for p in BAD.iterdir())
    assert committed == sorted(maker.EXPECTED) and len(EXPECTED) >= 15
    assert sum(p.stat().st_size for p in BAD.iterdir()) < 300_000
    maker.make_corpus(tmp_path)
    for name in committed:  # the script makes exactly the committed bytes
        assert (tmp_path / name).read_bytes() == (BAD / name).read_bytes(), name


def test_big_html_is_big_nested_cp1252_without_charset(tmp_path: Path) -> None:
    path = maker.make_big_html(tmp_path / "big.html")
    data = path.read_bytes()
    assert path.stat().st_size >= 50 * 1024 * 1024
    assert b"charset" not in data and b"<script>" in data and b"<div class='niveau'>" * 200 in data
    assert sniff_media_type(data) == "text/html"
    data.decode("cp1252")
    with pytest.raises(UnicodeDecodeError):
        data.decode("utf-8")


def test_batch_finishes_with_status_3_and_no_crash(batch: Outcome) -> None:
    assert batch.returncode == 3, batch.stdout + batch.stderr
    assert "Traceback" not in batch.stderr
    crashes = batch.quarantine[batch.quarantine.error_type.str.endswith("_crash")]
    assert crashes.empty, crashes.to_dict("records")


@pytest.mark.parametrize("name", sorted(EXPECTED))
def test_each_bad_input_is_quarantined_or_partial(batch: Outcome, name: str) -> None:
    kind, expected, detail = EXPECTED[name]
    rows = batch.quarantined(name)
    if kind == "quarantine":
        stage, error_type = expected, detail
        assert [(r["stage"], r["error_type"]) for r in rows] == [(stage, error_type)], rows
        row = rows[0]
        assert row["source_uri"].endswith(name) and name in row["message"]
        assert len(row["message"]) > len(name) + 20  # says what is wrong, not just where
        if error_type != "empty_file":
            assert len(row["sha256"]) == 64
    else:
        status, media_type = expected, detail
        assert rows == []
        doc = batch.document(name)
        assert doc is not None and doc["status"] == status, doc
        assert doc["media_type"] == media_type  # sniffed from the bytes, not the name
        if status == "partial":
            assert doc["error"], "a partial document says what is missing"


def test_messages_a_person_understands(batch: Outcome) -> None:
    messages = {r["source_id"]: r["message"] for r in batch.quarantine.to_dict("records")}
    assert "password" in messages["encrypted_password.pdf"]
    assert f"more than the limit of {MAX_PAGES}" in messages["too_many_pages.pdf"]
    assert "uncompressed" in messages["zip_bomb.docx"]
    assert "ENTITY" in messages["xxe.docx"]
    assert "empty" in messages["empty.pdf"]
    assert "damaged or truncated" in messages["truncated.pdf"]
    assert "more than the limit" in messages[maker.BIG_HTML]
    dup = messages["duplicate_b.html"]
    assert "same content" in dup and "duplicate_a.html" in dup


def test_partial_documents_say_why(batch: Outcome) -> None:
    assert batch.document("scanned_image_only.pdf")["n_ocr_pages"] == 1
    assert "cross-reference" in batch.document("broken_xref.pdf")["error"]
    nested = batch.document("nested_cp1252_scripts.html")
    assert "stopped early" in nested["error"]


def test_duplicate_content_published_once(batch: Outcome) -> None:
    docs = batch.documents
    sha = docs[docs.source_id == "duplicate_a.html"].sha256.iloc[0]
    assert (docs.sha256 == sha).sum() == 1
    assert batch.quarantined("duplicate_b.html")[0]["sha256"] == sha


def test_good_documents_are_all_published_ok(batch: Outcome) -> None:
    for name in GOOD:
        doc = batch.document(name)
        assert doc is not None and doc["status"] == "ok", (name, doc)
    readable = batch.document("encrypted_empty_password.pdf")
    assert readable["n_blocks"] >= 1  # an empty user password opens the file


def test_nothing_lost(batch: Outcome) -> None:
    """Every input is accounted for: a published document or a quarantine row."""
    accounted = set(batch.documents.source_id) | set(batch.quarantine.source_id)
    assert set(EXPECTED) | set(GOOD) <= accounted


# ---------------------------------------------------------------- fetcher safety


def test_file_outside_roots_and_redirect_to_private_address_refused(batch: Outcome) -> None:
    run = batch
    assert run.returncode == 3, run.stdout + run.stderr
    [escape] = run.quarantined("escape")
    assert (escape["stage"], escape["error_type"]) == ("ingest", "forbidden_path")
    assert "outside the allowed roots" in escape["message"]
    assert "secret.html" in escape["message"] and "resolves to" in escape["message"]
    [metadata] = run.quarantined("metadata")
    assert (metadata["stage"], metadata["error_type"]) == ("ingest", "private_address")
    message = metadata["message"]
    assert "redirect from" in message and "169.254.169.254" in message
    assert "link-local" in message and "refused" in message
    assert run.document("good-url")["status"] == "ok"  # 127.0.0.1 allowed explicitly
