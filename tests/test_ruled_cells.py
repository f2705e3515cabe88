"""The ruled-table finder in C (``ptsm_ruled_cells``) finds the cells of the Python steps."""

from __future__ import annotations

import functools
import math
import operator
import random
import sys
from collections.abc import Iterable
from pathlib import Path

import pdfplumber
import pytest
from pdfplumber.table import Table, TableSettings

from pipeline.readers import pdf_ruled
from pipeline.readers.pdf import PdfSettings
from pipeline.readers.pdf_fast import FastPage, FastPdf
from pipeline.readers.pdf_ruled import (
    Edge,
    _cells_in_c,
    find_cells,
    find_cells_in_python,
    find_cells_of_lines,
)
from pipeline.readers.pdf_tables import _table_rows
from pipeline.readers.pdfium_bulk import native

ROOT = Path(__file__).resolve().parents[1]
PDFS = sorted([*(ROOT / "tests" / "fixtures").rglob("*.pdf"),
               *(ROOT / "data" / "raw" / "samples").glob("*.pdf")])
RULED = TableSettings.resolve(PdfSettings().tables.ruled)

needs_c = pytest.mark.skipif(native() is None, reason="no C compiler")


def _same(v: list[Edge], h: list[Edge], settings: TableSettings = RULED) -> list:
    """The tables of C and of Python, asserted equal (values and float type); C's."""
    given = ([*e] for e in v), ([*e] for e in h)
    expected = find_cells_in_python(v, h, settings)
    got = _cells_in_c(v, h, settings)
    assert got == expected
    assert all(type(x) is float for table in got for cell in table for x in cell)
    assert (v, h) == tuple(list(g) for g in given)  # the edges are not changed
    return got


def _split(edges: list[dict]) -> tuple[list[Edge], list[Edge]]:
    """pdfplumber's edge dicts as vertical and horizontal edges (as find_cells splits)."""
    v = [[e["x0"], e["top"], e["x1"], e["bottom"], e["height"]] for e in edges
         if e["orientation"] == "v"]
    h = [[e["x0"], e["top"], e["x1"], e["bottom"], e["width"]] for e in edges
         if e["orientation"] == "h"]
    return v, h


@needs_c
def test_fixture_pages() -> None:
    """Every page of the repository's PDFs: PDFium's edges where the fast path reads the
    page, pdfplumber's elsewhere."""
    pages = with_tables = 0
    for path in PDFS:
        fast = FastPdf(path)
        try:
            slow: list[int] = []
            for number in range(1, len(fast) + 1):
                page = fast.page(number)
                if isinstance(page, FastPage):
                    with_tables += bool(_same(*page.edges))
                    page.close()
                    pages += 1
                else:
                    slow.append(number)
            if slow or not len(fast):
                try:
                    with pdfplumber.open(path) as pdf:
                        for number in slow or range(1, len(pdf.pages) + 1):
                            with_tables += bool(_same(*_split(pdf.pages[number - 1].edges)))
                            pages += 1
                except Exception:  # noqa: BLE001 — the broken fixtures: nothing to read
                    continue
        finally:
            fast.close()
    assert pages > 250 and with_tables > 20


def _line(rnd: random.Random, vertical: bool, at: float, a: float, b: float) -> Edge:
    a, b = min(a, b), max(a, b)
    return [at, a, at, b, b - a] if vertical else [a, at, b, at, b - a]


def _random_edges(rnd: random.Random, grid: float) -> tuple[list[Edge], list[Edge]]:
    """Lines on a few jittered grid lines, some cut in pieces, some duplicated; with `grid`,
    coordinates on multiples of it (exact ties, gaps exactly at a tolerance)."""
    def pick(lo: float, hi: float) -> float:
        x = rnd.uniform(lo, hi)
        return round(x / grid) * grid if grid else x

    xs = sorted(pick(0, 500) for _ in range(rnd.randint(1, 7)))
    ys = sorted(pick(0, 700) for _ in range(rnd.randint(1, 9)))
    v: list[Edge] = []
    h: list[Edge] = []
    for _ in range(rnd.randint(0, 50)):
        vertical = rnd.random() < 0.5
        at, span = (xs, ys) if vertical else (ys, xs)
        pos = rnd.choice(at) + rnd.choice([0.0, 0.0, pick(-4, 4)])
        a, b = rnd.sample(span, 2) if len(span) > 1 else (span[0], span[0] + 30)
        a, b = a + rnd.choice([0.0, pick(-4, 4)]), b + rnd.choice([0.0, pick(-4, 4)])
        pieces = rnd.choice([1, 1, 1, 2, 3])
        cuts = sorted([min(a, b), max(a, b), *(pick(min(a, b), max(a, b))
                                                 for _ in range(pieces - 1))])
        for lo, hi in zip(cuts, cuts[1:], strict=False):
            gap = rnd.choice([0.0, 0.0, 3.0, pick(0, 6)])  # touching, at the tolerance, apart
            edge = _line(rnd, vertical, pos, lo + gap / 2, hi)
            (v if vertical else h).append(edge)
            if rnd.random() < 0.1:
                (v if vertical else h).append([*edge])
    return v, h


