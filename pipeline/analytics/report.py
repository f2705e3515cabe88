"""`ptsm report`: one self-contained HTML file comparing the départements of a dataset.

    build_report(Path("data/curated"))        # -> data/curated/report.html

Sections: overview per département, the ptsm_profiles table, fiches per décret priority
(stacked bars), priority coverage (heat map), milestones timeline, most frequent partner
organisations, data-quality notes (validation, documents not fully read, quarantine,
fields missing per département). Charts are inline SVG (`pipeline.analytics.report_charts`); the
page loads nothing from anywhere (no script, font, image or stylesheet URL) and works
offline. Data comes from the analyst views of `pipeline.analytics.duckdb_views`, created in an
in-memory DuckDB (the report never locks `ptsm.duckdb`).
"""

from __future__ import annotations

import json
from dataclasses import dataclass, field
from datetime import UTC, date, datetime
from html import escape
from pathlib import Path
from typing import Any

import duckdb

from pipeline.analytics import report_charts as charts
from pipeline.analytics.duckdb_views import EVENT_SHORT_LABELS, PRIORITY_SHORT_LABELS, create_views
from pipeline.dataset.validate import validate_dataset
from schemas.tables import SCHEMA_VERSION, field_description
from schemas.vocabularies import EVENT_TYPES, PRIORITIES, UNKNOWN_DEPARTMENT

REPORT_FILE = "report.html"

# Fields whose absence an analyst notices; list columns count as missing when empty.
QUALITY_FIELDS: dict[str, tuple[str, ...]] = {
    "fiches": ("priority", "title", "pilotes", "partenaires", "moyens", "territoire",
               "public_cible", "indicateurs", "page_start"),
    "fiche_objectives": ("operateur", "echeance_start"),
    "governance_events": ("event_date", "actor"),
    "documents": ("title", "department_name"),
}


@dataclass(frozen=True)
class ReportSettings:
    """What the report shows."""

    top_partners: int = 15  # partner organisations in the chart
    max_table_rows: int = 200  # rows of any HTML table before "... and n more"
    max_validation_problems: int = 30  # validation problems listed
    quality_fields: dict[str, tuple[str, ...]] = field(
        default_factory=lambda: dict(QUALITY_FIELDS))


def build_report(out: Path, dest: Path | None = None,
                 settings: ReportSettings | None = None) -> Path:
    """Write the HTML report of the dataset under `out` (default `<out>/report.html`)."""
    settings = settings or ReportSettings()
    out = Path(out)
    dest = Path(dest) if dest else out / REPORT_FILE
    with duckdb.connect() as con:
        create_views(con, out)
        sections = [
            _overview(con),
            _profiles(con, settings),
            _priorities(con),
            _coverage(con),
            _milestones(con, settings),
            _partners(con, settings),
            _quality(con, out, settings),
        ]
    dest.parent.mkdir(parents=True, exist_ok=True)
    dest.write_text(_page(out, sections), encoding="utf-8")
    return dest


# --- sections ----------------------------------------------------------------------------


def _rows(con: duckdb.DuckDBPyConnection, sql: str, *params: Any) -> list[dict[str, Any]]:
    cursor = con.execute(sql, list(params))
    names = [d[0] for d in cursor.description]
    return [dict(zip(names, row, strict=True)) for row in cursor.fetchall()]


def _dept_label(row: dict[str, Any]) -> str:
    code, name = row["department_code"], row.get("department_name")
    if code == UNKNOWN_DEPARTMENT:
        return "Unknown département"
    return f"{code} {name}" if name and name != code else code


def _overview(con: duckdb.DuckDBPyConnection) -> str:
    rows = _rows(con, "from department_overview")
    columns = ["department_code", "department_name", "region", "n_documents", "n_passages",
               "n_fiches", "n_milestones", "first_milestone", "last_milestone",
               "period_start_year", "period_end_year"]
    return _section("overview", "Départements at a glance",
                    "<p>What the dataset holds for each département (from the analyst view "
                    "<code>department_overview</code>).</p>" + _table(rows, columns, 10_000))


