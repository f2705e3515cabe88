"""Bulk reads of a PDFium page into numpy arrays: its characters and its page objects.

PDFium answers one character (or one path segment) per call, and a call from Python costs
about a microsecond — more than everything else the reader does with a character. So the
two loops live in a few lines of C (``pdfium_bulk.c``) that call PDFium through the function
pointers pypdfium2 already loaded (nothing is linked). The C file is compiled once with the
system C compiler into a per-user cache (``$PTSM_CACHE_DIR`` or ``~/.cache/ptsm``); without a
compiler the same loops run in Python (same arrays, about 20× slower).
"""

from __future__ import annotations

import ctypes
import hashlib
import logging
import os
import platform
import shutil
import subprocess
import sys
import tempfile
import threading
from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path
from typing import Any

import numpy as np
import pypdfium2.raw as pdfium_c

from pipeline.readers.compiled import cache_dir

log = logging.getLogger(__name__)
SOURCE = Path(__file__).with_suffix(".c")

_CHAR_FUNCTIONS = ("FPDFText_GetUnicode", "FPDFText_IsGenerated", "FPDFText_GetLooseCharBox",
                   "FPDFText_GetCharOrigin", "FPDFText_GetTextObject", "FPDFText_GetFontSize",
                   "FPDFTextObj_GetFont")
_OBJECT_FUNCTIONS = ("FPDFPage_GetObject", "FPDFPageObj_GetType", "FPDFPageObj_GetMatrix",
                     "FPDFPath_CountSegments", "FPDFPath_GetPathSegment",
                     "FPDFPathSegment_GetType", "FPDFPathSegment_GetPoint",
                     "FPDFPathSegment_GetClose")
_PAGE_FUNCTIONS = ("FPDF_GetPageWidthF", "FPDF_GetPageHeightF", "FPDFPage_GetRotation",
                   "FPDFPage_GetMediaBox", "FPDFPage_CountObjects", *_OBJECT_FUNCTIONS)


@dataclass
class PageChars:
    """Every character of a PDFium text page, in PDFium's order (PDF coordinates)."""

    code: np.ndarray  # uint32 code point (PDFium's own codes included: 0x02 hyphen, …)
    generated: np.ndarray  # bool: a space or line break PDFium inferred
    x0: np.ndarray  # origin x
    x1: np.ndarray  # right of the loose box (origin + advance)
    bottom: np.ndarray  # bottom of the loose box (baseline + descent), PDF y upwards
    size: np.ndarray  # font size
    font: np.ndarray  # uint64 font handle (names: :func:`font_name`)
    font_id: np.ndarray  # int32 index of the character's handle in `fonts`
    fonts: np.ndarray  # uint64 the page's distinct font handles, in order of first use


@dataclass
class PageObjects:
    """Every page object: type and matrix; the straight segments of the paths."""

    kind: np.ndarray  # FPDF_PAGEOBJ_* per object
    matrix: np.ndarray  # (n, 6) a b c d e f
    curves: np.ndarray  # Bézier segments per object (0 for non-paths)
    edges: np.ndarray  # (m, 4) x0 y0 x1 y1 in PDF space
    edge_object: np.ndarray  # object index of each segment
    turned_text: int  # text objects turned or mirrored (see TEXT_TILT)


def _address(fn: Any) -> int:
    return ctypes.cast(fn, ctypes.c_void_p).value or 0


# no fused multiply-add: the word grouping must round as numpy does
_CFLAGS = ("-O2", "-shared", "-fPIC", "-ffp-contract=off")


