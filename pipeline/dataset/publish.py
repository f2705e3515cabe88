"""Publish: the only writer of the dataset. Arrow tables → hive-partitioned Parquet + manifest."""

from __future__ import annotations

import os
import shutil
import uuid
from collections.abc import Callable, Iterable, Mapping
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import pyarrow as pa
import pyarrow.dataset as ds
import pyarrow.fs as pafs
import pyarrow.parquet as pq

from pipeline.dataset.outputs import (
    MANIFEST,
    SNAPSHOTS,
    Location,
    Output,
    check_replaceable,
    dataset_location,
    resolve_output,
    snapshots_dir,
)
from schemas.tables import SCHEMAS, TABLES, is_partitioned
from schemas.vocabularies import UNKNOWN_DEPARTMENT

KEEP_SNAPSHOTS = 3
Finish = Callable[[Path], object]  # adds files to a local snapshot before it is current
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


def publish(tables: Mapping[str, pa.Table], out: str | Path, manifest: dict[str, Any],
            keep: int = KEEP_SNAPSHOTS, finish: Finish | None = None) -> Path | str:
    """Write a new snapshot of every table and switch `out` to it atomically.

    A local `out` (a path or a `file://` URI) is a symbolic link to
    `.<name>.snapshots/<run>/` next to it; the link is replaced in one rename at the
    very end, so a reader sees the whole previous dataset or the whole new one, and a
    crash leaves the previous one intact. A remote `out` (`s3://`, `gs://`, ...) gets
    `<prefix>/snapshots/<run>/` and then, last, its `CURRENT` pointer (pipeline.dataset.outputs).
    The last `keep` snapshots are kept for readers still holding the previous one;
    `finish` adds files to a local snapshot before it becomes current (the DuckDB views).
    Returns the local path, or the URI of a remote output.
    """
    output = resolve_output(out)
    check_replaceable(output)
    name = str(manifest.get("run_id") or uuid.uuid4().hex[:12])
    if not output.is_local:
        snapshot = write_remote_snapshot(tables, output, name, manifest)
        switch_pointer(output, snapshot, run_id=name)
        _prune_remote(output, keep=keep, current=snapshot)
        return output.uri
    return _publish_local(output.local_path, name, keep, lambda staging: write_snapshot(
        tables, Location(output.filesystem, str(staging.absolute())), manifest), finish)


def republish_unchanged(out: str | Path, manifest: dict[str, Any],
                        keep: int = KEEP_SNAPSHOTS, finish: Finish | None = None) -> Path:
    """Publish the current local dataset again as a new snapshot with `manifest` (its
    row counts included), its table files hard-linked (copied where links are
    impossible): a run that changed nothing writes no table again."""
    output = resolve_output(out)
    check_replaceable(output)
    current = output.local_path.resolve()

    def link_tables(staging: Path) -> None:
        for table in TABLES:  # the tables only: reports and exports are written anew
            if (current / table).is_dir():
                shutil.copytree(current / table, staging / table, copy_function=_link_or_copy)
        Location(output.filesystem, str(staging.absolute())).write_json(manifest, MANIFEST)

    return _publish_local(output.local_path, str(manifest["run_id"]), keep, link_tables, finish)


def _link_or_copy(src: str, dst: str) -> None:
    try:
        os.link(src, dst)
    except OSError:
        shutil.copy2(src, dst)


def _publish_local(out: Path, name: str, keep: int, fill: Callable[[Path], object],
                   finish: Finish | None = None) -> Path:
    """`fill` a staging folder, make it the snapshot `name`, `finish` it, switch the `out`
    link to it in one rename, prune old snapshots."""
    snapshots = snapshots_dir(out)
    snapshots.mkdir(parents=True, exist_ok=True)
    _adopt_legacy_folder(out, snapshots)
    staging = snapshots / f"{STAGING_PREFIX}{name}"
    staging.mkdir()
    try:
        fill(staging)
        snapshot = snapshots / name
        staging.rename(snapshot)
    finally:
        shutil.rmtree(staging, ignore_errors=True)
    if finish is not None:
        finish(snapshot)
    link = out.parent / f".{out.name}.link-{uuid.uuid4().hex[:8]}"
    link.symlink_to(os.path.relpath(snapshot, out.parent), target_is_directory=True)
    os.replace(link, out)
    _prune(snapshots, keep=keep, current=snapshot)
    return out


def write_snapshot(tables: Mapping[str, pa.Table], target: Location,
                   manifest: dict[str, Any]) -> dict[str, int]:
    """Every table under `target/<table>/`, then `_manifest.json` (written last: a
    snapshot without it is incomplete). Returns the row count per table."""
    counts = {}
    for table_name in TABLES:
        table = tables.get(table_name) or to_arrow(table_name, [])
        _write_table(table_name, table, target.filesystem, target.join(table_name))
        counts[table_name] = table.num_rows
    target.write_json({**manifest, "tables": counts}, MANIFEST)
    return counts


def write_remote_snapshot(tables: Mapping[str, pa.Table], output: Output, name: str,
                          manifest: dict[str, Any]) -> Location:
    """A complete snapshot under `<prefix>/snapshots/<name>/`; readers do not see it yet."""
    snapshot = output.snapshot(name)
    if snapshot.exists():  # never write into a published snapshot (same run id twice)
        snapshot = output.snapshot(f"{name}-{uuid.uuid4().hex[:6]}")
    write_snapshot(tables, snapshot, manifest)
    return snapshot


