"""The PDF reader's fast path (pypdfium2) gives the same words, tables and blocks as pdfplumber."""

from __future__ import annotations

import random
from pathlib import Path

import numpy as np
import pdfplumber
import pypdfium2 as pdfium
import pypdfium2.raw as pdfium_c
import pytest
from pdfplumber.table import TableFinder, TableSettings

from pipeline.readers import pdf_fast, pdfium_bulk
from pipeline.readers.pdf import PdfSettings, read_pdf
from pipeline.readers.pdf_fast import (
    _CLASS,
    FastPage,
    FastPdf,
    FastSettings,
    PageCheck,
    group_words,
    inspect_page,
    words_in_c,
)
from pipeline.readers.pdf_layout import Word, words_from_plumber
from pipeline.readers.pdf_ruled import find_cells

FIXTURES = Path(__file__).resolve().parent / "fixtures" / "pdf"
NAMES = ["table_continued.pdf", "text_features.pdf", "two_columns.pdf", "toc.pdf",
         "landscape_table.pdf", "unruled_table.pdf", "furniture.pdf", "table_chain.pdf"]
SAMPLE = FIXTURES.parents[2] / "data" / "raw" / "samples" / "ptsm53-feuille-de-route.pdf"


def _key(w: Word) -> tuple:
    return (round(w.top / 4), round(w.x0 / 4), w.text, w.size, w.bold)


@pytest.mark.parametrize("name", NAMES)
def test_fast_page_words_and_tables_match_pdfplumber(name: str) -> None:
    path = FIXTURES / name
    fast = FastPdf(path)
    try:
        with pdfplumber.open(path) as pdf:
            for number, page in enumerate(pdf.pages, start=1):
                got = fast.page(number)
                assert isinstance(got, FastPage), got
                a = sorted(got.words(0.2, 3.0), key=_key)
                b = sorted(words_from_plumber(page.extract_words(
                    extra_attrs=["size", "fontname"], x_tolerance_ratio=0.2,
                    y_tolerance=3.0)), key=_key)
                assert [(w.text, w.size, w.bold) for w in a] == \
                    [(w.text, w.size, w.bold) for w in b]
                for x, y in zip(a, b, strict=True):
                    assert max(abs(x.x0 - y.x0), abs(x.x1 - y.x1), abs(x.top - y.top),
                               abs(x.bottom - y.bottom)) < 1.5
                ruled = PdfSettings().tables.ruled
                cells = [t.cells for t in got.find_tables(ruled)]
                expected = [t.cells for t in page.find_tables(ruled)]
                assert [len(c) for c in cells] == [len(c) for c in expected]
                for c, e in zip(cells, expected, strict=True):  # PDFium's points are float32
                    assert np.allclose(c, e, atol=0.01)
                got.close()
    finally:
        fast.close()


def test_characters_read_in_c_and_in_python_agree() -> None:
    """The characters the C helper reads into the page buffers are the Python loop's."""
    if pdfium_bulk.native() is None:
        pytest.skip("no C compiler: only the Python loops run")
    doc = pdfium.PdfDocument(str(FIXTURES / "table_chain.pdf"))
    try:
        page = doc[0]
        text_page = pdfium_c.FPDFText_LoadPage(page)
        buffers = pdfium_bulk.PageBuffers(_CLASS, capacity=8)  # grown by the page
        c_chars = buffers.page_chars(*buffers.read_chars(text_page))
        py_chars = pdfium_bulk.read_chars(text_page)
        pdfium_c.FPDFText_ClosePage(text_page)
        page.close()
    finally:
        doc.close()
    assert len(c_chars.code) > 100
    for name in ("code", "generated", "x0", "x1", "bottom", "size", "font", "font_id", "fonts"):
        assert np.array_equal(getattr(c_chars, name), getattr(py_chars, name)), name


