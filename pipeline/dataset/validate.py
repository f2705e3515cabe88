"""Check a published dataset against its contract and say exactly what is wrong and where.

Checks, table by table: the folder and manifest exist; every contract column is present
with a compatible type; required columns have no nulls; keys are unique; foreign keys
resolve; controlled vocabularies are respected; département codes are INSEE codes;
dates, timestamps and years lie in range. The rules themselves live in
`schemas.constraints` (shared with the data dictionary).

    problems = validate_dataset(Path("data/curated"))
    for p in problems: print(p)          # fiches.doc_id row 3 [f-53-01] (file ...): ...
"""

from __future__ import annotations

import json
from collections.abc import Iterable, Iterator
from dataclasses import dataclass, field
from datetime import date, datetime
from pathlib import Path

import pyarrow as pa
import pyarrow.compute as pc
import pyarrow.dataset as ds

from schemas.constraints import (
    DEPARTMENT_CODE_PATTERN,
    FOREIGN_KEYS,
    MAX_YEAR,
    MIN_YEAR,
    PRIMARY_KEYS,
    ROW_LABELS,
    VOCABULARY_COLUMNS,
    YEAR_COLUMNS,
)
from schemas.tables import SCHEMA_VERSION, SCHEMAS, TABLES, is_partitioned

MANIFEST = "_manifest.json"


@dataclass(frozen=True)
class Problem:
    """One thing wrong with the dataset.

    `row` is the 0-based position of the row in the table as read by
    `pipeline.dataset.publish.read_table` or `pandas.read_parquet(<out>/<table>)`; `file` is the
    Parquet file holding it (relative to the dataset folder) and `file_row` its position
    there. `column`, `row` and `key` are None for problems of a whole table or column.
    """

    table: str
    column: str | None
    row: int | None
    key: str | None
    message: str
    file: str | None = None
    file_row: int | None = None

    def __str__(self) -> str:
        where = self.table + (f".{self.column}" if self.column else "")
        if self.row is not None:
            where += f" row {self.row}"
        if self.key:
            where += f" [{self.key}]"
        if self.file:
            where += f" ({self.file}" + (f", row {self.file_row})" if self.file_row is not None
                                         else ")")
        return f"{where}: {self.message}"


@dataclass(frozen=True)
class ValidationSettings:
    """Limits of the validator."""

    min_year: int = MIN_YEAR  # earliest year accepted in date, timestamp and year columns
    max_year: int = MAX_YEAR  # latest year accepted
    max_rows_per_check: int = 20  # rows listed per (table, column, check); the rest counted


@dataclass
class _Loaded:
    """A table read back with, for each row, the file it came from and its row there."""

    table: pa.Table
    files: list[str] = field(default_factory=list)
    file_rows: list[int] = field(default_factory=list)


def validate_dataset(out: Path, settings: ValidationSettings | None = None) -> list[Problem]:
    """Every problem of the dataset published under `out`; an empty list means valid."""
    settings = settings or ValidationSettings()
    out = Path(out)
    if not out.is_dir():
        return [Problem("*", None, None, None, f"dataset folder {out} does not exist; "
                        "run `ptsm run` first or pass --out")]
    problems = list(_check_manifest(out))
    loaded: dict[str, _Loaded] = {}
    for name in TABLES:
        table_problems, data = _load(out, name)
        problems += table_problems
        if data is not None:
            loaded[name] = data
            problems += _check_table(name, data, settings)
    problems += _check_foreign_keys(loaded, settings)
    return problems


def format_problems(problems: Iterable[Problem]) -> str:
    """A readable report: one line per problem, or 'valid'."""
    lines = [str(p) for p in problems]
    return "\n".join(lines) if lines else "valid: no problem found"


# --- loading -----------------------------------------------------------------------------


