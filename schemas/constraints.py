"""Integrity rules of the published dataset: keys, foreign keys, vocabularies, ranges.

Data, not code: `pipeline.dataset.validate` checks them and `pipeline.analytics.dictionary`
documents them, so the data dictionary and the validator cannot disagree.
"""

from __future__ import annotations

from dataclasses import dataclass

from schemas.document import BLOCK_KINDS
from schemas.vocabularies import (
    DATE_PRECISIONS,
    DOCUMENT_STATUSES,
    EVENT_TYPES,
    METRICS,
    OBJECTIVE_KINDS,
    PRIORITIES,
)


@dataclass(frozen=True)
class ForeignKey:
    """`table.column` must be a value of `ref_table.ref_column` (nulls are allowed)."""

    table: str
    column: str
    ref_table: str
    ref_column: str


# Columns whose values are unique in their table (one column each).
PRIMARY_KEYS: dict[str, str] = {
    "documents": "doc_id",
    "passages": "passage_id",
    "fiches": "fiche_id",
    "governance_events": "event_id",
    "facts": "fact_id",
    "passage_clusters": "cluster_id",
    "ptsm_profiles": "department_code",
}

# Columns that name a row in messages, for tables without a single key column.
ROW_LABELS: dict[str, tuple[str, ...]] = {
    "fiche_objectives": ("fiche_id", "kind", "seq"),
    "entities": ("passage_id", "start"),
    "acronyms": ("doc_id", "acronym"),
    "fiche_links": ("fiche_id", "target_number"),
    "people": ("doc_id", "passage_id"),
    "quarantine": ("source_uri", "stage"),
    "passage_repeats": ("passage_id", "start"),
}

_EXTRACTED = ("governance_events", "facts", "entities", "people", "acronyms")

FOREIGN_KEYS: tuple[ForeignKey, ...] = (
    ForeignKey("documents", "plan_id", "documents", "doc_id"),  # a plan's primary document
    ForeignKey("passages", "doc_id", "documents", "doc_id"),
    ForeignKey("passages", "cluster_id", "passage_clusters", "cluster_id"),
    ForeignKey("passage_clusters", "canonical_passage_id", "passages", "passage_id"),
    ForeignKey("passage_repeats", "passage_id", "passages", "passage_id"),
    ForeignKey("passage_repeats", "repeats_passage_id", "passages", "passage_id"),
    ForeignKey("fiches", "doc_id", "documents", "doc_id"),
    ForeignKey("fiche_objectives", "fiche_id", "fiches", "fiche_id"),
    ForeignKey("fiche_links", "fiche_id", "fiches", "fiche_id"),
    ForeignKey("fiche_links", "target_fiche_id", "fiches", "fiche_id"),
    *(ForeignKey(t, "doc_id", "documents", "doc_id") for t in _EXTRACTED),
    *(ForeignKey(t, "passage_id", "passages", "passage_id") for t in _EXTRACTED),
)

# Allowed values of controlled columns (nulls are checked by the schema's nullability).
VOCABULARY_COLUMNS: dict[tuple[str, str], tuple[object, ...]] = {
    ("documents", "status"): DOCUMENT_STATUSES,
    ("passages", "kind"): BLOCK_KINDS,
    ("fiches", "priority"): tuple(PRIORITIES),
    ("fiche_objectives", "kind"): OBJECTIVE_KINDS,
    ("governance_events", "event_type"): tuple(EVENT_TYPES),
    ("governance_events", "date_precision"): DATE_PRECISIONS,
    ("facts", "metric"): tuple(METRICS),
}

# INSEE département codes: 01-95 (no 20), 2A, 2B, 971-976, or the unknown marker.
DEPARTMENT_CODE_PATTERN = r"^(0[1-9]|1[0-9]|[3-8][0-9]|9[0-5]|2[1-9]|2A|2B|97[1-6]|__unknown__)$"

# Date, timestamp and year columns must lie within these years (inclusive).
MIN_YEAR = 1990
MAX_YEAR = 2100
YEAR_COLUMNS: tuple[tuple[str, str], ...] = (
    ("ptsm_profiles", "period_start_year"),
    ("ptsm_profiles", "period_end_year"),
)
