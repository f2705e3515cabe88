"""Lines → blocks for the PDF reader: furniture, list items, TOC entries, paragraphs, headings.

Rules are data (regexes, thresholds in :class:`BlockSettings`); nothing here knows PTSMs.
"""

from __future__ import annotations

import math
import re
from collections import Counter
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field

from pipeline.readers.pdf_layout import Line, ends_with_word_hyphen, join_lines

# Bullet glyphs that open a list item; dashes and "*" need a space after them.
BULLET_GLYPHS = "▪▫✓✔•●○◦■□➢➤►·"
BULLET_DASHES = "-–—*"
BULLET_LEADS = frozenset(BULLET_GLYPHS + BULLET_DASHES)  # what a bullet starts with
_BULLET = re.compile(rf"^\s*((?:[{BULLET_GLYPHS}]\s*|[{BULLET_DASHES}]\s+)+)(?=\S)")
# "1)" / "1)Créer" / "1. Créer" (not "1.5", not "2019.")
_NUMBERED = re.compile(r"^\s*(\d{1,2})(\)\s*|\.\s+)(?=\S)")
# TOC entry: a title, dot leaders (". . . ." or "……" or "____"), a page number.
_TOC = re.compile(r"^(?P<title>.*?\S)\s*(?:[.·…_]\s*){4,}(?P<page>\d{1,4})\s*$")
# Bare page numbers: "12", "Page 12", "12 / 80", "page 3 sur 10", "- 12 -".
_PAGE_NUMBER = re.compile(
    r"^(?:page|p\.)?\s*[-–—]?\s*\d{1,4}\s*[-–—]?(?:\s*(?:/|sur|of|de)\s*\d{1,4})?$", re.I)
_PAGE_NUMBER_LEADS = frozenset("pP-–—")  # with digits and spaces, what it starts with
_DIGITS = re.compile(r"\d+")
_HAS_LETTER = re.compile(r"[^\W\d_]")


@dataclass
class BlockSettings:
    """Thresholds of block building (ratios are of the font size unless said otherwise)."""

    size_tolerance: float = 0.6  # points: a bigger size change starts a new block
    para_gap_extra: float = 0.35  # × size added to the usual line gap → paragraph break
    para_gap_min_extra: float = 2.0  # points, floor of the above
    indent_tolerance: float = 4.0  # points: a line indented more than this starts a paragraph
    short_line_ratio: float = 0.3  # a line ending this share of the width early ends a paragraph
    heading_size_ratio: float = 1.15  # size ≥ body × ratio → heading
    heading_max_chars: int = 300
    heading_max_lines: int = 4
    bold_heading_max_chars: int = 160  # bold text at body size is a heading when this short…
    bold_heading_max_lines: int = 2  # …and not ending with ":" (a field label)
    max_heading_levels: int = 6
    numbered_x_tolerance: float = 6.0  # points: numbered items of one list share their x0


@dataclass
class RawBlock:
    """A group of lines before classification (or a table placeholder)."""

    lines: list[Line] = field(default_factory=list)
    kind: str = "text"  # text | list | toc | table
    bullet: str = ""
    toc_page: int | None = None
    table_index: int = -1


# ---------------------------------------------------------------- furniture


def furniture_key(text: str) -> str:
    """Text of a header/footer line with digits replaced by '#', spaces and case folded."""
    return _DIGITS.sub("#", " ".join(text.split())).casefold()


def is_page_number(text: str) -> bool:
    lead = text[:1]
    if not (lead in _PAGE_NUMBER_LEADS or lead.isdigit() or lead.isspace()):
        return False  # cheap test first: the pattern cannot match
    return bool(_PAGE_NUMBER.match(" ".join(text.split())))


def repeated_keys(keys_per_page: Iterable[set[str]], n_pages: int, ratio: float,
                  min_pages: int) -> set[str]:
    """Keys present on at least `ratio` of the pages (and on `min_pages` pages)."""
    counts: Counter[str] = Counter()
    for keys in keys_per_page:
        counts.update(keys)
    need = max(min_pages, math.ceil(n_pages * ratio))
    return {k for k, c in counts.items() if c >= need}


# ---------------------------------------------------------------- line kinds


def bullet_of(text: str) -> tuple[str, str] | None:
    """(bullet glyphs, text without them) for a line opened by a bullet, else None."""
    lead = text[:1]
    if not (lead in BULLET_LEADS or lead.isspace()):
        return None  # cheap test first: a bullet opens the line, after spaces
    m = _BULLET.match(text)
    if not m:
        return None
    return " ".join(m.group(1).split()), text[m.end():]


