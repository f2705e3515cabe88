"""Publish: the only writer of the dataset. Arrow tables → hive-partitioned Parquet + manifest."""

from __future__ import annotations

import json
import shutil
import uuid
from collections.abc import Iterable, Mapping
from pathlib import Path
from typing import Any

import pyarrow as pa
import pyarrow.dataset as ds
import pyarrow.parquet as pq

from schemas.tables import SCHEMAS, TABLES, is_partitioned
from schemas.vocabularies import UNKNOWN_DEPARTMENT

MANIFEST = "_manifest.json"
ROW_GROUP_ROWS = 64_000


def to_arrow(table: str, rows: Iterable[Mapping[str, Any]]) -> pa.Table:
    """Rows (dicts) → an Arrow table with the contract schema; unknown keys are dropped."""
    schema = SCHEMAS[table]
    rows = list(rows)
    if "department_code" in schema.names:
        for row in rows:
            if not row.get("department_code"):
                row["department_code"] = UNKNOWN_DEPARTMENT  # type: ignore[index]
    return pa.Table.from_pylist(rows, schema=schema)


def publish(tables: Mapping[str, pa.Table], out: Path, manifest: dict[str, Any]) -> Path:
    """Write every table of the contract under `out` and the run manifest.

    Tables are written to a staging folder first, then moved in place table by
    table, so a failure while writing leaves the previous dataset untouched.
    """
    out.mkdir(parents=True, exist_ok=True)
    staging = out / f".staging-{uuid.uuid4().hex[:8]}"
    staging.mkdir()
    try:
        counts = {}
        for name in TABLES:
            table = tables.get(name) or to_arrow(name, [])
            _write_table(name, table, staging / name)
            counts[name] = table.num_rows
        manifest = {**manifest, "tables": counts}
        (staging / MANIFEST).write_text(json.dumps(manifest, indent=2, ensure_ascii=False,
                                                   default=str), encoding="utf-8")
        trash = out / f".trash-{staging.name[9:]}"
        trash.mkdir()
        for entry in [*TABLES, MANIFEST]:
            if (out / entry).exists():
                (out / entry).rename(trash / entry)
            (staging / entry).rename(out / entry)
        shutil.rmtree(trash, ignore_errors=True)
    finally:
        shutil.rmtree(staging, ignore_errors=True)
    return out


def _write_table(name: str, table: pa.Table, target: Path) -> None:
    options = ds.ParquetFileFormat().make_write_options(
        compression="zstd", use_dictionary=True, write_statistics=True
    )
    if is_partitioned(name):
        # An (empty) __unknown__ partition always exists, so that every reader
        # infers department_code as a string: "01" stays "01", never 1.
        unknown = target / f"department_code={UNKNOWN_DEPARTMENT}"
        unknown.mkdir(parents=True)
        pq.write_table(table.slice(0, 0).drop_columns(["department_code"]),
                       unknown / "empty.parquet")
        if table.num_rows == 0:
            return
        ds.write_dataset(
            table,
            target,
            format="parquet",
            partitioning=ds.partitioning(pa.schema([table.schema.field("department_code")]),
                                         flavor="hive"),
            basename_template="part-{i}.parquet",
            file_options=options,
            max_rows_per_group=ROW_GROUP_ROWS,
            existing_data_behavior="overwrite_or_ignore",
        )
    else:
        target.mkdir(parents=True)
        pq.write_table(table, target / "part-0.parquet", compression="zstd",
                       row_group_size=ROW_GROUP_ROWS)


def read_table(out: Path, name: str) -> pa.Table:
    """Read a published table back (partition column restored as a string)."""
    dataset = ds.dataset(out / name, format="parquet",
                         partitioning="hive" if is_partitioned(name) else None)
    table = dataset.to_table()
    if "department_code" in table.schema.names:
        idx = table.schema.get_field_index("department_code")
        table = table.set_column(idx, "department_code",
                                 table.column(idx).cast(pa.string()))
    return table
