"""`ptsm report`: one offline HTML page, in French, comparing the départements of a dataset.

    build_report(Path("data/curated"))        # -> data/exports/report.html

Sections: a tile-grid map of France coloured by the PTSM's status or its fiches; per
département its status (milestones reached, dates), documents and plans, fiches by
priority and partners; fiches by décret priority and priority coverage; the milestones
timeline; the most frequent partners; the list of fiches with pilotes and échéances; the
new documents of the run; data-quality notes. Two filters (département, priority) act on
the tables, the cards and the bar and timeline charts; a link can set them
(`report.html#departement=53&priorite=2`).

Charts are Plotly figures (`pipeline.analytics.report_charts`) with plotly.js embedded once: the
page loads nothing from anywhere and works offline (about 5 MB, most of it plotly.js).
Data comes from the analyst views of `pipeline.analytics.duckdb_views`, created in an in-memory
DuckDB over the Parquet files (the report never locks `ptsm.duckdb`), so every count
follows the same one-plan rule as `ptsm_profiles`.

The report is written outside the snapshots (`pipeline.analytics.export.exports_dir`): a later run
neither hides nor deletes it.
"""

from __future__ import annotations

import json
from dataclasses import dataclass, field
from datetime import UTC, date, datetime, timedelta
from html import escape
from pathlib import Path
from typing import Any

import duckdb

from extractors.departments import department_by_code
from pipeline.analytics import report_charts as charts
from pipeline.analytics.duckdb_views import NO_STAGE_LABEL, STAGE_RANKS, create_views
from pipeline.analytics.export import exports_dir
from pipeline.dataset.validate import validate_dataset
from schemas.labels import TABLE_LABELS, column_label
from schemas.tables import SCHEMA_VERSION
from schemas.vocabularies import (
    EVENT_LABELS,
    EVENT_TYPES,
    PRIORITIES,
    PRIORITY_SHORT_LABELS,
    PRIORITY_UNKNOWN_LABEL,
    UNKNOWN_DEPARTMENT,
    UNKNOWN_DEPARTMENT_LABEL,
)

REPORT_FILE = "report.html"
MONTHS = ("janvier", "février", "mars", "avril", "mai", "juin", "juillet", "août",
          "septembre", "octobre", "novembre", "décembre")

# Fields whose absence an analyst notices: (table, column, rows where it applies).
# List columns count as missing when empty.
QUALITY_FIELDS: tuple[tuple[str, str, str], ...] = (
    ("fiches", "priority", "true"),
    ("fiches", "title", "true"),
    ("fiches", "pilotes", "true"),
    ("fiches", "partenaires", "true"),
    ("fiches", "moyens", "true"),
    ("fiches", "territoire", "true"),
    ("fiches", "public_cible", "true"),
    ("fiches", "indicateurs", "true"),
    ("fiche_objectives", "operateur", "kind = 'operationnel'"),
    ("fiche_objectives", "echeance_start", "kind = 'operationnel'"),
    ("governance_events", "event_date", "true"),
    ("governance_events", "actor", "true"),
    ("documents", "title", "true"),
)
STATUS_ORDER = [EVENT_LABELS[k] for k in sorted(
    (k for k in STAGE_RANKS if STAGE_RANKS[k] > 0), key=lambda k: -STAGE_RANKS[k])
] + [NO_STAGE_LABEL]


@dataclass(frozen=True)
class ReportSettings:
    """What the report shows."""

    top_partners: int = 15  # partner organisations in the chart
    partners_per_department: int = 8  # on each département's card
    max_table_rows: int = 500  # rows of any HTML table before "… et n autres lignes"
    max_validation_problems: int = 30  # validation problems listed
    quality_fields: tuple[tuple[str, str, str], ...] = field(default=QUALITY_FIELDS)
    style: charts.ChartStyle = field(default_factory=charts.ChartStyle)


def build_report(out: Path, dest: Path | None = None,
                 settings: ReportSettings | None = None) -> Path:
    """Write the HTML report of the dataset under `out` (default
    `exports_dir(out)/report.html`, outside the snapshots) and return its path."""
    settings = settings or ReportSettings()
    out = Path(out)
    dest = Path(dest) if dest else exports_dir(out) / REPORT_FILE
    manifest = _manifest(out)
    with duckdb.connect() as con:
        create_views(con, out)
        data = _Data(con)
        sections = [
            _map(data, settings),
            _overview(data),
            _departments(con, data, settings),
            _priorities(con, data, settings),
            _milestones(data, settings),
            _partners(con, settings),
            _fiche_list(con, settings),
            _news(con, manifest, settings),
            _quality(con, out, data, settings),
        ]
    dest.parent.mkdir(parents=True, exist_ok=True)
    dest.write_text(_page(out, manifest, data, sections), encoding="utf-8")
    return dest