SETTINGS = [RULED] + [TableSettings.resolve({
    "vertical_strategy": "lines", "horizontal_strategy": "lines", **extra}) for extra in (
    {"snap_tolerance": 0, "join_tolerance": 0, "intersection_tolerance": 0},
    {"snap_x_tolerance": 0, "snap_y_tolerance": 2.5, "join_tolerance": 5,
     "intersection_x_tolerance": 1, "intersection_y_tolerance": 6},
    {"edge_min_length": 20, "edge_min_length_prefilter": 5, "join_tolerance": 0.5},
)]


@needs_c
@pytest.mark.parametrize("grid", [0.0, 0.5, 1.0])
def test_random_edges(grid: float) -> None:
    rnd = random.Random(int(grid * 10) + 11)
    with_tables = 0
    for k in range(600):
        with_tables += bool(_same(*_random_edges(rnd, grid), SETTINGS[k % len(SETTINGS)]))
    assert with_tables > 100


def _grid(n: int, pieces: int = 1, step: float = 10.0) -> tuple[list[Edge], list[Edge]]:
    """A full grid of n × n lines, each line cut in `pieces` touching pieces."""
    length = (n - 1) * step
    cuts = [length * k / pieces for k in range(pieces + 1)]
    v = [[i * step, a, i * step, b, b - a] for i in range(n)
         for a, b in zip(cuts, cuts[1:], strict=False)]
    h = [[a, i * step, b, i * step, b - a] for i in range(n)
         for a, b in zip(cuts, cuts[1:], strict=False)]
    return v, h


@needs_c
def test_degenerate_edges() -> None:
    one_v, one_h = [[10.0, 0.0, 10.0, 100.0, 100.0]], [[0.0, 50.0, 100.0, 50.0, 100.0]]
    assert _same([], []) == _same(one_v, []) == _same([], one_h) == []
    assert _same(one_v, one_h) == []  # one point, no cell
    box = ([[0.0, 0.0, 0.0, 20.0, 20.0], [30.0, 0.0, 30.0, 20.0, 20.0]],
           [[0.0, 0.0, 30.0, 0.0, 30.0], [0.0, 20.0, 30.0, 20.0, 30.0]])
    assert _same(*box) == []  # a table of one cell is dropped
    two = ([*box[0], [60.0, 0.0, 60.0, 20.0, 20.0]],
           [[0.0, 0.0, 60.0, 0.0, 60.0], [0.0, 20.0, 60.0, 20.0, 60.0]])
    assert _same(*two) == [[(0.0, 0.0, 30.0, 20.0), (30.0, 0.0, 60.0, 20.0)]]
    assert _same(two[0] * 2, two[1] * 3) == _same(*two)  # duplicated edges
    # zero-length edges, lines touching end to end, a gap exactly at the tolerance
    _same([*two[0], [5.0, 5.0, 5.0, 5.0, 0.0]], [*two[1], [0.0, 10.0, 0.0, 10.0, 0.0]])
    _same([[0.0, 0.0, 0.0, 10.0, 10.0], [0.0, 10.0, 0.0, 20.0, 10.0], *two[0][1:]], two[1])
    _same([[0.0, 0.0, 0.0, 10.0, 10.0], [0.0, 13.0, 0.0, 20.0, 7.0], *two[0][1:]], two[1])
    _same([[0.0, 0.0, 0.0, 10.0, 10.0], [0.0, 13.5, 0.0, 20.0, 6.5], *two[0][1:]], two[1])
    # lines exactly a snap tolerance apart, and chained just within it
    _same([[0.0, 0.0, 0.0, 20.0, 20.0], [3.0, 0.0, 3.0, 20.0, 20.0],
           [6.0, 0.0, 6.0, 20.0, 20.0], [40.0, 0.0, 40.0, 20.0, 20.0]], two[1])


