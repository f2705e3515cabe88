"""Assemble the per-document rows of a run into the published Arrow tables."""

from __future__ import annotations

from collections.abc import Iterable
from pathlib import Path
from typing import Any

import pandas as pd
import pyarrow as pa

from pipeline.dedup import dedup_passages
from pipeline.history import merge_history
from pipeline.profiles import build_profiles
from pipeline.publish import to_arrow
from pipeline.stages import DocResult
from schemas.tables import TABLES

DEDUP_COLUMNS = ("cluster_id", "is_canonical", "similarity", "is_boilerplate",
                 "has_internal_repeat", "text_clean")


def assemble_tables(results: Iterable[DocResult], quarantine: Iterable[dict[str, Any]],
                    previous: str | Path | None = None,
                    source_ids: list[str] | None = None) -> dict[str, pa.Table]:
    """Concatenate rows per table and convert to Arrow.

    The same bytes listed twice are read once. With `previous` (the output, a path or URI,
    holding the dataset published before), document versions and vanished sources are
    merged in (pipeline.history).
    """
    rows: dict[str, list[dict[str, Any]]] = {name: [] for name in TABLES}
    seen_docs: set[str] = set()
    for result in results:
        if result.doc_id in seen_docs:
            continue
        seen_docs.add(result.doc_id)
        for name, table_rows in result.rows.items():
            rows[name].extend(table_rows)
        rows["quarantine"].extend(result.quarantine)
    rows["quarantine"].extend(quarantine)
    if previous is not None:
        merge_history(rows, previous, source_ids or [])
    if rows["passages"]:
        rows["passages"], rows["passage_clusters"], rows["passage_repeats"] = (
            mark_repeats(rows["passages"]))
    rows["ptsm_profiles"] = build_profiles(rows)
    return {name: to_arrow(name, table_rows) for name, table_rows in rows.items()}


def mark_repeats(passages: list[dict[str, Any]]) -> tuple[list[dict[str, Any]], ...]:
    """Run fuzzy dedup over all passages of the run: clusters, canonical marks, spans."""
    result = dedup_passages(pd.DataFrame(passages))
    added = result.passages[list(DEDUP_COLUMNS)].to_dict("records")  # same order as input
    marked = [{**row, **extra} for row, extra in zip(passages, added, strict=True)]
    return marked, result.clusters.to_dict("records"), result.spans.to_dict("records")