def _check_manifest(out: Path) -> Iterator[Problem]:
    path = out / MANIFEST
    if not path.is_file():
        yield Problem(MANIFEST, None, None, None, f"{path} is missing (publish writes it)")
        return
    try:
        manifest = json.loads(path.read_text(encoding="utf-8"))
    except (OSError, json.JSONDecodeError) as exc:
        yield Problem(MANIFEST, None, None, None, f"cannot read {path}: {exc}")
        return
    version = str(manifest.get("schema_version", ""))
    if version != SCHEMA_VERSION:
        yield Problem(MANIFEST, "schema_version", None, None,
                      f"schema_version is {version!r}, this code reads {SCHEMA_VERSION!r}")


def _load(out: Path, name: str) -> tuple[list[Problem], _Loaded | None]:
    folder = out / name
    if not folder.is_dir():
        return [Problem(name, None, None, None, f"table folder {folder} is missing")], None
    try:
        dataset = ds.dataset(folder, format="parquet",
                             partitioning="hive" if is_partitioned(name) else None)
        data = _Loaded(pa.table({}))
        parts = []
        for fragment in dataset.get_fragments():
            part = fragment.to_table(schema=dataset.schema)
            parts.append(part)
            rel = str(Path(fragment.path).relative_to(out))
            data.files += [rel] * part.num_rows
            data.file_rows += range(part.num_rows)
    except (OSError, pa.ArrowException) as exc:
        return [Problem(name, None, None, None, f"cannot read {folder}: {exc}")], None
    data.table = (pa.concat_tables(parts) if parts else dataset.schema.empty_table())
    return [], data


# --- per-table checks --------------------------------------------------------------------


def _check_table(name: str, data: _Loaded, settings: ValidationSettings) -> list[Problem]:
    problems = list(_check_schema(name, data.table))
    present = set(data.table.column_names)
    contract = SCHEMAS[name]
    for f in contract:
        if f.name not in present:
            continue
        column = data.table.column(f.name)
        if not f.nullable:
            mask = pc.is_null(column)
            problems += _rows(name, f.name, data, mask, settings,
                              lambda _v: "is null but the contract requires a value")
        problems += _check_range(name, f.name, data, column, settings)
    key = PRIMARY_KEYS.get(name)
    if key in present:
        problems += _check_unique(name, key, data, settings)
    for (table, column), allowed in VOCABULARY_COLUMNS.items():
        if table == name and column in present and _compatible(
                SCHEMAS[name].field(column).type, data.table.schema.field(column).type):
            mask = pc.invert(pc.is_in(data.table.column(column), pa.array(allowed)))
            mask = pc.and_(mask, pc.is_valid(data.table.column(column)))
            shown = ", ".join(map(str, allowed))
            problems += _rows(name, column, data, mask, settings,
                              lambda v, shown=shown: f"{v!r} is not in the vocabulary ({shown})")
    if "department_code" in present:
        codes = pc.cast(data.table.column("department_code"), pa.string())
        mask = pc.invert(pc.match_substring_regex(codes, DEPARTMENT_CODE_PATTERN))
        problems += _rows(name, "department_code", data, mask, settings,
                          lambda v: f"{v!r} is not an INSEE département code or __unknown__")
    return problems


def _check_schema(name: str, table: pa.Table) -> Iterator[Problem]:
    actual = table.schema
    for f in SCHEMAS[name]:
        if f.name not in actual.names:
            yield Problem(name, f.name, None, None,
                          f"column is missing (contract type {f.type})")
        elif not _compatible(f.type, actual.field(f.name).type):
            yield Problem(name, f.name, None, None,
                          f"type {actual.field(f.name).type} is not compatible with the "
                          f"contract type {f.type}")


def _normalise(t: pa.DataType) -> str:
    """A coarse type family: what a reader of the column can rely on."""
    if pa.types.is_dictionary(t):
        return _normalise(t.value_type)
    if pa.types.is_string(t) or pa.types.is_large_string(t) or pa.types.is_string_view(t):
        return "string"
    if pa.types.is_integer(t):
        return "integer"
    if pa.types.is_floating(t):
        return "float"
    if pa.types.is_timestamp(t):
        return f"timestamp[{t.tz is not None}]"
    if pa.types.is_date(t):
        return "date"
    if pa.types.is_list(t) or pa.types.is_large_list(t):
        return f"list<{_normalise(t.value_type)}>"
    return str(t)


