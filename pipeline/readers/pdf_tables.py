"""Tables for the PDF reader: ruled tables, text-aligned grids, and tables continued across
pages.

Cell text is rebuilt from the page words (not pdfplumber's own text) so that superscripts,
hyphenation and list lines are handled as in paragraphs: wrapped lines are joined with a
space, and a line opened by a bullet or a number ("1)", "2.") starts a new line ("\\n") in the
cell, so that the items of a list in a cell stay separable (a dash counts as a bullet only in
a cell whose first line starts with one).
"""

from __future__ import annotations

from bisect import bisect_right
from collections.abc import Sequence
from dataclasses import dataclass, field
from operator import attrgetter, itemgetter
from typing import Any

import numpy as np

from pipeline.readers.pdf_blocks import BULLET_DASHES, BULLET_LEADS, bullet_of, number_of
from pipeline.readers.pdf_layout import LayoutSettings, Word, group_rows, join_lines, row_text
from pipeline.readers.pdf_ruled import Cell


@dataclass
class TableSettings:
    """How tables are found and joined across pages."""

    ruled: dict[str, Any] = field(default_factory=lambda: {
        "vertical_strategy": "lines", "horizontal_strategy": "lines",
        "snap_tolerance": 3, "join_tolerance": 3, "intersection_tolerance": 3,
    })  # pdfplumber table settings for tables drawn with ruling lines
    min_cols: int = 2  # a one-column "table" is a framed paragraph, left as text
    text_tables: bool = True  # look for text-aligned grids on pages without ruled tables
    text_min_rows: int = 3
    text_min_cols: int = 2
    text_col_gap: float = 2.0  # × font size: a horizontal gap this wide separates two cells
    text_row_gap: float = 1.2  # × font size: rows further apart end the grid
    text_col_fill: float = 0.5  # every column must be filled in this share of rows
    near_edge: float = 0.3  # share of the page height: "ends near the bottom"/"starts near top"
    col_x_tolerance: float = 0.03  # share of the page width: same column positions
    max_header_rows: int = 4  # rows of a table's head that a continuation may repeat
    # tables without ruling lines anchored on a header row (see header_tables)
    header_col_gap: float = 1.0  # × font size: gap between two header cells
    header_min_cols: int = 3
    header_min_aligned_rows: int = 1  # rows below with two cells starting at header cells
    header_x_tolerance: float = 3.0  # points: a cell starts at a header cell's x0
    header_row_gap: float = 0.3  # × font size: a gap this much wider than the closest
    # lines of the table starts a new row
    header_end_gap: float = 2.0  # × font size: a wider vertical gap ends the table
    header_size_tolerance: float = 0.5  # points: another font size ends the table


@dataclass
class TableData:
    """A table found on one page (or several, once joined)."""

    page: int
    bbox: tuple[float, float, float, float]
    rows: list[list[str]]
    col_x: list[float]
    strategy: str
    page_width: float
    page_height: float
    pages: list[int] = field(default_factory=list)

    @property
    def n_cols(self) -> int:
        return len(self.col_x)


def cell_text(words: Sequence[Word], layout: LayoutSettings) -> str:
    """Text of one cell: wrapped lines joined with spaces; list lines start a new line."""
    if len(words) < 2:  # one line, one paragraph: the word itself
        return words[0].text.strip() if words else ""
    rows = group_rows(words, layout)
    if len(rows) == 1:  # one line, one paragraph
        return row_text(rows[0], layout).strip()
    paras: list[list[str]] = []
    dash_list = False
    for row in rows:
        text = row_text(row, layout)
        lead = text[:1]
        if not (lead in BULLET_LEADS or lead.isdigit() or lead.isspace()):
            # neither a bullet nor a number opens the line (bullet_of, number_of: None)
            if paras:
                paras[-1].append(text)
            else:
                paras.append([text])
            continue
        bullet = bullet_of(text)
        if not paras:
            dash_list = bullet is not None and bullet[0][:1] in BULLET_DASHES
        # a dash opens an item only in a cell that starts with one ("Avril - Mai\n- Juin")
        if bullet and bullet[0][:1] in BULLET_DASHES and not dash_list:
            bullet = None
        if not paras or bullet or number_of(text):
            paras.append([text])
        else:
            paras[-1].append(text)
    return "\n".join(join_lines(p) for p in paras)