@lru_cache(maxsize=1)
def native() -> ctypes.CDLL | None:
    """The compiled loops (compiled on first use, then cached), or None without a compiler."""
    if os.environ.get("PTSM_PDFIUM_BULK") == "python":
        return None
    source = SOURCE.read_bytes()
    compiler = shutil.which(os.environ.get("CC", "cc")) or shutil.which("gcc")
    # a cache folder may be shared by machines of other architectures or compilers
    tag = hashlib.sha256(b"\0".join([source, sys.platform.encode(), platform.machine().encode(),
                                      str(compiler).encode(), " ".join(_CFLAGS).encode()])
                         ).hexdigest()[:16]
    target = cache_dir() / f"pdfium_bulk-{tag}.so"
    if not target.exists():
        if compiler is None:
            log.info("no C compiler: PDFium pages are read call by call")
            return None
        try:
            target.parent.mkdir(parents=True, exist_ok=True)
            with tempfile.TemporaryDirectory(dir=target.parent) as tmp:
                built = Path(tmp) / target.name
                subprocess.run([compiler, *_CFLAGS, "-o", str(built), str(SOURCE), "-lm"],
                               check=True, capture_output=True, timeout=120)
                os.replace(built, target)  # atomic: parallel workers may build it too
        except (OSError, subprocess.SubprocessError) as exc:
            log.warning("cannot compile %s (%s): PDFium pages are read call by call",
                        SOURCE.name, exc)
            return None
    try:
        lib = ctypes.CDLL(str(target))
    except OSError as exc:  # e.g. a cache folder mounted noexec
        log.warning("cannot load %s (%s): PDFium pages are read call by call", target, exc)
        return None
    vp, i32, f64 = ctypes.c_void_p, ctypes.c_int, ctypes.c_double
    lib.ptsm_page_chars.argtypes = [vp, vp, i32, vp]
    lib.ptsm_page_chars.restype = i32
    lib.ptsm_page_words.argtypes = [i32, vp, f64, f64, f64]
    lib.ptsm_page_words.restype = i32
    lib.ptsm_inspect.argtypes = [vp, vp, i32, i32, i32, ctypes.c_float, f64, vp]
    lib.ptsm_inspect.restype = i32
    lib.ptsm_ruled_cells.argtypes = [i32, i32, vp, i32, i32, vp]
    lib.ptsm_ruled_cells.restype = i32
    return lib


_TABLES: dict[tuple[str, ...], ctypes.Array] = {}
_TABLES_LOCK = threading.Lock()


def _table(names: tuple[str, ...]) -> ctypes.Array:
    """The addresses of PDFium's functions `names`, as the C helpers take them; made once
    and kept for the process' life (callers keep the table's address)."""
    table = _TABLES.get(names)
    if table is None:
        with _TABLES_LOCK:  # one table per names, even when threads race for it
            table = _TABLES.get(names)
            if table is None:
                table = _TABLES[names] = (ctypes.c_void_p * len(names))(
                    *(_address(getattr(pdfium_c, n)) for n in names))
    return table


def address(a: np.ndarray) -> int:
    """The address of a (writable, contiguous) array's data: ``a.ctypes.data``, a few times
    cheaper."""
    return ctypes.addressof(ctypes.c_char.from_buffer(a)) if a.nbytes else a.ctypes.data


