"""Fast path of the PDF reader: a page's words and ruling lines read from PDFium.

pdfplumber spends most of a page's time in pdfminer interpreting the content stream into
Python objects, then in grouping characters into words one by one. Here PDFium (C++) reads
the page, every character and page object comes out in one bulk call
(:mod:`pipeline.readers.pdfium_bulk`), and the characters are grouped into words in one
more C call (``ptsm_words``; the same steps in numpy without a C compiler), by the rules of
pdfplumber's ``WordExtractor`` (runs of one font, lines clustered by top, characters
ordered by x, a word ending at a space, a font change or a gap wider than
``x_tolerance_ratio`` × size). The ruling-line edges go through pdfplumber's table-finder
steps (:mod:`pipeline.readers.pdf_ruled`), so the layout rules downstream run unchanged on
the same words and tables.

The choice is made per page, with evidence (:func:`inspect_page`): a page goes the fast
way only when PDFium's view is known to match pdfminer's — no rotation, origin at (0, 0),
upright text, only straight axis-aligned path segments, no form XObject or shading (whose
content pdfminer would walk differently). Any other page is read with pdfplumber.
"""

from __future__ import annotations

import ctypes
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import numpy as np
import pypdfium2 as pdfium
import pypdfium2.raw as pdfium_c
from pdfplumber.table import Table, TableSettings
from pdfplumber.utils.text import LIGATURES

from pipeline.readers import pdfium_bulk
from pipeline.readers.pdf_layout import Word, is_bold, make_words
from pipeline.readers.pdf_ruled import Edge, find_cells_of_lines
from pipeline.readers.pdfium_bulk import (
    ObjectBuffers,
    PageBuffers,
    PageChars,
    font_name,
    native,
    read_chars,
    read_objects,
)

_PDFIUM_HYPHEN = 0x02  # PDFium's code for a hyphen ending a line (pdfminer keeps "-")
_SKIP, _SPACE, _LIGATURE = 1, 2, 4  # classes of the BMP code points (outside: none)
_CLASS = np.zeros(0x10001, np.uint8)
_CLASS[[0, 0x0A, 0x0D, 0xFFFE, 0xFFFF]] |= _SKIP
_CLASS[[c for c in range(0x3001) if chr(c).isspace()]] |= _SPACE
_CLASS[[ord(c) for c in LIGATURES]] |= _LIGATURE
_LIGATURES = str.maketrans(LIGATURES)
_EPS = 1e-3  # points: coordinates closer than this are equal (float32 vs float64)


@dataclass
class FastSettings:
    """``enabled``: use the fast path at all; ``max_objects``: pages with more page objects
    than this are left to pdfplumber (PDFium is fast there too, but such pages are rare and
    usually drawings)."""

    enabled: bool = True
    max_objects: int = 20000


@dataclass
class PageCheck:
    """Why a page may (``fast``) or may not go the fast way, its size and ruling lines."""

    fast: bool
    reason: str
    n_images: int = 0
    edges: tuple[list[Edge], list[Edge]] = field(default_factory=lambda: ([], []))
    # the ruling lines: vertical, horizontal (pdf_ruled.Edge)
    width: float = 0.0
    height: float = 0.0


