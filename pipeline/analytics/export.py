"""Export the published dataset for spreadsheets: CSV per table or one XLSX workbook.

    export_dataset(out, "csv", sep=";")   # -> data/exports/csv/<table>.csv
    export_dataset(out, "xlsx")           # -> data/exports/ptsm.xlsx, one sheet per table

Exports (and the report) go to `exports_dir(out)`, next to the dataset and outside its
snapshots (`data/curated` → `data/exports/`): a later run neither hides nor deletes them.
Column names stay as published; the French label of every column is in the
`dictionnaire` sheet (XLSX) or `dictionnaire.csv`.

CSV files are UTF-8 with a BOM (French Excel detects the encoding and keeps accents);
with `sep=";"` (what French Excel expects on double-click) decimals are written with a
comma. Dates and timestamps are ISO 8601; list columns are joined with " | ".
XLSX: one sheet per table in contract order, header row frozen, real date cells,
timestamps as naive UTC (Excel has no time zones), lists joined with "; ".
`drop_personal_names` removes people.name and blanks PER mentions in entities.
Texts a spreadsheet would evaluate as a formula (OWASP CSV injection: starting with = + - @
tab or carriage return) are neutralised: prefixed with an apostrophe in CSV, written as
text cells (never formulas) in XLSX.
"""

from __future__ import annotations

import re
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import UTC, date, datetime
from pathlib import Path
from typing import Any

import pandas as pd
import pyarrow as pa

from pipeline.dataset.publish import read_table
from schemas.labels import TABLE_LABELS, column_label
from schemas.tables import SCHEMAS, TABLES

FORMATS = ("csv", "xlsx")
EXPORTS_DIR = "exports"
DICTIONARY_NAME = "dictionnaire"
_SHEET_FORBIDDEN = re.compile(r"[\[\]:*?/\\]")
_ILLEGAL_XML = re.compile(r"[\x00-\x08\x0b\x0c\x0e-\x1f]")
FORMULA_STARTS = ("=", "+", "-", "@", "\t", "\r")  # OWASP CSV injection


@dataclass(frozen=True)
class ExportSettings:
    """How values are written."""

    csv_list_separator: str = " | "  # between items of a list column in CSV
    xlsx_list_separator: str = "; "  # between items of a list column in XLSX
    xlsx_max_cell_chars: int = 32_767  # Excel's limit; longer texts are cut and marked
    xlsx_max_rows: int = 1_048_575  # data rows per sheet (Excel: 1,048,576 with header)
    xlsx_max_column_width: int = 60  # characters


def export_dataset(out: Path, fmt: str, dest: Path | None = None, sep: str = ",",
                   drop_personal_names: bool = False,
                   settings: ExportSettings | None = None) -> list[Path]:
    """Export every table of the dataset under `out`; return the files written.

    `dest`: the CSV folder (default `exports_dir(out)/csv`), or the XLSX file or a folder
    for it (default `exports_dir(out)/ptsm.xlsx`). `sep` is the CSV field separator.
    """
    settings = settings or ExportSettings()
    out = Path(out)
    if fmt not in FORMATS:
        raise ValueError(f"unknown export format {fmt!r}: use one of {', '.join(FORMATS)}")
    if len(sep) != 1 or sep in "\"\r\n":
        raise ValueError(f"CSV separator must be one character (',' or ';'), not {sep!r}")
    tables = {name: _private(name, _contract_order(name, read_table(out, name)),
                             drop_personal_names)
              for name in TABLES}
    dictionary = column_dictionary(tables)
    if fmt == "csv":
        folder = Path(dest) if dest else exports_dir(out) / "csv"
        return [write_csv(table, folder / f"{name}.csv", sep, settings)
                for name, table in {**tables, DICTIONARY_NAME: dictionary}.items()]
    target = Path(dest) if dest else exports_dir(out)
    if target.suffix.lower() != ".xlsx":
        target = target / "ptsm.xlsx"
    return [write_xlsx({DICTIONARY_NAME: dictionary, **tables}, target, settings)]


def exports_dir(out: Path) -> Path:
    """Where exports and the report of the dataset `out` go: `exports/` next to it, outside
    the snapshots (`data/curated` → `data/exports`)."""
    return Path(out).absolute().parent / EXPORTS_DIR


def column_dictionary(tables: dict[str, pa.Table]) -> pa.Table:
    """One row per exported column: table, column, French label of both."""
    rows = [{"table": name, "libelle_table": TABLE_LABELS.get(name, name), "colonne": column,
             "libelle": column_label(name, column)}
            for name, table in tables.items() for column in table.column_names]
    return pa.Table.from_pylist(rows, schema=pa.schema(
        [(c, pa.string()) for c in ("table", "libelle_table", "colonne", "libelle")]))


def write_csv(table: pa.Table, path: Path, sep: str = ",",
              settings: ExportSettings | None = None) -> Path:
    """One table as CSV (UTF-8 with BOM); decimals with a comma when `sep` is ';'."""
    settings = settings or ExportSettings()
    frame = pd.DataFrame({
        name: _csv_column(table.column(name), settings.csv_list_separator)
        for name in table.column_names
    }, columns=table.column_names)
    path.parent.mkdir(parents=True, exist_ok=True)
    frame.to_csv(path, sep=sep, decimal="," if sep == ";" else ".", index=False,
                 encoding="utf-8-sig", lineterminator="\r\n")
    return path