_SIDES = tuple(attrgetter(side) for side in ("x0", "x1", "top", "bottom"))


def word_centers(page: Any, words: Sequence[Word]) -> tuple[np.ndarray, np.ndarray]:
    """The centers of the words' boxes; from the boxes the fast path made with the words
    (``FastPage.word_boxes``) when these are its words."""
    boxes = getattr(page, "word_boxes", None)
    if boxes is not None and boxes[0] is words:
        x0, x1, top, bottom = boxes[1:]
    else:
        x0, x1, top, bottom = (np.array(list(map(side, words)), np.float64)
                               for side in _SIDES)
    return (x0 + x1) / 2, (top + bottom) / 2


def _table_rows(cells: Sequence[Cell], xs: Sequence[float]) -> list[list[Cell | None]]:
    """pdfplumber's ``Table.rows`` (the cells of each row, None where a row has no cell at
    a column's x0; `xs`: the cells' distinct x0, sorted), without its Row objects."""
    column = {x: k for k, x in enumerate(xs)}
    rows: list[list[Cell | None]] = []
    top: float | None = None
    row: list[Cell | None] | None = None
    for c in sorted(cells, key=_TOP_X0):
        if row is None or c[1] != top:  # a row: cells of one top (as itertools.groupby)
            top, row = c[1], [None] * len(xs)
            rows.append(row)
        row[column[c[0]]] = c  # the last cell at an x0 wins (as a dict)
    return rows


_X0, _TOP_X0 = itemgetter(0), itemgetter(1, 0)


def _inside(cx: np.ndarray, cy: np.ndarray, bbox: Sequence[float]) -> np.ndarray:
    """Indexes of the centers (cx, cy) inside bbox (x0, top, x1, bottom), right/bottom open."""
    return np.flatnonzero((bbox[0] <= cx) & (cx < bbox[2]) & (bbox[1] <= cy) & (cy < bbox[3]))


def _cell_texts(words: Sequence[Word], cx: np.ndarray, cy: np.ndarray,
                cells: Sequence[Sequence[float]], layout: LayoutSettings) -> list[str]:
    """Text of each cell (x0, top, x1, bottom; right/bottom open) from the words whose
    centers (cx, cy) fall inside it, in word order."""
    if not cells:
        return []
    box = np.asarray(cells, np.float64)
    member = ((box[:, 0:1] <= cx) & (cx < box[:, 2:3])
              & (box[:, 1:2] <= cy) & (cy < box[:, 3:4]))
    cell_of, word_of = np.nonzero(member)  # by cell, then word order
    bounds = np.searchsorted(cell_of, np.arange(len(cells) + 1)).tolist()
    order: list[int] = word_of.tolist()
    texts = []
    for a, b in zip(bounds, bounds[1:], strict=False):
        if b - a == 1:  # cell_text of one word, without the call
            texts.append(words[order[a]].text.strip())
        else:
            texts.append(cell_text([words[i] for i in order[a:b]], layout))
    return texts