@pytest.mark.parametrize("name", ["text_features.pdf", "table_chain.pdf", "two_columns.pdf"])
def test_words_grouped_in_c_and_in_numpy_agree(name: str) -> None:
    if pdfium_bulk.native() is None:
        pytest.skip("no C compiler: only the numpy grouping runs")
    fast = FastPdf(FIXTURES / name)
    buffers = pdfium_bulk.PageBuffers(_CLASS, capacity=16)  # grown by the first page
    try:
        for number in range(1, len(fast) + 1):
            page = fast.page(number)
            assert isinstance(page, FastPage)
            text_page = pdfium_c.FPDFText_LoadPage(page._page)
            chars = pdfium_bulk.read_chars(text_page)
            n, n_fonts = buffers.read_chars(text_page)
            pdfium_c.FPDFText_ClosePage(text_page)
            again = buffers.page_chars(n, n_fonts)
            for field in ("code", "generated", "x0", "x1", "bottom", "size", "font", "font_id",
                          "fonts"):
                a, b = getattr(chars, field), getattr(again, field)
                assert a.dtype == b.dtype and np.array_equal(a, b), field
            in_c = words_in_c(buffers, n, n_fonts, page.height, page._font, 0.2, 3.0)
            in_numpy = group_words(chars, page.height, page._font, 0.2, 3.0)
            assert len(in_c[0]) > 10 and in_c[0] == in_numpy[0]
            assert [type(w.bold) for w in in_c[0]] == [bool] * len(in_c[0])
            for a, b in zip(in_c[1], in_numpy[1], strict=True):
                assert a.dtype == b.dtype and np.array_equal(a, b)
            page.close()
    finally:
        fast.close()


def test_words_grouped_in_c_and_in_numpy_agree_on_shuffled_characters() -> None:
    if pdfium_bulk.native() is None:
        pytest.skip("no C compiler: only the numpy grouping runs")
    fonts = {11: ("F1", False), 22: ("F1-Bold", True), 33: ("F1", False)}  # 33: F1 again
    codes = [ord(c) for c in "abcdeé-1 \ufb01"] + [0x02, 0x0A, 0x20, 0x20]
    rnd = random.Random(3)
    buffers = pdfium_bulk.PageBuffers(_CLASS, capacity=8)
    for _ in range(300):
        n = rnd.randint(1, 300)
        if n > buffers.capacity:
            buffers._allocate(n)
        lines = [rnd.uniform(50, 800) for _ in range(rnd.randint(1, 12))]
        b = buffers
        b.code[:n] = [rnd.choice(codes) for _ in range(n)]
        b.generated[:n] = [rnd.random() < 0.2 for _ in range(n)]
        b.x0[:n] = [rnd.choice([rnd.uniform(0, 500), rnd.randrange(0, 60, 3)]) for _ in range(n)]
        b.x1[:n] = b.x0[:n] + [rnd.choice([-1.0, 0.0, 3.0, 5.5, 12.0]) for _ in range(n)]
        b.bottom[:n] = [rnd.choice(lines) + rnd.choice([0.0, 0.0, 1.0, 2.5, -4.0])
                        for _ in range(n)]
        stretches = np.repeat(np.arange(n), [rnd.randint(1, 40) for _ in range(n)])[:n]
        b.size[:n] = np.array([rnd.choice([9.0, 10.0, 10.00001, 12.0]) for _ in range(n)])[
            stretches]  # one font and size per text object
        b.font_id[:n] = np.array([rnd.randrange(3) for _ in range(n)])[stretches]
        b.fonts[:3] = [11, 22, 33]
        b.font[:n] = b.fonts[b.font_id[:n]]
        if rnd.random() < 0.05:  # not a number: the numpy grouping decides
            b.x0[rnd.randrange(n)] = np.nan
        elif rnd.random() < 0.05:  # infinite (inf - inf is NaN): the numpy grouping too
            i = rnd.randrange(n)
            b.size[i] = b.bottom[i] = np.inf
        chars = b.page_chars(n, 3)
        in_c = words_in_c(b, n, 3, 842.0, fonts.__getitem__, 0.2, 3.0)
        in_numpy = group_words(chars, 842.0, fonts.__getitem__, 0.2, 3.0)
        assert repr(in_c[0]) == repr(in_numpy[0])
        for x, y in zip(in_c[1], in_numpy[1], strict=True):
            assert x.dtype == y.dtype and np.array_equal(x, y, equal_nan=True)