def number_of(text: str) -> tuple[int, str] | None:
    """(number, marker type) of a line opened by "1)" or "1. ", else None."""
    lead = text[:1]
    if not (lead.isdigit() or lead.isspace()):
        return None  # cheap test first: a digit opens the line, after spaces
    m = _NUMBERED.match(text)
    if not m:
        return None
    return int(m.group(1)), m.group(2).strip()


def toc_entry(text: str, need_letter: bool = True) -> tuple[str, int] | None:
    """(title, page) of a TOC line with dot leaders, else None.

    The title must hold a letter unless `need_letter` is False (the last line of a wrapped
    entry may be "2019-2020 ....... 71").
    """
    text = text.strip()
    if not text[-1:].isdecimal():  # cheap test first: an entry ends with its page number
        return None
    m = _TOC.match(text)
    if not m or (need_letter and not _HAS_LETTER.search(m.group("title"))):
        return None
    return m.group("title").strip(), int(m.group("page"))


def numbered_list_lines(lines: Sequence[Line], body_size: float,
                        settings: BlockSettings) -> set[int]:
    """Indexes of numbered lines that clearly belong to a list.

    A "3)" line is a list item only when a line numbered 2 or 4 with the same marker
    starts at the same x on the page (a lone "1. Ce paragraphe…" is not a list), and it is
    not set in a heading size ("1. Introduction", "2. Contexte" are headings).
    """
    found: list[tuple[int, int, str, float]] = []
    for i, ln in enumerate(lines):
        num = number_of(ln.text)
        if num and ln.size < body_size * settings.heading_size_ratio:
            found.append((i, num[0], num[1], ln.x0))
    out: set[int] = set()
    for i, n, marker, x0 in found:
        for j, m, marker2, x1 in found:
            if (j != i and marker2 == marker and abs(m - n) == 1
                    and abs(x1 - x0) <= settings.numbered_x_tolerance):
                out.add(i)
                break
    return out


# ---------------------------------------------------------------- grouping


def usual_line_gap(lines: Sequence[Line], body_size: float) -> float:
    """Most common gap (points) between consecutive body-size lines of one column."""
    gaps: Counter[float] = Counter()
    for a, b in zip(lines, lines[1:], strict=False):
        if (a.page == b.page and a.column == b.column and abs(a.size - body_size) < 0.6
                and abs(b.size - body_size) < 0.6):
            g = b.top - a.bottom
            if -1.0 <= g < body_size:
                gaps[round(g * 2) / 2] += 1
    return gaps.most_common(1)[0][0] if gaps else 0.25 * body_size


def group_lines(items: Sequence[Line | int], numbered: set[int], line_gap: float,
                body_size: float, settings: BlockSettings) -> list[RawBlock]:
    """Group one page's items (lines, or table indexes) in reading order into raw blocks.

    `numbered` holds the ids (``id(line)``) of numbered lines accepted as list items.
    """
    blocks: list[RawBlock] = []
    cur: RawBlock | None = None

    def flush() -> None:
        nonlocal cur
        if cur is not None and cur.lines:
            blocks.append(cur)
        cur = None

    for item in items:
        if isinstance(item, int):
            flush()
            blocks.append(RawBlock(kind="table", table_index=item))
            continue
        line = item
        bullet = bullet_of(line.text)
        if bullet is None and id(line) in numbered:
            bullet = ("", line.text)  # numbered items keep their number in the text
        toc = toc_entry(line.text, need_letter=bool(cur is None or cur.kind == "toc"))
        if bullet is not None:
            flush()
            cur = RawBlock(lines=[line], kind="list", bullet=bullet[0] or _marker(line.text))
        elif cur is not None and _continues(cur, line, line_gap, body_size, settings,
                                            toc is not None):
            cur.lines.append(line)
        else:
            flush()
            cur = RawBlock(lines=[line])
        if toc is not None and cur is not None and cur.kind != "list":
            cur.kind = "toc"
            cur.toc_page = toc[1]
            flush()
    flush()
    return blocks


def _marker(text: str) -> str:
    num = number_of(text)
    return f"{num[0]}{num[1]}" if num else ""


