"""Generate docs/data-dictionary.md from the schemas, vocabularies and integrity rules.

Both languages: every column and vocabulary value has its French label (what people read
in the report and exports, `schemas.labels`, `schemas.vocabularies`) beside its English
description (for developers); codes and column names are the same in both.

    python -m pipeline.analytics.dictionary            # rewrite docs/data-dictionary.md
    python -m pipeline.analytics.dictionary --check    # exit 1 when the file is stale

The file is never edited by hand: tests/test_data_dictionary.py regenerates it and fails
when it differs, so the dictionary cannot drift from the code.
"""

from __future__ import annotations

import sys
from pathlib import Path

import pyarrow as pa

from schemas.constraints import (
    DEPARTMENT_CODE_PATTERN,
    FOREIGN_KEYS,
    MAX_YEAR,
    MIN_YEAR,
    PRIMARY_KEYS,
    VOCABULARY_COLUMNS,
    YEAR_COLUMNS,
)
from schemas.labels import TABLE_LABELS, column_label
from schemas.tables import SCHEMA_VERSION, SCHEMAS, TABLES, is_partitioned
from schemas.vocabularies import (
    BLOCK_KIND_LABELS,
    DATE_PRECISION_LABELS,
    DOCUMENT_STATUS_LABELS,
    EVENT_LABELS,
    EVENT_TYPES,
    METRICS,
    OBJECTIVE_KIND_LABELS,
    PRIORITIES,
    PRIORITY_SHORT_LABELS,
    UNKNOWN_DEPARTMENT,
    UNKNOWN_DEPARTMENT_LABEL,
)

DICTIONARY_PATH = Path(__file__).resolve().parents[2] / "docs" / "data-dictionary.md"

_VOCABULARY_ANCHORS = {
    ("documents", "status"): "document-status",
    ("passages", "kind"): "block-kind",
    ("fiches", "priority"): "priority",
    ("fiche_objectives", "kind"): "objective-kind",
    ("governance_events", "event_type"): "event_type",
    ("governance_events", "date_precision"): "date_precision",
    ("facts", "metric"): "metric",
}


def _md(text: object) -> str:
    """Text safe inside a Markdown table cell."""
    text = str(text).replace("\\", "\\\\").replace("|", "\\|").replace("\n", " ")
    return text.replace("<", "&lt;").replace(">", "&gt;")


def _type(t: pa.DataType) -> str:
    if pa.types.is_list(t):
        return f"list<{_type(t.value_type)}>"
    if pa.types.is_timestamp(t):
        return f"timestamp ({t.unit}, {t.tz})" if t.tz else f"timestamp ({t.unit})"
    return {"int64": "int64", "double": "float64", "date32[day]": "date"}.get(str(t), str(t))


def _rules(table: str, column: str) -> list[str]:
    rules = []
    if PRIMARY_KEYS.get(table) == column:
        rules.append("unique key")
    rules += [f"→ [{fk.ref_table}](#{fk.ref_table}).{fk.ref_column}" for fk in FOREIGN_KEYS
              if fk.table == table and fk.column == column]
    if (table, column) in VOCABULARY_COLUMNS:
        anchor = _VOCABULARY_ANCHORS.get((table, column), column)
        rules.append(f"vocabulary [{anchor}](#{anchor})")
    t = SCHEMAS[table].field(column).type
    if pa.types.is_date(t) or pa.types.is_timestamp(t) or (table, column) in YEAR_COLUMNS:
        rules.append(f"years {MIN_YEAR}–{MAX_YEAR}")
    if column == "department_code":
        rules.append("INSEE code")
    return rules


def _table_section(name: str) -> list[str]:
    schema = SCHEMAS[name]
    meta = schema.metadata or {}
    lines = [f"### {name}", "", f"*{TABLE_LABELS[name]}.* {meta.get(b'description', b'').decode()}",
             ""]
    where = (f"`<out>/{name}/department_code=<code>/*.parquet` (hive-partitioned)"
             if is_partitioned(name) else f"`<out>/{name}/*.parquet`")
    key = f" Key: `{PRIMARY_KEYS[name]}`." if name in PRIMARY_KEYS else ""
    lines.append(f"Files: {where}.{key}")
    lines += ["", "| column | libellé | type | required | rules | description |",
              "|---|---|---|---|---|---|"]
    for f in schema:
        description = (f.metadata or {}).get(b"description", b"").decode()
        lines.append(f"| `{f.name}` | {_md(column_label(name, f.name))} | {_md(_type(f.type))}"
                     f" | {'yes' if not f.nullable else ''}"
                     f" | {_md('; '.join(_rules(name, f.name)))} | {_md(description)} |")
    return [*lines, ""]


def _vocabulary(title: str, anchor: str, labels: dict[object, str], used_by: str,
                descriptions: dict[object, str] | None = None) -> list[str]:
    """A vocabulary: value, French label (what people read), English description."""
    lines = [f'<a id="{anchor}"></a>', "", f"### {title}", "", f"Used by {used_by}.", ""]
    if descriptions:
        lines += ["| value | libellé | description |", "|---|---|---|"]
        lines += [f"| `{k}` | {_md(v)} | {_md(descriptions.get(k, ''))} |"
                  for k, v in labels.items()]
    else:
        lines += ["| value | libellé |", "|---|---|"]
        lines += [f"| `{k}` | {_md(v)} |" for k, v in labels.items()]
    return [*lines, ""]