def test_ruling_edges_in_c_and_in_python_agree() -> None:
    """The C classification of path segments into edges is pdf_fast._edges, NaN and -0.0
    included."""
    import ctypes

    lib = pdfium_bulk.native()
    if lib is None:
        pytest.skip("no C compiler: only the Python edges run")
    rnd = random.Random(5)
    values = [0.0, -0.0, 10.0, 10.0005, 300.0, np.nan]
    for _ in range(500):
        m = rnd.randint(0, 6)
        segs = np.empty((m, 4))
        for row in segs:
            x, y = rnd.choice(values), rnd.choice(values)
            row[:] = (x, y, x, rnd.choice(values)) if rnd.random() < 0.5 else \
                (x, y, rnd.choice(values), y)
        v, h = np.empty((m, 5)), np.empty((m, 5))
        counts = np.zeros(2, np.int32)
        pointer = ctypes.c_void_p
        got = lib.ptsm_ruling_edges(
            ctypes.c_int(m), pointer(segs.ctypes.data), ctypes.c_double(792.0),
            ctypes.c_double(1e-3), pointer(v.ctypes.data), pointer(h.ctypes.data),
            pointer(counts.ctypes.data))
        expected = pdf_fast._edges(segs, 792.0)
        if expected is None:
            assert got == -1
            continue
        nv, nh = counts.tolist()
        assert repr((v[:nv].tolist(), h[:nh].tolist())) == repr(expected)


@pytest.mark.parametrize("name", [*NAMES, "scanned.pdf"])
def test_pages_inspected_in_c_and_in_python_agree(name: str) -> None:
    if pdfium_bulk.native() is None:
        pytest.skip("no C compiler: only the Python inspection runs")
    buffers = pdfium_bulk.ObjectBuffers(objects=1, segments=1)  # grown by the pages
    doc = pdfium.PdfDocument(str(FIXTURES / name))
    reasons = set()
    try:
        for index in range(len(doc)):
            page = pdfium_c.FPDF_LoadPage(doc, index)
            for settings in (FastSettings(), FastSettings(max_objects=2)):
                in_c = inspect_page(page, settings, buffers)
                with pytest.MonkeyPatch.context() as patch:
                    patch.setattr(pdfium_bulk, "native", lambda: None)
                    patch.setattr(pdf_fast, "native", lambda: None)
                    in_python = inspect_page(page, settings)
                assert repr(in_c) == repr(in_python)  # -0.0 too
                reasons.add(in_c.reason)
            pdfium_c.FPDF_ClosePage(page)
        assert "straight lines only" in reasons
    finally:
        doc.close()


def _by_page(doc) -> dict[int, list[tuple]]:
    pages: dict[int, list[tuple]] = {}
    for b in doc.blocks:
        pages.setdefault(b.page, []).append((b.kind, b.level, b.text, b.rows, b.bbox))
    return pages


def test_sample_reads_the_same_page_by_page() -> None:
    fast = read_pdf(SAMPLE, source_uri="t", doc_id="t")
    slow = read_pdf(SAMPLE, source_uri="t", doc_id="t",
                    settings=PdfSettings(fast=FastSettings(enabled=False)))
    assert fast.meta["fast_pages"] == list(range(1, fast.n_pages + 1))
    assert (fast.title, fast.status, fast.warnings) == (slow.title, slow.status, slow.warnings)
    a, b = _by_page(fast), _by_page(slow)
    assert sorted(a) == sorted(b)
    for page in a:
        assert [x[:4] for x in a[page]] == [y[:4] for y in b[page]], page
        for x, y in zip(a[page], b[page], strict=True):
            assert max(abs(p - q) for p, q in zip(x[4], y[4], strict=True)) < 1.5, page


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