def ruled_tables(page: Any, words: Sequence[Word], page_no: int, settings: TableSettings,
                 layout: LayoutSettings) -> list[TableData]:
    """Tables drawn with ruling lines (pdfplumber "lines" strategy)."""
    out: list[TableData] = []
    found = page.find_tables(table_settings=settings.ruled)
    if not found:
        return out
    cx, cy = word_centers(page, words)
    for t in found:
        x0s = set(map(_X0, t.cells))
        col_x = sorted({round(x, 1) for x in x0s})
        if len(col_x) < settings.min_cols:
            continue
        bbox = tuple(t.bbox)
        inside = _inside(cx, cy, bbox)
        table_rows = _table_rows(t.cells, sorted(x0s))
        cells = [c for row in table_rows for c in row if c is not None]
        texts = iter(_cell_texts([words[i] for i in inside.tolist()], cx[inside], cy[inside],
                                 cells, layout))
        rows = [["" if c is None else next(texts) for c in row] for row in table_rows]
        if not any(c for r in rows for c in r):
            continue
        out.append(TableData(page_no, bbox, rows, col_x, "lines", float(page.width),
                             float(page.height), [page_no]))
    return out


def _segments(row: Sequence[Word], gap: float) -> list[list[Word]]:
    """The row (left to right) cut where the gap to the next word is at least `gap` × the
    larger font size of the two (at least 1)."""
    prev = row[0]
    seg = [prev]
    segs = [seg]
    for w in row[1:]:
        size = prev.size if prev.size >= w.size else w.size
        if w.x0 - prev.x1 >= gap * (size if size >= 1.0 else 1.0):
            seg = [w]
            segs.append(seg)
        else:
            seg.append(w)
        prev = w
    return segs


def header_tables(words: Sequence[Word], page_no: int, width: float, height: float,
                  settings: TableSettings, layout: LayoutSettings,
                  rows: list[list[Word]] | None = None) -> list[TableData]:
    """Tables without ruling lines anchored on their header row.

    A header is a visual row cut into at least `header_min_cols` cells by gaps wider than
    `header_col_gap` × font size, followed by at least `header_min_aligned_rows` rows whose
    cells all start at header cell positions. The table runs down while rows keep the
    body font size, start no left of the first column and follow closely; each word goes to
    the column whose start is at or left of it. A vertical gap wider than `header_row_gap`
    × font size starts a new table row; wrapped lines stay in their cells.
    """
    if rows is None:
        rows = group_rows(words, layout)
    segs = [_segments(row, settings.header_col_gap) for row in rows]
    out: list[TableData] = []
    i = 0
    while i < len(rows):
        head = segs[i]
        starts = [seg[0].x0 for seg in head]
        end = _header_table_end(rows, segs, i, starts, settings) if len(head) >= \
            settings.header_min_cols else i + 1
        if end == i + 1:
            i += 1
            continue
        grid = _header_grid(rows[i:end], starts, settings)
        cells = [[cell_text(c, layout) if c else "" for c in r] for r in grid]
        all_words = [w for r in rows[i:end] for w in r]
        bbox = (min(w.x0 for w in all_words), min(w.top for w in all_words),
                max(w.x1 for w in all_words), max(w.bottom for w in all_words))
        out.append(TableData(page_no, bbox, cells, starts, "header", width, height, [page_no]))
        i = end
    return out


def _column_of(word: Word, starts: Sequence[float], tol: float) -> int | None:
    """The column (`starts`: ascending) whose start is the last at or left of the word."""
    k = bisect_right(starts, word.x0 + tol) - 1
    return k if k >= 0 else None


def _aligned(segs: list[list[Word]], starts: Sequence[float], settings: TableSettings) -> bool:
    """Every cell of the row (its segments) stays inside one column (from its start to the
    next one's)."""
    tol = settings.header_x_tolerance
    for seg in segs:
        k = _column_of(seg[0], starts, tol)
        if k is None or (k + 1 < len(starts) and seg[-1].x1 > starts[k + 1] + tol):
            return False
    return True


def _at_starts(segs: list[list[Word]], starts: Sequence[float],
               settings: TableSettings) -> bool:
    """At least two cells of the row (its segments) start at header cells."""
    return sum(any(abs(seg[0].x0 - x) <= settings.header_x_tolerance for x in starts)
               for seg in segs) >= 2


