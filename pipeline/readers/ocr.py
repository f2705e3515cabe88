"""OCR of scanned PDF pages with Tesseract (French model, through tesserocr).

A page is OCR'd only when its text layer is missing or unusable (:func:`text_layer_problem`):
no text but images, text in a glyphless font (an invisible layer left by another OCR), or
garbage (undecodable glyphs). A page with a good text layer is never rendered.

For such a page, :class:`PdfOcr` renders the page with PDFium at the scan's own resolution
(clamped), turns it upright (Tesseract's orientation detection, OSD), measures and undoes
the skew, finds the ruling lines (kept as table edges, then erased), and lets Tesseract
read words with their boxes and confidences. The result is an :class:`OcrPage`, which
offers the reader the same methods as a pdfplumber page (``extract_words``,
``find_tables``), so lines, blocks and tables are built by the very same code as for PDF
words. Results are cached on disk by the hash of the page image.

Tesseract binding: tesserocr (the C++ API in-process) was chosen over pytesseract (one
``tesseract`` program per page) after ``benchmarks/compare_ocr_bindings.py``: same words,
faster per page, and it gives the row heights that stand in for the font size.
"""

from __future__ import annotations

import hashlib
import json
import os
import re
import threading
import unicodedata
from collections import Counter
from dataclasses import asdict, dataclass, field
from itertools import filterfalse
from pathlib import Path
from typing import Any

import numpy as np
import pypdfium2 as pdfium
import pypdfium2.raw as pdfium_c
from pdfplumber.table import TableFinder, TableSettings
from PIL import Image
from rapidfuzz import fuzz, process

from pipeline.readers.ocr_image import (
    ImageSettings,
    dark_mask,
    edges_from_rules,
    erase,
    ink_share,
    is_leader,
    ruling_lines,
    skew_angle,
    x_height_band,
)
from pipeline.readers.pdf_blocks import furniture_key
from pipeline.readers.pdf_layout import Line

TESSDATA_DIRS = ("/usr/share/tesseract-ocr/5/tessdata", "/usr/share/tesseract-ocr/4.00/tessdata",
                 "/usr/share/tessdata", "/usr/local/share/tessdata",
                 "/opt/homebrew/share/tessdata")
INSTALL_HINT = "apt-get install -y tesseract-ocr tesseract-ocr-fra"
OCR_FONT = "OCR"  # font name given to OCR words (a bold guess adds "-Bold")
CACHE_VERSION = 4


def find_tessdata(lang: str = "fra") -> Path | None:
    """The tessdata folder holding `lang` (TESSDATA_PREFIX first), or None."""
    candidates = [os.environ.get("TESSDATA_PREFIX", ""), *TESSDATA_DIRS]
    for folder in candidates:
        if folder and (Path(folder) / f"{lang}.traineddata").is_file():
            return Path(folder)
    return None


TESSDATA = find_tessdata()


@dataclass
class OcrSettings:
    """Settings of the OCR of scanned pages.

    - min_dpi / max_dpi: pages are rendered at the resolution of their largest image,
      clamped to this range (150 dpi scans read best at 150; 300 dpi scans read as well at
      200, in half the time); ``text_dpi`` for pages without an image (garbage text layer).
    - min_word_confidence: short words (two characters or less) Tesseract is less sure of
      (0-100) are dropped as specks.
    - bold_ink_ratio: a word this much darker than the page's usual word is bold.
    - speck_ink: a "word" with less ink than this in its x-height band is a speck.
    - min_words: a page with fewer words kept is unreadable (blank or noise).
    - blank_ink_share: a page image with less dark pixels than this share is blank.
    - low_confidence: pages whose mean confidence is below get a warning.
    - osd_below: Tesseract's orientation detection (OSD) runs first on landscape images,
      and on any page whose upright reading has a mean confidence below this (a page
      scanned sideways or upside down reads as garbage), which then is read again turned;
      upright portrait pages, nearly all of them, do not pay for it.
    - osd_min_confidence: Tesseract's orientation is trusted above this confidence.
    - garbage_*: a text layer is garbage when at least ``garbage_min_chars`` characters
      are there and more than ``garbage_odd_share`` of them are undecodable (control,
      private-use, replacement characters, "(cid:n)") or fewer than
      ``garbage_wordlike_share`` of its tokens with a letter look like words (letters
      joined by apostrophes or hyphens, no symbols inside: "d'un", "n°1", not "Ã©t@").
    """

    enabled: bool = True
    lang: str = "fra"
    min_dpi: int = 150
    max_dpi: int = 200
    text_dpi: int = 200
    min_word_confidence: float = 30.0
    bold_ink_ratio: float = 1.22
    speck_ink: float = 0.2
    min_words: int = 3
    blank_ink_share: float = 0.0005  # pages with less ink than this are blank (not read)
    low_confidence: float = 50.0
    osd: bool = True
    osd_below: float = 60.0
    osd_min_confidence: float = 2.0
    garbage_min_chars: int = 40
    garbage_odd_share: float = 0.2
    garbage_wordlike_share: float = 0.5
    image: ImageSettings = field(default_factory=ImageSettings)