class FastPdf:
    """A PDFium handle on the file (closed by `close`); font names cached per document, and
    the buffers the C helpers fill (when they are loaded) reused from page to page.

    Pages are raw PDFium handles (``FPDF_PAGE``): pypdfium2's page objects would attach a
    finalizer to each, which costs more than the rest of a short page's reading. The pages
    still open when the file is closed are closed first."""

    def __init__(self, path: Path, settings: FastSettings | None = None) -> None:
        self.settings = settings or FastSettings()
        self.doc: pdfium.PdfDocument | None = None
        self.fonts: dict[int, tuple[str, bool]] = {}
        self.open_pages: dict[int, Any] = {}  # id → FPDF_PAGE
        if self.settings.enabled:
            try:
                self.doc = pdfium.PdfDocument(str(path))
            except pdfium.PdfiumError:
                self.doc = None  # pdfplumber alone reads the file (and reports its errors)
        self.n_pages = len(self.doc) if self.doc is not None else 0
        in_c = self.doc is not None and native() is not None  # buffers only for pages read
        self.buffers = PageBuffers(_CLASS) if in_c else None
        self.object_buffers = ObjectBuffers() if in_c else None

    def __len__(self) -> int:
        return self.n_pages

    def close(self) -> None:
        for page in list(self.open_pages.values()):
            self.close_page(page)
        if self.doc is not None:
            self.doc.close()
            self.doc = None
            self.n_pages = 0

    def close_page(self, page: Any) -> None:
        if self.open_pages.pop(id(page), None) is not None:
            pdfium_c.FPDF_ClosePage(page)

    def page(self, number: int) -> FastPage | PageCheck:
        """A FastPage for page `number` (1-based) when it qualifies, else the refusal."""
        if self.doc is None:
            return PageCheck(False, "fast path off")
        if number > self.n_pages:
            return PageCheck(False, "page count differs")
        page = pdfium_c.FPDF_LoadPage(self.doc, number - 1)
        if not page:  # pdfplumber may still read it (or say why not)
            return PageCheck(False, "PDFium could not load the page")
        self.open_pages[id(page)] = page
        try:
            check = inspect_page(page, self.settings, self.object_buffers)
        except Exception as exc:  # any surprise: pdfplumber reads the page
            self.close_page(page)
            return PageCheck(False, f"inspection failed: {type(exc).__name__}")
        if not check.fast:
            self.close_page(page)
            return check
        return FastPage(page, check, self.fonts, self.close_page, self.buffers)


_REASONS = {pdfium_bulk.ROTATED: "rotated page", pdfium_bulk.BOX: "page box not at origin",
            pdfium_bulk.TOO_MANY: "too many objects", pdfium_bulk.FORM: "form or shading object",
            pdfium_bulk.TURNED: "rotated or mirrored text",
            pdfium_bulk.CURVED: "curved or slanted path"}


def inspect_page(page: Any, settings: FastSettings, buffers: ObjectBuffers | None = None
                 ) -> PageCheck:
    """Decide with cheap signals whether PDFium's view of the page (``FPDF_PAGE``) matches
    pdfminer's; in one C call with `buffers` (the C helper loaded)."""
    if buffers is not None:
        found = buffers.inspect(page, settings.max_objects, _EPS)
        if found.answer == pdfium_bulk.NO_ROTATION:
            raise pdfium.PdfiumError("Failed to get page rotation.")
        if found.answer != pdfium_bulk.FAST:
            return PageCheck(False, _REASONS[found.answer])
        return PageCheck(True, "straight lines only", found.n_images, (found.v, found.h),
                         found.width, found.height)
    width, height = pdfium_c.FPDF_GetPageWidthF(page), pdfium_c.FPDF_GetPageHeightF(page)
    rotation = pdfium_c.FPDFPage_GetRotation(page)
    if rotation == -1:
        raise pdfium.PdfiumError("Failed to get page rotation.")
    if rotation != 0:
        return PageCheck(False, "rotated page")
    x0, y0, x1, y1 = _mediabox(page)
    if abs(x0) > _EPS or abs(y0) > _EPS or abs(x1 - width) > _EPS or abs(y1 - height) > _EPS:
        return PageCheck(False, "page box not at origin")
    if pdfium_c.FPDFPage_CountObjects(page) > settings.max_objects:
        return PageCheck(False, "too many objects")
    objs = read_objects(page)
    kinds = objs.kind.tolist()
    n_images = kinds.count(pdfium_c.FPDF_PAGEOBJ_IMAGE)
    n_drawn = kinds.count(pdfium_c.FPDF_PAGEOBJ_TEXT) + kinds.count(pdfium_c.FPDF_PAGEOBJ_PATH)
    if n_drawn + n_images != len(kinds):
        return PageCheck(False, "form or shading object")
    if objs.turned_text:
        return PageCheck(False, "rotated or mirrored text")
    if objs.curves.any():
        return PageCheck(False, "curved or slanted path")
    edges = _edges(objs.edges, height)
    if edges is None:
        return PageCheck(False, "curved or slanted path")
    return PageCheck(True, "straight lines only", n_images, edges, width, height)


