"""Page-image operations before OCR: binarise, measure and undo skew, find ruling lines.

Pure numpy functions over greyscale page images (``numpy.uint8``, 0 = black). The ruling
lines are returned as pdfplumber edge dicts (in PDF points) so that pdfplumber's own
TableFinder cuts a scanned table into cells exactly as it does a drawn one.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import numpy as np


@dataclass
class ImageSettings:
    """Thresholds of the image operations (lengths in PDF points, angles in degrees)."""

    max_skew: float = 2.0  # skew searched in [-max_skew, max_skew]
    skew_step: float = 0.1  # coarse step, refined ten times finer around the best angle
    skew_sample: int = 150_000  # dark pixels sampled to measure the skew
    min_skew: float = 0.05  # smaller skews are left alone
    h_line_min: float = 30.0  # a horizontal rule is at least this long…
    v_line_min: float = 14.0  # …a vertical one at least this tall
    line_fill: float = 0.9  # share of dark pixels along a rule (scan gaps tolerated)
    line_max_thickness: float = 3.0  # thicker dark bands are not rules (filled shapes)


def dark_mask(pixels: np.ndarray) -> np.ndarray:
    """Ink pixels, with Otsu's threshold between paper and ink."""
    hist = np.bincount(pixels.ravel(), minlength=256).astype(np.float64)
    total = hist.sum()
    if not total:
        return np.zeros(pixels.shape, dtype=bool)
    levels = np.arange(256)
    w0 = np.cumsum(hist)
    m0 = np.cumsum(hist * levels)
    w1 = total - w0
    with np.errstate(divide="ignore", invalid="ignore"):
        between = (m0[-1] * w0 / total - m0) ** 2 / (w0 * w1)
    between[~np.isfinite(between)] = 0
    threshold = int(np.argmax(between))
    return pixels <= threshold


def skew_angle(dark: np.ndarray, settings: ImageSettings, seed: int = 0) -> float:
    """Skew of the text lines in degrees (counter-clockwise positive), by the sharpest
    horizontal projection profile of a sample of the ink pixels; 0.0 on an empty page."""
    ys, xs = np.nonzero(dark)
    if len(ys) < 200:
        return 0.0
    if len(ys) > settings.skew_sample:
        pick = np.random.default_rng(seed).choice(len(ys), settings.skew_sample, replace=False)
        ys, xs = ys[pick], xs[pick]
    ys = ys.astype(np.float64)
    xs = xs.astype(np.float64) - dark.shape[1] / 2

    def sharpness(deg: float) -> float:
        rows = np.round(ys + xs * np.tan(np.radians(deg))).astype(np.int64)
        counts = np.bincount(rows - rows.min())
        return float(np.dot(counts, counts))

    coarse = np.arange(-settings.max_skew, settings.max_skew + 1e-9, settings.skew_step)
    best = max(coarse, key=sharpness)
    fine = np.arange(best - settings.skew_step, best + settings.skew_step + 1e-9,
                     settings.skew_step / 10)
    angle = float(max(fine, key=sharpness))
    return 0.0 if abs(angle) < settings.min_skew else round(angle, 3)


def _runs(hit: np.ndarray) -> list[tuple[int, int]]:
    """(start, end) of the runs of True in a 1-D boolean array (end exclusive)."""
    padded = np.concatenate(([False], hit, [False]))
    edges = np.flatnonzero(padded[1:] != padded[:-1])
    return list(zip(edges[::2].tolist(), edges[1::2].tolist(), strict=True))


def _rules(dark: np.ndarray, min_len: int, fill: float,
           max_thick: int) -> list[tuple[int, int, int, int]]:
    """Horizontal rules of a mask as (row0, row1, col0, col1), ends exclusive: runs of at
    least `min_len` pixels that are `fill` dark, stacked over at most `max_thick` rows."""
    if dark.shape[1] < min_len or min_len < 2:
        return []
    cs = np.zeros((dark.shape[0], dark.shape[1] + 1), dtype=np.int32)
    np.cumsum(dark, axis=1, out=cs[:, 1:])
    window = cs[:, min_len:] - cs[:, :-min_len]
    hit = window >= fill * min_len
    segments: list[list[int]] = []  # open groups: [row0, row1, col0, col1]
    for row in np.flatnonzero(hit.any(axis=1)).tolist():
        for start, end in _runs(hit[row]):
            col0, col1 = start, end - 1 + min_len
            for seg in segments:
                if seg[1] >= row - 1 and seg[2] < col1 and col0 < seg[3]:
                    seg[1] = row
                    seg[2], seg[3] = min(seg[2], col0), max(seg[3], col1)
                    break
            else:
                segments.append([row, row, col0, col1])
    return [(r0, r1 + 1, c0, c1) for r0, r1, c0, c1 in segments if r1 - r0 + 1 <= max_thick]