# --- data --------------------------------------------------------------------------------


def _rows(con: duckdb.DuckDBPyConnection, sql: str, *params: Any) -> list[dict[str, Any]]:
    cursor = con.execute(sql, list(params))
    names = [d[0] for d in cursor.description]
    return [dict(zip(names, row, strict=True)) for row in cursor.fetchall()]


class _Data:
    """The views every section reads, loaded once."""

    def __init__(self, con: duckdb.DuckDBPyConnection) -> None:
        self.overview = _rows(con, "from department_overview")
        self.milestones = _rows(con, "from milestones_timeline")
        self.per_priority = _rows(con, "from fiches_per_priority")
        self.labels = {r["department_code"]: _dept_label(r) for r in self.overview}


def _dept_label(row: dict[str, Any]) -> str:
    code, name = row["department_code"], row.get("department_name")
    if code == UNKNOWN_DEPARTMENT:
        return UNKNOWN_DEPARTMENT_LABEL
    return f"{code} {name}" if name and name != code else code


def _manifest(out: Path) -> dict[str, Any]:
    path = out / "_manifest.json"
    try:
        return json.loads(path.read_text(encoding="utf-8")) if path.is_file() else {}
    except (OSError, ValueError):
        return {}


# --- sections ----------------------------------------------------------------------------


def _map(data: _Data, settings: ReportSettings) -> str:
    known = [r for r in data.overview if r["department_code"] != UNKNOWN_DEPARTMENT]
    names = {code: ref.name for code in charts.department_tiles()
             if (ref := department_by_code(code))}
    status = {r["department_code"]: r["stage_label"] for r in known}
    fiches = {r["department_code"]: r["n_fiches"] for r in known}
    fig = charts.tile_map(names, status, fiches, STATUS_ORDER, settings.style)
    return _section("carte", "Carte des départements",
                    "<p>Chaque case est un département (les départements d'outre-mer en bas à "
                    "gauche). Couleur : l'étape la plus avancée atteinte par le PTSM d'après "
                    "les documents, ou, avec le bouton, le nombre de fiches actions ; en gris "
                    "clair, les départements sans document.</p>"
                    + charts.figure_html(fig, "graphique-carte"))


def _overview(data: _Data) -> str:
    rows = data.overview
    if not rows:
        return _section("synthese", "Synthèse par département",
                        '<p class="note">Aucun document dans ce jeu de données.</p>')
    dates = {}
    for m in data.milestones:
        dates.setdefault((m["department_code"], m["event_type"]), m)
    head = ["Département", "Région", "Statut du PTSM", "Diagnostic", "Feuille de route",
            "Arrêté du PTSM", "Contrat signé", "Documents (plans)", "Fiches actions",
            "Étapes", "Période"]
    body = []
    for r in rows:
        code = r["department_code"]

        def when(*types: str, code: str = code) -> str:
            found = [dates[(code, t)] for t in types if (code, t) in dates]
            return _date_fr(found[0]) if found else _NULL

        start, end = r["period_start_year"], r["period_end_year"]
        period = _NULL if start is None and end is None else \
            f"{start or '…'} – {end or '…'}"
        plans = f"{r['n_documents']} ({r['n_plans']} plan{'s' if r['n_plans'] > 1 else ''})"
        body.append([escape(data.labels[code]), _cell(r["region"]),
                     f'<span class="statut">{escape(r["stage_label"])}</span>',
                     when("diagnostic_launched", "diagnostic_approved"),
                     when("roadmap_adopted"), when("ptsm_approved"), when("contract_signed"),
                     plans, str(r["n_fiches"]), str(r["n_milestones"]), period])
    return _section("synthese", "Synthèse par département",
                    "<p>Un PTSM publié en plusieurs formats ou copies compte une fois : ses "
                    "fiches et ses étapes sont lues dans son document principal. Les dates "
                    "sont les premières citées pour chaque étape.</p>"
                    + _html_table(head, body, [{"dept": r["department_code"]} for r in rows]))


