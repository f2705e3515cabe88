"""Small inline-SVG charts for the HTML report (no plotting library, no external resource).

Each function returns one `<svg>` element as a string, sized in CSS pixels, with a
`<title>` on every mark (hover tooltip) and `role="img"` + `aria-label` for readers.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from datetime import date
from html import escape

# Okabe-Ito: distinguishable with the common colour-vision deficiencies.
PALETTE = ("#0072B2", "#E69F00", "#009E73", "#D55E00", "#CC79A7", "#56B4E9", "#F0E442",
           "#000000", "#8C564B", "#7F7F7F", "#17BECF", "#BCBD22")
MISSING_COLOUR = "#BBBBBB"


@dataclass(frozen=True)
class ChartStyle:
    """Sizes in CSS pixels."""

    width: int = 900
    label_width: int = 190  # left margin for row labels
    row_height: int = 26
    bar_height: int = 18
    font_size: int = 12
    legend_row_height: int = 20
    heat_cell_width: int = 90


def _text(x: float, y: float, text: str, size: int, anchor: str = "start",
          weight: str = "normal", fill: str = "#222") -> str:
    return (f'<text x="{x:.1f}" y="{y:.1f}" font-size="{size}" text-anchor="{anchor}" '
            f'font-weight="{weight}" fill="{fill}">{escape(text)}</text>')


def _svg(width: float, height: float, label: str, body: list[str]) -> str:
    return (f'<svg width="{width:.0f}" height="{height:.0f}" viewBox="0 0 {width:.0f} '
            f'{height:.0f}" role="img" aria-label="{escape(label)}" '
            f'font-family="DejaVu Sans, Arial, sans-serif">' + "".join(body) + "</svg>")


def _clip(text: str, n: int) -> str:
    return text if len(text) <= n else text[: n - 1] + "…"


def legend(items: Sequence[tuple[str, str]], style: ChartStyle, y0: float) -> tuple[list[str],
                                                                                   float]:
    """Colour swatches with labels, wrapped in rows; returns the marks and the height."""
    marks, x, y = [], 0.0, y0
    for label, colour in items:
        w = 22 + 7 * len(label)
        if x + w > style.width and x > 0:
            x, y = 0.0, y + style.legend_row_height
        marks.append(f'<rect x="{x:.1f}" y="{y + 3:.1f}" width="12" height="12" '
                     f'fill="{colour}"/>')
        marks.append(_text(x + 16, y + 13, label, style.font_size - 1))
        x += w
    return marks, y + style.legend_row_height - y0


def stacked_bars(rows: Sequence[tuple[str, Sequence[float]]], series: Sequence[str],
                 colours: Sequence[str], label: str, style: ChartStyle | None = None) -> str:
    """Horizontal stacked bars: one bar per row, one segment per series value."""
    style = style or ChartStyle()
    total_max = max((sum(v) for _, v in rows), default=0) or 1
    plot = style.width - style.label_width - 50
    body: list[str] = []
    for i, (name, values) in enumerate(rows):
        y = i * style.row_height
        body.append(_text(style.label_width - 8, y + style.bar_height - 4, _clip(name, 28),
                          style.font_size, "end"))
        x = float(style.label_width)
        for value, serie, colour in zip(values, series, colours, strict=True):
            if value <= 0:
                continue
            w = plot * value / total_max
            body.append(f'<rect x="{x:.1f}" y="{y}" width="{w:.1f}" '
                        f'height="{style.bar_height}" fill="{colour}" stroke="#fff">'
                        f'<title>{escape(f"{name} — {serie}: {value:g}")}</title></rect>')
            if w > 18:
                body.append(_text(x + w / 2, y + style.bar_height - 5, f"{value:g}",
                                  style.font_size - 1, "middle", fill="#fff"))
            x += w
        body.append(_text(x + 6, y + style.bar_height - 4, f"{sum(values):g}",
                          style.font_size, weight="bold"))
    top = len(rows) * style.row_height + 8
    marks, height = legend(list(zip(series, colours, strict=True)), style, top)
    return _svg(style.width, top + height, label, body + marks)


def _heat_colour(share: float, hue: str) -> str:
    """White → saturated colour (blue for coverage, red for missing data)."""
    share = min(max(share, 0.0), 1.0)
    base = {"blue": (8, 81, 156), "red": (165, 15, 21)}[hue]
    r, g, b = (round(255 + (c - 255) * share) for c in base)
    return f"#{r:02x}{g:02x}{b:02x}"


def heat_map(row_labels: Sequence[str], column_labels: Sequence[str],
             cells: Sequence[Sequence[tuple[float | None, str]]], label: str,
             hue: str = "blue", style: ChartStyle | None = None) -> str:
    """A grid of cells coloured by a share 0-1 (None = not applicable), with a text each."""
    style = style or ChartStyle()
    cw, rh = style.heat_cell_width, style.row_height + 6
    wrapped = [_wrap(name, 14)[:4] for name in column_labels]
    header = 10 + 13 * max((len(lines) for lines in wrapped), default=1)
    width = style.label_width + cw * len(column_labels) + 10
    body = []
    for j, lines in enumerate(wrapped):
        x = style.label_width + j * cw + cw / 2
        for k, line in enumerate(lines):
            body.append(_text(x, 12 + k * 13, line, style.font_size - 1, "middle"))
    for i, name in enumerate(row_labels):
        y = header + i * rh
        body.append(_text(style.label_width - 8, y + rh / 2 + 4,
                          _clip(name, style.label_width // 7), style.font_size, "end"))
        for j, (share, text) in enumerate(cells[i]):
            x = style.label_width + j * cw
            fill = "#f3f3f3" if share is None else _heat_colour(share, hue)
            ink = "#fff" if share is not None and share > 0.55 else "#222"
            tip = f"{name} — {column_labels[j]}: {text}"
            body.append(f'<rect x="{x}" y="{y}" width="{cw - 2}" height="{rh - 2}" '
                        f'fill="{fill}"><title>{escape(tip)}</title></rect>')
            body.append(_text(x + cw / 2 - 1, y + rh / 2 + 3, text, style.font_size - 1,
                              "middle", fill=ink))
    return _svg(width, header + len(row_labels) * rh + 4, label, body)


def _wrap(text: str, n: int) -> list[str]:
    lines, line = [], ""
    for word in text.split():
        if line and len(line) + 1 + len(word) > n:
            lines.append(line)
            line = word
        else:
            line = f"{line} {word}".strip()
    return [*lines, line] if line else lines


def timeline(groups: Sequence[tuple[str, Sequence[tuple[date, str, str]]]],
             kinds: Sequence[str], colours: Sequence[str], label: str,
             style: ChartStyle | None = None,
             kind_labels: Mapping[str, str] | None = None) -> str:
    """One lane per group; a dot per (date, kind, tooltip), on a shared yearly axis."""
    kind_labels = kind_labels or {}
    style = style or ChartStyle()
    dates = [d for _, events in groups for d, _, _ in events]
    if not dates:
        return _svg(style.width, 30, label, [_text(0, 20, "No dated milestone.",
                                                   style.font_size)])
    first, last = min(dates).year, max(dates).year + 1
    plot = style.width - style.label_width - 20
    colour_of = dict(zip(kinds, colours, strict=True))
    lane = style.row_height + 8

    def x_of(d: date) -> float:
        span = (date(last, 1, 1) - date(first, 1, 1)).days or 1
        return style.label_width + plot * (d - date(first, 1, 1)).days / span

    body = []
    axis_y = len(groups) * lane + 6
    for year in range(first, last + 1):
        x = x_of(date(year, 1, 1))
        body.append(f'<line x1="{x:.1f}" y1="0" x2="{x:.1f}" y2="{axis_y}" stroke="#ddd"/>')
        body.append(_text(x, axis_y + 14, str(year), style.font_size - 1, "middle"))
    for i, (name, events) in enumerate(groups):
        y = i * lane + lane / 2
        body.append(_text(style.label_width - 8, y + 4, _clip(name, 28), style.font_size,
                          "end"))
        body.append(f'<line x1="{style.label_width}" y1="{y:.1f}" '
                    f'x2="{style.label_width + plot}" y2="{y:.1f}" stroke="#999"/>')
        for d, kind, tip in events:
            body.append(f'<circle cx="{x_of(d):.1f}" cy="{y:.1f}" r="7" '
                        f'fill="{colour_of.get(kind, MISSING_COLOUR)}" stroke="#fff" '
                        f'stroke-width="1.5"><title>{escape(tip)}</title></circle>')
    used = [k for k in kinds if any(kind == k for _, ev in groups for _, kind, _ in ev)]
    marks, height = legend([(kind_labels.get(k, k), colour_of[k]) for k in used], style,
                           axis_y + 24)
    return _svg(style.width, axis_y + 24 + height, label, body + marks)


def bar_chart(items: Sequence[tuple[str, float, str]], label: str,
              colour: str = PALETTE[0], style: ChartStyle | None = None) -> str:
    """Horizontal bars: (label, value, tooltip) each, largest scale to the full width."""
    style = style or ChartStyle()
    wide = ChartStyle(**{**style.__dict__, "label_width": max(style.label_width, 300)})
    top = max((v for _, v, _ in items), default=0) or 1
    plot = wide.width - wide.label_width - 40
    body = []
    for i, (name, value, tip) in enumerate(items):
        y = i * wide.row_height
        w = plot * value / top
        body.append(_text(wide.label_width - 8, y + wide.bar_height - 4, _clip(name, 45),
                          wide.font_size, "end"))
        body.append(f'<rect x="{wide.label_width}" y="{y}" width="{w:.1f}" '
                    f'height="{wide.bar_height}" fill="{colour}"><title>{escape(tip)}</title>'
                    f'</rect>')
        body.append(_text(wide.label_width + w + 6, y + wide.bar_height - 4, f"{value:g}",
                          wide.font_size))
    return _svg(wide.width, max(len(items), 1) * wide.row_height + 4, label, body)
