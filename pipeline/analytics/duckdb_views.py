"""A DuckDB database next to the dataset: every table, the vocabularies with their French
labels, and ready analyst views.

    path = build_duckdb(Path("data/curated"))      # -> data/curated/ptsm.duckdb
    duckdb.connect(str(path), read_only=True).sql("from fiches_per_priority")

`ptsm.duckdb` holds a copy of every table (DuckDB compresses it; each published snapshot
has its own database): it needs no path to the Parquet files, so a copied or moved
dataset, or the database file alone, answers every view from any working directory.
`create_views(con, out)` builds the same views over the Parquet files instead (the report
uses it in memory). `_ptsm_meta` tells which folder a database was built from.

Every count follows the one-plan rule (`pipeline.analytics.plans`): fiches, milestones and partners
are read from each plan's primary document (`documents.is_primary`), the same rule as
`ptsm_profiles`, so the views, the profiles and the report agree.
"""

from __future__ import annotations

import os
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path

import duckdb
import pyarrow as pa

from schemas.tables import SCHEMA_VERSION, SCHEMAS, TABLES, is_partitioned
from schemas.vocabularies import (
    EVENT_LABELS,
    EVENT_TYPES,
    METRICS,
    PRIORITIES,
    PRIORITY_SHORT_LABELS,
    UNKNOWN_DEPARTMENT,
    UNKNOWN_DEPARTMENT_LABEL,
)

DUCKDB_FILE = "ptsm.duckdb"

# How far a PTSM went: the furthest milestone reached (other_milestone says nothing).
STAGE_RANKS: dict[str, int] = {
    "mission_assigned": 1, "diagnostic_launched": 2, "diagnostic_approved": 3,
    "roadmap_adopted": 4, "submitted_to_ars": 5, "opinion_local": 6, "opinion_cts": 6,
    "opinion_cssm": 6, "ptsm_approved": 7, "contract_signed": 8, "other_milestone": 0,
}
NO_STAGE_LABEL = "Aucune étape datée"

_PRIMARY_DOCS = """
    select doc_id from documents
    where coalesce(is_current, true) and status <> 'failed' and coalesce(is_primary, true)
"""

