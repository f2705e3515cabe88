"""The PDF reader's fast path (pypdfium2) gives the same words, tables and blocks as pdfplumber."""

from __future__ import annotations

from pathlib import Path

import pdfplumber
import pytest

from pipeline.readers.pdf import PdfSettings, read_pdf
from pipeline.readers.pdf_fast import FastPage, FastPdf, FastSettings

FIXTURES = Path(__file__).resolve().parent / "fixtures" / "pdf"
WORDS = {"extra_attrs": ["size", "fontname"], "x_tolerance_ratio": 0.2, "y_tolerance": 3.0}
NAMES = ["table_continued.pdf", "text_features.pdf", "two_columns.pdf", "toc.pdf",
         "landscape_table.pdf", "unruled_table.pdf", "furniture.pdf"]


def _key(w: dict) -> tuple:
    return (round(w["top"] / 4), round(w["x0"] / 4), w["text"], round(w["size"], 1),
            w["fontname"].split("+")[-1])


def _same_words(fast: list[dict], slow: list[dict]) -> None:
    a, b = sorted(fast, key=_key), sorted(slow, key=_key)
    assert [w["text"] for w in a] == [w["text"] for w in b]
    for x, y in zip(a, b, strict=True):
        assert abs(x["x0"] - y["x0"]) < 1.5 and abs(x["top"] - y["top"]) < 1.5
        assert abs(x["size"] - y["size"]) < 0.01 and x["fontname"].endswith(
            y["fontname"].split("+")[-1])


@pytest.mark.parametrize("name", NAMES)
def test_fast_page_words_and_tables_match_pdfplumber(name: str) -> None:
    path = FIXTURES / name
    fast = FastPdf(path)
    try:
        with pdfplumber.open(path) as pdf:
            for number, page in enumerate(pdf.pages, start=1):
                got = fast.page(number, page)
                assert isinstance(got, FastPage), got
                _same_words(got.extract_words(**WORDS), page.extract_words(**WORDS))
                ruled = PdfSettings().tables.ruled
                assert [len(t.cells) for t in got.find_tables(ruled)] == \
                    [len(t.cells) for t in page.find_tables(ruled)]
                got.close()
    finally:
        fast.close()


@pytest.mark.parametrize("name", NAMES)
def test_fast_and_pdfplumber_readers_give_the_same_blocks(name: str) -> None:
    path = FIXTURES / name
    fast = read_pdf(path, source_uri="t", doc_id="t")
    slow = read_pdf(path, source_uri="t", doc_id="t",
                    settings=PdfSettings(fast=FastSettings(enabled=False)))
    assert fast.meta["fast_pages"] == list(range(1, fast.n_pages + 1))
    assert slow.meta["fast_pages"] == []
    assert [(b.kind, b.level, b.page, b.text, b.rows) for b in fast.blocks] == \
        [(b.kind, b.level, b.page, b.text, b.rows) for b in slow.blocks]
    for a, b in zip(fast.blocks, slow.blocks, strict=True):
        assert max(abs(x - y) for x, y in zip(a.bbox, b.bbox, strict=True)) < 1.5


def test_scanned_page_still_flagged_for_ocr() -> None:
    doc = read_pdf(FIXTURES / "scanned.pdf", source_uri="t", doc_id="t")
    slow = read_pdf(FIXTURES / "scanned.pdf", source_uri="t", doc_id="t",
                    settings=PdfSettings(fast=FastSettings(enabled=False)))
    assert doc.meta["fast_pages"] == [1, 2]
    assert doc.meta["needs_ocr_pages"] == slow.meta["needs_ocr_pages"] == [2]