def _header_table_end(rows: list[list[Word]], segs: list[list[list[Word]]], i: int,
                      starts: Sequence[float], settings: TableSettings) -> int:
    """Index after the last row of the table whose header is rows[i] (i + 1: no table);
    `segs`: the rows cut at `header_col_gap`."""
    size = max(w.size for w in rows[i + 1]) if i + 1 < len(rows) else 0.0
    aligned = 0
    end = i + 1
    for j in range(i + 1, len(rows)):
        row = rows[j]
        gap = min(w.top for w in row) - max(w.bottom for w in rows[j - 1])
        row_size = max(w.size for w in row)
        if (gap > settings.header_end_gap * max(size, 1.0)
                or abs(row_size - size) > settings.header_size_tolerance
                or min(w.x0 for w in row) < starts[0] - settings.header_x_tolerance
                or not _aligned(segs[j], starts, settings)):
            break
        aligned += _at_starts(segs[j], starts, settings)
        end = j + 1
    return end if aligned >= settings.header_min_aligned_rows else i + 1


def _header_grid(rows: list[list[Word]], starts: Sequence[float],
                 settings: TableSettings) -> list[list[list[Word]]]:
    """Words of the header row and the rows below it, per table row and column.

    When the vertical gaps between lines come in two sizes (rows padded apart, wrapped
    lines close), a wider gap starts a row; when they are all alike (one line per row),
    every line whose first cell is filled starts one."""
    gaps = [min(w.top for w in b) - max(w.bottom for w in a)
            for a, b in zip(rows, rows[1:], strict=False)]
    size = max(w.size for w in rows[-1])
    lo, hi = min(gaps, default=0.0), max(gaps, default=0.0)
    padded = hi - lo > settings.header_row_gap * size  # the header's gap counts too
    grid: list[list[list[Word]]] = []
    for k, row in enumerate(rows):
        cols = [_column_of(w, starts, settings.header_x_tolerance) for w in row]
        if k <= 1:
            new = True
        elif padded:
            new = gaps[k - 1] > (lo + hi) / 2
        else:
            new = 0 in cols
        if new:
            grid.append([[] for _ in starts])
        for w, col in zip(row, cols, strict=True):
            if col is not None:
                grid[-1][col].append(w)
    return grid


def text_tables(words: Sequence[Word], page_no: int, width: float, height: float,
                settings: TableSettings, layout: LayoutSettings,
                rows: list[list[Word]] | None = None) -> list[TableData]:
    """Grids of text aligned in columns without ruling lines (a text-alignment strategy).

    A grid is a run of consecutive rows, each cut into at least two segments by wide gaps,
    whose segments all fall into the same column slots (taken from the run's widest row).
    A single-segment row inside the run, close below a grid row, continues its cells. Runs
    shorter than `text_min_rows` or with a column mostly empty are ordinary text.
    """
    if rows is None:
        rows = group_rows(words, layout)
    cut = [_segments(row, settings.text_col_gap) for row in rows]
    out: list[TableData] = []
    i = 0
    while i < len(rows):
        run: list[list[list[Word]]] = []
        j = i
        while j < len(rows):
            segs = cut[j]
            if run:
                prev_bottom = max(w.bottom for s in run[-1] for w in s)
                top = min(w.top for w in rows[j])
                size = max(w.size for w in rows[j])
                if top - prev_bottom > settings.text_row_gap * size:
                    break
            if len(segs) < 2 and not (run and j + 1 < len(rows) and len(cut[j + 1]) >= 2):
                break
            run.append(segs)
            j += 1
        table = _grid(run, page_no, width, height, settings, layout) if run else None
        if table is not None:
            out.append(table)
            i = j
        else:
            i = max(j, i + 1)
    return out


