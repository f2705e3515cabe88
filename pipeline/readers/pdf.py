"""PDF reader: a PDF file → the Document IR, with pdfplumber.

One pass over the pages copies out words (with font size and weight), finds tables (ruled,
or text-aligned when a page has no ruling lines) and lays out lines in reading order
(two-column pages read column by column); each page is closed right after. Then, across
pages: running headers/footers and page numbers are dropped, lines are grouped into
paragraphs, list items, TOC entries and headings (levels from font size and weight), and a
table continued on the next page becomes one table block.

Layout rules live in pdf_layout.py, block rules in pdf_blocks.py, tables in pdf_tables.py.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from itertools import compress
from pathlib import Path
from typing import Any

import numpy as np
import pdfminer
import pdfplumber
from pdfminer.pdfdocument import PDFEncryptionError, PDFXRefFallback
from pdfminer.psparser import PSException
from pdfplumber.utils.exceptions import PdfminerException

from pipeline.readers.errors import ReaderError
from pipeline.readers.ocr import (
    OcrPage,
    OcrSettings,
    PdfOcr,
    block_confidences,
    page_warnings,
    text_layer_problem,
    tidy_ocr_lines,
)
from pipeline.readers.pdf_blocks import (
    BlockSettings,
    body_font_size,
    classify,
    furniture_key,
    group_lines,
    heading_levels,
    is_page_number,
    numbered_list_lines,
    repeated_keys,
    usual_line_gap,
)
from pipeline.readers.pdf_fast import FastPage, FastPdf, FastSettings
from pipeline.readers.pdf_layout import (
    LayoutSettings,
    Line,
    TableItem,
    Word,
    body_rows,
    find_gutter,
    group_rows,
    layout_page,
    words_from_plumber,
)
from pipeline.readers.pdf_tables import (
    TableData,
    TableSettings,
    continues,
    header_tables,
    merge_continuation,
    ruled_tables,
    text_tables,
    word_centers,
)
from schemas.document import Block, Document, finalize_blocks

PDF_MEDIA_TYPE = "application/pdf"


@dataclass
class PdfSettings:
    """Settings of the PDF reader, with their defaults.

    - header_band / footer_band: share of the page height, at the top / bottom, where
      running headers / footers and page numbers are looked for (0.08 ≈ 67 pt on A4).
    - repeat_ratio / min_repeat_pages: a band line whose text (digits replaced by '#')
      appears on at least this share of the pages, and on at least this many pages, is a
      running header/footer. Bare page numbers in the bands are always dropped.
    - max_pages: longer documents are refused (ReaderError "too_many_pages").
    - word_x_tolerance_ratio / word_y_tolerance: pdfplumber word grouping (ratio of the
      font size, so small table text is not glued into one word).
    - layout / blocks / tables: see LayoutSettings, BlockSettings (heading_size_ratio,
      paragraph gaps, …) and TableSettings (ruled / text strategies, cross-page join).
    - fast: the per-page fast path (characters and ruling lines read with pypdfium2 where
      its view matches pdfminer's; see pdf_fast.py and ``meta["fast_pages"]``).
    - ocr: OCR of pages without a usable text layer (see ocr.py and ``meta["ocr_pages"]``).
    """

    header_band: float = 0.08
    footer_band: float = 0.08
    repeat_ratio: float = 1 / 3
    min_repeat_pages: int = 2
    max_pages: int = 2000
    word_x_tolerance_ratio: float = 0.2
    word_y_tolerance: float = 3.0
    layout: LayoutSettings = field(default_factory=LayoutSettings)
    blocks: BlockSettings = field(default_factory=BlockSettings)
    tables: TableSettings = field(default_factory=TableSettings)
    fast: FastSettings = field(default_factory=FastSettings)
    ocr: OcrSettings = field(default_factory=OcrSettings)

    def __post_init__(self) -> None:
        for name in ("header_band", "footer_band", "repeat_ratio"):
            value = getattr(self, name)
            if not 0 <= value < 1:
                raise ValueError(f"PdfSettings.{name} must be in [0, 1), got {value}")
        if self.max_pages < 1:
            raise ValueError("PdfSettings.max_pages must be >= 1")


@dataclass
class PageResult:
    """What one page leaves behind once it is closed."""

    number: int
    width: float
    height: float
    items: list[Line | TableItem] = field(default_factory=list)
    tables: list[TableData] = field(default_factory=list)
    needs_ocr: str = ""  # why the text layer cannot be used ("" when it can)
    slow_reason: str = ""  # why pdfplumber read the page ("" when the fast path did)
    ocr_words: list[dict[str, Any]] | None = None  # OCR words (pages read by OCR)


# ---------------------------------------------------------------- public entry point


def read_pdf(path: Path, *, source_uri: str, doc_id: str,
             settings: PdfSettings | None = None, cache_dir: Path | None = None) -> Document:
    """Read a PDF into a Document (blocks in reading order, finalized).

    Raises ReaderError for a file that cannot be read at all (empty, not a PDF, broken
    syntax, encrypted, too many pages). Pages without a usable text layer are OCR'd
    (``meta["ocr_pages"]``; results cached under `cache_dir`); a page OCR cannot read, or
    any such page when Tesseract is missing, gets a warning and makes the status "partial".
    """
    settings = settings or PdfSettings()
    path = Path(path)
    _check_file(path)
    pdf = _open(path)
    fast = FastPdf(path, settings.fast)
    ocr = PdfOcr(path, settings.ocr, cache_dir)
    warnings: list[str] = _opening_warnings(pdf)
    pages: list[PageResult] = []
    failed: list[int] = []
    try:
        n_pages = _page_count(path, pdf, fast, warnings)
        if n_pages == 0:
            raise ReaderError(f"{path.name}: the PDF has no pages", "no_pages")
        if n_pages > settings.max_pages:
            raise ReaderError(f"{path.name}: {n_pages} pages, more than max_pages="
                              f"{settings.max_pages}", "too_many_pages")
        meta_title = _metadata_title(pdf.metadata)
        for number in range(1, n_pages + 1):
            try:
                result = _read_page_fast_or_not(pdf, number, settings, fast)
                if result.needs_ocr and ocr.available:
                    result = _read_ocr_page(ocr, result, settings)
                pages.append(result)
            except Exception as exc:  # one broken page must not lose the document
                failed.append(number)
                warnings.append(f"page {number} could not be read: {type(exc).__name__}: {exc}")
    finally:
        _close_quietly(pdf)
        fast.close()
        ocr.close()
    if failed and len(failed) == n_pages:
        raise ReaderError(f"{path.name}: no page could be read ({warnings[0]})", "pdf_syntax")

    doc = Document(doc_id=doc_id, source_uri=source_uri, media_type=PDF_MEDIA_TYPE,
                   n_pages=n_pages, warnings=warnings)
    tidy_ocr_lines(pages)
    removed = _drop_furniture(pages, settings)
    doc.blocks = finalize_blocks(_build_blocks(pages, settings))
    doc.title = meta_title or _first_top_heading(doc.blocks)
    block_confidences(doc.blocks, {p.number: p.ocr_words for p in pages if p.ocr_words is not None})
    ocr_warnings = page_warnings(pages, settings.ocr)
    doc.warnings.extend(ocr_warnings)
    needs_ocr = [p.number for p in pages if p.needs_ocr]
    doc.meta.update({
        "parser": {"pdfplumber": pdfplumber.__version__, "pdfminer.six": pdfminer.__version__},
        "removed_furniture": removed,
        "needs_ocr_pages": needs_ocr,
        "ocr_pages": [p.number for p in pages if p.ocr_words is not None],
        "failed_pages": failed,
        "fast_pages": [p.number for p in pages if not p.slow_reason],
        "pdfplumber_pages": {p.number: p.slow_reason for p in pages if p.slow_reason},
    })
    doc.meta["encrypted"] = bool(getattr(pdf.doc, "encryption", None))
    if ocr_warnings or failed or any(w.startswith(XREF_BROKEN) for w in warnings):
        doc.status = "partial"
    return doc


# ---------------------------------------------------------------- opening


def _check_file(path: Path) -> None:
    if not path.is_file():
        raise ReaderError(f"{path}: no such file", "not_found")
    if path.stat().st_size == 0:
        raise ReaderError(f"{path.name}: empty file", "empty_file")
    with path.open("rb") as fh:
        head = fh.read(1024)
    if b"%PDF-" not in head:
        raise ReaderError(f"{path.name}: not a PDF (no %PDF- header)", "pdf_syntax")


def _open(path: Path) -> pdfplumber.PDF:
    try:
        return pdfplumber.open(path)
    except PdfminerException as exc:
        cause = exc.args[0] if exc.args else exc
        if isinstance(cause, PDFEncryptionError):
            raise ReaderError(f"{path.name}: encrypted PDF, a password is needed",
                              "encrypted") from exc
        raise ReaderError(f"{path.name}: broken PDF ({cause}){DAMAGED}", "pdf_syntax") from exc
    except (PSException, ValueError, KeyError, TypeError, EOFError) as exc:
        raise ReaderError(f"{path.name}: broken PDF ({exc}){DAMAGED}", "pdf_syntax") from exc


def _page_count(path: Path, pdf: pdfplumber.PDF, fast: FastPdf, warnings: list[str]) -> int:
    """PDFium's page count when it opened the file and pdfminer found its cross-reference
    table sound (pdfplumber then builds its page tree only for a page it must read), else
    pdfplumber's (whose errors on a damaged file are the ones reported)."""
    if fast.doc is not None and not any(w.startswith(XREF_BROKEN) for w in warnings):
        return len(fast)
    try:
        return len(pdf.pages)
    except Exception as exc:  # pdfminer raises many types on broken page trees
        raise ReaderError(f"{path.name}: cannot read the page tree "
                          f"({type(exc).__name__}: {exc}){DAMAGED}", "pdf_syntax") from exc


def _close_quietly(pdf: pdfplumber.PDF) -> None:
    """Close the file even when its page tree is broken or was never built (pdfplumber's
    close() walks the pages, building them, and may raise over the ReaderError being
    reported)."""
    if getattr(pdf, "_pages", None) is not None:  # else close() would build the page tree
        try:
            pdf.close()
            return
        except Exception:  # the page tree already failed; just release the file
            pass
    stream = getattr(pdf, "stream", None)
    if stream is not None and not getattr(pdf, "stream_is_external", True):
        stream.close()


XREF_BROKEN = "the cross-reference table is broken"
DAMAGED = ": the file is damaged or truncated, get a fresh copy from its source"


def _opening_warnings(pdf: pdfplumber.PDF) -> list[str]:
    """What opening the file revealed: a broken xref recovered by scanning the objects
    (some objects may be missing or wrong, so the document is partial)."""
    if any(isinstance(x, PDFXRefFallback) for x in getattr(pdf.doc, "xrefs", [])):
        return [f"{XREF_BROKEN}: the file was recovered by scanning its objects, "
                "some content may be missing"]
    return []


def _metadata_title(metadata: dict[str, Any]) -> str | None:
    """The Title of the PDF metadata, cleaned; None when empty or a file name."""
    raw = metadata.get("Title") if metadata else None
    if isinstance(raw, bytes):
        raw = raw.decode("utf-8", "ignore")
    if not isinstance(raw, str):
        return None
    title = re.sub(r"^microsoft (word|powerpoint|excel) - ", "", " ".join(raw.split()), flags=re.I)
    title = title.strip(" -–—:|,;")
    if not title or re.search(r"\.(docx?|odt|pdf|pptx?|xlsx?|rtf)$", title, re.I):
        return None
    if title.casefold() in {"untitled", "sans titre", "document", "titre"}:
        return None
    return title


# ---------------------------------------------------------------- one page


def _read_page_fast_or_not(pdf: pdfplumber.PDF, number: int, settings: PdfSettings,
                           fast: FastPdf) -> PageResult:
    """Read page `number` from PDFium when it qualifies (pdf_fast.inspect_page), else with
    pdfplumber (whose page objects are built only then)."""
    got = fast.page(number)
    if isinstance(got, FastPage):
        try:
            return _read_page(got, number, settings)
        except Exception as exc:  # a fast-path surprise: pdfplumber reads the page
            reason = f"fast path failed: {type(exc).__name__}"
        finally:
            got.close()
    else:
        reason = got.reason
    page = pdf.pages[number - 1]
    try:
        result = _read_page(page, number, settings)
    finally:
        page.close()
    result.slow_reason = reason
    return result


def _page_words(page: Any, settings: PdfSettings) -> list[Word]:
    if isinstance(page, FastPage):
        return page.words(settings.word_x_tolerance_ratio, settings.word_y_tolerance)
    return words_from_plumber(page.extract_words(
        extra_attrs=["size", "fontname"], x_tolerance_ratio=settings.word_x_tolerance_ratio,
        y_tolerance=settings.word_y_tolerance))


def _read_page(page: Any, number: int, settings: PdfSettings) -> PageResult:
    """One page's words, tables and lines (`page`: a pdfplumber page or a FastPage)."""
    width, height = float(page.width), float(page.height)
    result = PageResult(number, width, height)
    words = _page_words(page, settings)
    if not isinstance(page, OcrPage):
        result.needs_ocr = text_layer_problem(words, len(page.images), settings.ocr) or ""
    if result.needs_ocr or not words:
        return result
    tables = ruled_tables(page, words, number, settings.tables, settings.layout)
    body_top = height * settings.header_band
    body_bottom = height * (1 - settings.footer_band)
    kept = _Kept(page, words, body_top, body_bottom)
    words, body = kept.outside(tables)
    if not tables and settings.tables.text_tables:
        # a table may start in the running-header band (the first rows of a page)
        rows = group_rows(words, settings.layout)
        tables = header_tables(words, number, width, height, settings.tables, settings.layout,
                               rows)
        if tables:
            words, body = kept.outside(tables)  # a table's own columns are no page gutter
            rows = group_rows(words, settings.layout)
        rows_of_body = body_rows(body, words, rows, *kept.outside_body(), settings.layout)
        gutter = find_gutter(body, width, settings.layout, rows_of_body)
        if gutter is None:
            found = text_tables(body, number, width, height, settings.tables, settings.layout,
                                rows_of_body)
            if found:
                tables += found
                words, body = kept.outside(found)
                rows = None
                gutter = find_gutter(body, width, settings.layout)
    else:
        rows = group_rows(words, settings.layout)  # group_rows(words), shared with the body
        gutter = find_gutter(body, width, settings.layout,
                             body_rows(body, words, rows, *kept.outside_body(),
                                        settings.layout))
    result.tables = tables
    items = [TableItem(i, *_xyxy(t.bbox)) for i, t in enumerate(tables)]
    result.items = layout_page(words, items, gutter, page=number, settings=settings.layout,
                               rows=rows)
    for it in result.items:
        if isinstance(it, Line):
            mid = (it.top + it.bottom) / 2
            it.band = "top" if mid < body_top else "bottom" if mid > body_bottom else ""
    return result


def _read_ocr_page(ocr: PdfOcr, unusable: PageResult, settings: PdfSettings) -> PageResult:
    """Read a page without a usable text layer from its OCR, with the same layout code."""
    page = ocr.page(unusable.number)
    result = _read_page(page, unusable.number, settings)
    result.needs_ocr = unusable.needs_ocr
    result.slow_reason = unusable.slow_reason  # how the text layer was found unusable
    result.ocr_words = page.words
    return result


def _xyxy(bbox: tuple[float, float, float, float]) -> tuple[float, float, float, float]:
    x0, top, x1, bottom = bbox
    return x0, x1, top, bottom


class _Kept:
    """The words of a page kept outside its tables so far, their centers (from the fast
    path's arrays when it made the words) and which are in the body (centered between the
    header and footer bands)."""

    def __init__(self, page: Any, words: list[Word], body_top: float, body_bottom: float
                 ) -> None:
        self.words = words
        self.cx, self.cy = word_centers(page, words)
        self.body_top, self.body_bottom = body_top, body_bottom
        self.body = (body_top <= self.cy) & (self.cy <= body_bottom)

    def outside(self, tables: list[TableData], pad: float = 1.0
                ) -> tuple[list[Word], list[Word]]:
        """Drop the words whose center is inside a table (its bbox grown by `pad`); the
        words left, and those of them in the body."""
        if tables:
            cx, cy = self.cx, self.cy
            inside = np.zeros(len(self.words), bool)
            for t in tables:
                x0, top, x1, bottom = t.bbox
                inside |= ((x0 - pad <= cx) & (cx <= x1 + pad)
                           & (top - pad <= cy) & (cy <= bottom + pad))
            if inside.any():
                keep = ~inside
                self.words = list(compress(self.words, keep.tolist()))
                self.cx, self.cy, self.body = cx[keep], cy[keep], self.body[keep]
        if self.body.all():
            return self.words, self.words
        return self.words, list(compress(self.words, self.body.tolist()))

    def outside_body(self) -> tuple[int, int]:
        """How many of the words lie above the body, and below it."""
        if self.body.all():
            return 0, 0
        return (int(np.count_nonzero(self.cy < self.body_top)),
                int(np.count_nonzero(self.cy > self.body_bottom)))


# ---------------------------------------------------------------- across pages


def _drop_furniture(pages: list[PageResult], settings: PdfSettings) -> dict[str, Any]:
    """Remove running headers/footers and page numbers from the band lines; count them."""
    key_of = {id(it): furniture_key(it.text) for p in pages for it in p.items
              if isinstance(it, Line) and it.band}  # the band lines' keys
    keys_per_page = [{key_of[id(it)] for it in p.items
                      if isinstance(it, Line) and it.band} for p in pages]
    repeated = repeated_keys(keys_per_page, len(pages), settings.repeat_ratio,
                             settings.min_repeat_pages)
    counts = {"header_lines": 0, "footer_lines": 0, "page_numbers": 0}
    for p in pages:
        kept: list[Line | TableItem] = []
        for it in p.items:
            if isinstance(it, Line) and it.band:
                if is_page_number(it.text):
                    counts["page_numbers"] += 1
                    continue
                if key_of[id(it)] in repeated:
                    counts["header_lines" if it.band == "top" else "footer_lines"] += 1
                    continue
            kept.append(it)
        p.items = kept
    return {**counts, "patterns": sorted(repeated)}


def _build_blocks(pages: list[PageResult], settings: PdfSettings) -> list[Block]:
    bs = settings.blocks
    all_lines = [it for p in pages for it in p.items if isinstance(it, Line)]
    body = body_font_size(all_lines)
    gap = usual_line_gap(all_lines, body)
    blocks: list[Block] = []
    tables_of: dict[int, TableData] = {}
    for p in pages:
        lines = [it for it in p.items if isinstance(it, Line)]
        numbered = {id(lines[i]) for i in numbered_list_lines(lines, body, bs)}
        seq = [it.index if isinstance(it, TableItem) else it for it in p.items]
        for raw in group_lines(seq, numbered, gap, body, bs):
            if raw.kind == "table":
                t = p.tables[raw.table_index]
                block = Block(kind="table", text="", rows=t.rows, page=p.number,
                              bbox=_round(t.bbox),
                              style={"strategy": t.strategy, "n_cols": t.n_cols,
                                     "pages": [p.number]})
                tables_of[id(block)] = t
                blocks.append(block)
                continue
            c = classify(raw, body, bs)
            blocks.append(Block(kind=c.kind, text=c.text, page=p.number,
                                bbox=_round(_lines_bbox(raw.lines)),
                                style=c.style, toc_page=c.toc_page))
    _assign_levels(blocks, bs)
    return _join_tables(blocks, tables_of, settings.tables)


def _lines_bbox(lines: list[Line]) -> tuple[float, float, float, float]:
    """(x0, top, x1, bottom) around the lines."""
    first = lines[0]
    if len(lines) == 1:
        return first.x0, first.top, first.x1, first.bottom
    return (min([ln.x0 for ln in lines]), min([ln.top for ln in lines]),
            max([ln.x1 for ln in lines]), max([ln.bottom for ln in lines]))


def _assign_levels(blocks: list[Block], settings: BlockSettings) -> None:
    heads = [b for b in blocks if b.kind == "heading"]
    levels = heading_levels(((b.style["font_size"], b.style["bold"]) for b in heads),
                            settings.max_heading_levels)
    for b in heads:
        b.level = levels[(round(b.style["font_size"] * 2) / 2, b.style["bold"])]


def _join_tables(blocks: list[Block], tables_of: dict[int, TableData],
                 settings: TableSettings) -> list[Block]:
    """One block for a table continued on the next page(s)."""
    out: list[Block] = []
    for block in blocks:
        prev = out[-1] if out else None
        if (block.kind == "table" and prev is not None and prev.kind == "table"
                and continues(tables_of[id(prev)], tables_of[id(block)], settings)):
            t = merge_continuation(tables_of[id(prev)], tables_of[id(block)], settings)
            prev.rows = t.rows
            prev.page_end = t.pages[-1]
            prev.style["pages"] = list(t.pages)
            prev.text = ""
            prev.__post_init__()  # re-render the table text
            continue
        out.append(block)
    return out


def _round(bbox: tuple[float, float, float, float]) -> tuple[float, float, float, float]:
    x0, top, x1, bottom = bbox
    return (round(x0, 2), round(top, 2), round(x1, 2), round(bottom, 2))


def _first_top_heading(blocks: list[Block]) -> str | None:
    heads = [b for b in blocks if b.kind == "heading"]
    if not heads:
        return None
    top = min(b.level or 1 for b in heads)
    return next(b.text for b in heads if (b.level or 1) == top)