def ruling_lines(dark: np.ndarray, dpi: float, settings: ImageSettings
                 ) -> tuple[list[tuple[int, int, int, int]], list[tuple[int, int, int, int]]]:
    """Horizontal and vertical rules in pixels: (row0, row1, col0, col1), ends exclusive."""
    px = dpi / 72
    thick = max(2, round(settings.line_max_thickness * px))
    horizontal = _rules(dark, round(settings.h_line_min * px), settings.line_fill, thick)
    vertical = [(r0, r1, c0, c1) for c0, c1, r0, r1 in
                _rules(dark.T, round(settings.v_line_min * px), settings.line_fill, thick)]
    return horizontal, vertical


def erase(pixels: np.ndarray, rules: list[tuple[int, int, int, int]], pad: int = 1) -> None:
    """Paint the rules white (in place) so that OCR does not read them as "|" or "_"."""
    h, w = pixels.shape
    for r0, r1, c0, c1 in rules:
        pixels[max(0, r0 - pad):min(h, r1 + pad), max(0, c0 - pad):min(w, c1 + pad)] = 255


def is_leader(dark: np.ndarray, box: tuple[int, int, int, int],
              line_box: tuple[int, int, int, int], low: float = 0.6, height: float = 0.25) -> bool:
    """True when the ink of a word box (x0, y0, x1, y1 in pixels) sits only near the bottom
    of its line's box (below `low` of the line height) and is no taller than `height` of it:
    dots or a rule on the baseline (a dot leader), not letters. Rows with a single ink pixel
    (specks) do not count."""
    x0, x1 = box[0], box[2]
    top, bottom = line_box[1], line_box[3]
    line_h = bottom - top
    if line_h <= 0 or x1 <= x0:
        return False
    counts = dark[top:bottom, x0:x1].sum(axis=1)
    rows = np.flatnonzero(counts >= max(2, 0.2 * counts.max())) if counts.any() else []
    if not len(rows):
        return False
    return bool(rows[0] >= low * line_h and rows[-1] + 1 - rows[0] <= height * line_h)


def x_height_band(dark: np.ndarray, line_box: tuple[int, int, int, int],
                  share: float = 0.5) -> tuple[int, int]:
    """Rows (first, last + 1) of a text line's x-height band: where the ink of the line's
    rows is at least `share` of its densest row (ascenders and descenders are sparser)."""
    x0, top, x1, bottom = line_box
    counts = dark[top:bottom, x0:x1].sum(axis=1)
    if not counts.any():
        return top, bottom
    rows = np.flatnonzero(counts >= share * counts.max())
    return top + int(rows[0]), top + int(rows[-1]) + 1


def ink_share(dark: np.ndarray, box: tuple[int, int, int, int], band: tuple[int, int]) -> float:
    """Share of dark pixels of a word box inside its line's x-height band."""
    x0, x1 = box[0], box[2]
    area = (x1 - x0) * (band[1] - band[0])
    if area <= 0:
        return 0.0
    return round(float(dark[band[0]:band[1], x0:x1].sum()) / area, 3)


def edges_from_rules(rules: list[tuple[int, int, int, int]], dpi: float,
                     orientation: str) -> list[dict[str, Any]]:
    """pdfplumber edge dicts (PDF points, top-left origin) for rules in pixels."""
    k = 72 / dpi
    out = []
    for r0, r1, c0, c1 in rules:
        if orientation == "h":
            y = (r0 + r1) / 2 * k
            x0, x1, top, bottom = c0 * k, c1 * k, y, y
        else:
            x = (c0 + c1) / 2 * k
            x0, x1, top, bottom = x, x, r0 * k, r1 * k
        out.append({"object_type": "line", "orientation": orientation, "x0": x0, "x1": x1,
                    "top": top, "bottom": bottom, "width": x1 - x0, "height": bottom - top})
    return out