def _departments(con: duckdb.DuckDBPyConnection, data: _Data,
                 settings: ReportSettings) -> str:
    cards = []
    plans = _rows(con, "from plans")
    partners = _rows(con, """
        with p as (select department_code, fiche_id, trim(unnest(partenaires)) as organisation
                   from current_fiches)
        select department_code, organisation, count(distinct fiche_id) as n_fiches
        from p where organisation <> '' group by all
        order by department_code, n_fiches desc, organisation""")
    for r in data.overview:
        code = r["department_code"]
        steps = [m for m in data.milestones if m["department_code"] == code]
        step_list = "".join(
            f"<li><b>{escape(m['event_label'] or m['event_type'])}</b> : {_date_fr(m)}"
            + (f" — {escape(m['actor'])}" if m["actor"] else "") + "</li>" for m in steps)
        counts = {p["priority"]: p["n_fiches"] for p in data.per_priority
                  if p["department_code"] == code}
        prio = "".join(
            f'<tr data-prio="{p}"><td>{p}. {escape(PRIORITY_SHORT_LABELS[p])}</td>'
            f"<td>{counts.get(p, 0)}</td></tr>" for p in PRIORITIES)
        if None in counts:
            prio += (f'<tr data-prio="inconnue"><td>{PRIORITY_UNKNOWN_LABEL}</td>'
                     f"<td>{counts[None]}</td></tr>")
        top = [p for p in partners if p["department_code"] == code][
            : settings.partners_per_department]
        docs = "".join(
            f"<li>{escape(p['title'] or p['plan_id'])}"
            + (f' <span class="note">({p["n_documents"]} documents : '
               f'{escape(", ".join(_format(m) for m in p["media_types"]))} ; '
               f"{p['n_duplicates']} doublon{'s' if p['n_duplicates'] > 1 else ''} "
               "compté une seule fois)</span>" if p["n_duplicates"] else "")
            + "</li>" for p in plans if p["department_code"] == code)
        cards.append(
            f'<article class="carte-dept" data-dept="{escape(code)}">'
            f"<h3>{escape(data.labels[code])}"
            + (f' <span class="note">{escape(r["region"])}</span>' if r["region"] else "")
            + f'</h3><p>Statut : <span class="statut">{escape(r["stage_label"])}</span></p>'
            f'<div class="colonnes"><div><h4>Étapes</h4>'
            + (f"<ol>{step_list}</ol>" if steps else '<p class="note">Aucune étape.</p>')
            + "</div><div><h4>Fiches actions par priorité</h4>"
            + (f'<table class="petit"><tbody>{prio}</tbody></table>' if counts
               else '<p class="note">Aucune fiche action.</p>')
            + "</div><div><h4>Partenaires les plus cités</h4>"
            + ("<ul>" + "".join(f"<li>{escape(p['organisation'])} ({p['n_fiches']})</li>"
                                for p in top) + "</ul>" if top
               else '<p class="note">Aucun partenaire cité.</p>')
            + f"</div></div><h4>Plans et documents</h4><ul>{docs}</ul></article>")
    return _section("departements", "Fiche par département", "".join(cards) or
                    '<p class="note">Aucun document dans ce jeu de données.</p>')


def _priorities(con: duckdb.DuckDBPyConnection, data: _Data,
                settings: ReportSettings) -> str:
    rows = data.per_priority
    if not rows:
        return _section("priorites", "Fiches actions par priorité du décret",
                        '<p class="note">Aucune fiche action dans ce jeu de données.</p>')
    keys: list[int | None] = list(PRIORITIES)
    series = [f"{p}. {PRIORITY_SHORT_LABELS[p]}" for p in PRIORITIES]
    colours = list(charts.PALETTE[: len(series)])
    if any(r["priority"] is None for r in rows):
        keys.append(None)
        series.append(PRIORITY_UNKNOWN_LABEL)
        colours.append(charts.MISSING_COLOUR)
    bars: dict[str, list[int]] = {}
    for r in rows:
        values = bars.setdefault(r["department_code"], [0] * len(keys))
        values[keys.index(r["priority"] if r["priority"] in PRIORITIES else None)] += \
            r["n_fiches"]
    bar_rows = [(code, data.labels[code], values) for code, values in bars.items()]
    bar = charts.priority_bars(bar_rows, series, colours,
                               [p if p is not None else "inconnue" for p in keys],
                               settings.style)
    coverage = _rows(con, "from priority_coverage")
    depts = list(dict.fromkeys(r["department_code"] for r in coverage))
    cells: dict[str, list[tuple[float | None, str]]] = {d: [] for d in depts}
    for r in coverage:
        share = r["share"] or 0.0
        cells[r["department_code"]].append((share, f"{r['n_fiches']} ({share:.0%})"))
    heat = charts.heat_map([data.labels[d] for d in depts], series[: len(PRIORITIES)],
                           [cells[d] for d in depts], style=settings.style)
    legend = "".join(f"<li><b>{p}.</b> {escape(label)}</li>" for p, label in PRIORITIES.items())
    return _section(
        "priorites", "Fiches actions par priorité du décret",
        "<p>Nombre de fiches actions de chaque département selon la priorité du décret "
        "n° 2017-1200 du 27 juillet 2017 (art. R3224-5 à R3224-10) qu'elles servent.</p>"
        + charts.figure_html(bar, "graphique-priorites", filterable=True)
        + "<h3>Couverture des priorités</h3><p>Part des fiches de priorité connue de chaque "
        "département ; une case blanche est une priorité qu'aucune fiche ne traite.</p>"
        + charts.figure_html(heat, "graphique-couverture")
        + f'<details><summary>Les six priorités du décret</summary><ol class="plain">{legend}'
        "</ol></details>")