class PageBuffers:
    """The arrays ``ptsm_page_chars`` and ``ptsm_page_words`` fill, reused from page to page
    (grown to the largest page) with the table of their addresses the C calls take (its
    slots: the ``B_*`` of ``pdfium_bulk.c``). `kinds`: the classes of the code points up to
    0x10000 (pdf_fast's word rules). The characters of the page read last are ``code[:n]``,
    ``x0[:n]``…, its words' ``text``, ``boxes`` (x0, x1, top, bottom rows)… up to their
    counts; one document reads its pages one at a time, so one set serves all of them."""

    def __init__(self, kinds: np.ndarray, capacity: int = 4096) -> None:
        self.kinds = kinds
        self.counts = np.zeros(3, np.int64)
        self._allocate(capacity)

    def _allocate(self, n: int) -> None:
        self.capacity = n
        self.code = np.empty(n, np.uint32)
        self.generated = np.empty(n, np.uint8)
        self.x0, self.x1, self.bottom, self.size = np.empty((4, n), np.float64)
        self.font, self.fonts = np.empty((2, n), np.uint64)
        self.font_id, self.name_of = np.empty((2, n), np.int32)
        self.bold_of = np.empty(n, np.uint8)
        self.text = np.empty(2 * n, np.uint32)
        self.boxes = np.empty((4, n), np.float64)  # the words' x0, x1, top, bottom
        self.word_size = np.empty(n, np.float64)
        self.word_font = np.empty(n, np.int32)
        self.word_bold = np.empty(n, np.bool_)
        self.word_size_id = np.empty(n, np.int32)
        self.sizes = np.empty(n, np.float64)
        slots = (self.code, self.generated, self.x0, self.x1, self.bottom, self.size,
                 self.font, self.font_id, self.fonts, self.name_of, self.bold_of, self.kinds,
                 self.text, *self.boxes, self.word_size, self.word_font, self.word_bold,
                 self.word_size_id, self.sizes, self.counts)
        self.table = (ctypes.c_void_p * len(slots))(*(a.ctypes.data for a in slots))
        self.table_address = ctypes.addressof(self.table)

    def read_chars(self, text_page: Any) -> tuple[int, int]:
        """Read the characters of a text page (``ptsm_page_chars``; the C helper must be
        loaded): their number and the number of distinct fonts."""
        n = pdfium_c.FPDFText_CountChars(text_page)
        if n > self.capacity:
            self._allocate(max(n, 2 * self.capacity))
        lib = native()
        assert lib is not None
        n_fonts = lib.ptsm_page_chars(text_page, _char_table(), n, self.table_address) \
            if n > 0 else 0
        return max(n, 0), n_fonts

    def page_chars(self, n: int, n_fonts: int) -> PageChars:
        """A copy of the characters read last."""
        return PageChars(self.code[:n].copy(), self.generated[:n].view(bool).copy(),
                         self.x0[:n].copy(), self.x1[:n].copy(), self.bottom[:n].copy(),
                         self.size[:n].copy(), self.font[:n].copy(), self.font_id[:n].copy(),
                         self.fonts[:n_fonts].copy())

    def group_words(self, n: int, height: float, x_tolerance_ratio: float,
                    y_tolerance: float) -> int:
        """Group the n characters read last into words (``ptsm_page_words``; ``name_of``
        and ``bold_of`` set for the fonts): their number, or -1 when a coordinate or size
        is not finite. Then ``counts`` holds the length of ``text``, whether a ligature was
        kept and the number of distinct ``sizes``."""
        lib = native()
        assert lib is not None
        return lib.ptsm_page_words(n, self.table_address, height, x_tolerance_ratio,
                                   y_tolerance)


@lru_cache(maxsize=1)
def _char_table() -> int:
    return ctypes.addressof(_table(_CHAR_FUNCTIONS))


@lru_cache(maxsize=1)
def _page_table() -> int:
    return ctypes.addressof(_table(_PAGE_FUNCTIONS))


# ptsm_inspect's answers (the I_* of pdfium_bulk.c)
FAST, NO_ROTATION, ROTATED, BOX, TOO_MANY, FORM, TURNED, CURVED, ROOM = range(9)


@dataclass
class Inspection:
    """``ObjectBuffers.inspect``'s findings: an answer (FAST…CURVED), the page's size, its
    images and (FAST) its vertical and horizontal edges ``[x0, top, x1, bottom, length]``."""

    answer: int
    width: float
    height: float
    n_images: int
    v: list[list[float]]
    h: list[list[float]]