def _grid(run: list[list[list[Word]]], page_no: int, width: float, height: float,
          settings: TableSettings, layout: LayoutSettings) -> TableData | None:
    template = max(run, key=len)
    n = len(template)
    if n < settings.text_min_cols or sum(1 for r in run if len(r) >= 2) < settings.text_min_rows:
        return None
    bounds = [(template[k][-1].x1 + template[k + 1][0].x0) / 2 for k in range(n - 1)]

    def slot(seg: list[Word]) -> int | None:
        x0, x1 = seg[0].x0, seg[-1].x1
        k = sum(1 for b in bounds if b <= x0)
        lo = bounds[k - 1] if k > 0 else float("-inf")
        hi = bounds[k] if k < len(bounds) else float("inf")
        return k if lo <= x0 and x1 <= hi else None

    grid: list[list[list[Word]]] = []
    for segs in run:
        slots = [k for k in map(slot, segs) if k is not None]
        if len(slots) != len(segs) or len(set(slots)) != len(slots):
            return None
        if len(segs) >= 2 or not grid:
            grid.append([[] for _ in range(n)])
        for s, k in zip(segs, slots, strict=True):
            grid[-1][k].extend(s)
    if len(grid) < settings.text_min_rows:
        return None
    for k in range(n):
        if sum(1 for r in grid if r[k]) < settings.text_col_fill * len(grid):
            return None
    rows = [[cell_text(c, layout) if c else "" for c in r] for r in grid]
    all_words = [w for r in grid for c in r for w in c]
    bbox = (min(w.x0 for w in all_words), min(w.top for w in all_words),
            max(w.x1 for w in all_words), max(w.bottom for w in all_words))
    col_x = [min((c[0].x0 for r in grid for c in [r[k]] if c), default=0.0) for k in range(n)]
    return TableData(page_no, bbox, rows, col_x, "text", width, height, [page_no])


# ---------------------------------------------------------------- across pages


def continues(prev: TableData, nxt: TableData, settings: TableSettings) -> bool:
    """Is `nxt` (first item of its page) the continuation of `prev` (last item of its page)?

    Both must have the same columns (count and x positions, within `col_x_tolerance`),
    `nxt` must start on the next page near the top, and `prev` must end near the bottom of
    its page, unless `nxt` repeats `prev`'s header row (a page break before a tall row can
    leave much of a page empty).
    """
    if nxt.page != prev.pages[-1] + 1 or nxt.n_cols != prev.n_cols:
        return False
    if nxt.bbox[1] > nxt.page_height * settings.near_edge:
        return False
    tol = settings.col_x_tolerance * max(prev.page_width, nxt.page_width)
    if not all(abs(a - b) <= tol for a, b in zip(prev.col_x, nxt.col_x, strict=True)):
        return False
    near_bottom = prev.bbox[3] >= prev.page_height * (1 - settings.near_edge)
    return near_bottom or _repeated_header_rows(prev.rows, nxt.rows, settings) > 0


def _norm_row(row: Sequence[str]) -> tuple[str, ...]:
    return tuple(" ".join(c.split()).casefold() for c in row)


def _repeated_header_rows(prev_rows: list[list[str]], rows: list[list[str]],
                          settings: TableSettings) -> int:
    """How many leading rows of a continuation repeat rows of the table's head."""
    head = {_norm_row(r) for r in prev_rows[:settings.max_header_rows]
            if any(c.strip() for c in r)}
    n = 0
    while n < min(len(rows), settings.max_header_rows) and _norm_row(rows[n]) in head:
        n += 1
    return n


def merge_continuation(prev: TableData, nxt: TableData, settings: TableSettings) -> TableData:
    """Append `nxt`'s rows to `prev`: drop the repeated header row(s), glue a row split by the
    page break (its first cell empty) onto the last row, cell by cell."""
    rows = [list(r) for r in nxt.rows]
    rows = rows[_repeated_header_rows(prev.rows, rows, settings):]
    if rows and len(prev.rows) > 1 and not rows[0][0].strip() and any(c.strip() for c in rows[0]):
        last = prev.rows[-1]
        prev.rows[-1] = [join_lines([a, b]) if a and b else (a or b)
                         for a, b in zip(last, rows[0], strict=True)]
        rows = rows[1:]
    prev.rows.extend(rows)
    prev.pages.append(nxt.page)
    return prev
