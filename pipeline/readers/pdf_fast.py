"""Fast path of the PDF reader: a page's characters and ruling lines read with pypdfium2.

pdfplumber spends most of a page's time in pdfminer interpreting the content stream into
Python objects; pypdfium2 (PDFium, C++) gives the same facts much faster. This module
rebuilds from PDFium exactly what the reader takes from pdfplumber — the characters
(text, box, font size, font name) grouped into words by pdfplumber's own WordExtractor,
and the ruling-line edges given to pdfplumber's own TableFinder — so that the layout rules
downstream run unchanged.

The choice is made per page, with evidence (:func:`inspect_page`): a page goes the fast
way only when PDFium's view is known to match pdfminer's — no rotation, origin at (0, 0),
upright text, only straight axis-aligned path segments, no form XObject or shading (whose
content pdfminer would walk differently). Any other page is read with pdfplumber.
"""

from __future__ import annotations

import ctypes
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import pypdfium2 as pdfium
import pypdfium2.raw as pdfium_c
from pdfplumber.table import TableFinder, TableSettings
from pdfplumber.utils.text import WordExtractor

_PDFIUM_HYPHEN = 0x02  # PDFium's code for a hyphen ending a line (pdfminer keeps "-")
_SKIP_CODES = frozenset((0, 0x0A, 0x0D, 0xFFFE, 0xFFFF))
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
    """Why a page may (``fast``) or may not go the fast way, and its ruling-line edges."""

    fast: bool
    reason: str
    n_images: int = 0
    edges: list[dict[str, Any]] = field(default_factory=list)


class FastPdf:
    """A PDFium handle on the same file, opened alongside pdfplumber (closed by `close`)."""

    def __init__(self, path: Path, settings: FastSettings | None = None) -> None:
        self.settings = settings or FastSettings()
        self.doc: pdfium.PdfDocument | None = None
        if self.settings.enabled:
            try:
                self.doc = pdfium.PdfDocument(str(path))
            except pdfium.PdfiumError:
                self.doc = None  # pdfplumber alone reads the file (and reports its errors)

    def close(self) -> None:
        if self.doc is not None:
            self.doc.close()
            self.doc = None

    def page(self, number: int, plumber_page: Any) -> FastPage | PageCheck:
        """A FastPage for page `number` (1-based) when it qualifies, else the refusal."""
        if self.doc is None:
            return PageCheck(False, "fast path off")
        if number > len(self.doc):
            return PageCheck(False, "page count differs")
        page = self.doc[number - 1]
        try:
            check = inspect_page(page, plumber_page, self.settings)
        except Exception as exc:  # any surprise: pdfplumber reads the page
            page.close()
            return PageCheck(False, f"inspection failed: {type(exc).__name__}")
        if not check.fast:
            page.close()
            return check
        return FastPage(page, check)


def inspect_page(page: pdfium.PdfPage, plumber_page: Any, settings: FastSettings) -> PageCheck:
    """Decide with cheap signals whether PDFium's view of the page matches pdfminer's."""
    width, height = page.get_size()
    if page.get_rotation() != 0 or int(getattr(plumber_page, "rotation", 0) or 0) % 360:
        return PageCheck(False, "rotated page")
    x0, y0, x1, y1 = (float(v) for v in plumber_page.bbox)
    if abs(x0) > _EPS or abs(y0) > _EPS or abs(x1 - width) > _EPS or abs(y1 - height) > _EPS:
        return PageCheck(False, "page box not at origin")
    n = pdfium_c.FPDFPage_CountObjects(page)
    if n > settings.max_objects:
        return PageCheck(False, "too many objects")
    edges: list[dict[str, Any]] = []
    n_images = 0
    matrix = pdfium_c.FS_MATRIX()
    for i in range(n):
        obj = pdfium_c.FPDFPage_GetObject(page, i)
        kind = pdfium_c.FPDFPageObj_GetType(obj)
        if kind == pdfium_c.FPDF_PAGEOBJ_TEXT:
            pdfium_c.FPDFPageObj_GetMatrix(obj, matrix)
            if abs(matrix.b) > _EPS or abs(matrix.c) > _EPS or matrix.a <= 0 or matrix.d <= 0:
                return PageCheck(False, "rotated or mirrored text")
        elif kind == pdfium_c.FPDF_PAGEOBJ_PATH:
            if not _path_edges(obj, height, edges, matrix):
                return PageCheck(False, "curved or slanted path")
        elif kind == pdfium_c.FPDF_PAGEOBJ_IMAGE:
            n_images += 1
        else:
            return PageCheck(False, "form or shading object")
    return PageCheck(True, "straight lines only", n_images, edges)


