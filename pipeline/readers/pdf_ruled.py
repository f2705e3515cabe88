"""pdfplumber's table finder ("lines" strategies) for pages whose edges are straight lines.

The same steps as ``pdfplumber.table.TableFinder`` — edges prefiltered by length, snapped
to the average of their cluster, joined along their line, filtered by length; their
intersections; the cells framed by four connected intersections; the cells grouped into
tables — with the same float arithmetic, so the same tables come out, but edges are small
lists instead of dicts rebuilt at every step, intersections are found with numpy and an
intersection's edges are a bitmask. The page's edges come as pdfplumber edge dicts
(:func:`find_cells`) or already split into vertical and horizontal lists
(:func:`find_cells_of_lines`). The same steps run in C (``ptsm_ruled_cells`` in
``pdfium_bulk.c``) when it is compiled; these Python steps are the reference and the
fallback.
"""

from __future__ import annotations

import sys
from collections.abc import Sequence
from itertools import chain, groupby
from typing import Any

import numpy as np
from pdfplumber.table import TableSettings

from pipeline.readers.pdfium_bulk import address, native

X0, TOP, X1, BOTTOM, LENGTH = range(5)  # an edge: [x0, top, x1, bottom, width or height]
Edge = list[float]
Cell = tuple[float, float, float, float]
Point = tuple[float, float]


def find_cells(edges: Sequence[dict[str, Any]], settings: TableSettings) -> list[list[Cell]]:
    """The cells of each table (pdfplumber's ``cells_to_tables`` of its TableFinder)."""
    v = [[e["x0"], e["top"], e["x1"], e["bottom"], e["height"]] for e in edges
         if e["orientation"] == "v"]
    h = [[e["x0"], e["top"], e["x1"], e["bottom"], e["width"]] for e in edges
         if e["orientation"] == "h"]
    return find_cells_of_lines(v, h, settings)


def find_cells_of_lines(v: list[Edge], h: list[Edge], settings: TableSettings
                        ) -> list[list[Cell]]:
    """:func:`find_cells` of the vertical and horizontal edges (not changed): in C when it
    is compiled, else (or when C leaves the case to Python) in Python."""
    if not v or not h:  # no intersection, no cell
        return []
    if native() is not None:
        tables = _cells_in_c(v, h, settings)
        if tables is not None:
            return tables
    return find_cells_in_python(v, h, settings)


# Python's sum of floats is compensated (Neumaier) from 3.12 on; the snapping averages
# must round as the Python steps do
_COMPENSATED_SUM = int(sys.version_info >= (3, 12))