def _mediabox(page: Any) -> tuple[float, float, float, float]:
    """The page's MediaBox (pypdfium2's ``get_mediabox``: US Letter when it has none)."""
    box = (ctypes.c_float(), ctypes.c_float(), ctypes.c_float(), ctypes.c_float())
    if not pdfium_c.FPDFPage_GetMediaBox(page, *box):
        return 0, 0, 612, 792
    return box[0].value, box[1].value, box[2].value, box[3].value


def _edges(segments: np.ndarray, height: float) -> tuple[list[Edge], list[Edge]] | None:
    """The vertical and horizontal edges (``[x0, top, x1, bottom, length]``, as pdfplumber's
    edge dicts) of straight axis-aligned segments (PDF space); None when one is slanted
    (pdfminer would make a curve of it)."""
    v: list[Edge] = []
    h: list[Edge] = []
    if not len(segments):
        return v, h
    ax, bx = segments[:, 0], segments[:, 2]
    ay, by = height - segments[:, 1], height - segments[:, 3]
    horizontal = np.abs(ay - by) <= _EPS
    vertical = ~horizontal & (np.abs(ax - bx) <= _EPS)
    if not (horizontal | vertical).all():
        return None
    by = np.where(horizontal, ay, by)
    bx = np.where(vertical, ax, bx)
    for flat, x0, x1, top, bottom in zip(
            horizontal.tolist(), np.minimum(ax, bx).tolist(), np.maximum(ax, bx).tolist(),
            np.minimum(ay, by).tolist(), np.maximum(ay, by).tolist(), strict=True):
        if flat:
            h.append([x0, top, x1, bottom, x1 - x0])
        else:
            v.append([x0, top, x1, bottom, bottom - top])
    return v, h


class FastPage:
    """The parts of a pdfplumber page the reader uses, served from PDFium."""

    def __init__(self, page: Any, check: PageCheck, fonts: dict[int, tuple[str, bool]],
                 close: Callable[[Any], None], buffers: PageBuffers | None = None) -> None:
        self._page = page  # FPDF_PAGE
        self._close = close
        self.check = check
        self.width, self.height = check.width, check.height
        self.bbox = (0.0, 0.0, self.width, self.height)
        self.edges = check.edges  # vertical, horizontal
        self.images = [None] * check.n_images  # only counted (pages without a text layer)
        # the last words made, with their x0, x1, top and bottom as arrays (for pdf_tables)
        self.word_boxes: tuple[list[Word], np.ndarray, np.ndarray, np.ndarray,
                               np.ndarray] | None = None
        self._fonts = fonts
        self._buffers = buffers  # None: the numpy grouping

    def words(self, x_tolerance_ratio: float, y_tolerance: float) -> list[Word]:
        """The page's words, as pdfplumber's ``extract_words(x_tolerance_ratio=…,
        y_tolerance=…, extra_attrs=["size", "fontname"])`` would give them."""
        buffers = self._buffers
        text_page = pdfium_c.FPDFText_LoadPage(self._page)
        try:
            if buffers is None:
                chars = read_chars(text_page)
            else:
                n, n_fonts = buffers.read_chars(text_page)
        finally:
            pdfium_c.FPDFText_ClosePage(text_page)
        if buffers is None:
            words, boxes = group_words(chars, self.height, self._font, x_tolerance_ratio,
                                       y_tolerance)
        else:
            words, boxes = words_in_c(buffers, n, n_fonts, self.height, self._font,
                                      x_tolerance_ratio, y_tolerance)
        self.word_boxes = (words, *boxes)
        return words

    def _font(self, handle: int) -> tuple[str, bool]:
        font = self._fonts.get(handle)
        if font is None:
            name = font_name(handle)
            font = self._fonts[handle] = (name, is_bold(name))
        return font

    def find_tables(self, table_settings: dict[str, Any] | None = None) -> list[Any]:
        """pdfplumber's TableFinder over the edges of the page's straight paths."""
        settings = _resolved(table_settings)
        if settings.vertical_strategy not in ("lines", "lines_strict") or \
                settings.horizontal_strategy not in ("lines", "lines_strict") or \
                settings.explicit_vertical_lines or settings.explicit_horizontal_lines:
            raise ValueError("the fast path finds ruled tables only")
        return [Table(self, cells)  # type: ignore[arg-type]
                for cells in find_cells_of_lines(*self.edges, settings)]

    def close(self) -> None:
        self._close(self._page)