def _continues(cur: RawBlock, line: Line, line_gap: float, body_size: float,
               settings: BlockSettings, is_toc: bool) -> bool:
    prev = cur.lines[-1]
    first = cur.lines[0]
    if line.column != prev.column or line.page != prev.page:
        return False
    width = max(prev.col_x1 - first.x0, 1.0)
    short = prev.col_x1 - prev.x1 > settings.short_line_ratio * width
    if abs(line.size - prev.size) > settings.size_tolerance:
        return False
    if line.bold != prev.bold and (short or prev.text.rstrip()[-1:] in ".:!?"):
        return False  # a bold run inside a sentence does not cut the paragraph
    gap = line.top - prev.bottom
    extra = max(settings.para_gap_min_extra, settings.para_gap_extra * prev.size)
    if gap < -0.5 * prev.size or gap > line_gap * prev.size / body_size + extra:
        return False
    if is_toc:
        return len(cur.lines) <= 2 and toc_entry(prev.text) is None
    if cur.kind == "list":
        return line.x0 > first.x0 + 2.0
    centered = (abs((line.x0 + line.x1) / 2 - (prev.x0 + prev.x1) / 2) < 3.0
                and abs(line.x0 - prev.x0) > settings.indent_tolerance)
    if line.x0 > prev.x0 + settings.indent_tolerance and not centered:
        return False
    headingish = prev.bold or prev.size >= body_size * settings.heading_size_ratio
    hyphenated = ends_with_word_hyphen(prev.text)
    return not (short and not headingish and not hyphenated and not centered
                and line.text[:1].isupper())


# ---------------------------------------------------------------- classification


@dataclass
class Classified:
    kind: str  # heading | paragraph | list_item
    text: str
    size: float
    bold: bool
    style: dict
    toc_page: int | None = None  # a table-of-contents entry: the page it points to


def classify(raw: RawBlock, body_size: float, settings: BlockSettings) -> Classified:
    """Kind, text and style of a text block (headings get their level later)."""
    lines = raw.lines
    if len(lines) == 1:
        size, bold = lines[0].size, bool(lines[0].bold)
    else:
        size, bold = _most_common_size(lines), all(ln.bold for ln in lines)
    style: dict = {"font_size": size, "bold": bold}
    if raw.kind == "list":
        first = lines[0].text
        b = bullet_of(first)
        head = b[1] if b else first
        style["bullet"] = raw.bullet
        return Classified("list_item", join_lines([head] + [ln.text for ln in lines[1:]]),
                          size, bold, style)
    if raw.kind == "toc":
        title = toc_entry(lines[-1].text, need_letter=len(lines) == 1)
        texts = [ln.text for ln in lines[:-1]] + [title[0] if title else lines[-1].text]
        return Classified("paragraph", join_lines(texts), size, bold, style, raw.toc_page)
    text = join_lines([ln.text for ln in lines])
    kind = "heading" if _is_heading(text, len(lines), size, bold, body_size, settings) \
        else "paragraph"
    return Classified(kind, text, size, bold, style)


def _most_common_size(lines: Sequence[Line]) -> float:
    """The size of most lines (the first seen on a tie)."""
    first = lines[0].size
    if all(ln.size == first for ln in lines):
        return first
    counts: dict[float, int] = {}
    for ln in lines:
        counts[ln.size] = counts.get(ln.size, 0) + 1
    return max(counts.items(), key=_count)[0]


def _count(kv: tuple[float, int]) -> int:
    return kv[1]


def _is_heading(text: str, n_lines: int, size: float, bold: bool, body_size: float,
                settings: BlockSettings) -> bool:
    if not _HAS_LETTER.search(text) or is_page_number(text):
        return False
    if size >= body_size * settings.heading_size_ratio:
        return len(text) <= settings.heading_max_chars and n_lines <= settings.heading_max_lines
    return (bold and size >= body_size - settings.size_tolerance
            and len(text) <= settings.bold_heading_max_chars
            and n_lines <= settings.bold_heading_max_lines
            and not text.rstrip().endswith(":"))


def heading_levels(headings: Iterable[tuple[float, bool]], max_levels: int) -> dict:
    """Level of each (size, bold) heading style: bigger → lower number; bold before regular."""
    styles = sorted({(round(s * 2) / 2, b) for s, b in headings},
                    key=lambda sb: (-sb[0], not sb[1]))
    return {sb: min(i + 1, max_levels) for i, sb in enumerate(styles)}


def body_font_size(lines: Iterable[Line]) -> float:
    """The most common font size, weighted by characters."""
    counts: Counter[float] = Counter()
    for ln in lines:
        counts[ln.size] += len(ln.text)
    return counts.most_common(1)[0][0] if counts else 10.0