class ObjectBuffers:
    """The arrays ``ptsm_inspect`` fills, reused from page to page (grown when a page has
    more objects or segments), and the table of their addresses (the ``S_*`` slots)."""

    def __init__(self, objects: int = 256, segments: int = 1024) -> None:
        self.facts = np.zeros(7, np.float64)
        self._allocate(objects, segments)

    def _allocate(self, objects: int, segments: int) -> None:
        self.objects, self.segments = objects, segments
        self.kind = np.empty(objects, np.int32)
        self.matrix = np.empty((objects, 6), np.float32)
        self.curves = np.empty(objects, np.int32)
        self.edges = np.empty((segments, 4), np.float64)
        self.edge_object = np.empty(segments, np.int32)
        self.v = np.empty((segments, 5), np.float64)
        self.h = np.empty((segments, 5), np.float64)
        slots = (self.kind, self.matrix, self.curves, self.edges, self.edge_object, self.v,
                 self.h, self.facts)
        self.table = (ctypes.c_void_p * len(slots))(*(a.ctypes.data for a in slots))
        self.table_address = ctypes.addressof(self.table)

    def inspect(self, page: Any, max_objects: int, eps: float) -> Inspection:
        """``ptsm_inspect`` of a PDFium page (``FPDF_PAGE``; the C helper must be loaded):
        at most max_objects objects, `eps` the tolerance of the box and the edges."""
        lib = native()
        assert lib is not None
        while True:
            answer = lib.ptsm_inspect(page, _page_table(), max_objects, self.objects,
                                      self.segments, TEXT_TILT, eps, self.table_address)
            width, height, images, nv, nh, objects, segments = self.facts.tolist()
            if answer != ROOM:
                break
            self._allocate(max(int(objects), self.objects), max(int(segments), self.segments))
        if answer != FAST:
            return Inspection(answer, width, height, int(images), [], [])
        return Inspection(answer, width, height, int(images), self.v[:int(nv)].tolist(),
                          self.h[:int(nh)].tolist())


def read_chars(text_page: Any) -> PageChars:
    """All characters of a loaded PDFium text page (``FPDFText_LoadPage``), call by call
    (without the C helper; with it, :meth:`PageBuffers.read_chars`)."""
    n = max(pdfium_c.FPDFText_CountChars(text_page), 0)
    code = np.zeros(n, np.uint32)
    generated = np.zeros(n, np.uint8)
    x0, x1, bottom, size = (np.zeros(n, np.float64) for _ in range(4))
    font, fonts = np.zeros(n, np.uint64), np.zeros(n, np.uint64)
    font_id = np.zeros(n, np.int32)
    n_fonts = _chars_in_python(text_page, code, generated, x0, x1, bottom, size, font,
                               font_id, fonts) if n else 0
    return PageChars(code, generated.view(bool), x0, x1, bottom, size, font, font_id,
                     fonts[:n_fonts])


def _chars_in_python(tp: Any, code: np.ndarray, generated: np.ndarray, x0: np.ndarray,
                     x1: np.ndarray, bottom: np.ndarray, size: np.ndarray, font: np.ndarray,
                     font_id: np.ndarray, fonts: np.ndarray) -> int:
    rect = pdfium_c.FS_RECTF()
    ox, oy = ctypes.c_double(), ctypes.c_double()
    last: int | None = None
    last_size, last_font, last_id = 0.0, 0, 0
    ids: dict[int, int] = {}
    for i in range(len(code)):
        code[i] = pdfium_c.FPDFText_GetUnicode(tp, i)
        generated[i] = pdfium_c.FPDFText_IsGenerated(tp, i) == 1
        rect.left = rect.top = rect.right = rect.bottom = 0.0
        ox.value = oy.value = 0.0
        pdfium_c.FPDFText_GetLooseCharBox(tp, i, rect)
        pdfium_c.FPDFText_GetCharOrigin(tp, i, ox, oy)
        x0[i], x1[i], bottom[i] = ox.value, rect.right, rect.bottom
        obj = pdfium_c.FPDFText_GetTextObject(tp, i)
        key = _address(obj)
        if i == 0 or key != last:
            last = key
            last_size = pdfium_c.FPDFText_GetFontSize(tp, i)
            last_font = _address(pdfium_c.FPDFTextObj_GetFont(obj)) if key else 0
            last_id = ids.setdefault(last_font, len(ids))
            fonts[last_id] = last_font
        size[i], font[i], font_id[i] = last_size, last_font, last_id
    return len(ids)