_RESOLVED: dict[Any, TableSettings] = {}


def _resolved(table_settings: dict[str, Any] | None) -> TableSettings:
    """``TableSettings.resolve``, once per distinct settings dict (read, never changed)."""
    try:
        key = tuple(sorted((table_settings or {}).items()))
        hash(key)
    except TypeError:  # a list value (explicit lines): not cached
        return TableSettings.resolve(table_settings)
    settings = _RESOLVED.get(key)
    if settings is None:
        settings = _RESOLVED[key] = TableSettings.resolve(table_settings)
    return settings


def words_in_c(buffers: PageBuffers, n: int, n_fonts: int, height: float, font: Any,
               x_tolerance_ratio: float, y_tolerance: float
               ) -> tuple[list[Word], tuple[np.ndarray, ...]]:
    """:func:`group_words` of the n characters just read into `buffers` (their n_fonts
    fonts), grouped in C; the numpy grouping decides when a coordinate or size is not
    finite."""
    if not n:
        return [], (np.empty(0),) * 4
    fonts = [font(h) for h in buffers.fonts[:n_fonts].tolist()]
    name_ids: dict[str, int] = {}
    buffers.name_of[:n_fonts] = [name_ids.setdefault(name, len(name_ids)) for name, _ in fonts]
    buffers.bold_of[:n_fonts] = [bold for _, bold in fonts]
    n_words = buffers.group_words(n, height, x_tolerance_ratio, y_tolerance)
    if n_words < 0:
        return group_words(buffers.page_chars(n, n_fonts), height, font, x_tolerance_ratio,
                           y_tolerance)
    if not n_words:
        return [], (np.empty(0),) * 4
    length, ligature, n_sizes = buffers.counts.tolist()
    text = buffers.text[1:length].tobytes().decode("utf-32-le", "surrogatepass")
    if ligature:
        text = text.translate(_LIGATURES)
    boxes = buffers.boxes[:, :n_words].copy()  # x0, x1, top, bottom
    sizes = [round(v, 2) for v in buffers.sizes[:n_sizes].tolist()]
    x0, x1, top, bottom = boxes.tolist()
    return make_words(text.split("\x00"), x0, x1, top, bottom,
                      list(map(sizes.__getitem__, buffers.word_size_id[:n_words].tolist())),
                      buffers.word_bold[:n_words].tolist()), tuple(boxes)


def group_words(chars: PageChars, height: float, font: Any, x_tolerance_ratio: float,
                y_tolerance: float) -> tuple[list[Word], tuple[np.ndarray, ...]]:
    """Characters → words by pdfplumber's WordExtractor rules (vectorised; in C:
    :func:`words_in_c`); and the words' x0, x1, top and bottom as arrays.

    Boxes are PDFium's loose boxes (origin to advance, baseline + descent up to the font
    size), as pdfminer's; characters PDFium generates (spaces and line breaks it infers)
    are dropped, its line-end hyphen (0x02) is a "-". `font` maps a font handle to its
    (name, bold).
    """
    if not len(chars.code):
        return [], (np.empty(0),) * 4
    fonts = [font(h) for h in chars.fonts.tolist()]
    name_ids: dict[str, int] = {}
    name_of = np.array([name_ids.setdefault(f[0], len(name_ids)) for f in fonts], np.int32)
    text, x0, x1, top, bottom, size, font_id = _word_boxes_in_numpy(
        chars, name_of, height, x_tolerance_ratio, y_tolerance)
    if not len(x0):
        return [], (x0, x1, top, bottom)
    sizes = size.tolist()
    rounded = {v: round(v, 2) for v in set(sizes)}  # few distinct sizes on a page
    bold = [f[1] for f in fonts]
    return make_words(text.split("\x00")[1:], x0.tolist(), x1.tolist(), top.tolist(),
                      bottom.tolist(), list(map(rounded.__getitem__, sizes)),
                      list(map(bold.__getitem__, font_id.tolist()))), (x0, x1, top, bottom)