# Ready analyst views: name -> (French description, SQL body). They read only the tables.
ANALYST_VIEWS: dict[str, tuple[str, str]] = {
    "departments": (
        "Un département par ligne présent dans le jeu de données, avec son nom et sa région.",
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
                             then '{UNKNOWN_DEPARTMENT_LABEL}' else c.department_code end)
                   as department_name,
               p.region
        from codes c
        left join ptsm_profiles p using (department_code)
        left join names n using (department_code)
        order by c.department_code = '{UNKNOWN_DEPARTMENT}', c.department_code
        """,
    ),
    "plans": (
        "Un plan par ligne : ses documents courants (formats, copies), son document "
        "principal, celui que comptent toutes les vues.",
        """
        select d.department_code, coalesce(d.plan_id, d.doc_id) as plan_id,
               count(*) as n_documents,
               count(*) - 1 as n_duplicates,
               max(case when coalesce(d.is_primary, true) then d.title end) as title,
               list(d.doc_id order by coalesce(d.is_primary, true) desc, d.doc_id)
                   as doc_ids,
               list(d.media_type order by coalesce(d.is_primary, true) desc, d.doc_id)
                   as media_types
        from documents d
        where coalesce(d.is_current, true) and d.status <> 'failed'
        group by all
        order by d.department_code, plan_id
        """,
    ),
    "current_fiches": (
        "Fiches actions du document principal de chaque plan : un PTSM publié en PDF et "
        "en Word, ou copié plusieurs fois, compte une fois.",
        f"select f.* from fiches f where f.doc_id in ({_PRIMARY_DOCS})",
    ),
    "fiches_per_priority": (
        "Nombre de fiches actions par département et priorité du décret (priorité nulle "
        "= inconnue).",
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
        "Chaque département x priorité 1 à 6 : ses fiches, leur part parmi les fiches de "
        "priorité connue du département, et si la priorité est couverte.",
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
    "fiche_overview": (
        "Une fiche action par ligne (document principal de chaque plan) : numéro, titre, "
        "priorité, pilotes, partenaires et échéances de ses objectifs opérationnels.",
        """
        with due as (
            select fiche_id, min(echeance_start) as echeance_start,
                   max(echeance_end) as echeance_end,
                   list(distinct echeance_text order by echeance_text)
                       filter (where echeance_text is not null) as echeances
            from fiche_objectives group by fiche_id
        )
        select f.department_code, d.department_name, f.fiche_id, f.doc_id, f.number,
               f.number_label, f.title, f.priority, p.short_label as priority_label,
               f.pilotes, f.partenaires, due.echeance_start, due.echeance_end,
               coalesce(due.echeances, []) as echeances, f.page_start
        from current_fiches f
        join departments d using (department_code)
        left join priorities p using (priority)
        left join due using (fiche_id)
        order by f.department_code, f.number nulls last, f.fiche_id
        """,
    ),
    "milestones_timeline": (
        "Étapes de gouvernance des plans, une par département, type et date (une étape "
        "citée par plusieurs documents compte une fois), dans l'ordre des dates.",
        f"""
        with e as (
            select e.*, row_number() over (
                partition by e.department_code, e.event_type,
                             coalesce(cast(e.event_date as varchar), e.date_text, '')
                order by e.date_precision = 'day' desc, e.doc_id, e.event_id) as _rank,
                count(*) over (
                partition by e.department_code, e.event_type,
                             coalesce(cast(e.event_date as varchar), e.date_text, ''))
                    as n_statements
            from governance_events e where e.doc_id in ({_PRIMARY_DOCS})
        )
        select e.department_code, d.department_name, e.event_date, e.date_precision,
               e.event_type, t.label as event_label, t.stage_rank, e.date_text, e.actor,
               e.reference, e.evidence, e.n_statements, e.doc_id, e.event_id
        from e
        join departments d using (department_code)
        left join event_types t using (event_type)
        where e._rank = 1
        order by e.department_code, e.event_date nulls last, t.stage_rank, e.event_type
        """,
    ),
    "partner_organisations": (
        "Organismes partenaires cités par les fiches (formulation exacte, sans espaces "
        "autour), avec le nombre de fiches et de départements qui les citent.",
        """
        with p as (
            select department_code, fiche_id, trim(unnest(partenaires)) as organisation
            from current_fiches
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
        "Un département par ligne : documents, plans, fiches, étapes, étape la plus "
        "avancée (statut du PTSM), période.",
        f"""
        with docs as (
            select department_code, count(*) as n_documents,
                   count(distinct coalesce(plan_id, doc_id)) as n_plans
            from documents
            where coalesce(is_current, true) and status <> 'failed' group by all
        ), fiches as (
            select department_code, count(*) as n_fiches from current_fiches group by all
        ), milestones as (
            select department_code, count(*) as n_milestones,
                   min(event_date) as first_milestone, max(event_date) as last_milestone,
                   arg_max(event_type, stage_rank * 100000
                           + coalesce(epoch(event_date) / 86400, 0))
                       filter (where stage_rank > 0) as stage
            from milestones_timeline group by all
        )
        select d.department_code, d.department_name, d.region,
               coalesce(x.n_documents, 0) as n_documents, coalesce(x.n_plans, 0) as n_plans,
               coalesce(x.n_documents, 0) - coalesce(x.n_plans, 0) as n_duplicates,
               coalesce(f.n_fiches, 0) as n_fiches,
               coalesce(m.n_milestones, 0) as n_milestones,
               m.first_milestone, m.last_milestone, m.stage,
               coalesce(t.label, '{NO_STAGE_LABEL}') as stage_label,
               p.period_start_year, p.period_end_year
        from departments d
        left join docs x using (department_code)
        left join fiches f using (department_code)
        left join milestones m using (department_code)
        left join event_types t on t.event_type = m.stage
        left join ptsm_profiles p using (department_code)
        order by d.department_code = '{UNKNOWN_DEPARTMENT}', d.department_code
        """,
    ),
    "data_quality_issues": (
        "Documents lus en partie ou illisibles et entrées mises en quarantaine, avec ce qui "
        "n'a pas fonctionné.",
        """
        select case status when 'partial' then 'document lu en partie'
                           else 'document illisible' end as issue,
               department_code, source_uri,
               coalesce(error, '') as message, ingested_at as seen_at
        from documents where status <> 'ok'
        union all
        select 'quarantaine (étape ' || stage || ', ' || error_type || ')', null, source_uri,
               coalesce(message, ''), seen_at
        from quarantine
        order by issue, source_uri
        """,
    ),
}