def _profiles(con: duckdb.DuckDBPyConnection, settings: ReportSettings) -> str:
    rows = _rows(con, "from ptsm_profiles order by department_code")
    columns = [d[0] for d in con.execute("describe ptsm_profiles").fetchall()]
    body = ("<p>The published <code>ptsm_profiles</code> table, one row per département."
            "</p>")
    if not rows:
        body += '<p class="note">No profile row in this dataset yet.</p>'
    else:
        heads = {c: field_description("ptsm_profiles", c) for c in columns}
        body += _table(rows, columns, settings.max_table_rows, titles=heads)
    return _section("profiles", "PTSM profiles", body)


def _priorities(con: duckdb.DuckDBPyConnection) -> str:
    rows = _rows(con, "from fiches_per_priority")
    series = [f"{p}. {PRIORITY_SHORT_LABELS.get(p, str(p))}" for p in PRIORITIES]
    colours = list(charts.PALETTE[: len(series)])
    unknown = any(r["priority"] is None for r in rows)
    if unknown:
        series.append("Priority unknown")
        colours.append(charts.MISSING_COLOUR)
    bars: dict[str, list[float]] = {}
    for r in rows:
        values = bars.setdefault(_dept_label(r), [0.0] * len(series))
        index = list(PRIORITIES).index(r["priority"]) if r["priority"] in PRIORITIES else -1
        values[index] += r["n_fiches"]
    if not bars:
        chart = '<p class="note">No fiche action in this dataset yet.</p>'
    else:
        chart = charts.stacked_bars(list(bars.items()), series, colours,
                                    "Fiches actions per décret priority per département")
    legend = "".join(f"<li><b>{p}.</b> {escape(label)}</li>" for p, label in PRIORITIES.items())
    return _section("priorities", "Fiches actions per décret priority",
                    "<p>Number of fiches actions of each département, split by the priority "
                    "of décret n° 2017-1200 (art. R3224-5 to R3224-10) they serve.</p>"
                    f"{chart}<details><summary>The six priorities</summary><ol class=\"plain\">"
                    f"{legend}</ol></details>")


def _coverage(con: duckdb.DuckDBPyConnection) -> str:
    rows = _rows(con, "from priority_coverage")
    if not rows:
        return _section("coverage", "Priority coverage",
                        '<p class="note">No fiche with a known priority yet.</p>')
    depts = list(dict.fromkeys(_dept_label(r) for r in rows))
    columns = [f"{p}. {PRIORITY_SHORT_LABELS[p]}" for p in PRIORITIES]
    cells: dict[str, list[tuple[float | None, str]]] = {d: [] for d in depts}
    for r in rows:
        share = r["share"] or 0.0
        cells[_dept_label(r)].append((share, f"{r['n_fiches']} ({share:.0%})"))
    chart = charts.heat_map(depts, columns, [cells[d] for d in depts],
                            "Share of each département's fiches per priority")
    return _section("coverage", "Priority coverage",
                    "<p>Fiches per priority and their share of the département's fiches of "
                    "known priority; a white cell is a priority no fiche addresses.</p>"
                    + chart)


def _milestones(con: duckdb.DuckDBPyConnection, settings: ReportSettings) -> str:
    rows = _rows(con, "from milestones_timeline")
    kinds = list(EVENT_TYPES)
    colours = list(charts.PALETTE[: len(kinds)])
    groups: dict[str, list[tuple[date, str, str]]] = {}
    for r in rows:
        if r["event_date"] is None:
            continue
        label = EVENT_SHORT_LABELS.get(r["event_type"], r["event_type"])
        tip = f"{_dept_label(r)}: {label}, {r['date_text'] or r['event_date']}"
        groups.setdefault(_dept_label(r), []).append((r["event_date"], r["event_type"], tip))
    chart = charts.timeline(list(groups.items()), kinds, colours,
                            "Milestones timeline per département",
                            kind_labels=EVENT_SHORT_LABELS)
    columns = ["department_code", "department_name", "event_date", "date_precision",
               "event_label", "date_text", "actor", "reference"]
    undated = sum(r["event_date"] is None for r in rows)
    note = f'<p class="note">{undated} milestone(s) without a date are listed only.</p>' \
        if undated else ""
    if not rows:
        return _section("milestones", "Milestones timeline",
                        '<p class="note">No governance milestone in this dataset yet.</p>')
    return _section("milestones", "Milestones timeline",
                    "<p>Dated governance milestones (diagnosis, roadmap, opinions, approval, "
                    "contract); a date known only to the month or year is drawn at its first "
                    "day.</p>" + chart + note
                    + "<details><summary>All milestones</summary>"
                    + _table(rows, columns, settings.max_table_rows) + "</details>")


