"""The report's charts, drawn with Plotly (graph objects) and written offline.

Each function returns a `plotly.graph_objects.Figure`; `figure_html` turns one into a
`<div>` and its drawing script. The page embeds plotly.js once (`plotly_js()`), so it loads
nothing from anywhere. The mode bar (English tooltips) is hidden; every label a person
reads comes from here, in French. Dates on axes are shown as years only; hover texts carry
the date as written in French.

Traces that the report's filters act on carry `customdata` rows of
`[department_code, priority]` (see `FILTER_SCRIPT` in `pipeline.report`).
"""

from __future__ import annotations

import csv
import json
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from datetime import date
from functools import cache
from pathlib import Path

import plotly.graph_objects as go
from plotly.offline import get_plotlyjs

# Okabe-Ito: distinguishable with the common colour-vision deficiencies.
PALETTE = ("#0072B2", "#E69F00", "#009E73", "#D55E00", "#CC79A7", "#56B4E9", "#F0E442",
           "#000000", "#8C564B", "#7F7F7F", "#17BECF", "#BCBD22")
MISSING_COLOUR = "#BBBBBB"
ABSENT_COLOUR = "#EEEEEE"
TILES_FILE = Path(__file__).resolve().parent / "report_data" / "department_tiles.csv"
FONT = "DejaVu Sans, Arial, sans-serif"
CONFIG = {"displayModeBar": False, "responsive": True}


@dataclass(frozen=True)
class ChartStyle:
    """Sizes in CSS pixels."""

    width: int = 1000
    row_height: int = 34  # per département (bars, heat map rows, timeline lanes)
    base_height: int = 140  # titles, axes and legend
    tile_size: int = 38  # one département of the map
    label_chars: int = 48  # partner names longer than this are cut on the axis (full on hover)


@cache
def department_tiles(path: Path = TILES_FILE) -> dict[str, tuple[int, int]]:
    """INSEE code → (row, column) of its tile on the map of France."""
    with path.open(encoding="utf-8") as f:
        lines = [line for line in f if not line.startswith("#")]
    return {r["code"]: (int(r["row"]), int(r["col"])) for r in csv.DictReader(lines)}


def plotly_js() -> str:
    """plotly.js, to embed once in the page (`<script>` element content)."""
    return get_plotlyjs()


def figure_html(fig: go.Figure, div_id: str, filterable: bool = False) -> str:
    """The figure as a `<div>`, its data and layout as a JSON `<script>` (readable by tools
    and tests) and the script that draws it (plotly.js already loaded)."""
    spec = fig.to_plotly_json()
    payload = json.dumps({"data": spec["data"], "layout": spec["layout"]}, default=str,
                         ensure_ascii=False).replace("</", "<\\/")
    attrs = ' data-filter="1"' if filterable else ""
    return (f'<div id="{div_id}" class="chart"{attrs}></div>'
            f'<script type="application/json" id="{div_id}-donnees">{payload}</script>'
            f"<script>(function () {{ var s = JSON.parse(document.getElementById("
            f"{json.dumps(div_id + '-donnees')}).textContent); Plotly.newPlot("
            f"{json.dumps(div_id)}, s.data, s.layout, {json.dumps(CONFIG)}); }})();</script>")


def _layout(fig: go.Figure, height: int, style: ChartStyle, **extra: object) -> go.Figure:
    settings: dict[str, object] = {"margin": {"l": 10, "r": 10, "t": 30, "b": 10}}
    settings.update(extra)
    fig.update_layout(template="plotly_white", height=height,
                      font={"family": FONT, "size": 12},
                      hoverlabel={"namelength": -1}, **settings)
    return fig