def _milestones(data: _Data, settings: ReportSettings) -> str:
    rows = data.milestones
    if not rows:
        return _section("etapes", "Étapes de gouvernance",
                        '<p class="note">Aucune étape de gouvernance dans ce jeu de '
                        "données.</p>")
    dated = [r for r in rows if r["event_date"] is not None]
    lanes = list(dict.fromkeys((r["department_code"], data.labels[r["department_code"]])
                               for r in dated))
    events = [(r["department_code"], r["event_date"], r["event_type"],
               f"{data.labels[r['department_code']]}<br><b>{r['event_label']}</b><br>"
               f"{_date_fr(r)}" + (f"<br>{r['actor']}" if r["actor"] else ""))
              for r in dated]
    chart = charts.timeline(lanes, events, list(EVENT_TYPES), EVENT_LABELS, settings.style) \
        if dated else ""
    undated = len(rows) - len(dated)
    note = (f'<p class="note">{undated} étape(s) sans date figurent seulement dans le '
            "tableau.</p>") if undated else ""
    head = ["Département", "Date", "Étape", "Date telle qu'écrite", "Acteur",
            "Référence", "Documents qui la citent"]
    body = [[escape(data.labels[r["department_code"]]), _date_fr(r),
             escape(r["event_label"] or r["event_type"]), _cell(r["date_text"]),
             _cell(r["actor"]), _cell(r["reference"]), str(r["n_statements"])]
            for r in rows[: settings.max_table_rows]]
    return _section(
        "etapes", "Étapes de gouvernance",
        "<p>Étapes datées de chaque PTSM (diagnostic, feuille de route, avis, arrêté, "
        "contrat) ; une date connue au mois ou à l'année est placée à son premier jour. Des "
        "étapes du même jour sont décalées verticalement.</p>"
        + (charts.figure_html(chart, "graphique-etapes", filterable=True) if chart else "")
        + note + "<details open><summary>Toutes les étapes</summary>"
        + _html_table(head, body, [{"dept": r["department_code"]} for r in rows])
        + _more(len(rows), settings.max_table_rows) + "</details>")


def _partners(con: duckdb.DuckDBPyConnection, settings: ReportSettings) -> str:
    rows = _rows(con, "from partner_organisations limit ?", settings.top_partners)
    if not rows:
        return _section("partenaires", "Partenaires les plus cités",
                        '<p class="note">Aucun organisme partenaire cité par les fiches.</p>')
    items = [(r["organisation"], float(r["n_fiches"]),
              f"{r['organisation']} : {r['n_fiches']} fiche(s) ; "
              f"{', '.join(r['department_codes'])}") for r in rows]
    chart = charts.bar_chart(items, style=settings.style)
    head = ["Organisme", "Fiches actions", "Départements"]
    body = [[escape(r["organisation"]), str(r["n_fiches"]),
             escape(", ".join(r["department_codes"]))] for r in rows]
    return _section("partenaires", "Partenaires les plus cités",
                    f"<p>Les {len(rows)} organismes les plus souvent cités comme partenaires "
                    "d'une fiche action (formulation exacte), et les départements qui les "
                    "citent.</p>" + charts.figure_html(chart, "graphique-partenaires")
                    + _html_table(head, body))


