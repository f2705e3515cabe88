"""A DuckDB database next to the dataset: one view per table over its Parquet files,
the vocabularies as small tables, and ready analyst views.

    path = build_duckdb(Path("data/curated"))      # -> data/curated/ptsm.duckdb
    duckdb.connect(str(path), read_only=True).sql("from fiches_per_priority")

The database holds no data of its own except the vocabularies and `_ptsm_meta`: views read
the Parquet files at query time, so a new `ptsm run` is visible without rebuilding.
Paths in the views are absolute (a BI tool can open the file from any working directory);
after moving or copying the dataset folder, call `build_duckdb` again (it takes
milliseconds). `_ptsm_meta.dataset_path` tells which folder a database reads.
"""

from __future__ import annotations

import os
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path

import duckdb

from schemas.tables import SCHEMA_VERSION, SCHEMAS, TABLES, is_partitioned
from schemas.vocabularies import EVENT_TYPES, METRICS, PRIORITIES, UNKNOWN_DEPARTMENT

DUCKDB_FILE = "ptsm.duckdb"

# Short labels for charts and pivot tables (the full wording is in schemas.vocabularies).
PRIORITY_SHORT_LABELS: dict[int, str] = {
    1: "Repérage précoce, diagnostic, accès aux soins",
    2: "Parcours sans rupture, rétablissement, inclusion",
    3: "Soins somatiques",
    4: "Crise et urgence",
    5: "Droits, pouvoir d'agir, déstigmatisation",
    6: "Déterminants sociaux, environnementaux, territoriaux",
}
EVENT_SHORT_LABELS: dict[str, str] = {
    "diagnostic_launched": "Diagnosis launched",
    "diagnostic_approved": "Diagnosis approved",
    "roadmap_adopted": "Roadmap adopted",
    "submitted_to_ars": "Submitted to the ARS",
    "opinion_cssm": "CSSM opinion",
    "opinion_cts": "CTS opinion",
    "opinion_local": "Local opinion (CLS, CLSM)",
    "ptsm_approved": "PTSM approved",
    "contract_signed": "Contract signed",
    "mission_assigned": "Mission assigned",
    "other_milestone": "Other milestone",
}

# Ready analyst views: name -> (description, SQL body). They read only the table views.
ANALYST_VIEWS: dict[str, tuple[str, str]] = {
    "departments": (
        "One row per département present in the dataset, with its name and région.",
        f"""
        with codes as (
            select department_code from documents
            union select department_code from ptsm_profiles
            union select department_code from fiches
            union select department_code from governance_events
        ), names as (
            select department_code, max(department_name) as department_name
            from documents group by all
        )
        select c.department_code,
               coalesce(p.department_name, n.department_name,
                        case when c.department_code = '{UNKNOWN_DEPARTMENT}'
                             then 'Unknown département' else c.department_code end)
                   as department_name,
               p.region
        from codes c
        left join ptsm_profiles p using (department_code)
        left join names n using (department_code)
        order by c.department_code = '{UNKNOWN_DEPARTMENT}', c.department_code
        """,
    ),
    "current_fiches": (
        "Fiches actions of the current document versions, one per département and fiche "
        "number: a PTSM published both as PDF and DOCX counts once.",
        """
        select * exclude (_rank) from (
            select f.*, row_number() over (
                partition by f.department_code, coalesce(cast(f.number as varchar), f.fiche_id)
                order by f.doc_id) as _rank
            from fiches f join documents doc on doc.doc_id = f.doc_id
            where coalesce(doc.is_current, true)
        ) where _rank = 1
        """,
    ),
    "fiches_per_priority": (
        "Number of fiches actions per département and décret priority (priority null = "
        "unknown).",
        """
        select f.department_code, d.department_name, f.priority, p.short_label,
               count(*) as n_fiches
        from current_fiches f
        join departments d using (department_code)
        left join priorities p using (priority)
        group by all
        order by f.department_code, f.priority nulls last
        """,
    ),
    "priority_coverage": (
        "Every département x priority 1-6 with its fiches, its share of the département's "
        "fiches of known priority, and whether the priority is covered at all.",
        """
        with counts as (
            select department_code, priority, count(*) as n_fiches
            from current_fiches where priority is not null group by all
        ), grid as (
            select d.department_code, d.department_name, p.priority, p.short_label
            from departments d cross join priorities p
            where d.department_code in (select department_code from current_fiches)
        )
        select g.*, coalesce(c.n_fiches, 0) as n_fiches,
               coalesce(c.n_fiches, 0) / nullif(sum(coalesce(c.n_fiches, 0))
                   over (partition by g.department_code), 0) as share,
               coalesce(c.n_fiches, 0) > 0 as covered
        from grid g left join counts c using (department_code, priority)
        order by g.department_code, g.priority
        """,
    ),
    "milestones_timeline": (
        "Dated governance milestones per département, in date order.",
        """
        select e.department_code, d.department_name, e.event_date, e.date_precision,
               e.event_type, t.short_label as event_label, e.date_text, e.actor,
               e.reference, e.evidence, e.doc_id, e.event_id
        from governance_events e
        join departments d using (department_code)
        left join event_types t using (event_type)
        order by e.department_code, e.event_date nulls last, e.event_type
        """,
    ),
    "partner_organisations": (
        "Partner organisations named in fiches, with how many fiches and départements "
        "name them (exact wording, trimmed).",
        """
        with p as (
            select department_code, fiche_id, trim(unnest(partenaires)) as organisation
            from fiches
        )
        select organisation, count(distinct fiche_id) as n_fiches,
               count(distinct department_code) as n_departments,
               list(distinct department_code order by department_code) as department_codes
        from p where organisation <> ''
        group by organisation
        order by n_fiches desc, n_departments desc, organisation
        """,
    ),
    "department_overview": (
        "One row per département: documents, passages, fiches, milestones, period.",
        f"""
        select d.department_code, d.department_name, d.region,
               (select count(*) from documents x where x.department_code = d.department_code)
                   as n_documents,
               (select count(*) from passages x where x.department_code = d.department_code)
                   as n_passages,
               (select count(*) from fiches x where x.department_code = d.department_code)
                   as n_fiches,
               (select count(*) from governance_events x
                where x.department_code = d.department_code) as n_milestones,
               (select min(event_date) from governance_events x
                where x.department_code = d.department_code) as first_milestone,
               (select max(event_date) from governance_events x
                where x.department_code = d.department_code) as last_milestone,
               p.period_start_year, p.period_end_year
        from departments d left join ptsm_profiles p using (department_code)
        order by d.department_code = '{UNKNOWN_DEPARTMENT}', d.department_code
        """,
    ),
    "data_quality_issues": (
        "Documents not fully read and quarantined inputs, with what went wrong.",
        """
        select 'document ' || status as issue, department_code, source_uri,
               coalesce(error, '') as message, ingested_at as seen_at
        from documents where status <> 'ok'
        union all
        select 'quarantined at ' || stage || ' (' || error_type || ')', null, source_uri,
               coalesce(message, ''), seen_at
        from quarantine
        order by issue, source_uri
        """,
    ),
}