def font_name(font: int) -> str:
    """Base font name of a PDFium font handle ("ABCDEF+Arial-BoldMT")."""
    if not font:
        return ""
    handle = ctypes.cast(ctypes.c_void_p(font), pdfium_c.FPDF_FONT)
    n = pdfium_c.FPDFFont_GetBaseFontName(handle, None, 0)
    buf = ctypes.create_string_buffer(max(n, 1))
    pdfium_c.FPDFFont_GetBaseFontName(handle, buf, n)
    return buf.raw[:max(0, n - 1)].decode("utf-8", "replace")


TEXT_TILT = 1e-3  # a text matrix's b or c above this (in float32): turned text


def read_objects(page: Any) -> PageObjects:
    """All page objects of a PDFium page (``FPDF_PAGE``), call by call (without the C
    helper; with it, :meth:`ObjectBuffers.inspect`)."""
    n = pdfium_c.FPDFPage_CountObjects(page)
    kind = np.zeros(n, np.int32)
    matrix = np.zeros((n, 6), np.float32)
    curves = np.zeros(n, np.int32)
    return _objects_in_python(page, kind, matrix, curves)


def _objects_in_python(page: Any, kind: np.ndarray, matrix: np.ndarray,
                       curves: np.ndarray) -> PageObjects:
    m = pdfium_c.FS_MATRIX()
    fx, fy = ctypes.c_float(), ctypes.c_float()
    edges: list[tuple[float, float, float, float]] = []
    owners: list[int] = []
    for i in range(len(kind)):
        obj = pdfium_c.FPDFPage_GetObject(page, i)
        kind[i] = pdfium_c.FPDFPageObj_GetType(obj)
        m.a, m.b, m.c, m.d, m.e, m.f = 1.0, 0.0, 0.0, 1.0, 0.0, 0.0
        pdfium_c.FPDFPageObj_GetMatrix(obj, m)
        matrix[i] = (m.a, m.b, m.c, m.d, m.e, m.f)
        if kind[i] != pdfium_c.FPDF_PAGEOBJ_PATH:
            continue
        start = prev = None
        for s in range(pdfium_c.FPDFPath_CountSegments(obj)):
            seg = pdfium_c.FPDFPath_GetPathSegment(obj, s)
            kind_s = pdfium_c.FPDFPathSegment_GetType(seg)
            if kind_s == pdfium_c.FPDF_SEGMENT_BEZIERTO:
                curves[i] += 1
                continue
            pdfium_c.FPDFPathSegment_GetPoint(seg, fx, fy)
            point = (m.a * fx.value + m.c * fy.value + m.e, m.b * fx.value + m.d * fy.value + m.f)
            if kind_s == pdfium_c.FPDF_SEGMENT_MOVETO or start is None:
                start = point
            else:
                edges.append((*prev, *point))
                owners.append(i)
            prev = point
            if pdfium_c.FPDFPathSegment_GetClose(seg) and point != start:
                edges.append((*point, *start))
                owners.append(i)
                prev = start
    m = matrix[kind == pdfium_c.FPDF_PAGEOBJ_TEXT]  # float32, as the C loop compares
    turned = (np.abs(m[:, 1]) > TEXT_TILT) | (np.abs(m[:, 2]) > TEXT_TILT) | (m[:, 0] <= 0) \
        | (m[:, 3] <= 0)
    return PageObjects(kind, matrix, curves, np.array(edges, np.float64).reshape(-1, 4),
                       np.array(owners, np.int32), int(np.count_nonzero(turned)))