def _fiche_list(con: duckdb.DuckDBPyConnection, settings: ReportSettings) -> str:
    rows = _rows(con, "from fiche_overview")
    if not rows:
        return _section("fiches", "Liste des fiches actions",
                        '<p class="note">Aucune fiche action dans ce jeu de données.</p>')
    head = ["Département", "N°", "Titre", "Priorité", "Pilotes", "Partenaires",
            "Échéances"]
    body, attrs = [], []
    for r in rows[: settings.max_table_rows]:
        label = _dept_label(r)
        prio = (f"{r['priority']}. {r['priority_label']}" if r["priority"] is not None
                else PRIORITY_UNKNOWN_LABEL)
        due = " ; ".join(r["echeances"] or [])
        span = " – ".join(_month_fr(d) for d in (r["echeance_start"], r["echeance_end"]) if d)
        body.append([escape(label), escape(r["number_label"] or str(r["number"] or "")),
                     _cell(r["title"]), escape(prio), _cell(r["pilotes"]),
                     _cell(r["partenaires"]),
                     (escape(due) + (f'<br><span class="note">{span}</span>' if span else ""))
                     or _NULL])
        attrs.append({"dept": r["department_code"],
                      "prio": str(r["priority"]) if r["priority"] is not None else "inconnue"})
    return _section("fiches", "Liste des fiches actions",
                    f"<p>{len(rows)} fiches actions (document principal de chaque plan), avec "
                    "leurs pilotes, partenaires et les échéances de leurs objectifs "
                    "opérationnels.</p>" + _html_table(head, body, attrs, cls="fiches")
                    + _more(len(rows), settings.max_table_rows))


def _news(con: duckdb.DuckDBPyConnection, manifest: dict[str, Any],
          settings: ReportSettings) -> str:
    """Documents first read by the run that published this dataset.

    The place for "what is new since the last run": a `discovered_from` column (the
    watched page a document was found on) is shown when the documents table has one.
    """
    started = _run_start(manifest)
    if started is None:
        return ""
    columns = {r[0] for r in con.execute("describe documents").fetchall()}
    found = "discovered_from" if "discovered_from" in columns else "null"
    rows = _rows(con, f"""select department_code, title, source_uri, version,
                         {found} as discovered_from, ingested_at from documents
                         where coalesce(is_current, true) and ingested_at >= ?
                         order by ingested_at desc""", started)
    head = ["Département", "Titre", "Source", "Version", "Trouvé sur", "Lu le"]
    body = [[escape(_dept_label({"department_code": r["department_code"],
                                 "department_name": _name_of(r["department_code"])})),
             _cell(r["title"]), _cell(r["source_uri"]), _cell(r["version"]),
             _cell(r["discovered_from"]), _cell(r["ingested_at"])]
            for r in rows[: settings.max_table_rows]]
    return _section("nouveautes", "Nouveaux documents de cette publication",
                    f"<p>{len(rows)} document(s) lu(s) pour la première fois ou modifié(s) "
                    "depuis la publication précédente.</p>"
                    + (_html_table(head, body, [{"dept": r["department_code"]} for r in rows])
                       if rows else ""))


def _name_of(code: str) -> str | None:
    ref = department_by_code(code)
    return ref.name if ref else None


def _run_start(manifest: dict[str, Any]) -> datetime | None:
    try:
        end = datetime.fromisoformat(manifest["finished_at"])
        return end - timedelta(seconds=float(manifest.get("seconds") or 0))
    except (KeyError, TypeError, ValueError):
        return None