def tile_map(departments: Mapping[str, str], status: Mapping[str, str],
             fiches: Mapping[str, int], status_order: Sequence[str],
             style: ChartStyle | None = None) -> go.Figure:
    """France's départements as a grid of tiles, coloured by the PTSM's status (one
    legend entry per status) or, with the buttons, by its number of fiches actions.

    `departments`: code → name of every département; `status`: code → status label of the
    départements of the dataset; `fiches`: code → fiches actions.
    """
    style = style or ChartStyle()
    tiles = department_tiles()
    fig = go.Figure()
    groups: dict[str, list[str]] = {}
    for code in tiles:
        groups.setdefault(status.get(code, "Absent du jeu de données"), []).append(code)
    ordered = [s for s in status_order if s in groups] + \
        [s for s in groups if s not in status_order]
    colours = {s: (ABSENT_COLOUR if s == "Absent du jeu de données"
                   else PALETTE[i % len(PALETTE)]) for i, s in enumerate(ordered)}
    for label in ordered:
        codes = groups[label]
        ink = "#333" if colours[label] in (ABSENT_COLOUR, "#F0E442") else "#fff"
        fig.add_trace(_tiles(codes, departments, status, fiches, style, name=label,
                             marker={"color": colours[label]},
                             textfont={"size": 10, "color": ink}))
    n_status = len(fig.data)
    known = [c for c in tiles if c in status]
    fig.add_trace(_tiles(known, departments, status, fiches, style, name="Fiches actions",
                         visible=False, showlegend=False,
                         marker={"color": [fiches.get(c, 0) for c in known],
                                 "colorscale": "Blues", "cmin": 0, "showscale": True,
                                 "colorbar": {"title": {"text": "Fiches"}}}))
    fig.add_trace(_tiles([c for c in tiles if c not in status], departments, status, fiches,
                         style, name="Absent", visible=False, showlegend=False,
                         marker={"color": ABSENT_COLOUR}))
    by_status = [True] * n_status + [False, False]
    by_fiches = [False] * n_status + [True, True]
    rows = max(r for r, _ in tiles.values()) + 1
    cols = max(c for _, c in tiles.values()) + 1
    side = style.tile_size + 2
    fig.update_xaxes(visible=False, range=[-0.6, cols - 0.4], fixedrange=True)
    fig.update_yaxes(visible=False, range=[-rows + 0.4, 0.6], fixedrange=True,
                     scaleanchor="x")
    return _layout(
        fig, rows * side + 80, style, width=cols * side + 260, autosize=False,
        legend={"title": {"text": "Statut du PTSM"}, "x": 1.02, "y": 1},
        updatemenus=[{"type": "buttons", "direction": "right", "x": 0, "y": 1.08,
                      "xanchor": "left", "showactive": True, "buttons": [
                          {"label": "Couleur : statut", "method": "update",
                           "args": [{"visible": by_status}]},
                          {"label": "Couleur : fiches actions", "method": "update",
                           "args": [{"visible": by_fiches}]}]}],
        margin={"l": 10, "r": 10, "t": 50, "b": 10})


def _tiles(codes: Sequence[str], departments: Mapping[str, str], status: Mapping[str, str],
           fiches: Mapping[str, int], style: ChartStyle, **trace: object) -> go.Scatter:
    tiles = department_tiles()
    hover = [f"<b>{c} {departments.get(c, '')}</b><br>"
             + (f"Statut : {status[c]}<br>Fiches actions : {fiches.get(c, 0)}"
                if c in status else "Aucun document") for c in codes]
    marker = {"symbol": "square", "size": style.tile_size, "line": {"width": 1,
                                                                    "color": "#fff"}}
    marker.update(trace.pop("marker", {}))  # type: ignore[arg-type]
    textfont = trace.pop("textfont", {"size": 10})
    return go.Scatter(x=[tiles[c][1] for c in codes], y=[-tiles[c][0] for c in codes],
                      mode="markers+text", text=list(codes), textfont=textfont,
                      hovertext=hover, hoverinfo="text", marker=marker,
                      customdata=[[c, None] for c in codes], **trace)


def priority_bars(rows: Sequence[tuple[str, str, Sequence[int]]], series: Sequence[str],
                  colours: Sequence[str], priorities: Sequence[int | None],
                  style: ChartStyle | None = None) -> go.Figure:
    """Stacked horizontal bars: (code, label, count per series) per département."""
    style = style or ChartStyle()
    fig = go.Figure()
    for k, (name, colour, priority) in enumerate(zip(series, colours, priorities,
                                                     strict=True)):
        fig.add_trace(go.Bar(
            orientation="h", name=name, marker_color=colour,
            y=[label for _, label, _ in rows], x=[values[k] for _, _, values in rows],
            customdata=[[code, priority] for code, _, _ in rows],
            text=[values[k] or "" for _, _, values in rows], textposition="inside",
            hovertemplate="%{y}<br>" + name.replace("%", "%%") + " : %{x}<extra></extra>"))
    height = style.base_height + style.row_height * len(rows) + 22 * len(series)
    fig.update_yaxes(autorange="reversed", automargin=True)
    fig.update_xaxes(title_text="Fiches actions", automargin=True)
    return _layout(fig, height, style, barmode="stack", bargap=0.35,
                   legend={"orientation": "h", "y": -0.25, "yanchor": "top", "x": 0,
                           "traceorder": "normal"})