# ---------------------------------------------------------------- the per-page decision

_CID = re.compile(r"\(cid:\d+\)")
_LETTER = re.compile(r"[^\W\d_]")
# a token with letters that reads as words: letters joined by apostrophes or hyphens,
# possibly with digits around ("n°1", "2ème") and punctuation outside
_WORDLIKE = re.compile(r"^[\W_]*\d*[^\W\d_]+(?:['’/-][^\W\d_]+)*[°\d]*[\W_]*$")
_ODD = re.compile("[\x00-\x08\x0b\x0c\x0e-\x1f\ue000-\uf8ff\ufffd\U000f0000-\U0010ffff]")
_SPECK_QUOTE = re.compile(r"^[‘`´](?=[A-ZÀ-Ý])")
_SAMPLE_TOKENS = 120  # tokens looked at on a page (enough to tell words from garbage)


def text_layer_problem(words: list[Any], n_images: int,
                       settings: OcrSettings | None = None) -> str | None:
    """Why a page's text layer cannot be used ("no text layer", "glyphless text layer",
    "garbage text layer"), or None for a good page (or a page with nothing to read).

    `words`: the page's pdfplumber words (with ``fontname``); cheap on good pages."""
    settings = settings or OcrSettings()
    if not words:
        return "no text layer" if n_images else None
    if n_images and all("glyphless" in str(w.get("fontname", "") if isinstance(w, dict)
                                           else getattr(w, "fontname", "")).casefold()
                        for w in words):
        return "glyphless text layer"
    texts = ([str(w.get("text", "")) for w in words] if isinstance(words[0], dict)
             else [w.text for w in words])
    text = " ".join(texts)
    if len(text) < settings.garbage_min_chars:
        return None
    odd = sum(len(m) for m in _CID.findall(text)) if "(cid:" in text else 0
    printable = text.isprintable()  # every whitespace character but " " is unprintable
    if "\ufffd" in text or not printable:  # else no _ODD character (cheap test)
        odd += len(_ODD.findall(text))
    if odd > settings.garbage_odd_share * len(text):
        return "garbage text layer"
    if (printable and text.count(" ") == len(texts) - 1 and "  " not in text
            and text[:1] != " " and text[-1:] != " "):
        tokens = texts  # no word holds a space or is empty: text.split(), without copies
    else:
        tokens = text.split()
    sample = tokens[::max(1, len(tokens) // _SAMPLE_TOKENS)]
    # a word-like token has a letter; one made of letters only is word-like
    others = list(filterfalse(str.isalpha, sample))
    wordlike = len(sample) - len(others) + len(list(filter(_WORDLIKE.match, others)))
    share = settings.garbage_wordlike_share
    if share >= 0 and wordlike >= share * len(sample):  # enough even if all had letters
        return None
    lettered = len(list(filter(_LETTER.search, sample)))
    if lettered >= 10 and wordlike < share * lettered:
        return "garbage text layer"
    return None


# ---------------------------------------------------------------- what OCR returns


@dataclass
class OcrResult:
    """OCR of one page image, in PDF points of the upright, deskewed page."""

    width: float
    height: float
    dpi: float
    rotation: int  # degrees turned to make the page upright (0, 90, 180, 270)
    skew: float  # degrees of skew undone
    words: list[dict[str, Any]]  # pdfplumber-like word dicts, plus "conf" (0-100)
    edges: list[dict[str, Any]]  # ruling lines as pdfplumber edges

    @property
    def confidence(self) -> float | None:
        return mean_confidence(self.words)


def mean_confidence(words: list[dict[str, Any]]) -> float | None:
    """Mean confidence of OCR words, weighted by characters (None without words)."""
    chars = sum(len(w["text"]) for w in words)
    if not chars:
        return None
    return round(sum(w["conf"] * len(w["text"]) for w in words) / chars, 1)


class OcrUnavailable(RuntimeError):
    """Tesseract or its French model is missing."""


_local = threading.local()  # one Tesseract handle per thread (the API is not thread-safe)


def _apis(settings: OcrSettings) -> tuple[Any, Any]:
    """(recogniser, orientation detector) of this thread, created on first use."""
    key = (settings.lang, str(TESSDATA))
    cached = getattr(_local, "apis", None)
    if cached is not None and cached[0] == key:
        return cached[1]
    if TESSDATA is None:
        raise OcrUnavailable(f"the Tesseract model '{settings.lang}' is not installed "
                             f"({INSTALL_HINT})")
    os.environ.setdefault("OMP_THREAD_LIMIT", "1")  # one core per worker process
    try:
        import tesserocr
    except ImportError as exc:
        raise OcrUnavailable(f"tesserocr is not installed ({exc})") from exc
    main = tesserocr.PyTessBaseAPI(path=str(TESSDATA), lang=settings.lang,
                                   psm=tesserocr.PSM.AUTO)
    osd = None
    if settings.osd and (TESSDATA / "osd.traineddata").is_file():
        osd = tesserocr.PyTessBaseAPI(path=str(TESSDATA), lang="osd",
                                      psm=tesserocr.PSM.OSD_ONLY)
    _local.apis = (key, (main, osd))
    return main, osd


def engine_version() -> str:
    """Tesseract's version (part of the cache key)."""
    import tesserocr

    return tesserocr.tesseract_version().split()[1]


def ocr_image(image: Image.Image, dpi: float, settings: OcrSettings) -> OcrResult:
    """Turn upright, deskew, find rules, then read the words of a greyscale page image
    (every word Tesseract returns, with its confidence; OcrPage filters them)."""
    api, osd = _apis(settings)
    image = image.convert("L")
    if _is_blank(image, settings):
        k = 72 / dpi
        return OcrResult(image.width * k, image.height * k, dpi, 0, 0.0, [], [])
    landscape = image.width > image.height
    rotation = _orientation(osd, image, settings) if landscape else 0
    result = _read_turned(api, image, rotation, dpi, settings)
    if not landscape and osd is not None and (mean_confidence(result.words) or 0.0) \
            < settings.osd_below:
        rotation = _orientation(osd, image, settings)
        if rotation:
            result = _read_turned(api, image, rotation, dpi, settings)
    return result


def _is_blank(image: Image.Image, settings: OcrSettings) -> bool:
    """No ink at all (a white page, a few specks): nothing for Tesseract to read."""
    pixels = np.asarray(image, dtype=np.uint8)
    return float((pixels < 128).mean()) < settings.blank_ink_share


def _read_turned(api: Any, image: Image.Image, rotation: int, dpi: float,
                 settings: OcrSettings) -> OcrResult:
    if rotation:
        image = image.rotate(rotation, expand=True, fillcolor=255)
    pixels = np.asarray(image, dtype=np.uint8)
    skew = skew_angle(dark_mask(pixels), settings.image)
    if skew:
        image = image.rotate(-skew, resample=Image.Resampling.BICUBIC, fillcolor=255)
        pixels = np.asarray(image, dtype=np.uint8)
    pixels = pixels.copy()
    horizontal, vertical = ruling_lines(dark_mask(pixels), dpi, settings.image)
    erase(pixels, horizontal + vertical)
    api.SetImage(Image.fromarray(pixels, "L"))
    api.SetSourceResolution(int(dpi))
    api.Recognize()
    words = _words(api, dpi, dark_mask(pixels))
    edges = edges_from_rules(horizontal, dpi, "h") + edges_from_rules(vertical, dpi, "v")
    k = 72 / dpi
    return OcrResult(width=image.width * k, height=image.height * k, dpi=dpi,
                     rotation=rotation, skew=skew, words=words, edges=edges)


def _orientation(osd: Any, image: Image.Image, settings: OcrSettings) -> int:
    """Degrees (counter-clockwise) that make the page upright, from Tesseract's OSD."""
    if osd is None:
        return 0
    osd.SetImage(image)
    try:
        found = osd.DetectOrientationScript()
    except RuntimeError:  # too little text to tell
        return 0
    if not found or found.get("orient_conf", 0) < settings.osd_min_confidence:
        return 0
    return int(found.get("orient_deg", 0)) % 360


def _words(api: Any, dpi: float, dark: np.ndarray) -> list[dict[str, Any]]:
    """Word dicts in points. A word's box is drawn from its baseline: up by its text line's
    row height (which is also its size), down by the line's descenders, as a PDF glyph box,
    so that the words of a line line up and two close lines never merge. A "word" whose
    ink is only dots on the baseline is a dot leader (Tesseract reads it as words): its text
    becomes dots. ``ink``: the word's share of dark pixels in its line's x-height band
    (bold strokes darken it; see :func:`kept_words`)."""
    import tesserocr

    k = 72 / dpi
    word_level, line_level = tesserocr.RIL.WORD, tesserocr.RIL.TEXTLINE
    out: list[dict[str, Any]] = []
    it = api.GetIterator()
    if it is None:
        return out
    line_box: tuple[int, int, int, int] | None = None
    row_h = descent = 0.0
    band = (0, 0)
    for word in tesserocr.iterate_level(it, word_level):
        if word.IsAtBeginningOf(line_level):
            line_box = word.BoundingBox(line_level)
            attrs = word.RowAttributes()
            row_h = float(attrs.get("row_height", 0.0))
            descent = abs(float(attrs.get("descenders", 0.0)))
            band = x_height_band(dark, line_box) if line_box else (0, 0)
        try:
            text = (word.GetUTF8Text(word_level) or "").strip()
        except RuntimeError:  # an empty page still yields one empty element
            continue
        conf = float(word.Confidence(word_level))
        box = word.BoundingBox(word_level)
        if not text or box is None or line_box is None:
            continue
        if is_leader(dark, box, line_box):
            text, conf = "." * max(1, round((box[2] - box[0]) * k / 3)), 100.0
        baseline = _baseline_at(word.Baseline(word_level), (box[0] + box[2]) / 2, box[3])
        out.append({"text": unicodedata.normalize("NFC", text), "x0": box[0] * k,
                    "x1": box[2] * k, "top": (baseline - row_h) * k,
                    "bottom": (baseline + descent) * k,
                    "size": round(row_h * k * 2) / 2, "fontname": OCR_FONT, "upright": True,
                    "conf": round(conf, 1), "ink": ink_share(dark, box, band)})
    return out


def _baseline_at(baseline: Any, x: float, default: float) -> float:
    """y of a word's baseline ((x1, y1), (x2, y2)) at `x`; `default` without one."""
    if not baseline:
        return float(default)
    (x1, y1), (x2, y2) = baseline
    if x2 == x1:
        return float(y1)
    return y1 + (y2 - y1) * (x - x1) / (x2 - x1)


def _worth_reading(word: dict[str, Any], settings: OcrSettings) -> bool:
    """Not a speck: specks are read as punctuation, or as a short word with little ink (a
    long word Tesseract is unsure of is usually right, "personne" at 26/100)."""
    text, conf, floor = word["text"], word["conf"], settings.min_word_confidence
    alnum = sum(ch.isalnum() for ch in text)
    if not alnum:
        return conf >= 2 * floor or set(text) == {"."}
    if word.get("ink", 1.0) < settings.speck_ink:
        return False
    return conf >= floor or alnum > 2


def kept_words(words: list[dict[str, Any]], settings: OcrSettings) -> list[dict[str, Any]]:
    """The words worth reading (:func:`_worth_reading`; a speck read as "‘" before a
    capital dropped), sizes snapped per page, and bold when
    their ink share is `bold_ink_ratio` times the page's usual one (median over words of
    three letters or more)."""
    out = [dict(w) for w in words if _worth_reading(w, settings)]
    for w in out:  # a speck before a capital is read as an opening single quote
        w["text"] = _SPECK_QUOTE.sub("", w["text"])
    snap_sizes(out, lambda w: (w["size"], len(w["text"])), lambda w, s: w.update(size=s))
    inks = sorted(w.get("ink", 0.0) for w in out if len(_LETTER.findall(w["text"])) >= 3)
    if inks:
        usual = inks[len(inks) // 2]
        for w in out:
            if usual and w.get("ink", 0.0) >= settings.bold_ink_ratio * usual \
                    and _LETTER.search(w["text"]):
                w["fontname"] = OCR_FONT + "-Bold"
    return out


def snap_sizes(items: list[Any], get: Any, put: Any, tolerance: float = 0.1) -> None:
    """Sizes read from row heights vary with ascenders and descenders: a size within
    `tolerance` of a more common one (weighted by characters) takes that size, so that a
    paragraph keeps one size and headings of one style one level. `get(item)` gives
    (size, n_chars); `put(item, size)` sets it."""
    counts: dict[float, int] = {}
    for it in items:
        size, chars = get(it)
        counts[size] = counts.get(size, 0) + chars
    ranked = sorted(counts, key=lambda s: (-counts[s], s))
    target: dict[float, float] = {}
    for s in ranked:
        near = [t for t in ranked if target.get(t) == t and counts[t] > counts[s]
                and abs(t - s) <= tolerance * t]
        target[s] = min(near, key=lambda t: (abs(t - s), -counts[t])) if near else s
    for it in items:
        put(it, target[get(it)[0]])


def tidy_ocr_lines(pages: list[Any], min_ratio: float = 85.0) -> None:
    """Across the OCR'd pages of a document (items with ``ocr_words`` set): one size per
    style (:func:`snap_sizes`), and header/footer-band lines that OCR read slightly
    differently ("PTSM 53 - Feuille de raute") given the text of the more frequent band line
    they match (rapidfuzz ratio ≥ `min_ratio`), so running headers are found as repeats."""
    ocr_lines = [it for p in pages if p.ocr_words is not None for it in p.items
                 if isinstance(it, Line)]
    if not ocr_lines:
        return
    snap_sizes(ocr_lines, lambda ln: (ln.size, len(ln.text)),
               lambda ln, s: setattr(ln, "size", s))
    band = [it for p in pages for it in p.items if isinstance(it, Line) and it.band]
    counts = Counter(furniture_key(ln.text) for ln in band)
    texts = {furniture_key(ln.text): ln.text for ln in band}
    frequent = [k for k, n in counts.most_common() if n >= 2]
    for ln in ocr_lines:
        key = furniture_key(ln.text)
        if not ln.band or not frequent or key in frequent[:1]:
            continue
        match = process.extractOne(key, frequent, scorer=fuzz.ratio, score_cutoff=min_ratio)
        if match is not None and counts[match[0]] > counts[key]:
            ln.text = texts[match[0]]


# ---------------------------------------------------------------- the page the reader sees


class OcrPage:
    """The parts of a pdfplumber page the reader uses, served from an OcrResult."""

    def __init__(self, result: OcrResult, settings: OcrSettings) -> None:
        self.result = result
        self.words = kept_words(result.words, settings)
        self.width, self.height = result.width, result.height
        self.bbox = (0.0, 0.0, self.width, self.height)
        self.edges = result.edges
        self.images: list[Any] = []
        self.chars: list[dict[str, Any]] = []

    def extract_words(self, extra_attrs: list[str] | None = None,
                      **kwargs: Any) -> list[dict[str, Any]]:
        """The OCR words (already grouped by Tesseract)."""
        return [dict(w) for w in self.words]

    def find_tables(self, table_settings: dict[str, Any] | None = None) -> list[Any]:
        """pdfplumber's TableFinder over the ruling lines found in the image."""
        return TableFinder(self, TableSettings.resolve(table_settings)).tables  # type: ignore[arg-type]


def block_confidences(blocks: list[Any], words_by_page: dict[int, list[dict[str, Any]]]
                      ) -> None:
    """Mark blocks of OCR'd pages: ``style["ocr"]`` and ``style["ocr_confidence"]`` (mean
    confidence of the OCR words inside the block's box, weighted by characters)."""
    for block in blocks:
        words = words_by_page.get(block.page or 0)
        if words is None:
            continue
        block.style["ocr"] = True
        if not block.bbox:
            continue
        x0, top, x1, bottom = block.bbox
        inside = [w for w in words if x0 - 1 <= (w["x0"] + w["x1"]) / 2 <= x1 + 1
                  and top - 1 <= (w["top"] + w["bottom"]) / 2 <= bottom + 1]
        block.style["ocr_confidence"] = mean_confidence(inside)


def page_warnings(pages: list[Any], settings: OcrSettings) -> list[str]:
    """A warning per page whose text is missing: not OCR'd, unreadable, or barely read
    (`pages`: the PDF reader's page results, with ``needs_ocr`` and ``ocr_words``)."""
    out = []
    for p in pages:
        if p.needs_ocr and p.ocr_words is None:
            out.append(f"page {p.number}: {p.needs_ocr} (needs OCR: install Tesseract and "
                       f"its French model, {INSTALL_HINT})")
        elif p.ocr_words is not None and len(p.ocr_words) < settings.min_words:
            out.append(f"page {p.number}: {p.needs_ocr}, and OCR found no readable text "
                       "(blank or noise page)")
        elif p.ocr_words is not None:
            conf = mean_confidence(p.ocr_words)
            if conf is not None and conf < settings.low_confidence:
                out.append(f"page {p.number}: OCR confidence is low ({conf:.0f}/100), "
                           "its text may be wrong")
    return out


# ---------------------------------------------------------------- one document


class PdfOcr:
    """OCR of the pages of one PDF that need it; opened on first use, cached on disk.

    `cache_dir`: folder of cached results (the raw store's cache); None = no cache."""

    def __init__(self, path: Path, settings: OcrSettings | None = None,
                 cache_dir: Path | None = None) -> None:
        self.path = Path(path)
        self.settings = settings or OcrSettings()
        self.cache_dir = Path(cache_dir) / "ocr" if cache_dir else None
        self._doc: pdfium.PdfDocument | None = None

    @property
    def available(self) -> bool:
        return self.settings.enabled and TESSDATA is not None and _tesserocr_installed()

    def page(self, number: int) -> OcrPage:
        """OCR of page `number` (1-based), from the cache when the same image was read."""
        if self._doc is None:
            self._doc = pdfium.PdfDocument(str(self.path))
        page = self._doc[number - 1]
        try:
            dpi = _render_dpi(page, self.settings)
            image = page.render(scale=dpi / 72, grayscale=True).to_pil().convert("L")
        finally:
            page.close()
        key = self._key(image, dpi)
        result = self._cached(key)
        if result is None:
            result = ocr_image(image, dpi, self.settings)
            self._store(key, result)
        return OcrPage(result, self.settings)

    def close(self) -> None:
        if self._doc is not None:
            self._doc.close()
            self._doc = None

    def _key(self, image: Image.Image, dpi: float) -> str:
        digest = hashlib.sha256(image.tobytes())
        s = self.settings  # only what changes Tesseract's output
        digest.update(json.dumps([CACHE_VERSION, dpi, image.size, engine_version(), s.lang,
                                  s.osd, s.osd_below, s.osd_min_confidence, asdict(s.image)],
                                 sort_keys=True).encode())
        return digest.hexdigest()

    def _cached(self, key: str) -> OcrResult | None:
        if self.cache_dir is None:
            return None
        path = self.cache_dir / key[:2] / f"{key}.json"
        try:
            return OcrResult(**json.loads(path.read_text(encoding="utf-8")))
        except (OSError, ValueError, TypeError):
            return None

    def _store(self, key: str, result: OcrResult) -> None:
        if self.cache_dir is None:
            return
        path = self.cache_dir / key[:2] / f"{key}.json"
        try:
            path.parent.mkdir(parents=True, exist_ok=True)
            tmp = path.with_suffix(f".{os.getpid()}.part")
            tmp.write_text(json.dumps(asdict(result), ensure_ascii=False), encoding="utf-8")
            tmp.replace(path)
        except OSError:
            pass  # a read-only cache only costs time


def _tesserocr_installed() -> bool:
    try:
        import tesserocr  # noqa: F401
    except ImportError:
        return False
    return True


def _render_dpi(page: pdfium.PdfPage, settings: OcrSettings) -> float:
    """The resolution of the page's largest image, clamped; ``text_dpi`` without one."""
    best, best_area = 0.0, 0.0
    for obj in page.get_objects(filter=[pdfium_c.FPDF_PAGEOBJ_IMAGE], max_depth=1):
        try:
            meta = obj.get_metadata()
        except Exception:  # an image PDFium cannot describe
            continue
        area = float(meta.width) * float(meta.height)
        if area > best_area:
            best, best_area = float(meta.horizontal_dpi), area
    if not best:
        return float(settings.text_dpi)
    return float(min(settings.max_dpi, max(settings.min_dpi, round(best))))