def _partners(con: duckdb.DuckDBPyConnection, settings: ReportSettings) -> str:
    rows = _rows(con, "from partner_organisations limit ?", settings.top_partners)
    if not rows:
        return _section("partners", "Most frequent partner organisations",
                        '<p class="note">No partner organisation named in fiches yet.</p>')
    items = [(r["organisation"], float(r["n_fiches"]),
              f"{r['organisation']}: {r['n_fiches']} fiche(s) in "
              f"{', '.join(r['department_codes'])}") for r in rows]
    chart = charts.bar_chart(items, "Most frequent partner organisations",
                             colour=charts.PALETTE[2])
    for r in rows:
        r["department_codes"] = ", ".join(r["department_codes"])
    return _section("partners", "Most frequent partner organisations",
                    f"<p>The {len(rows)} organisations most often named as partners of a "
                    "fiche action (exact wording), with the départements that name them.</p>"
                    + chart + _table(rows, ["organisation", "n_fiches", "n_departments",
                                            "department_codes"], settings.top_partners))


def _quality(con: duckdb.DuckDBPyConnection, out: Path, settings: ReportSettings) -> str:
    parts = []
    problems = validate_dataset(out)
    if problems:
        shown = problems[: settings.max_validation_problems]
        more = len(problems) - len(shown)
        parts.append(f'<p class="bad">Validation: {len(problems)} problem(s) '
                     "(<code>ptsm validate</code> lists them all).</p><ul class=\"mono\">"
                     + "".join(f"<li>{escape(str(p))}</li>" for p in shown)
                     + (f"<li>... and {more} more</li>" if more else "") + "</ul>")
    else:
        parts.append('<p class="good">Validation: the dataset satisfies its contract '
                     f"(schema version {escape(SCHEMA_VERSION)}).</p>")
    issues = _rows(con, "from data_quality_issues")
    n_quarantined = sum(r["issue"].startswith("quarantined") for r in issues)
    parts.append(f"<h3>Documents quarantined or not fully read ({n_quarantined} quarantined, "
                 f"{len(issues) - n_quarantined} partial or failed)</h3>")
    parts.append(_table(issues, ["issue", "department_code", "source_uri", "message",
                                 "seen_at"], settings.max_table_rows)
                 if issues else '<p class="good">Every input was read completely.</p>')
    unknown = _rows(con, "select source_uri, title from documents where department_code = ?",
                    UNKNOWN_DEPARTMENT)
    if unknown:
        parts.append(f"<h3>Documents without a département ({len(unknown)})</h3>"
                     + _table(unknown, ["source_uri", "title"], settings.max_table_rows))
    parts.append(_missing_fields(con, settings))
    return _section("quality", "Data-quality notes", "".join(parts))


def _missing_fields(con: duckdb.DuckDBPyConnection, settings: ReportSettings) -> str:
    depts = _rows(con, "select department_code, department_name from departments")
    labels = {d["department_code"]: _dept_label(d) for d in depts}
    row_labels, cells = [], []
    for table, columns in settings.quality_fields.items():
        types = dict(con.execute("select column_name, data_type from information_schema.columns"
                                 " where table_name = ?", [table]).fetchall())
        for column in columns:
            if column not in types:
                continue
            empty = f'"{column}" is null' + (f' or len("{column}") = 0'
                                              if types[column].endswith("[]") else "")
            counts = {r["department_code"]: r for r in _rows(
                con, f'select department_code, count(*) as n, count(*) filter (where {empty}) '
                     f'as missing from "{table}" group by all')}
            if not counts:
                continue
            row_labels.append(f"{table}.{column}")
            cells.append([
                (None, "–") if code not in counts else
                (counts[code]["missing"] / counts[code]["n"],
                 f"{counts[code]['missing']}/{counts[code]['n']}")
                for code in labels
            ])
    if not row_labels:
        return ""
    chart = charts.heat_map(row_labels, list(labels.values()), cells,
                            "Fields missing per département", hue="red",
                            style=charts.ChartStyle(label_width=260))
    return ("<h3>Fields missing per département</h3><p>Rows without a value (or with an "
            "empty list) out of the rows of the département; darker is more missing, "
            "– means no row at all.</p>" + chart)