def _cells_in_c(v: list[Edge], h: list[Edge], settings: TableSettings
                ) -> list[list[Cell]] | None:
    """:func:`find_cells_in_python`'s tables from ``ptsm_ruled_cells`` (None: a case it
    leaves to Python)."""
    lib = native()
    assert lib is not None
    tol = _tolerances(settings)
    given = np.fromiter(chain(tol, chain.from_iterable(v), chain.from_iterable(h)),
                        np.float64, len(tol) + 5 * (len(v) + len(h)))
    room = 4 * (len(v) + len(h)) + 16
    while True:
        out = np.empty(5 * room, np.float64)  # cells, then the tables' sizes
        got = lib.ptsm_ruled_cells(len(v), len(h), address(given), _COMPENSATED_SUM, room,
                                   address(out))
        if got <= room:
            break
        room = got
    if got <= 0:
        return None if got < 0 else []
    cells = list(zip(*[iter(out[:4 * got].tolist())] * 4, strict=True))  # 4 by 4
    tables = []
    start = 0
    for size in out[4 * room:4 * room + got // 2].tolist():
        tables.append(cells[start:start + int(size)])
        start += int(size)
        if start == got:
            break
    return tables


def _tolerances(s: TableSettings) -> tuple[float, ...]:
    """The settings ``ptsm_ruled_cells`` reads, in its order (T_*)."""
    return (s.edge_min_length_prefilter, s.snap_x_tolerance > 0 or s.snap_y_tolerance > 0,
            s.snap_x_tolerance, s.snap_y_tolerance, s.join_x_tolerance, s.join_y_tolerance,
            s.edge_min_length, s.intersection_x_tolerance, s.intersection_y_tolerance)


def find_cells_in_python(v: list[Edge], h: list[Edge], settings: TableSettings
                         ) -> list[list[Cell]]:
    """The Python steps of :func:`find_cells_of_lines`."""
    pre = settings.edge_min_length_prefilter
    v = [e for e in v if e[LENGTH] >= pre]
    h = [e for e in h if e[LENGTH] >= pre]
    if not v or not h:  # no intersection, no cell
        return []
    if settings.snap_x_tolerance > 0 or settings.snap_y_tolerance > 0:
        v = _snap(v, X0, X1, settings.snap_x_tolerance)
        h = _snap(h, TOP, BOTTOM, settings.snap_y_tolerance)
    h = _join(h, TOP, X0, X1, settings.join_x_tolerance)
    v = _join(v, X0, TOP, BOTTOM, settings.join_y_tolerance)
    h = [e for e in h if e[LENGTH] >= settings.edge_min_length]
    v = [e for e in v if e[LENGTH] >= settings.edge_min_length]
    v_masks, h_masks = _intersections(v, h, settings.intersection_x_tolerance,
                                      settings.intersection_y_tolerance)
    return cells_to_tables(_cells(v_masks, h_masks))


def _snap(edges: list[list[float]], key: int, other: int, tolerance: float
          ) -> list[list[float]]:
    """pdfplumber's ``snap_objects``: clusters of `key` values (chained within
    `tolerance`), each edge moved by its cluster's average minus its own value."""
    if not edges:
        return edges
    values = sorted({e[key] for e in edges})
    cluster = {values[0]: 0}
    n = 0
    for a, b in zip(values, values[1:], strict=False):
        if tolerance and b <= a + tolerance:
            cluster[b] = n
        else:
            n += 1
            cluster[b] = n
    clusters: list[list[list[float]]] = [[] for _ in range(n + 1)]
    for e in edges:  # each cluster's edges in their order (a stable sort by cluster)
        clusters[cluster[e[key]]].append(e)
    out: list[list[float]] = []
    for members in clusters:
        avg = sum(e[key] for e in members) / len(members)
        for e in members:
            shift = avg - e[key]
            out.append([*e])
            out[-1][key] = e[key] + shift
            out[-1][other] = e[other] + shift
    return out


def _join(edges: list[list[float]], line: int, lo: int, hi: int, tolerance: float
          ) -> list[list[float]]:
    """pdfplumber's ``join_edge_group`` on each line (edges of one exact `line` value)."""
    out: list[list[float]] = []
    for _, group in groupby(sorted(edges, key=lambda e: e[line]), key=lambda e: e[line]):
        joined = sorted(group, key=lambda e: e[lo])
        kept = [joined[0]]
        for e in joined[1:]:
            last = kept[-1]
            if e[lo] <= last[hi] + tolerance:
                if e[hi] > last[hi]:
                    grown = [*last]
                    grown[hi] = e[hi]
                    # as pdfplumber's resize_object: width from x0, height grown by the diff
                    grown[LENGTH] = (e[hi] - last[X0] if hi == X1
                                     else last[LENGTH] + (e[hi] - last[hi]))
                    kept[-1] = grown
            else:
                kept.append(e)
        out.extend(kept)
    return out


def _intersections(v: list[list[float]], h: list[list[float]], x_tolerance: float,
                   y_tolerance: float) -> tuple[dict[Point, int], dict[Point, int]]:
    """pdfplumber's ``edges_to_intersections``: for each point, the vertical and horizontal
    edges through it, as bitmasks of edge indexes (an edge's box is unique in its set)."""
    v_masks: dict[Point, int] = {}
    h_masks: dict[Point, int] = {}
    if not v or not h:
        return v_masks, h_masks
    va, ha = np.array(v, np.float64), np.array(h, np.float64)
    hit = ((va[:, TOP, None] <= ha[None, :, TOP] + y_tolerance)
           & (va[:, BOTTOM, None] >= ha[None, :, TOP] - y_tolerance)
           & (va[:, X0, None] >= ha[None, :, X0] - x_tolerance)
           & (va[:, X0, None] <= ha[None, :, X1] + x_tolerance))
    vi, hi = np.nonzero(hit)
    vx, hy = va[:, X0].tolist(), ha[:, TOP].tolist()
    for i, j in zip(vi.tolist(), hi.tolist(), strict=True):
        point = (vx[i], hy[j])
        v_masks[point] = v_masks.get(point, 0) | 1 << i
        h_masks[point] = h_masks.get(point, 0) | 1 << j
    return v_masks, h_masks


def _cells(v_masks: dict[Point, int], h_masks: dict[Point, int]) -> list[Cell]:
    """pdfplumber's ``intersections_to_cells`` (same cells, same order): from each point,
    the nearest point below and to the right that close a rectangle of connected edges."""
    points = sorted(v_masks)
    same_x: dict[float, list[Point]] = {}
    same_y: dict[float, list[Point]] = {}
    at: dict[Point, tuple[int, int]] = {}  # a point's place in its same_x, same_y lists
    for p in points:  # sorted by x then y: each list is in the order pdfplumber scans
        column, row = same_x.setdefault(p[0], []), same_y.setdefault(p[1], [])
        at[p] = (len(column), len(row))
        column.append(p)
        row.append(p)

    # two points on one vertical (horizontal) line connect when they share an edge of it
    cells = []
    for pt in points[:-1]:
        i, j = at[pt]
        down, across = v_masks[pt], h_masks[pt]
        # the points further right connected to pt, nearest first, found as needed
        row = same_y[pt[1]]
        q, end = j + 1, len(row)
        while q < end and not across & h_masks[row[q]]:
            q += 1
        if q == end:
            continue
        right = [row[q]]
        q += 1
        cell = None
        for below_pt in same_x[pt[0]][i + 1:]:  # further down, nearest first
            if not down & v_masks[below_pt]:
                continue
            bottom = h_masks[below_pt]
            k = 0
            while True:
                if k == len(right):
                    while q < end and not across & h_masks[row[q]]:
                        q += 1
                    if q == end:
                        break
                    right.append(row[q])
                    q += 1
                right_pt = right[k]
                k += 1
                corner = (right_pt[0], below_pt[1])
                if corner in v_masks and v_masks[corner] & v_masks[right_pt] \
                        and h_masks[corner] & bottom:
                    cell = (pt[0], pt[1], corner[0], corner[1])
                    break
            if cell:
                cells.append(cell)
                break
    return cells


def cells_to_tables(cells: list[Cell]) -> list[list[Cell]]:
    """pdfplumber's ``cells_to_tables``: cells sharing a corner (passes over the cells left
    until one adds none) make a table; tables top to bottom, then left to right; a table of
    one cell is dropped."""
    remaining = [(c, ((c[0], c[1]), (c[0], c[3]), (c[2], c[1]), (c[2], c[3]))) for c in cells]
    tables: list[list[Cell]] = []
    while remaining:
        corners: set[Point] = set()
        group: list[Cell] = []
        grew = True
        while grew:
            grew = False
            rest = []
            for cell, mine in remaining:
                if not group or not corners.isdisjoint(mine):
                    corners.update(mine)
                    group.append(cell)
                    grew = True
                else:
                    rest.append((cell, mine))
            remaining = rest
        tables.append(group)
    tables.sort(key=lambda t: min((c[1], c[0]) for c in t))
    return [t for t in tables if len(t) > 1]