def _quality(con: duckdb.DuckDBPyConnection, out: Path, data: _Data,
             settings: ReportSettings) -> str:
    parts = []
    problems = validate_dataset(out)
    if problems:
        shown = problems[: settings.max_validation_problems]
        more = len(problems) - len(shown)
        parts.append(f'<p class="bad">Validation : {len(problems)} problème(s) '
                     "(<code>ptsm validate</code> les liste tous).</p><ul class=\"mono\">"
                     + "".join(f"<li>{escape(str(p))}</li>" for p in shown)
                     + (f"<li>… et {more} autres</li>" if more else "") + "</ul>")
    else:
        parts.append('<p class="good">Validation : le jeu de données respecte son contrat '
                     f"(version de schéma {escape(SCHEMA_VERSION)}).</p>")
    issues = _rows(con, "from data_quality_issues")
    n_quarantined = sum(r["issue"].startswith("quarantaine") for r in issues)
    parts.append(f"<h3>Entrées en quarantaine ou lues en partie ({n_quarantined} en "
                 f"quarantaine, {len(issues) - n_quarantined} lues en partie ou "
                 "illisibles)</h3>")
    parts.append(_html_table(
        ["Problème", "Département", "Source", "Message", "Constaté le"],
        [[escape(r["issue"]), _cell(r["department_code"]), _cell(r["source_uri"]),
          _cell(r["message"]), _cell(r["seen_at"])] for r in issues])
        if issues else '<p class="good">Toutes les entrées ont été lues entièrement.</p>')
    unknown = _rows(con, "select source_uri, title from documents where department_code = ?",
                    UNKNOWN_DEPARTMENT)
    if unknown:
        parts.append(f"<h3>Documents sans département ({len(unknown)})</h3>"
                     + _html_table(["Source", "Titre"],
                                   [[_cell(r["source_uri"]), _cell(r["title"])]
                                    for r in unknown]))
    parts.append(_not_read_as_fiches(con))
    parts.append(_missing_fields(con, data, settings))
    return _section("qualite", "Qualité des données", "".join(parts))


def _not_read_as_fiches(con: duckdb.DuckDBPyConnection) -> str:
    """Documents with fiche headings or tables that were found but not read as fiches."""
    columns = {r[0] for r in con.execute("describe documents").fetchall()}
    if not {"fiche_headings_rejected", "fiche_tables_rejected"} <= columns:
        return ""  # a dataset published before these counts existed
    rows = _rows(con, """select source_uri, title, fiche_headings_rejected as headings,
                         fiche_tables_rejected as tables from documents
                         where coalesce(is_current, true)
                           and coalesce(fiche_headings_rejected, 0)
                               + coalesce(fiche_tables_rejected, 0) > 0
                         order by source_uri""")
    if not rows:
        return ""
    return ("<h3>Candidats fiches non lus (titres ou tableaux écartés, à vérifier)</h3>"
            + _html_table(["Source", "Titre", "Titres écartés", "Tableaux écartés"],
                          [[_cell(r["source_uri"]), _cell(r["title"]), _cell(r["headings"]),
                            _cell(r["tables"])] for r in rows]))


def _missing_fields(con: duckdb.DuckDBPyConnection, data: _Data,
                    settings: ReportSettings) -> str:
    codes = list(data.labels)
    row_labels, cells = [], []
    for table, column, where in settings.quality_fields:
        types = dict(con.execute("select column_name, data_type from information_schema.columns"
                                 " where table_name = ?", [table]).fetchall())
        if column not in types:
            continue
        empty = f'"{column}" is null' + (f' or len("{column}") = 0'
                                          if types[column].endswith("[]") else "")
        counts = {r["department_code"]: r for r in _rows(
            con, f'select department_code, count(*) as n, count(*) filter (where {empty}) '
                 f'as missing from "{table}" where {where} group by all')}
        if not counts:
            continue
        row_labels.append(f"{TABLE_LABELS[table]} : {column_label(table, column)}")
        cells.append([(None, "–") if code not in counts else
                      (counts[code]["missing"] / counts[code]["n"],
                       f"{counts[code]['missing']}/{counts[code]['n']}") for code in codes])
    if not row_labels:
        return ""
    # one row per département, one column per field: départements read down the page
    columns = list(zip(*cells, strict=True))
    fig = charts.heat_map([data.labels[c] for c in codes], row_labels, columns,
                          colourscale="Reds", style=settings.style,
                          value_title="Manquant")
    return ("<h3>Champs manquants par département</h3><p>Lignes sans valeur (ou avec une "
            "liste vide) sur les lignes du département où le champ s'applique (l'opérateur "
            "et l'échéance : objectifs opérationnels seulement) ; plus la case est foncée, "
            "plus il en manque ; – : aucune ligne.</p>"
            + charts.figure_html(fig, "graphique-manquants"))


# --- HTML --------------------------------------------------------------------------------

_NULL = '<span class="null">–</span>'


def _date_fr(row: dict[str, Any]) -> str:
    """A milestone's date in French at its precision ("10 décembre 2019", "avril 2018")."""
    d, precision = row.get("event_date"), row.get("date_precision")
    if d is None:
        return escape(row.get("date_text") or "") or _NULL
    if precision == "year":
        return str(d.year)
    if precision == "month":
        return _month_fr(d)
    return f"{'1er' if d.day == 1 else d.day} {MONTHS[d.month - 1]} {d.year}"


