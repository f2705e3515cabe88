"""Page layout for the PDF reader: words → lines, column gutters, reading order.

Pure functions over small slotted records, so that a page can be closed as soon as its
words are copied out (memory stays flat on long documents).
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from operator import attrgetter

import numpy as np

BOLD_FONT = re.compile(r"bold|black|heavy|demi|semibold|extrabold|ultrabold|,B$", re.I)
_ALNUM = re.compile(r"[^\W_]")  # a letter or digit (str.isalnum, character by character)
_LOWER_START = re.compile(r"^[a-zà-öø-ÿœæ]")
_WORD_HYPHENS = ("-", "\u2010", "\u2011", "\u00ad")


@dataclass(slots=True, init=False)
class Word:
    """One pdfplumber word with the font facts the reader needs."""

    text: str
    x0: float
    x1: float
    top: float
    bottom: float
    size: float
    bold: bool

    # written out (not dataclass-made) so that mypyc compiles it: a page makes hundreds
    def __init__(self, text: str, x0: float, x1: float, top: float, bottom: float,
                 size: float, bold: bool) -> None:
        self.text = text
        self.x0 = x0
        self.x1 = x1
        self.top = top
        self.bottom = bottom
        self.size = size
        self.bold = bold


def make_words(texts: list[str], x0: list[float], x1: list[float], top: list[float],
               bottom: list[float], size: list[float], bold: list[bool]) -> list[Word]:
    """Words from parallel lists (compiled, a loop here is quicker than ``map(Word, …)``)."""
    return [Word(texts[i], x0[i], x1[i], top[i], bottom[i], size[i], bold[i])
            for i in range(len(texts))]


@dataclass(slots=True)
class Line:
    """One visual line of text inside a column (or spanning the page)."""

    text: str
    x0: float
    x1: float
    top: float
    bottom: float
    size: float
    bold: bool
    page: int = 0
    column: int = 0  # 0: full width, 1: left column, 2: right column
    band: str = ""  # "top" / "bottom" when inside the header / footer band
    col_x1: float = 0.0  # right edge of the text of its column on the page


@dataclass(slots=True)
class TableItem:
    """A table placed in the reading order (the rows live elsewhere)."""

    index: int
    x0: float
    x1: float
    top: float
    bottom: float
    column: int = 0


@dataclass
class LayoutSettings:
    """Thresholds for line building and column detection (ratios are of the font size)."""

    row_overlap: float = 0.4  # min vertical overlap (share of the smaller word) to share a row
    nospace_gap: float = 0.12  # words closer than this × size are glued (split by font change)
    superscript_size: float = 0.85  # a word smaller than this × previous size…
    superscript_raise: float = 0.15  # …whose bottom is raised by this × size is a superscript
    superscript_gap: float = 0.35  # …and closer than this × size is glued ("1" + "er")
    gutter_min_width: float = 9.0  # points of empty vertical band between two columns
    gutter_zone: tuple[float, float] = (0.25, 0.75)  # where a gutter may lie (share of width)
    gutter_max_crossing: float = 0.25  # share of body rows (at least 2) crossing the gutter
    column_min_lines: int = 3  # lines each column needs for a two-column reading
    column_fill: float = 0.75  # median left-column line must reach this share of its width


def is_bold(fontname: str) -> bool:
    """Bold (or heavier) from the font name: "ABCDEF+Arial-BoldMT" → True."""
    return bool(BOLD_FONT.search(fontname or ""))


def words_from_plumber(raw: Iterable[dict]) -> list[Word]:
    """Copy pdfplumber word dicts (extracted with extra_attrs size+fontname) into records."""
    out: list[Word] = []
    for w in raw:
        text = w.get("text", "")
        if not text or not text.strip() or not w.get("upright", True):
            continue
        out.append(Word(text, float(w["x0"]), float(w["x1"]), float(w["top"]),
                        float(w["bottom"]), round(float(w.get("size") or 0.0), 2),
                        is_bold(str(w.get("fontname", "")))))
    return out


def _overlap(a_top: float, a_bottom: float, b_top: float, b_bottom: float) -> float:
    return min(a_bottom, b_bottom) - max(a_top, b_top)


def group_rows(words: Sequence[Word], settings: LayoutSettings) -> list[list[Word]]:
    """Cluster words into visual rows (vertical overlap with the row's tallest word)."""
    if len(words) < 2:
        return [list(words)] if words else []
    first = words[0]
    top, bottom = first.top, first.bottom
    if bottom >= top:
        for w in words:
            if w.top != top or w.bottom != bottom:
                break
        else:
            return [sorted(words, key=_x0)]  # one line of one font (a table cell's, often)
    rows: list[list[Word]] = []
    ratio = settings.row_overlap
    ref_top = ref_bottom = ref_h = 0.0
    row: list[Word] = []
    # by center, then x0, then index (a stable sort)
    for _, _, i in sorted([((w.top + w.bottom) / 2, w.x0, i) for i, w in enumerate(words)]):
        w = words[i]
        top, bottom = w.top, w.bottom
        h = bottom - top
        if row:
            ov = ((bottom if bottom < ref_bottom else ref_bottom)
                  - (top if top > ref_top else ref_top))
            if ov >= ratio * (h if h < ref_h else ref_h):
                row.append(w)
                if h > ref_h:
                    ref_top, ref_bottom, ref_h = top, bottom, h
                continue
        row = [w]
        rows.append(row)
        ref_top, ref_bottom, ref_h = top, bottom, h
    for r in rows:
        if len(r) > 1:
            r.sort(key=_x0)
    return rows


def body_rows(body: list[Word], words: list[Word], rows: list[list[Word]],
               above: int, below: int, layout: LayoutSettings) -> list[list[Word]]:
    """group_rows of `body` (the words of `words` centered between the bands: `above` words
    lie above it, `below` below it), from `rows`, the group_rows of `words`, when no row
    holds words on both sides of a band's edge. group_rows makes its rows of consecutive
    words in the order of their centers, where the body's come in one stretch after those
    above: the first rows then hold exactly the words above (the last ones those below),
    the others group alike."""
    if above + len(body) + below != len(words):  # a word without a center (NaN)
        return group_rows(body, layout)
    start = seen = 0
    while seen < above:
        seen += len(rows[start])
        start += 1
    end, seen_below = len(rows), 0
    while seen_below < below:
        end -= 1
        seen_below += len(rows[end])
    if seen != above or seen_below != below:  # a row across a band's edge
        return group_rows(body, layout)
    return rows[start:end] if start or end < len(rows) else rows


_x0 = attrgetter("x0")
_top_then_x0 = attrgetter("top", "x0")
_top = attrgetter("top")


def _count_then_size(kv: tuple[float, int]) -> tuple[int, float]:
    return kv[1], kv[0]


def _has_alnum(text: str) -> bool:
    return bool(text[:1].isalnum() or _ALNUM.search(text))


def row_text(words: Sequence[Word], settings: LayoutSettings) -> str:
    """Text of a row (left to right): spaces between words, none for superscripts and
    font-change splits."""
    prev = words[0]
    if len(words) == 1:
        return prev.text
    nospace, small = settings.nospace_gap, settings.superscript_size
    raise_, close = settings.superscript_raise, settings.superscript_gap
    parts = [prev.text]
    for w in words[1:]:
        gap = w.x0 - prev.x1
        p_size, w_size = prev.size, w.size
        if gap >= nospace * ((w_size if w_size > p_size else p_size) or 10.0) and not (
                w_size < p_size * small and w.bottom < prev.bottom - raise_ * p_size
                and gap < close * p_size and prev.text[-1:].isalnum()):
            parts.append(" ")
        parts.append(w.text)
        prev = w
    return "".join(parts)


def row_to_line(words: Sequence[Word], settings: LayoutSettings, page: int = 0,
                column: int = 0) -> Line:
    """One row of words (left to right) as a line. Size: the font size carried by most
    characters. Bold only when every word with a letter or digit is bold (a line opened by
    a bold label, "Pilotes : à définir", is not bold)."""
    first = words[0]
    if len(words) == 1:
        return Line(text=first.text, x0=first.x0, x1=first.x1, top=first.top,
                    bottom=first.bottom, size=round(first.size, 1),
                    bold=first.bold and _has_alnum(first.text), page=page, column=column)
    x0, x1, top, bottom = first.x0, first.x1, first.top, first.bottom
    one_size = True
    size0 = first.size
    n_bold = 0
    for w in words:
        if w.size != size0:
            one_size = False
        if w.bold:
            n_bold += 1
        if w.x0 < x0:
            x0 = w.x0
        if w.x1 > x1:
            x1 = w.x1
        if w.top < top:
            top = w.top
        if w.bottom > bottom:
            bottom = w.bottom
    if n_bold == 0:
        bold = False
    elif n_bold == len(words):
        bold = any(_has_alnum(w.text) for w in words)
    else:  # bold when the words with a letter or digit (at least one) are all bold
        wordy = [w.bold for w in words if _has_alnum(w.text)]
        bold = bool(wordy) and all(wordy)
    return Line(text=row_text(words, settings), x0=x0, x1=x1, top=top, bottom=bottom,
                size=round(size0, 1) if one_size else _main_size(words), bold=bold,
                page=page, column=column)


def _main_size(words: Sequence[Word]) -> float:
    """The font size (rounded to 0.1) carried by most characters (the bigger on a tie)."""
    chars: dict[float, int] = {}  # characters per exact size (few sizes), rounded below
    for w in words:
        chars[w.size] = chars.get(w.size, 0) + len(w.text)
    sizes: dict[float, int] = {}
    for key, n in chars.items():
        key = round(key, 1)
        sizes[key] = sizes.get(key, 0) + n
    return max(sizes.items(), key=_count_then_size)[0]


def lines_from_words(words: Sequence[Word], settings: LayoutSettings, page: int = 0,
                     column: int = 0, rows: list[list[Word]] | None = None) -> list[Line]:
    """Visual lines (top to bottom) of a set of words from one column (`rows`: their
    group_rows, when already made)."""
    if rows is None:
        rows = group_rows(words, settings)
    return [row_to_line(r, settings, page, column) for r in rows]


@dataclass
class Gutter:
    x0: float
    x1: float


def find_gutter(words: Sequence[Word], width: float, settings: LayoutSettings,
                rows: list[list[Word]] | None = None) -> Gutter | None:
    """An empty vertical band between two columns of body text, or None (`rows`: the
    words' group_rows, when already made).

    For each x (1 pt steps) the rows with a word over it are counted; the gutter is the
    widest run inside `gutter_zone` crossed by few rows (full-width titles may cross it).
    Both sides must hold enough lines side by side, and left-column lines must mostly reach
    the gutter (so that label/value layouts are not read as columns).
    """
    if len(words) < 2 * settings.column_min_lines:
        return None
    n = int(width) + 2
    if rows is None:
        rows = group_rows(words, settings)
    cover = _row_cover(rows, n)
    lo, hi = int(width * settings.gutter_zone[0]), int(width * settings.gutter_zone[1])
    if hi <= lo:
        return None
    limit = max(2, int(settings.gutter_max_crossing * len(rows)))
    # runs of x crossed by few rows; the first widest one
    low = np.concatenate(([False], cover[lo:hi + 1] <= limit, [False]))
    steps = np.diff(low.view(np.int8))
    starts, ends = np.flatnonzero(steps == 1), np.flatnonzero(steps == -1) - 1
    if not len(starts):
        return None
    widest = int(np.argmax(ends - starts))
    best = (lo + int(starts[widest]), lo + int(ends[widest]))
    if best[1] - best[0] < settings.gutter_min_width:
        return None
    gutter = Gutter(float(best[0]), float(best[1]))
    left = [w for w in words if w.x1 <= gutter.x0 + 1]
    right = [w for w in words if w.x0 >= gutter.x1 - 1]
    need = settings.column_min_lines  # lines on each side (a row holds a word at least)
    if min(len(left), len(right)) < need:
        return None
    left_rows = group_rows(left, settings)
    if len(left_rows) < need or len(group_rows(right, settings)) < need:
        return None
    left_x0 = min(w.x0 for w in left)
    row_ends = sorted(max(w.x1 for w in r) for r in left_rows)
    median_end = row_ends[len(row_ends) // 2]
    if median_end - left_x0 < settings.column_fill * (gutter.x0 - left_x0):
        return None
    # the columns must sit side by side, not one above the other
    l_top, l_bot = min(w.top for w in left), max(w.bottom for w in left)
    r_top, r_bot = min(w.top for w in right), max(w.bottom for w in right)
    if _overlap(l_top, l_bot, r_top, r_bot) <= 0:
        return None
    return gutter


def _row_cover(rows: Sequence[Sequence[Word]], n: int) -> np.ndarray:
    """For each x in 0..n-1 (1 pt steps), how many rows have a word over it."""
    row = np.repeat(np.arange(len(rows)), [len(r) for r in rows])
    x0 = np.array([w.x0 for r in rows for w in r], np.float64)
    x1 = np.array([w.x1 for r in rows for w in r], np.float64)
    start = np.maximum(0, np.trunc(x0)).astype(np.int64)
    end = np.minimum(n, np.trunc(x1) + 1).astype(np.int64)
    ok = start < end
    # each row's spans merged where they overlap or touch (rows kept apart by an offset)
    offset = row[ok] * (n + 2)
    order = np.argsort(start[ok] + offset, kind="stable")
    start, end, offset = (start[ok] + offset)[order], (end[ok] + offset)[order], offset[order]
    opens = np.empty(len(start), bool)
    opens[:1] = True
    opens[1:] = start[1:] > np.maximum.accumulate(end)[:-1]
    first = np.flatnonzero(opens)
    spans_end = np.maximum.reduceat(end, first) - offset[first] if len(first) else first
    marks = (np.bincount(start[first] - offset[first], minlength=n + 1)
             - np.bincount(spans_end, minlength=n + 1))
    return np.cumsum(marks)[:n]


def layout_page(words: Sequence[Word], tables: Sequence[TableItem], gutter: Gutter | None, *,
                page: int, settings: LayoutSettings,
                rows: list[list[Word]] | None = None) -> list[Line | TableItem]:
    """Lines and tables of one page in reading order.

    `gutter`: find_gutter of the page's body words (centers between the header and footer
    bands; the bands' words are kept, furniture is decided across pages, but do not take
    part in gutter detection). On a two-column page, items crossing the gutter (titles, wide
    tables) split the page into bands; each band is read left column first, then right
    column. `rows`: group_rows of `words`, when already made.
    """
    items: list[Line | TableItem] = []
    if gutter is None:
        items.extend(lines_from_words(words, settings, page, rows=rows))
        items.extend(tables)
        items.sort(key=_top_then_x0)
        _mark_columns_right(items)
        return items
    spanning_words = [w for w in words if w.x0 < gutter.x1 - 1 and w.x1 > gutter.x0 + 1]
    spanned = _in_spans(words, spanning_words)
    full = [w for w, inside in zip(words, spanned, strict=True) if inside]
    rest = [w for w, inside in zip(words, spanned, strict=True) if not inside]
    mid = (gutter.x0 + gutter.x1) / 2
    left = [w for w in rest if (w.x0 + w.x1) / 2 < mid]
    right = [w for w in rest if (w.x0 + w.x1) / 2 >= mid]
    full_items: list[Line | TableItem] = list(lines_from_words(full, settings, page, 0))
    col_items: dict[int, list[Line | TableItem]] = {
        1: list(lines_from_words(left, settings, page, 1)),
        2: list(lines_from_words(right, settings, page, 2)),
    }
    for t in tables:
        if t.x0 < gutter.x1 and t.x1 > gutter.x0:
            t.column = 0
            full_items.append(t)
        else:
            t.column = 1 if (t.x0 + t.x1) / 2 < mid else 2
            col_items[t.column].append(t)
    full_items.sort(key=_top)
    for col in col_items.values():
        col.sort(key=_top_then_x0)
    cuts = [it.top for it in full_items] + [float("inf")]
    prev_cut = float("-inf")
    fi = 0
    for cut in cuts:
        for k in (1, 2):
            items.extend(it for it in col_items[k] if prev_cut <= it.top < cut)
        if fi < len(full_items):
            items.append(full_items[fi])
            fi += 1
        prev_cut = cut
    _mark_columns_right(items)
    return items


def _in_spans(words: Sequence[Word], spanning: Sequence[Word]) -> list[bool]:
    """For each word: does more than half its height overlap a spanning word's height?"""
    if not words or not spanning:
        return [False] * len(words)
    top = np.array([w.top for w in words], np.float64)[:, None]
    bottom = np.array([w.bottom for w in words], np.float64)[:, None]
    s_top = np.array([w.top for w in spanning], np.float64)[None, :]
    s_bottom = np.array([w.bottom for w in spanning], np.float64)[None, :]
    overlap = np.minimum(bottom, s_bottom) - np.maximum(top, s_top)
    spanned: list[bool] = np.asarray((overlap > 0.5 * (bottom - top)).any(axis=1)).tolist()
    return spanned


def _mark_columns_right(items: Iterable[Line | TableItem]) -> None:
    """Store on each line the right edge of its column's text (for the short-line rule)."""
    right: dict[int, float] = {}
    lines = [it for it in items if isinstance(it, Line)]
    for ln in lines:
        right[ln.column] = max(right.get(ln.column, 0.0), ln.x1)
    for ln in lines:
        ln.col_x1 = right[ln.column]


def ends_with_word_hyphen(text: str) -> bool:
    """True for "accompa-" (a hyphen glued to a letter), not for a lone dash " -"."""
    return len(text) >= 2 and text[-1] in _WORD_HYPHENS and text[-2].isalpha()


def join_lines(texts: Sequence[str]) -> str:
    """Join wrapped lines, repairing end-of-line hyphenation.

    "accompa-" + "gnement" → "accompagnement" (next line starts lowercase);
    "Saint-" + "Martin" → "Saint-Martin" (hyphen kept, no space).
    """
    out = ""
    for raw in texts:
        text = raw.strip()
        if not text:
            continue
        if not out:
            out = text
        elif ends_with_word_hyphen(out):
            if _LOWER_START.match(text):
                out = out[:-1] + text
            else:
                out = out[:-1] + ("-" if out[-1] == "\u00ad" else out[-1]) + text
        else:
            out = out + " " + text
    return out