@dataclass(frozen=True)
class DuckDBSettings:
    """Where the database goes and how views name the Parquet files."""

    filename: str = DUCKDB_FILE  # written inside the dataset folder


def table_view_sql(out: Path, table: str) -> str:
    """SELECT over the table's Parquet files (absolute path), contract columns first."""
    folder = Path(out).resolve() / table
    pattern = str(folder / ("**/*.parquet" if is_partitioned(table) else "*.parquet"))
    options = ("hive_partitioning = true, hive_types = {'department_code': VARCHAR}"
               if is_partitioned(table) else "hive_partitioning = false")
    columns = ", ".join(_quote(c) for c in SCHEMAS[table].names)
    return (f"select {columns}, * exclude ({columns}) from read_parquet("
            f"{_literal(pattern)}, {options}, union_by_name = true)")


def create_views(con: duckdb.DuckDBPyConnection, out: Path) -> list[str]:
    """Create the vocabularies, one view per table and the analyst views; their names."""
    _create_vocabularies(con)
    names = []
    for table in TABLES:
        con.execute(f"create or replace view {_quote(table)} as {table_view_sql(out, table)}")
        names.append(table)
    for name, (description, body) in ANALYST_VIEWS.items():
        con.execute(f"create or replace view {_quote(name)} as {body}")
        con.execute(f"comment on view {_quote(name)} is {_literal(description)}")
        names.append(name)
    return names


def build_duckdb(out: Path, settings: DuckDBSettings | None = None) -> Path:
    """Write `<out>/ptsm.duckdb` (replacing it atomically) and return its path."""
    settings = settings or DuckDBSettings()
    out = Path(out).resolve()
    target = out / settings.filename
    staging = out / f".{settings.filename}.{os.getpid()}.tmp"
    staging.unlink(missing_ok=True)
    try:
        with duckdb.connect(str(staging)) as con:
            views = create_views(con, out)
            con.execute("create table _ptsm_meta (key varchar primary key, value varchar)")
            con.executemany("insert into _ptsm_meta values (?, ?)", [
                ("dataset_path", str(out)),
                ("schema_version", SCHEMA_VERSION),
                ("built_at", datetime.now(UTC).isoformat(timespec="seconds")),
                ("views", ", ".join(views)),
            ])
        staging.replace(target)
    finally:
        staging.unlink(missing_ok=True)
        Path(f"{staging}.wal").unlink(missing_ok=True)
    return target


def _create_vocabularies(con: duckdb.DuckDBPyConnection) -> None:
    con.execute("create or replace table priorities "
                "(priority bigint primary key, short_label varchar, label varchar)")
    con.executemany("insert into priorities values (?, ?, ?)",
                    [(k, PRIORITY_SHORT_LABELS[k], v) for k, v in PRIORITIES.items()])
    con.execute("create or replace table event_types "
                "(event_type varchar primary key, short_label varchar, description varchar)")
    con.executemany("insert into event_types values (?, ?, ?)",
                    [(k, EVENT_SHORT_LABELS.get(k, k), v) for k, v in EVENT_TYPES.items()])
    con.execute("create or replace table metrics (metric varchar primary key, "
                "description varchar)")
    con.executemany("insert into metrics values (?, ?)", list(METRICS.items()))


def _quote(name: str) -> str:
    return '"' + name.replace('"', '""') + '"'


def _literal(text: str) -> str:
    return "'" + text.replace("'", "''") + "'"