def write_xlsx(tables: dict[str, pa.Table], path: Path,
               settings: ExportSettings | None = None) -> Path:
    """One workbook with one sheet per table (split in numbered sheets past Excel's rows)."""
    from openpyxl import Workbook
    from openpyxl.cell import WriteOnlyCell
    from openpyxl.styles import Font
    from openpyxl.utils import get_column_letter

    settings = settings or ExportSettings()
    workbook = Workbook(write_only=True)
    used: set[str] = set()
    bold = Font(bold=True)
    for name, table in tables.items():
        rows = list(_xlsx_rows(table, settings))
        chunks = [rows[i:i + settings.xlsx_max_rows]
                  for i in range(0, len(rows), settings.xlsx_max_rows)] or [[]]
        for n, chunk in enumerate(chunks, start=1):
            sheet = workbook.create_sheet(sheet_name(name if n == 1 else f"{name} ({n})", used))
            sheet.freeze_panes = "A2"
            for i, column in enumerate(table.column_names, start=1):
                width = max([len(column), *(len(str(r[i - 1] or "")) for r in chunk[:200])])
                sheet.column_dimensions[get_column_letter(i)].width = \
                    min(width + 2, settings.xlsx_max_column_width)
            header = []
            for column in table.column_names:
                cell = WriteOnlyCell(sheet, value=column)
                cell.font = bold
                header.append(cell)
            sheet.append(header)
            for row in chunk:
                sheet.append([_text_cell(sheet, v) for v in row])
    path.parent.mkdir(parents=True, exist_ok=True)
    workbook.save(path)
    return path


def sheet_name(name: str, used: set[str]) -> str:
    """A valid, unique Excel sheet name (≤ 31 characters, no []:*?/\\); records it in `used`."""
    base = _SHEET_FORBIDDEN.sub("_", name).strip("'")[:31] or "sheet"
    candidate, n = base, 1
    while candidate.lower() in used:
        n += 1
        suffix = f"~{n}"
        candidate = base[: 31 - len(suffix)] + suffix
    used.add(candidate.lower())
    return candidate


# --- values ------------------------------------------------------------------------------


def _contract_order(name: str, table: pa.Table) -> pa.Table:
    """Contract columns in contract order (the partition column is read back last)."""
    first = [c for c in SCHEMAS[name].names if c in table.column_names]
    return table.select(first + [c for c in table.column_names if c not in first])


def _private(name: str, table: pa.Table, drop_personal_names: bool) -> pa.Table:
    if not drop_personal_names:
        return table
    if name == "people" and "name" in table.column_names:
        return table.drop_columns(["name"])
    if name == "entities" and "label" in table.column_names:
        is_person = [label == "PER" for label in table.column("label").to_pylist()]
        for column in ("text", "canonical"):
            if column in table.column_names:
                values = [None if hide else v for hide, v in
                          zip(is_person, table.column(column).to_pylist(), strict=True)]
                idx = table.schema.get_field_index(column)
                table = table.set_column(idx, table.schema.field(idx),
                                         pa.array(values, table.schema.field(idx).type))
    return table


def _csv_column(column: pa.ChunkedArray, list_sep: str) -> Any:
    t = column.type
    values = column.to_pylist()
    if pa.types.is_dictionary(t):
        t = t.value_type
    if pa.types.is_list(t) or pa.types.is_large_list(t):
        return [None if v is None else neutralise(list_sep.join(_text(x) for x in v))
                for v in values]
    if pa.types.is_integer(t):
        return pd.array(values, dtype="Int64")
    if pa.types.is_boolean(t):
        return pd.array(values, dtype="boolean")
    if pa.types.is_floating(t):
        return pd.array(values, dtype="Float64")
    if pa.types.is_date(t) or pa.types.is_timestamp(t):
        return [None if v is None else v.isoformat() for v in values]
    return pd.array([neutralise(v) if isinstance(v, str) else v for v in values],
                    dtype=object)


def neutralise(text: str) -> str:
    """`text` as a spreadsheet shows it without evaluating it: an apostrophe before a
    leading = + - @ tab or carriage return (OWASP's CSV injection rule)."""
    return "'" + text if text.startswith(FORMULA_STARTS) else text


def _text_cell(sheet: Any, value: Any) -> Any:
    """An XLSX cell: a text starting like a formula is written as a string, never as a
    formula (openpyxl would make `=…` a formula)."""
    if not (isinstance(value, str) and value.startswith(FORMULA_STARTS)):
        return value
    from openpyxl.cell import WriteOnlyCell

    cell = WriteOnlyCell(sheet, value=value)
    cell.data_type = "s"
    return cell


def _xlsx_rows(table: pa.Table, settings: ExportSettings) -> Iterator[list[Any]]:
    columns = [_xlsx_column(table.column(n), settings) for n in table.column_names]
    return (list(row) for row in zip(*columns, strict=True)) if columns else iter([])


def _xlsx_column(column: pa.ChunkedArray, settings: ExportSettings) -> list[Any]:
    t = column.type
    if pa.types.is_dictionary(t):
        t = t.value_type
    values = column.to_pylist()
    if pa.types.is_list(t) or pa.types.is_large_list(t):
        values = [None if v is None else settings.xlsx_list_separator.join(_text(x) for x in v)
                  for v in values]
    elif pa.types.is_timestamp(t):
        values = [_naive_utc(v) for v in values]
    return [_xlsx_cell(v, settings) for v in values]


def _xlsx_cell(value: Any, settings: ExportSettings) -> Any:
    if not isinstance(value, str):
        return value
    value = _ILLEGAL_XML.sub("", value)
    if len(value) > settings.xlsx_max_cell_chars:
        mark = " […]"
        value = value[: settings.xlsx_max_cell_chars - len(mark)] + mark
    return value


def _naive_utc(value: datetime | None) -> datetime | None:
    if value is None or value.tzinfo is None:
        return value
    return value.astimezone(UTC).replace(tzinfo=None)


def _text(value: Any) -> str:
    if isinstance(value, date):
        return value.isoformat()
    return str(value)

