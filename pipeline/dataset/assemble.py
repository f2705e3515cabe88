"""Assemble the per-document rows of a run into the published tables."""

from __future__ import annotations

from collections.abc import Iterable
from pathlib import Path
from typing import Any

import pyarrow as pa

from pipeline.dataset.history import Rebuild, merge_history
from pipeline.dataset.publish import to_arrow
from pipeline.stages import DocResult
from schemas.tables import TABLES

Rows = dict[str, list[dict[str, Any]]]


def collect_rows(results: Iterable[DocResult], quarantine: Iterable[dict[str, Any]],
                 previous: str | Path | None = None,
                 source_ids: list[str] | None = None, rebuild: Rebuild | None = None,
                 problems: list[str] | None = None) -> Rows:
    """Concatenate the rows of every document per table.

    The same bytes listed twice are read once. With `previous` (the output, a path or URI,
    holding the dataset published before), document versions and vanished sources are
    merged in (pipeline.dataset.history; `rebuild` remakes the rows of a damaged previous
    table, and what could not be read is added to `problems`).
    """
    rows: Rows = {name: [] for name in TABLES}
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
        found = merge_history(rows, previous, source_ids or [], rebuild)
        if problems is not None:
            problems.extend(found)
    return rows


def to_tables(rows: Rows) -> dict[str, pa.Table]:
    """Every table's rows as an Arrow table with its published schema."""
    return {name: to_arrow(name, table_rows) for name, table_rows in rows.items()}
