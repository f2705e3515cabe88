"""Versions across runs: documents keep every version; a vanished source is marked, not erased."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path
from typing import TYPE_CHECKING, Any

from pipeline.dataset.outputs import MANIFEST, Location, published_dataset
from pipeline.dataset.publish import UNREADABLE, damaged_files, read_table
from schemas.tables import SCHEMAS, TABLES

if TYPE_CHECKING:  # the readers and extractors are not imported by a run that reads nothing
    from pipeline.stages import DocResult

# documents rows → their DocResults again (cached per-document results, or read anew)
Rebuild = Callable[[list[dict[str, Any]]], list["DocResult"]]
CARRIED_TABLES = tuple(t for t in TABLES if "doc_id" in SCHEMAS[t].names and t != "documents")


def previous_rows(out: str | Path | Location, table: str) -> list[dict[str, Any]]:
    """Rows of a table of the dataset currently published at `out` (empty if none).

    `out` is a local folder or a remote URI (read through its CURRENT pointer)."""
    current = published_dataset(out)
    if current is None or not current.exists(table):
        return []
    return read_table(current, table).to_pylist()


def _readable_rows(dataset: Location, table: str,
                   problems: list[str]) -> list[dict[str, Any]] | None:
    """`previous_rows`, or None with the reason in `problems` when a file is damaged."""
    try:
        return previous_rows(dataset, table)
    except UNREADABLE as exc:
        problems.append(f"{dataset.join(table)}: unreadable ({type(exc).__name__}: "
                        f"{str(exc).splitlines()[0] if str(exc) else ''})")
        return None


def merge_history(rows: dict[str, list[dict[str, Any]]], out: str | Path,
                  source_ids: list[str], rebuild: Rebuild | None = None) -> list[str]:
    """Merge this run's rows with the history of the dataset published at `out`, in place.

    For each source of the run:
    - same content as the current published version: the version number and first
      ingestion time are kept;
    - new content: a new version (number + 1); the previous one stays in `documents` with
      `is_current` false and `superseded_by` the new doc_id;
    - no document this run (fetch failed, 404): the previous versions and all their rows
      are carried over, the current one marked `source_status = "missing"`.

    The previous dataset is read defensively: returns what could not be read (empty when
    all was fine). Unreadable `documents`: no history this time (this run's documents are
    whole). Another unreadable table: the rows it held for carried documents come from
    `rebuild` (their cached per-document results, or the documents read again).
    """
    problems: list[str] = []
    try:
        dataset = published_dataset(out)  # one pointer read: every table of one snapshot
    except UNREADABLE as exc:
        return [f"{out}: the current dataset cannot be found ({type(exc).__name__}: {exc})"]
    if dataset is None:
        return problems
    previous = _readable_rows(dataset, "documents", problems)
    if previous is None:
        problems.append("without the previous documents table, this snapshot has no earlier "
                        "versions and no documents of sources that failed in this run")
    if not previous:
        return problems
    by_source: dict[str, list[dict[str, Any]]] = {}
    for row in previous:
        by_source.setdefault(row["source_id"], []).append(row)
    new_by_source = {row["source_id"]: row for row in rows["documents"]}
    carried: list[dict[str, Any]] = []
    for source_id in source_ids:
        history = sorted(by_source.get(source_id, []), key=lambda r: r.get("version") or 0)
        if not history:
            continue
        current = next((r for r in reversed(history) if r.get("is_current")), history[-1])
        new = new_by_source.get(source_id)
        if new is None:
            current["source_status"] = "missing"
            rows["documents"].extend(history)
            carried += [r for r in history if r.get("is_current")]
            continue
        older = [r for r in history if r["doc_id"] != new["doc_id"]]
        same = [r for r in history if r["doc_id"] == new["doc_id"]]
        if same:
            new["version"] = same[0].get("version") or 1
            new["ingested_at"] = same[0].get("ingested_at") or new["ingested_at"]
        else:
            new["version"] = max((r.get("version") or 1) for r in history) + 1
            for r in older:
                if r.get("is_current"):
                    r["superseded_by"] = new["doc_id"]
        for r in older:
            r["is_current"] = False
        rows["documents"].extend(older)
    if carried:
        _carry_rows(rows, dataset, carried, rebuild, problems)
    return problems


def _carry_rows(rows: dict[str, list[dict[str, Any]]], dataset: Location,
                carried: list[dict[str, Any]], rebuild: Rebuild | None,
                problems: list[str]) -> None:
    """The rows of the carried documents, table by table; those of a damaged table
    rebuilt from the documents themselves."""
    carried_docs = {r["doc_id"] for r in carried}
    damaged = []
    for table in CARRIED_TABLES:
        previous = _readable_rows(dataset, table, problems)
        if previous is None:
            damaged.append(table)
        else:
            rows[table].extend(r for r in previous if r.get("doc_id") in carried_docs)
    if not damaged:
        return
    results = rebuild(carried) if rebuild else []
    for result in results:
        for table in damaged:
            rows[table].extend(result.rows.get(table, []))
    lost = carried_docs - {r.doc_id for r in results}
    if lost:
        problems.append(f"the rows of {len(lost)} carried document(s) in "
                        f"{', '.join(damaged)} could not be rebuilt (raw file gone?)")
    else:
        problems.append(f"the rows of {len(carried_docs)} carried document(s) in "
                        f"{', '.join(damaged)} were rebuilt from the documents")


def unchanged_dataset(out: str | Path, current: dict[str, str], fingerprint: str,
                      schema_version: int) -> dict[str, Any] | None:
    """The manifest of the dataset published at `out` when this run would publish it again
    unchanged, else None: same dataset fingerprint (all the code that makes the tables) and
    schema, nothing quarantined then, and
    `current` (source id → sha256 of what this run ingested, nothing quarantined now)
    is exactly the set of current document versions, none of them missing."""
    published = published_dataset(out)
    if published is None or damaged_files(published):  # never republish a damaged file
        return None
    manifest = published.read_json(MANIFEST)
    same_run = (manifest.get("dataset_fingerprint") == fingerprint
                and manifest.get("schema_version") == schema_version
                and not manifest.get("quarantined")
                and sorted(manifest.get("sources", [])) == sorted(current))
    if not same_run:
        return None
    try:
        documents = read_table(published, "documents").to_pylist()
    except UNREADABLE:  # damaged past its footer: publish a whole new snapshot
        return None
    versions = [(d["source_id"], d["sha256"]) for d in documents
                if d["is_current"] and d["source_status"] != "missing"]
    return manifest if sorted(versions) == sorted(current.items()) else None