WordBoxes = tuple[str, np.ndarray, np.ndarray, np.ndarray, np.ndarray, np.ndarray, np.ndarray]
"""The words' text (each word preceded by a NUL), then per word: x0, x1, top, bottom, the
font size (rounded to 4 decimals) and font index (in ``PageChars.fonts``) of its first
character."""


def _word_boxes_in_numpy(chars: PageChars, name_of: np.ndarray, height: float,
                         x_tolerance_ratio: float, y_tolerance: float) -> WordBoxes:
    """The words of the page's characters (`name_of`: a font index's name id)."""
    code = chars.code
    kind = _CLASS[np.minimum(code, 0x10000)]
    keep = ~(((kind & _SKIP) > 0) | ((code == 32) & chars.generated))
    if not keep.any():
        return "", *(np.empty(0) for _ in range(6))  # type: ignore[return-value]
    code = np.where(code[keep] == _PDFIUM_HYPHEN, np.uint32(ord("-")), code[keep])
    kind = kind[keep]
    x0 = chars.x0[keep]
    x1 = np.maximum(chars.x1[keep], x0)
    bottom = height - chars.bottom[keep]
    size = np.round(chars.size[keep], 4)
    top = bottom - size
    font_id = chars.font_id[keep]
    name_id = name_of[font_id]
    n = len(code)
    # runs of one font (pdfplumber groups consecutive characters by size and font name)
    change = np.empty(n, bool)
    change[0] = True
    change[1:] = (size[1:] != size[:-1]) | (name_id[1:] != name_id[:-1])
    run = np.cumsum(change)
    # lines: inside each run, tops clustered with chaining tolerance y_tolerance
    by_top = _stable_order(run, top)
    t, r = top[by_top], run[by_top]
    new_line = np.empty(n, bool)
    new_line[0] = True
    new_line[1:] = (r[1:] != r[:-1]) | (t[1:] - t[:-1] > y_tolerance)
    line = np.empty(n, np.int64)
    line[by_top] = np.cumsum(new_line)
    # reading order: line by line, by x inside a line (stable: stream order breaks ties)
    order = _stable_order(line, x0)
    o_line, o_x0, o_x1, o_top, o_size = (a[order] for a in (line, x0, x1, top, size))
    space = (kind[order] & _SPACE) > 0
    start = np.empty(n, bool)
    start[0] = True
    start[1:] = ((o_line[1:] != o_line[:-1]) | space[:-1]
                 | (o_x0[1:] < o_x0[:-1])
                 | (o_x0[1:] > o_x1[:-1] + x_tolerance_ratio * o_size[:-1])
                 | (np.abs(o_top[1:] - o_top[:-1]) > y_tolerance))
    solid = ~space
    start = start[solid]
    if not start.any():
        return "", *(np.empty(0) for _ in range(6))  # type: ignore[return-value]
    pick = order[solid]  # the characters of the words, in reading order
    first = np.flatnonzero(start)  # first[0] == 0: a word starts at the first solid char
    # the text of all words at once, a NUL (never kept) before each word
    marked = np.zeros(len(pick) + len(first), np.uint32)
    marked[np.arange(1, len(pick) + 1) + np.cumsum(start) - 1] = code[pick]
    text = marked.tobytes().decode("utf-32-le", "surrogatepass")
    if (kind[pick] & _LIGATURE).any():
        text = text.translate(_LIGATURES)
    heads = pick[first]
    return (text, np.minimum.reduceat(x0[pick], first), np.maximum.reduceat(x1[pick], first),
            np.minimum.reduceat(top[pick], first), np.maximum.reduceat(bottom[pick], first),
            size[heads], font_id[heads])


def _stable_order(major: np.ndarray, minor: np.ndarray) -> np.ndarray:
    """``np.lexsort((minor, major))``; the characters of a page mostly come in that order
    already, and then checking it is cheaper than sorting."""
    if ((major[1:] > major[:-1]) | ((major[1:] == major[:-1]) & (minor[1:] >= minor[:-1]))).all():
        return np.arange(len(major))
    return np.lexsort((minor, major))