def test_turned_text_sends_the_page_to_pdfplumber(tmp_path: Path,
                                                  monkeypatch: pytest.MonkeyPatch) -> None:
    from reportlab.pdfgen import canvas

    path = tmp_path / "turned.pdf"
    pdf = canvas.Canvas(str(path), pagesize=(300, 300))
    pdf.drawString(20, 20, "upright")
    pdf.translate(150, 150)
    pdf.rotate(90)
    pdf.drawString(0, 0, "turned")
    pdf.showPage()
    pdf.save()
    fast = FastPdf(path)
    try:
        check = fast.page(1)
        assert isinstance(check, PageCheck) and check.reason == "rotated or mirrored text"
        page = pdfium_c.FPDF_LoadPage(fast.doc, 0)
        turned = [pdfium_bulk.read_objects(page).turned_text]
        monkeypatch.setattr(pdfium_bulk, "native", lambda: None)
        turned.append(pdfium_bulk.read_objects(page).turned_text)
        pdfium_c.FPDF_ClosePage(page)
    finally:
        fast.close()
    assert turned == [1, 1]


def test_scanned_page_still_flagged_for_ocr() -> None:
    doc = read_pdf(FIXTURES / "scanned.pdf", source_uri="t", doc_id="t")
    slow = read_pdf(FIXTURES / "scanned.pdf", source_uri="t", doc_id="t",
                    settings=PdfSettings(fast=FastSettings(enabled=False)))
    assert doc.meta["fast_pages"] == [1, 2]
    assert doc.meta["needs_ocr_pages"] == slow.meta["needs_ocr_pages"] == [2]


class _EdgesPage:
    """Just what pdfplumber's TableFinder reads of a page: its edges and box."""

    def __init__(self, edges: list[dict]) -> None:
        self.edges = edges
        self.bbox = (0.0, 0.0, 600.0, 800.0)


def _random_edges(rnd: random.Random) -> list[dict]:
    """Ruling lines on a few jittered grid lines: some snap, join, cross or fall short."""
    xs = sorted(rnd.uniform(0, 500) for _ in range(rnd.randint(1, 6)))
    ys = sorted(rnd.uniform(0, 700) for _ in range(rnd.randint(1, 8)))
    edges = []
    for _ in range(rnd.randint(0, 40)):
        vertical = rnd.random() < 0.5
        at, span = (xs, ys) if vertical else (ys, xs)
        pos = rnd.choice(at) + rnd.choice([0.0, 0.0, rnd.uniform(-4, 4)])
        a, b = sorted(rnd.sample(span, 2) if len(span) > 1 else [span[0], span[0] + 30])
        a, b = sorted((a + rnd.choice([0.0, rnd.uniform(-4, 4)]),
                       b + rnd.choice([0.0, rnd.uniform(-4, 4)])))
        if vertical:
            edges.append({"object_type": "line", "orientation": "v", "x0": pos, "x1": pos,
                          "top": a, "bottom": b, "width": 0.0, "height": b - a})
        else:
            edges.append({"object_type": "line", "orientation": "h", "x0": a, "x1": b,
                          "top": pos, "bottom": pos, "width": b - a, "height": 0.0})
    return edges


def test_ruled_cells_are_pdfplumbers() -> None:
    settings = TableSettings.resolve(PdfSettings().tables.ruled)
    rnd = random.Random(7)
    with_tables = 0
    for _ in range(400):
        edges = _random_edges(rnd)
        expected = [t.cells for t in TableFinder(_EdgesPage(edges), settings).tables]
        assert find_cells(edges, settings) == expected
        with_tables += bool(expected)
    assert with_tables > 100