# --- HTML --------------------------------------------------------------------------------


def _cell(value: Any) -> str:
    if value is None:
        return '<span class="null">–</span>'
    if isinstance(value, float):
        return f"{value:.3g}"
    if isinstance(value, datetime):
        return value.astimezone(UTC).strftime("%Y-%m-%d %H:%M UTC") if value.tzinfo \
            else value.isoformat(sep=" ")
    if isinstance(value, date):
        return value.isoformat()
    if isinstance(value, list):
        return escape("; ".join(map(str, value)))
    return escape(str(value))


def _table(rows: list[dict[str, Any]], columns: list[str], limit: int,
           titles: dict[str, str] | None = None) -> str:
    titles = titles or {}
    head = "".join(f'<th title="{escape(titles.get(c, ""))}">{escape(c)}</th>'
                   for c in columns)
    body = "".join("<tr>" + "".join(f"<td>{_cell(r.get(c))}</td>" for c in columns) + "</tr>"
                   for r in rows[:limit])
    more = f'<p class="note">... and {len(rows) - limit} more rows.</p>' \
        if len(rows) > limit else ""
    return f'<div class="scroll"><table><thead><tr>{head}</tr></thead><tbody>{body}' \
           f"</tbody></table></div>{more}"


def _section(anchor: str, title: str, body: str) -> str:
    return f'<section id="{anchor}"><h2>{escape(title)}</h2>{body}</section>'


_CSS = """
body{font-family:"DejaVu Sans",Arial,sans-serif;margin:0 auto;max-width:1100px;padding:16px 24px;
color:#222;background:#fff;font-size:14px}
h1{font-size:24px;margin-bottom:4px}h2{border-bottom:2px solid #0072B2;padding-bottom:4px;
margin-top:32px}h3{font-size:15px;margin-top:20px}
nav a{margin-right:12px;color:#0072B2}.meta{color:#555}
table{border-collapse:collapse;font-size:12px;margin:8px 0}th,td{border:1px solid #ddd;
padding:3px 6px;text-align:left;vertical-align:top}th{background:#f2f5f9}
tr:nth-child(even) td{background:#fafafa}.scroll{overflow-x:auto}.null{color:#aaa}
.note{color:#666;font-style:italic}.bad{color:#a50f15;font-weight:bold}
.good{color:#006d2c;font-weight:bold}.mono{font-family:"DejaVu Sans Mono",monospace;
font-size:12px}ol.plain{margin:4px 0}svg{display:block;margin:8px 0;max-width:100%;
height:auto}details{margin:8px 0}
"""


def _page(out: Path, sections: list[str]) -> str:
    manifest_path = out / "_manifest.json"
    manifest = json.loads(manifest_path.read_text(encoding="utf-8")) \
        if manifest_path.is_file() else {}
    counts = manifest.get("tables", {})
    summary = ", ".join(f"{n} {t}" for t, n in counts.items() if n)
    nav = "".join(f'<a href="#{a}">{t}</a>' for a, t in [
        ("overview", "Overview"), ("profiles", "Profiles"), ("priorities", "Priorities"),
        ("coverage", "Coverage"), ("milestones", "Milestones"), ("partners", "Partners"),
        ("quality", "Data quality")])
    generated = datetime.now(UTC).strftime("%Y-%m-%d %H:%M UTC")
    run = manifest.get("run_id", "")
    return (
        '<!DOCTYPE html><html lang="en"><head><meta charset="utf-8">'
        '<meta name="viewport" content="width=device-width, initial-scale=1">'
        "<title>PTSM — comparison of départements</title>"
        f"<style>{_CSS}</style></head><body>"
        "<h1>Projets Territoriaux de Santé Mentale — comparison of départements</h1>"
        f'<p class="meta">Dataset <code>{escape(out.name)}</code>'
        f"{f' (run {escape(str(run))})' if run else ''}, schema version "
        f"{escape(str(manifest.get('schema_version', SCHEMA_VERSION)))}; "
        f"{escape(summary) or 'no rows'}. Generated {generated}.</p>"
        f"<nav>{nav}</nav>" + "".join(sections) + "</body></html>"
    )