def _month_fr(d: date) -> str:
    return f"{MONTHS[d.month - 1]} {d.year}"


def _format(media_type: str | None) -> str:
    kinds = {"application/pdf": "PDF", "text/html": "page web", "text/plain": "texte"}
    if media_type and "wordprocessingml" in media_type:
        return "Word"
    return kinds.get(media_type or "", media_type or "?")


def _cell(value: Any) -> str:
    if value is None or value == []:
        return _NULL
    if isinstance(value, bool):
        return "oui" if value else "non"
    if isinstance(value, float):
        return f"{value:.3g}".replace(".", ",")
    if isinstance(value, datetime):
        value = value.astimezone(UTC) if value.tzinfo else value
        return f"{value.day} {MONTHS[value.month - 1]} {value.year} {value:%H:%M}" + \
            (" UTC" if value.tzinfo else "")
    if isinstance(value, date):
        return f"{value.day} {MONTHS[value.month - 1]} {value.year}"
    if isinstance(value, list):
        return escape(" ; ".join(map(str, value)))
    return escape(str(value))


def _html_table(head: list[str], body: list[list[str]],
                attrs: list[dict[str, str]] | None = None, cls: str = "") -> str:
    """A table of already-escaped cells; `attrs` gives each row's data-* attributes (the
    filters act on `data-dept` and `data-prio`)."""
    attrs = attrs or [{}] * len(body)
    heads = "".join(f"<th>{escape(h)}</th>" for h in head)
    rows = "".join(
        "<tr" + "".join(f' data-{k}="{escape(v)}"' for k, v in a.items()) + ">"
        + "".join(f"<td>{c}</td>" for c in cells) + "</tr>"
        for cells, a in zip(body, attrs, strict=False))
    return (f'<table class="{cls}"><thead><tr>{heads}</tr></thead><tbody>{rows}</tbody>'
            "</table>")


def _more(n: int, limit: int) -> str:
    return f'<p class="note">… et {n - limit} autres lignes.</p>' if n > limit else ""


def _section(anchor: str, title: str, body: str) -> str:
    return f'<section id="{anchor}"><h2>{escape(title)}</h2>{body}</section>'


_CSS = """
body{font-family:"DejaVu Sans",Arial,sans-serif;margin:0 auto;max-width:1100px;
padding:16px 24px;color:#222;background:#fff;font-size:14px}
h1{font-size:24px;margin-bottom:4px}h2{border-bottom:2px solid #0072B2;padding-bottom:4px;
margin-top:32px}h3{font-size:15px;margin-top:20px}h4{font-size:13px;margin:8px 0 4px}
nav a{margin-right:12px;color:#0072B2}.meta{color:#555}
table{border-collapse:collapse;font-size:12px;margin:8px 0;width:100%}
th,td{border:1px solid #ddd;padding:3px 6px;text-align:left;vertical-align:top;
overflow-wrap:anywhere}th{background:#f2f5f9;overflow-wrap:normal;hyphens:auto}
tr:nth-child(even) td{background:#fafafa}
table.petit{width:auto}table.fiches td:nth-child(3){min-width:220px}
td:first-child,th:first-child{white-space:nowrap}table.fiches td:nth-child(2){white-space:nowrap}
.null{color:#aaa}.note{color:#666;font-style:italic}.bad{color:#a50f15;font-weight:bold}
.good{color:#006d2c;font-weight:bold}.mono{font-family:"DejaVu Sans Mono",monospace;
font-size:12px}ol.plain{margin:4px 0}details{margin:8px 0}.chart{width:100%}
.filtres{position:sticky;top:0;background:#fff;padding:8px 0;border-bottom:1px solid #ddd;
z-index:10}.filtres label{margin-right:16px}
.carte-dept{border:1px solid #ddd;border-radius:4px;padding:4px 12px;margin:12px 0}
.colonnes{display:flex;gap:24px;flex-wrap:wrap}.colonnes>div{flex:1 1 280px}
.statut{font-weight:bold;color:#0072B2}[hidden]{display:none!important}
"""