def _analyst_views() -> list[str]:
    from pipeline.analytics.duckdb_views import ANALYST_VIEWS, DUCKDB_FILE

    lines = ["## DuckDB database", "",
             f"`<out>/{DUCKDB_FILE}` (written by "
             "`pipeline.analytics.duckdb_views.build_duckdb`) holds a copy of every table "
             "above (so a copied or moved dataset, or the file alone, answers every view), "
             "the vocabularies with their French labels as tables "
             "(`priorities`, `event_types`, `metrics`), `_ptsm_meta` (dataset path, schema "
             "version) and these analyst views (descriptions in French, as in the database's "
             "comments). Every count follows the one-plan rule: fiches, milestones and "
             "partners are read from each plan's primary document (`documents.is_primary`), "
             "as in `ptsm_profiles`.", "", "| view | content |", "|---|---|"]
    lines += [f"| `{name}` | {_md(doc)} |" for name, (doc, _) in ANALYST_VIEWS.items()]
    return [*lines, ""]


def render_dictionary() -> str:
    """The Markdown data dictionary of the current schemas."""
    lines = [
        "# PTSM dataset — data dictionary", "",
        "<!-- Generated by `python -m pipeline.analytics.dictionary` from schemas/tables.py, "
        "schemas/labels.py, schemas/vocabularies.py and schemas/constraints.py. Do not edit "
        "by hand. -->", "",
        f"Schema version: **{SCHEMA_VERSION}**.", "",
        "Every table is a Parquet dataset folder `<out>/<table>/`, readable with "
        "`pandas.read_parquet(path)`, `pyarrow.dataset.dataset(path, partitioning=\"hive\")` "
        "or DuckDB `read_parquet('<out>/<table>/**/*.parquet', hive_partitioning = true)`. "
        "Partitioned tables are split by `department_code` (a string: `'01'` stays `'01'`; "
        f"`{UNKNOWN_DEPARTMENT}` when the département is unknown, shown as "
        f"« {UNKNOWN_DEPARTMENT_LABEL} »). IDs are deterministic. "
        "A date known only to the month or year is stored at its first day, with its "
        "precision. `required` columns are never null.", "",
        "## Tables", "",
        "Column names and codes are for machines and the same in both languages; what a "
        "person reads (report, exports) is the French *libellé* given beside each of them.",
        "",
        "| table | libellé | one row per |", "|---|---|---|",
    ]
    for name in TABLES:
        description = (SCHEMAS[name].metadata or {}).get(b"description", b"").decode()
        lines.append(f"| [{name}](#{name}) | {_md(TABLE_LABELS[name])} | {_md(description)} |")
    lines.append("")
    for name in TABLES:
        lines += _table_section(name)
    lines += ["## Vocabularies", ""]
    lines += _vocabulary("priority", "priority", dict(PRIORITIES),
                         "`fiches.priority` (décret n° 2017-1200 du 27 juillet 2017, "
                         "art. R3224-5 to R3224-10); null when unknown; short labels for "
                         "charts: " + "; ".join(f"{k}. {v}" for k, v in
                                                PRIORITY_SHORT_LABELS.items()))
    lines += _vocabulary("event_type", "event_type", EVENT_LABELS,
                         "`governance_events.event_type`", EVENT_TYPES)
    lines += _vocabulary("metric", "metric", METRICS, "`facts.metric`")
    lines += _vocabulary("document status", "document-status", DOCUMENT_STATUS_LABELS,
                         "`documents.status`")
    lines += _vocabulary("date_precision", "date_precision", DATE_PRECISION_LABELS,
                         "`governance_events.date_precision`")
    lines += _vocabulary("objective kind", "objective-kind", OBJECTIVE_KIND_LABELS,
                         "`fiche_objectives.kind`")
    lines += _vocabulary("block kind", "block-kind", BLOCK_KIND_LABELS, "`passages.kind`")
    lines += [
        "## Integrity rules", "",
        "Checked by `ptsm validate` (`pipeline.dataset.validate.validate_dataset`).", "",
        "- Every column above is present with a compatible type; required columns have no "
        "null.",
        "- Unique keys: " + ", ".join(f"`{t}.{c}`" for t, c in PRIMARY_KEYS.items()) + ".",
        "- Foreign keys (null values allowed): "
        + "; ".join(f"`{fk.table}.{fk.column}` → `{fk.ref_table}.{fk.ref_column}`"
                    for fk in FOREIGN_KEYS) + ".",
        "- Controlled columns take their values from the vocabularies above.",
        f"- `department_code` matches `{DEPARTMENT_CODE_PATTERN}`.",
        f"- Dates, timestamps and year columns lie within {MIN_YEAR}–{MAX_YEAR}.", "",
    ]
    lines += _analyst_views()
    return "\n".join(lines).rstrip() + "\n"


def write_dictionary(path: Path = DICTIONARY_PATH) -> Path:
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(render_dictionary(), encoding="utf-8")
    return path


if __name__ == "__main__":
    if "--check" in sys.argv[1:]:
        stale = not DICTIONARY_PATH.is_file() or \
            DICTIONARY_PATH.read_text(encoding="utf-8") != render_dictionary()
        print(f"{DICTIONARY_PATH} is {'stale' if stale else 'up to date'}")
        sys.exit(1 if stale else 0)
    print(f"wrote {write_dictionary()}")
