"""Publish: the only writer of the dataset. Arrow tables → hive-partitioned Parquet + manifest."""

from __future__ import annotations

import json
import os
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
KEEP_SNAPSHOTS = 3
STAGING_PREFIX = ".staging-"
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


def publish(tables: Mapping[str, pa.Table], out: Path, manifest: dict[str, Any],
            keep: int = KEEP_SNAPSHOTS) -> Path:
    """Write a new snapshot of every table and switch `out` to it atomically.

    `out` is a symbolic link to `.<name>.snapshots/<run>/` next to it; the link is
    replaced in one rename at the very end, so a reader sees the whole previous
    dataset or the whole new one, and a crash leaves the previous one intact. The
    last `keep` snapshots are kept for readers still holding the previous one.
    """
    out = Path(out)
    snapshots = snapshots_dir(out)
    snapshots.mkdir(parents=True, exist_ok=True)
    _adopt_legacy_folder(out, snapshots)
    name = str(manifest.get("run_id") or uuid.uuid4().hex[:12])
    staging = snapshots / f"{STAGING_PREFIX}{name}"
    staging.mkdir()
    try:
        counts = {}
        for table_name in TABLES:
            table = tables.get(table_name) or to_arrow(table_name, [])
            _write_table(table_name, table, staging / table_name)
            counts[table_name] = table.num_rows
        (staging / MANIFEST).write_text(
            json.dumps({**manifest, "tables": counts}, indent=2, ensure_ascii=False,
                       default=str), encoding="utf-8")
        snapshot = snapshots / name
        staging.rename(snapshot)
    finally:
        shutil.rmtree(staging, ignore_errors=True)
    from pipeline.duckdb_views import build_duckdb  # views over this snapshot's files

    build_duckdb(snapshot)
    link = out.parent / f".{out.name}.link-{uuid.uuid4().hex[:8]}"
    link.symlink_to(os.path.relpath(snapshot, out.parent), target_is_directory=True)
    os.replace(link, out)
    _prune(snapshots, keep=keep, current=snapshot)
    return out


def snapshots_dir(out: Path) -> Path:
    """Where the snapshots of the dataset `out` live."""
    return out.parent / f".{out.name}.snapshots"


def _adopt_legacy_folder(out: Path, snapshots: Path) -> None:
    """A dataset published as a plain folder becomes the first snapshot."""
    if out.is_dir() and not out.is_symlink():
        out.rename(snapshots / f"legacy-{uuid.uuid4().hex[:8]}")


def _prune(snapshots: Path, keep: int, current: Path) -> None:
    """Remove old snapshots and staging folders left by interrupted runs."""
    done = sorted((p for p in snapshots.iterdir() if p.is_dir() and p != current),
                  key=lambda p: p.stat().st_mtime, reverse=True)
    for path in done:
        if path.name.startswith(STAGING_PREFIX) or keep <= 1:
            shutil.rmtree(path, ignore_errors=True)
        else:
            keep -= 1


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