# The filters: rows and cards carry data-dept / data-prio; filterable charts carry, per
# point, customdata [département, priority]. Errors are counted on <body data-errors>.
FILTER_SCRIPT = """
window.addEventListener('error', function () {
  document.body.dataset.errors = String(Number(document.body.dataset.errors || 0) + 1);
});
function ptsmFilter() {
  var d = document.getElementById('filtre-departement').value;
  var p = document.getElementById('filtre-priorite').value;
  document.querySelectorAll('[data-dept],[data-prio]').forEach(function (el) {
    var okD = !d || !el.dataset.dept || el.dataset.dept === d;
    var okP = !p || !el.dataset.prio || el.dataset.prio === p;
    el.hidden = !(okD && okP);
  });
  document.querySelectorAll('.chart[data-filter]').forEach(function (gd) {
    if (!gd.data) { return; }
    if (!gd._ptsmAll) { gd._ptsmAll = gd.data.map(function (t) { return Object.assign({}, t); }); }
    var traces = gd._ptsmAll.map(function (t) {
      var keep = (t.customdata || []).map(function (c) {
        return (!d || c[0] === d) && (!p || c[1] === null || String(c[1]) === p);
      });
      var pick = function (a) {
        return Array.isArray(a) ? a.filter(function (_, i) { return keep[i]; }) : a;
      };
      return Object.assign({}, t, {x: pick(t.x), y: pick(t.y), text: pick(t.text),
        hovertext: pick(t.hovertext), customdata: pick(t.customdata)});
    });
    Plotly.react(gd, traces, gd.layout);
  });
}
document.addEventListener('DOMContentLoaded', function () {
  ['filtre-departement', 'filtre-priorite'].forEach(function (id) {
    document.getElementById(id).addEventListener('change', ptsmFilter);
  });
  // a link can carry the filters: report.html#departement=53&priorite=2
  var wanted = new URLSearchParams(location.hash.slice(1));
  if (wanted.has('departement') || wanted.has('priorite')) {
    document.getElementById('filtre-departement').value = wanted.get('departement') || '';
    document.getElementById('filtre-priorite').value = wanted.get('priorite') || '';
    ptsmFilter();
  }
  var charts = document.querySelectorAll('.chart');
  var drawn = Array.prototype.filter.call(charts, function (c) {
    return c.querySelector('.main-svg');
  });
  document.body.dataset.charts = drawn.length + '/' + charts.length;
});
"""


def _page(out: Path, manifest: dict[str, Any], data: _Data, sections: list[str]) -> str:
    counts = manifest.get("tables", {})
    summary = ", ".join(f"{TABLE_LABELS.get(t, t)} : {n}"
                        for t, n in counts.items() if n)
    nav = "".join(f'<a href="#{a}">{t}</a>' for a, t in [
        ("carte", "Carte"), ("synthese", "Synthèse"), ("departements", "Départements"),
        ("priorites", "Priorités"), ("etapes", "Étapes"), ("partenaires", "Partenaires"),
        ("fiches", "Fiches actions"), ("nouveautes", "Nouveautés"), ("qualite", "Qualité")]
        if f'id="{a}"' in "".join(sections))
    depts = "".join(f'<option value="{escape(c)}">{escape(label)}</option>'
                    for c, label in data.labels.items())
    prios = "".join(f'<option value="{p}">{p}. {escape(PRIORITY_SHORT_LABELS[p])}</option>'
                    for p in PRIORITIES)
    now = datetime.now(UTC)
    run = manifest.get("run_id", "")
    return (
        '<!DOCTYPE html><html lang="fr"><head><meta charset="utf-8">'
        '<meta name="viewport" content="width=device-width, initial-scale=1">'
        "<title>PTSM — comparaison des départements</title>"
        f"<style>{_CSS}</style><script>{charts.plotly_js()}</script>"
        f"<script>{FILTER_SCRIPT}</script></head><body>"
        "<h1>Projets territoriaux de santé mentale — comparaison des départements</h1>"
        f'<p class="meta">Jeu de données <code>{escape(out.name)}</code>'
        f"{f' (publication {escape(str(run))})' if run else ''}, version de schéma "
        f"{escape(str(manifest.get('schema_version', SCHEMA_VERSION)))} ; "
        f"{escape(summary) or 'aucune ligne'}. Rapport produit le {_cell(now)}.</p>"
        '<div class="filtres"><label>Département : <select id="filtre-departement">'
        f'<option value="">Tous les départements</option>{depts}</select></label>'
        '<label>Priorité : <select id="filtre-priorite"><option value="">Toutes les '
        f'priorités</option>{prios}<option value="inconnue">{PRIORITY_UNKNOWN_LABEL}'
        "</option></select></label></div>"
        f"<nav>{nav}</nav>" + "".join(sections) + "</body></html>"
    )

