"""Versions across runs: documents keep every version; a vanished source is marked, not erased."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from pipeline.dataset.outputs import MANIFEST, Location, published_dataset
from pipeline.dataset.publish import read_table
from schemas.tables import SCHEMAS, TABLES

CARRIED_TABLES = tuple(t for t in TABLES if "doc_id" in SCHEMAS[t].names and t != "documents")


def previous_rows(out: str | Path | Location, table: str) -> list[dict[str, Any]]:
    """Rows of a table of the dataset currently published at `out` (empty if none).

    `out` is a local folder or a remote URI (read through its CURRENT pointer)."""
    current = published_dataset(out)
    if current is None or not current.exists(table):
        return []
    return read_table(current, table).to_pylist()


def merge_history(rows: dict[str, list[dict[str, Any]]], out: str | Path,
                  source_ids: list[str]) -> None:
    """Merge this run's rows with the history of the dataset published at `out`, in place.

    For each source of the run:
    - same content as the current published version: the version number and first
      ingestion time are kept;
    - new content: a new version (number + 1); the previous one stays in `documents` with
      `is_current` false and `superseded_by` the new doc_id;
    - no document this run (fetch failed, 404): the previous versions and all their rows
      are carried over, the current one marked `source_status = "missing"`.
    """
    dataset = published_dataset(out)  # one pointer read: every table of one snapshot
    if dataset is None:
        return
    previous = previous_rows(dataset, "documents")
    if not previous:
        return
    by_source: dict[str, list[dict[str, Any]]] = {}
    for row in previous:
        by_source.setdefault(row["source_id"], []).append(row)
    new_by_source = {row["source_id"]: row for row in rows["documents"]}
    carried_docs: set[str] = set()
    for source_id in source_ids:
        history = sorted(by_source.get(source_id, []), key=lambda r: r.get("version") or 0)
        if not history:
            continue
        current = next((r for r in reversed(history) if r.get("is_current")), history[-1])
        new = new_by_source.get(source_id)
        if new is None:
            current["source_status"] = "missing"
            rows["documents"].extend(history)
            carried_docs |= {r["doc_id"] for r in history if r.get("is_current")}
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
    for table in CARRIED_TABLES:
        if carried_docs:
            rows[table].extend(r for r in previous_rows(dataset, table)
                               if r.get("doc_id") in carried_docs)


def unchanged_dataset(out: str | Path, current: dict[str, str], fingerprint: str,
                      schema_version: int) -> dict[str, Any] | None:
    """The manifest of the dataset published at `out` when this run would publish it again
    unchanged, else None: same dataset fingerprint (all the code that makes the tables) and
    schema, nothing quarantined then, and
    `current` (source id → sha256 of what this run ingested, nothing quarantined now)
    is exactly the set of current document versions, none of them missing."""
    published = published_dataset(out)
    if published is None:
        return None
    manifest = published.read_json(MANIFEST)
    same_run = (manifest.get("dataset_fingerprint") == fingerprint
                and manifest.get("schema_version") == schema_version
                and not manifest.get("quarantined")
                and sorted(manifest.get("sources", [])) == sorted(current))
    if not same_run:
        return None
    documents = read_table(published, "documents").to_pylist()
    versions = [(d["source_id"], d["sha256"]) for d in documents
                if d["is_current"] and d["source_status"] != "missing"]
    return manifest if sorted(versions) == sorted(current.items()) else None