def heat_map(row_labels: Sequence[str], column_labels: Sequence[str],
             cells: Sequence[Sequence[tuple[float | None, str]]], colourscale: str = "Blues",
             style: ChartStyle | None = None, value_title: str = "Part") -> go.Figure:
    """A grid of cells coloured by a share 0-1 (None = not applicable), each with a text.
    Column labels are wrapped over several lines, never cut."""
    style = style or ChartStyle()
    width = max(8, 110 // max(len(column_labels), 1))
    columns = [_wrap(c, width) for c in column_labels]
    z = [[share for share, _ in row] for row in cells]
    text = [[t for _, t in row] for row in cells]
    fig = go.Figure(go.Heatmap(
        z=z, x=columns, y=list(row_labels), text=text, texttemplate="%{text}",
        colorscale=colourscale, zmin=0, zmax=1, xgap=2, ygap=2,
        colorbar={"title": {"text": value_title}, "tickformat": ".0%"},
        hovertemplate="%{y}<br>%{x}<br>%{text}<extra></extra>"))
    fig.update_yaxes(autorange="reversed", automargin=True)
    fig.update_xaxes(side="top", automargin=True, tickangle=0)
    height = style.base_height + 60 + style.row_height * len(row_labels)
    return _layout(fig, height, style)


def _wrap(text: str, n: int) -> str:
    lines, line = [], ""
    for word in text.split():
        if line and len(line) + 1 + len(word) > n:
            lines.append(line)
            line = word
        else:
            line = f"{line} {word}".strip()
    return "<br>".join([*lines, line] if line else lines)


def timeline(lanes: Sequence[tuple[str, str]],
             events: Sequence[tuple[str, date, str, str]], kinds: Sequence[str],
             kind_labels: Mapping[str, str], style: ChartStyle | None = None,
             close_days: int = 45) -> go.Figure:
    """One lane per (code, label) département; a marker per (code, date, kind, hover text).

    Milestones of one lane less than `close_days` apart are spread vertically so none
    hides another.
    """
    style = style or ChartStyle()
    lane_of = {code: i for i, (code, _) in enumerate(lanes)}
    groups: list[list[int]] = []
    last: dict[str, tuple[date, list[int]]] = {}
    for i in sorted(range(len(events)), key=lambda i: (events[i][0], events[i][1])):
        code, day = events[i][0], events[i][1]
        if code in last and (day - last[code][0]).days < close_days:
            last[code][1].append(i)
        else:
            groups.append([i])
            last[code] = (day, groups[-1])
    offset = {}
    for members in groups:
        for k, i in enumerate(members):
            offset[i] = (k - (len(members) - 1) / 2) * min(0.22, 0.7 / len(members))
    fig = go.Figure()
    for n, kind in enumerate(kinds):
        mine = [i for i, e in enumerate(events) if e[2] == kind]
        if not mine:
            continue
        fig.add_trace(go.Scatter(
            mode="markers", name=kind_labels.get(kind, kind),
            x=[events[i][1].isoformat() for i in mine],
            y=[lane_of[events[i][0]] + offset[i] for i in mine],
            marker={"size": 13, "color": PALETTE[n % len(PALETTE)],
                    "line": {"width": 1, "color": "#fff"}},
            hovertext=[events[i][3] for i in mine], hoverinfo="text",
            customdata=[[events[i][0], None] for i in mine]))
    fig.update_yaxes(tickvals=list(range(len(lanes))), ticktext=[lb for _, lb in lanes],
                     autorange="reversed", automargin=True, zeroline=False,
                     range=[len(lanes) - 0.5, -0.5])
    fig.update_xaxes(type="date", tickformat="%Y", dtick="M12", automargin=True)
    height = style.base_height + 40 + style.row_height * 1.4 * len(lanes)
    return _layout(fig, height, style,
                   legend={"orientation": "h", "y": -0.2, "yanchor": "top", "x": 0})


def bar_chart(items: Sequence[tuple[str, float, str]], colour: str = PALETTE[2],
              style: ChartStyle | None = None, value_title: str = "Fiches actions"
              ) -> go.Figure:
    """Horizontal bars: (label, value, hover text) each; long labels are cut on the axis
    and given whole on hover."""
    style = style or ChartStyle()
    n = style.label_chars
    labels = [lb if len(lb) <= n else lb[: n - 1] + "…" for lb, _, _ in items]
    fig = go.Figure(go.Bar(orientation="h", y=labels, x=[v for _, v, _ in items],
                           marker_color=colour, hovertext=[t for _, _, t in items],
                           hoverinfo="text", text=[f"{v:g}" for _, v, _ in items],
                           textposition="outside"))
    fig.update_yaxes(autorange="reversed", automargin=True)
    fig.update_xaxes(title_text=value_title, automargin=True, rangemode="tozero",
                     tickformat="d", dtick=1 if max((v for _, v, _ in items), default=0) <= 10
                     else None)
    return _layout(fig, style.base_height + 26 * len(items), style)