@needs_c
def test_many_edges_on_a_line_and_many_cells() -> None:
    """More than 64 edges on one line (masks of several words); more cells than the first
    room for them (a second call)."""
    v, h = _grid(12, pieces=70)
    assert len(_same(v, h, SETTINGS[1])[0]) == 121  # not joined: 70 edges per line
    v, h = _grid(40)
    assert len(_same(v, h)[0]) == 39 * 39


@needs_c
def test_cases_left_to_python() -> None:
    """A point at -0.0 or an edge not finite: C declines, the Python steps answer."""
    v = [[-0.0, 0.0, -0.0, 20.0, 20.0], [30.0, 0.0, 30.0, 20.0, 20.0],
         [60.0, 0.0, 60.0, 20.0, 20.0]]
    h = [[-0.0, 0.0, 60.0, 0.0, 60.0], [-0.0, 20.0, 60.0, 20.0, 60.0]]
    no_snap = SETTINGS[1]
    assert _cells_in_c(v, h, no_snap) is None
    assert find_cells_of_lines(v, h, no_snap) == find_cells_in_python(v, h, no_snap)
    assert math.copysign(1, find_cells_of_lines(v, h, no_snap)[0][0][0]) == -1
    _same(v, h)  # snapped: the cluster average has no sign
    for bad in (math.nan, math.inf):
        v2 = [[*e] for e in v]
        v2[1][1] = bad
        assert _cells_in_c(v2, h, RULED) is None
        assert find_cells_of_lines(v2, h, RULED) == find_cells_in_python(v2, h, RULED)


@needs_c
def test_find_cells_of_edge_dicts() -> None:
    """find_cells (pdfplumber's edge dicts) goes the same way."""
    with pdfplumber.open(ROOT / "tests" / "fixtures" / "pdf" / "table_continued.pdf") as pdf:
        edges = pdf.pages[0].edges
    assert find_cells(edges, RULED) == find_cells_in_python(*_split(edges), RULED) != []


def test_table_rows_are_pdfplumbers() -> None:
    """ruled_tables' rows of a table's cells are pdfplumber's ``Table.rows``."""
    rnd = random.Random(5)
    tables = [t for k in range(300) for t in find_cells_in_python(
        *_random_edges(rnd, 0.5 * (k % 2)), SETTINGS[k % len(SETTINGS)])]
    tables.append([(0.0, 0.0, 10.0, 5.0), (0.0, 0.0, 20.0, 5.0), (10.0, 0.0, 20.0, 5.0)])
    assert len(tables) > 100
    for cells in tables:
        expected = [row.cells for row in Table(None, cells).rows]  # type: ignore[arg-type]
        assert _table_rows(cells, sorted({c[0] for c in cells})) == expected


def _neumaier_sum(values: Iterable[float]) -> float:
    """CPython 3.12+'s sum of floats from the int 0: the first added plainly, the others
    with Neumaier's compensation, added at the end when not 0 and finite."""
    items = iter(values)
    total, c = 0 + next(items), 0.0
    for x in items:
        t = total + x
        c += (total - t) + x if abs(total) >= abs(x) else (x - t) + total
        total = t
    return total + c if c and math.isfinite(c) else total


@needs_c
@pytest.mark.parametrize("compensated", [False, True])
def test_snapping_sums_as_this_python(compensated: bool, monkeypatch: pytest.MonkeyPatch
                                      ) -> None:
    """The cluster averages round as Python's sum, plain (up to 3.11) or compensated."""
    if compensated != (sys.version_info >= (3, 12)):  # the other Python's sum, emulated
        monkeypatch.setattr(pdf_ruled, "_COMPENSATED_SUM", int(compensated))
        if compensated:
            monkeypatch.setattr(pdf_ruled, "sum", _neumaier_sum, raising=False)
        else:
            monkeypatch.setattr(pdf_ruled, "sum", lambda values: functools.reduce(
                operator.add, values, 0), raising=False)
    rnd = random.Random(3)
    for k in range(300):
        _same(*_random_edges(rnd, 0.0), SETTINGS[(k % 2) * 2])