def _path_edges(obj: Any, height: float, edges: list[dict[str, Any]],
                matrix: Any) -> bool:
    """Append the axis-aligned edges of a path (pdfplumber's coordinates); False when the
    path has a curve or a slanted segment (pdfminer would make a curve of it)."""
    pdfium_c.FPDFPageObj_GetMatrix(obj, matrix)
    a, b, c, d, e, f = matrix.a, matrix.b, matrix.c, matrix.d, matrix.e, matrix.f
    x, y = ctypes.c_float(), ctypes.c_float()
    subpaths: list[list[tuple[float, float]]] = []
    for k in range(pdfium_c.FPDFPath_CountSegments(obj)):
        seg = pdfium_c.FPDFPath_GetPathSegment(obj, k)
        kind = pdfium_c.FPDFPathSegment_GetType(seg)
        if kind == pdfium_c.FPDF_SEGMENT_BEZIERTO:
            return False
        pdfium_c.FPDFPathSegment_GetPoint(seg, x, y)
        px, py = a * x.value + c * y.value + e, b * x.value + d * y.value + f
        point = (px, height - py)
        if kind == pdfium_c.FPDF_SEGMENT_MOVETO or not subpaths:
            subpaths.append([point])
        else:
            subpaths[-1].append(point)
        if pdfium_c.FPDFPathSegment_GetClose(seg) and subpaths[-1][0] != point:
            subpaths[-1].append(subpaths[-1][0])
    for pts in subpaths:
        for (ax, ay), (bx, by) in zip(pts, pts[1:], strict=False):
            if abs(ay - by) <= _EPS:
                orientation = "h"
                by = ay
            elif abs(ax - bx) <= _EPS:
                orientation = "v"
                bx = ax
            else:
                return False
            edges.append({"object_type": "line", "orientation": orientation,
                          "x0": min(ax, bx), "x1": max(ax, bx), "top": min(ay, by),
                          "bottom": max(ay, by), "width": abs(ax - bx),
                          "height": abs(ay - by)})
    return True


class FastPage:
    """The parts of a pdfplumber page the reader uses, served from PDFium."""

    def __init__(self, page: pdfium.PdfPage, check: PageCheck) -> None:
        self._page = page
        self.check = check
        self.width, self.height = (float(v) for v in page.get_size())
        self.bbox = (0.0, 0.0, self.width, self.height)
        self.edges = check.edges
        self.images = [None] * check.n_images  # only counted (pages without a text layer)
        self._chars: list[dict[str, Any]] | None = None

    @property
    def chars(self) -> list[dict[str, Any]]:
        if self._chars is None:
            self._chars = page_chars(self._page, self.height)
        return self._chars

    def extract_words(self, extra_attrs: list[str] | None = None,
                      **kwargs: Any) -> list[dict[str, Any]]:
        """pdfplumber's word grouping over PDFium's characters."""
        return WordExtractor(extra_attrs=extra_attrs, **kwargs).extract_words(self.chars)

    def find_tables(self, table_settings: dict[str, Any] | None = None) -> list[Any]:
        """pdfplumber's TableFinder over the edges of the page's straight paths."""
        settings = TableSettings.resolve(table_settings)
        if settings.vertical_strategy not in ("lines", "lines_strict") or \
                settings.horizontal_strategy not in ("lines", "lines_strict"):
            raise ValueError("the fast path finds ruled tables only")
        return TableFinder(self, settings).tables  # type: ignore[arg-type]

    def close(self) -> None:
        self._chars = None
        self._page.close()


def page_chars(page: pdfium.PdfPage, height: float) -> list[dict[str, Any]]:
    """pdfplumber-like char dicts (text, x0, x1, top, bottom, size, fontname, upright).

    Boxes are PDFium's loose boxes (advance width × font ascent/descent), as pdfminer's;
    characters PDFium generates (spaces and line breaks it infers) are skipped.
    """
    text_page = pdfium_c.FPDFText_LoadPage(page)
    try:
        return _chars(text_page, height)
    finally:
        pdfium_c.FPDFText_ClosePage(text_page)


def _chars(text_page: Any, height: float) -> list[dict[str, Any]]:
    out: list[dict[str, Any]] = []
    rect = pdfium_c.FS_RECTF()
    ox, oy = ctypes.c_double(), ctypes.c_double()
    name_buf = ctypes.create_string_buffer(256)
    flags = ctypes.c_int()
    fonts: dict[int | None, tuple[str, float]] = {}
    get_unicode = pdfium_c.FPDFText_GetUnicode
    is_generated = pdfium_c.FPDFText_IsGenerated
    loose_box = pdfium_c.FPDFText_GetLooseCharBox
    origin = pdfium_c.FPDFText_GetCharOrigin
    text_object = pdfium_c.FPDFText_GetTextObject
    for i in range(pdfium_c.FPDFText_CountChars(text_page)):
        code = get_unicode(text_page, i)
        if code in _SKIP_CODES or (code == 32 and is_generated(text_page, i) == 1):
            continue  # PDFium generates spaces and line breaks only
        key = ctypes.cast(text_object(text_page, i), ctypes.c_void_p).value
        font = fonts.get(key)
        if font is None:  # one font and size per text object
            n = pdfium_c.FPDFText_GetFontInfo(text_page, i, name_buf, 256, flags)
            font = (name_buf.raw[:max(0, n - 1)].decode("utf-8", "replace"),
                    round(pdfium_c.FPDFText_GetFontSize(text_page, i), 4))
            fonts[key] = font
        loose_box(text_page, i, rect)
        origin(text_page, i, ox, oy)
        bottom = height - rect.bottom  # baseline + descent, as pdfminer's
        top = bottom - font[1]
        x0 = ox.value  # the origin, as pdfminer's (the loose box may start left of it)
        out.append({"text": "-" if code == _PDFIUM_HYPHEN else chr(code), "x0": x0,
                    "x1": max(rect.right, x0), "top": top, "bottom": bottom, "doctop": top,
                    "upright": True, "size": font[1], "fontname": font[0]})
    return out