def switch_pointer(output: Output, snapshot: Location, run_id: str) -> None:
    """Point `<prefix>/CURRENT` at `snapshot`: one small object written in one PUT.

    `snapshot` in the pointer is relative to the prefix (`snapshots/<run_id>`), so a
    copied or moved prefix stays readable."""
    relative = snapshot.path[len(output.root.path) + 1:]
    output.write_pointer({"run_id": run_id, "snapshot": relative,
                          "written_at": datetime.now(UTC).isoformat(timespec="seconds")})


def _adopt_legacy_folder(out: Path, snapshots: Path) -> None:
    """A dataset published as a plain folder becomes the first snapshot; an empty folder
    makes way for the link (`check_replaceable` refused anything else)."""
    if out.is_dir() and not out.is_symlink():
        if next(out.iterdir(), None) is None:
            out.rmdir()
        else:
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


def _prune_remote(output: Output, keep: int, current: Location) -> None:
    """Keep the current snapshot and the `keep - 1` newest complete others; remove the
    rest, and snapshots without a manifest (runs interrupted before the end)."""
    fs = output.filesystem
    selector = pafs.FileSelector(output.root.join(SNAPSHOTS), allow_not_found=True)
    others = []
    for info in fs.get_file_info(selector):
        if info.type != pafs.FileType.Directory or info.path.rstrip("/") == current.path:
            continue
        manifest = fs.get_file_info(f"{info.path}/{MANIFEST}")
        others.append((manifest.mtime if manifest.type == pafs.FileType.File else None,
                       info.path))
    complete = sorted((o for o in others if o[0] is not None), reverse=True)
    doomed = [path for mtime, path in others if mtime is None] + [
        path for _, path in complete[max(keep - 1, 0):]]
    for path in doomed:
        fs.delete_dir(path)


def _write_table(name: str, table: pa.Table, fs: pafs.FileSystem, target: str) -> None:
    options = ds.ParquetFileFormat().make_write_options(
        compression="zstd", use_dictionary=True, write_statistics=True
    )
    if is_partitioned(name):
        # An (empty) __unknown__ partition always exists, so that every reader
        # infers department_code as a string: "01" stays "01", never 1.
        unknown = f"{target}/department_code={UNKNOWN_DEPARTMENT}"
        fs.create_dir(unknown, recursive=True)
        pq.write_table(table.slice(0, 0).drop_columns(["department_code"]),
                       f"{unknown}/empty.parquet", filesystem=fs)
        if table.num_rows == 0:
            return
        ds.write_dataset(
            table,
            target,
            format="parquet",
            filesystem=fs,
            partitioning=ds.partitioning(pa.schema([table.schema.field("department_code")]),
                                         flavor="hive"),
            basename_template="part-{i}.parquet",
            file_options=options,
            max_rows_per_group=ROW_GROUP_ROWS,
            existing_data_behavior="overwrite_or_ignore",
        )
    else:
        fs.create_dir(target, recursive=True)
        pq.write_table(table, f"{target}/part-0.parquet", compression="zstd",
                       row_group_size=ROW_GROUP_ROWS, filesystem=fs)


UNREADABLE = (pa.ArrowException, OSError, ValueError)  # what reading a damaged file raises


def damaged_files(out: str | Path | Location) -> list[str]:
    """What is damaged in the dataset published at `out`, one line per file: a manifest
    that is no JSON object, a Parquet file whose footer cannot be read (truncated,
    overwritten). Empty when every file opens."""
    where = dataset_location(out)
    fs = where.filesystem
    problems = []
    try:
        if not isinstance(where.read_json(MANIFEST), dict):
            problems.append(f"{where.join(MANIFEST)}: not a JSON object")
    except UNREADABLE as exc:
        problems.append(f"{where.join(MANIFEST)}: unreadable ({_short(exc)})")
    for table in TABLES:
        selector = pafs.FileSelector(where.join(table), recursive=True, allow_not_found=True)
        files = [i.path for i in fs.get_file_info(selector)
                 if i.type == pafs.FileType.File and i.path.endswith(".parquet")]
        for path in files:
            try:
                pq.read_metadata(path, filesystem=fs)
            except UNREADABLE as exc:
                problems.append(f"{path}: unreadable ({_short(exc)})")
    return problems


def _short(exc: BaseException) -> str:
    return f"{type(exc).__name__}: {str(exc).splitlines()[0] if str(exc) else ''}".rstrip(": ")


def read_table(out: str | Path | Location, name: str) -> pa.Table:
    """Read a published table back (partition column restored as a string).

    `out` is a local dataset folder, a remote output URI (its current snapshot is read),
    or a `Location`.
    """
    where = dataset_location(out)
    dataset = ds.dataset(where.join(name), format="parquet", filesystem=where.filesystem,
                         partitioning="hive" if is_partitioned(name) else None)
    table = dataset.to_table()
    if "department_code" in table.schema.names:
        idx = table.schema.get_field_index("department_code")
        table = table.set_column(idx, "department_code",
                                 table.column(idx).cast(pa.string()))
    return table