def _compatible(expected: pa.DataType, actual: pa.DataType) -> bool:
    return pa.types.is_null(actual) or _normalise(expected) == _normalise(actual)


def _check_unique(name: str, key: str, data: _Loaded, settings: ValidationSettings
                  ) -> list[Problem]:
    first: dict[object, int] = {}
    flags = []
    for i, value in enumerate(data.table.column(key).to_pylist()):
        flags.append(value is not None and value in first)
        first.setdefault(value, i)
    return _rows(name, key, data, pa.array(flags, pa.bool_()), settings,
                 lambda v: f"duplicate key {v!r} (first seen at row {first[v]})")


def _check_range(name: str, column: str, data: _Loaded, values: pa.ChunkedArray,
                 settings: ValidationSettings) -> list[Problem]:
    t = values.type
    is_year = (name, column) in YEAR_COLUMNS
    if not (pa.types.is_date(t) or pa.types.is_timestamp(t) or is_year):
        return []
    years = values if is_year else pc.year(values)
    mask = pc.or_(pc.less(years, settings.min_year), pc.greater(years, settings.max_year))
    mask = pc.fill_null(mask, False)
    span = f"{settings.min_year}..{settings.max_year}"
    return _rows(name, column, data, mask, settings,
                 lambda v: f"{_show(v)} is outside the accepted years {span}")


# --- foreign keys ------------------------------------------------------------------------


def _check_foreign_keys(loaded: dict[str, _Loaded], settings: ValidationSettings
                        ) -> list[Problem]:
    problems: list[Problem] = []
    for fk in FOREIGN_KEYS:
        child, parent = loaded.get(fk.table), loaded.get(fk.ref_table)
        if child is None or parent is None:
            continue  # a missing table is reported once, by _load
        if fk.column not in child.table.column_names or \
                fk.ref_column not in parent.table.column_names:
            continue  # reported by the schema check
        refs = parent.table.column(fk.ref_column).drop_null().unique()
        column = child.table.column(fk.column)
        mask = pc.and_(pc.is_valid(column), pc.invert(pc.is_in(column, refs)))
        target = f"{fk.ref_table}.{fk.ref_column}"
        problems += _rows(fk.table, fk.column, child, mask, settings,
                          lambda v, target=target: f"{v!r} not found in {target}")
    return problems


# --- reporting ---------------------------------------------------------------------------


def _rows(name: str, column: str, data: _Loaded, mask: pa.Array | pa.ChunkedArray,
          settings: ValidationSettings, describe) -> list[Problem]:
    """One Problem per flagged row (at most `max_rows_per_check`, then a count)."""
    indices = pc.indices_nonzero(pc.fill_null(mask, False)).to_pylist()
    if not indices:
        return []
    values = data.table.column(column)
    problems = [
        Problem(name, column, i, _row_key(name, data.table, i),
                describe(values[i].as_py()), data.files[i], data.file_rows[i])
        for i in indices[: settings.max_rows_per_check]
    ]
    if len(indices) > settings.max_rows_per_check:
        rest = len(indices) - settings.max_rows_per_check
        problems.append(Problem(name, column, None, None,
                                f"... and {rest} more row(s) with the same problem"))
    return problems


def _row_key(name: str, table: pa.Table, i: int) -> str | None:
    columns = (PRIMARY_KEYS[name],) if name in PRIMARY_KEYS else ROW_LABELS.get(name, ())
    parts = [str(table.column(c)[i].as_py()) for c in columns if c in table.column_names]
    return "/".join(parts) or None


def _show(value: object) -> str:
    if isinstance(value, datetime | date):
        return value.isoformat()
    return repr(value)