@dataclass(frozen=True)
class DuckDBSettings:
    """Where the database goes."""

    filename: str = DUCKDB_FILE  # written inside the dataset folder


def table_view_sql(out: Path, table: str, present: set[str] | None = None) -> str:
    """SELECT over the table's Parquet files (absolute path), contract columns first; a
    contract column missing from the files (an older dataset) reads as null."""
    folder = Path(out).resolve() / table
    pattern = str(folder / ("**/*.parquet" if is_partitioned(table) else "*.parquet"))
    options = ("hive_partitioning = true, hive_types = {'department_code': VARCHAR}"
               if is_partitioned(table) else "hive_partitioning = false")
    schema = SCHEMAS[table]
    present = set(schema.names) if present is None else present
    columns = ", ".join(_quote(f.name) if f.name in present
                        else f"cast(null as {_duck_type(f.type)}) as {_quote(f.name)}"
                        for f in schema)
    extra = ", ".join(_quote(c) for c in schema.names if c in present)
    rest = f", * exclude ({extra})" if extra else ", *"
    return (f"select {columns}{rest} from read_parquet("
            f"{_literal(pattern)}, {options}, union_by_name = true)")


def create_views(con: duckdb.DuckDBPyConnection, out: Path,
                 materialize: bool = False) -> list[str]:
    """Create the vocabularies, one view (or, with `materialize`, one table) per table and
    the analyst views; return their names."""
    _create_vocabularies(con)
    names = []
    kind = "table" if materialize else "view"
    for table in TABLES:
        sql = table_view_sql(out, table, _present_columns(con, out, table))
        con.execute(f"create or replace {kind} {_quote(table)} as {sql}")
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
            views = create_views(con, out, materialize=True)
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


def _present_columns(con: duckdb.DuckDBPyConnection, out: Path, table: str) -> set[str]:
    folder = Path(out).resolve() / table
    pattern = str(folder / ("**/*.parquet" if is_partitioned(table) else "*.parquet"))
    rows = con.execute(f"describe select * from read_parquet({_literal(pattern)}, "
                       f"hive_partitioning = {str(is_partitioned(table)).lower()}, "
                       "union_by_name = true)").fetchall()
    return {r[0] for r in rows}


def _create_vocabularies(con: duckdb.DuckDBPyConnection) -> None:
    con.execute("create or replace table priorities "
                "(priority bigint primary key, short_label varchar, label varchar)")
    con.executemany("insert into priorities values (?, ?, ?)",
                    [(k, PRIORITY_SHORT_LABELS[k], v) for k, v in PRIORITIES.items()])
    con.execute("create or replace table event_types (event_type varchar primary key, "
                "label varchar, stage_rank integer, description varchar)")
    con.executemany("insert into event_types values (?, ?, ?, ?)",
                    [(k, EVENT_LABELS[k], STAGE_RANKS[k], v) for k, v in EVENT_TYPES.items()])
    con.execute("create or replace table metrics (metric varchar primary key, "
                "label varchar)")
    con.executemany("insert into metrics values (?, ?)", list(METRICS.items()))


def _duck_type(t: pa.DataType) -> str:
    if pa.types.is_list(t):
        return f"{_duck_type(t.value_type)}[]"
    if pa.types.is_timestamp(t):
        return "timestamptz" if t.tz else "timestamp"
    return {"string": "varchar", "int64": "bigint", "double": "double", "bool": "boolean",
            "date32[day]": "date"}[str(t)]


def _quote(name: str) -> str:
    return '"' + name.replace('"', '""') + '"'


def _literal(text: str) -> str:
    return "'" + text.replace("'", "''") + "'"
