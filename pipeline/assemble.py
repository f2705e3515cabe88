"""Assemble the per-document rows of a run into the published Arrow tables."""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any

import pyarrow as pa

from pipeline.publish import to_arrow
from pipeline.stages import DocResult
from schemas.tables import TABLES


def assemble_tables(results: Iterable[DocResult],
                    quarantine: Iterable[dict[str, Any]]) -> dict[str, pa.Table]:
    """Concatenate rows per table (one row per doc_id for documents) and convert to Arrow."""
    rows: dict[str, list[dict[str, Any]]] = {name: [] for name in TABLES}
    seen_docs: set[str] = set()
    for result in results:
        if result.doc_id in seen_docs:  # the same bytes listed twice are read once
            continue
        seen_docs.add(result.doc_id)
        for name, table_rows in result.rows.items():
            rows[name].extend(table_rows)
        rows["quarantine"].extend(result.quarantine)
    rows["quarantine"].extend(quarantine)
    return {name: to_arrow(name, table_rows) for name, table_rows in rows.items()}
