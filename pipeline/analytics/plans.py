"""One plan, counted once: documents that are versions or formats of the same PTSM.

A PTSM is often published several times: as PDF and as Word, re-uploaded with new
metadata, mirrored on two sites. Those documents are grouped into one *plan*; one of them
is its *primary* document, the one every count (profiles, DuckDB views, report) reads.
The others stay in the dataset, marked `is_primary = false` with the same `plan_id`.

Two current documents of the same département are the same plan when
- their fiches nearly coincide: most fiche numbers of the smaller set exist in the other
  with a similar title; or
- their text nearly coincides: most passages of each fall in clusters of repeated
  passages (`pipeline.dedup.passages`) shared with the other; or
- their titles are the same (accents, case and punctuation aside) and much of their text
  is shared.
Older versions of a source (`is_current = false`) join the plan of the source's current
version and are never primary. `plan_id` is the `doc_id` of the plan's primary document.

    marks = assign_plans(rows["documents"], rows["fiches"], rows["passages"])
    marks["cab64dd9ff702a33"]  # -> PlanMark(plan_id="cab64dd9ff702a33", is_primary=True)
"""

from __future__ import annotations

import re
from collections import defaultdict
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from itertools import combinations
from typing import Any

from rapidfuzz import fuzz

from extractors.textfold import fold
from schemas.vocabularies import UNKNOWN_DEPARTMENT

Row = Mapping[str, Any]


@dataclass(frozen=True)
class PlanSettings:
    """Thresholds of "the same plan" (shares 0-1, similarities 0-100)."""

    fiche_overlap: float = 0.8  # share of the smaller fiche set found in the other
    fiche_title_similarity: float = 85.0  # rapidfuzz token_set_ratio of two fiche titles
    text_overlap: float = 0.8  # share of each document's passages shared with the other
    same_title_text_overlap: float = 0.5  # the same, when the titles are equal


@dataclass(frozen=True)
class PlanMark:
    plan_id: str
    is_primary: bool


def assign_plans(documents: Iterable[Row], fiches: Iterable[Row] = (),
                 passages: Iterable[Row] = (),
                 settings: PlanSettings | None = None) -> dict[str, PlanMark]:
    """`doc_id` → its plan and whether it is the plan's primary document."""
    settings = settings or PlanSettings()
    documents = list(documents)
    fiche_titles: dict[str, dict[int, str]] = defaultdict(dict)
    for f in fiches:
        if f.get("number") is not None:
            fiche_titles[f["doc_id"]].setdefault(f["number"], _fold_title(f.get("title")))
    clusters: dict[str, set[str]] = defaultdict(set)
    for p in passages:
        if p.get("cluster_id") and not p.get("is_boilerplate"):
            clusters[p["doc_id"]].add(p["cluster_id"])

    current = [d for d in documents if d.get("is_current", True) is not False]
    parent = {d["doc_id"]: d["doc_id"] for d in documents}

    def root(doc_id: str) -> str:
        while parent[doc_id] != doc_id:
            parent[doc_id] = parent[parent[doc_id]]
            doc_id = parent[doc_id]
        return doc_id

    by_dept: dict[str, list[Row]] = defaultdict(list)
    for d in current:
        if (d.get("department_code") or UNKNOWN_DEPARTMENT) != UNKNOWN_DEPARTMENT \
                and d.get("status") != "failed":
            by_dept[d["department_code"]].append(d)
    for docs in by_dept.values():
        for a, b in combinations(docs, 2):
            if _same_plan(a, b, fiche_titles, clusters, settings):
                parent[root(a["doc_id"])] = root(b["doc_id"])

    current_of_source = {d.get("source_id"): d["doc_id"] for d in current if d.get("source_id")}
    for d in documents:  # older versions follow their source's current version
        head = current_of_source.get(d.get("source_id"))
        if d.get("is_current", True) is False and head:
            parent[root(d["doc_id"])] = root(head)

    groups: dict[str, list[Row]] = defaultdict(list)
    for d in documents:
        groups[root(d["doc_id"])].append(d)
    marks = {}
    for members in groups.values():
        primary = min(members, key=lambda d: _primary_rank(d, fiche_titles))["doc_id"]
        for d in members:
            marks[d["doc_id"]] = PlanMark(plan_id=primary, is_primary=d["doc_id"] == primary)
    return marks


def mark_documents(rows: dict[str, list[dict[str, Any]]],
                   settings: PlanSettings | None = None) -> None:
    """Set `plan_id` and `is_primary` on every row of `rows["documents"]` (in place)."""
    marks = assign_plans(rows.get("documents", []), rows.get("fiches", []),
                         rows.get("passages", []), settings)
    for d in rows.get("documents", []):
        d["plan_id"], d["is_primary"] = marks[d["doc_id"]].plan_id, marks[d["doc_id"]].is_primary


def primary_doc_ids(documents: Iterable[Row]) -> set[str]:
    """The documents every count reads (rows without a mark count as their own plan)."""
    return {d["doc_id"] for d in documents if d.get("is_primary", True) is not False}


def _same_plan(a: Row, b: Row, fiche_titles: Mapping[str, Mapping[int, str]],
               clusters: Mapping[str, set[str]], settings: PlanSettings) -> bool:
    fa, fb = fiche_titles.get(a["doc_id"], {}), fiche_titles.get(b["doc_id"], {})
    if fa and fb:
        small, large = sorted((fa, fb), key=len)
        same = sum(1 for n, t in small.items() if n in large
                   and fuzz.token_set_ratio(t, large[n]) >= settings.fiche_title_similarity)
        if same >= settings.fiche_overlap * len(small):
            return True
    ca, cb = clusters.get(a["doc_id"], set()), clusters.get(b["doc_id"], set())
    if ca and cb:
        shared = len(ca & cb)
        overlap = min(shared / len(ca), shared / len(cb))
        if overlap >= settings.text_overlap:
            return True
        title = _fold_title(a.get("title"))
        if title and title == _fold_title(b.get("title")) \
                and overlap >= settings.same_title_text_overlap:
            return True
    return False


def _primary_rank(d: Row, fiche_titles: Mapping[str, Mapping[int, str]]) -> tuple:
    """Current and fully read first, then the most fiches, then PDF (the format as
    published), then the lowest doc_id (deterministic)."""
    return (d.get("is_current", True) is False, d.get("status") == "failed",
            d.get("status") != "ok", -len(fiche_titles.get(d["doc_id"], {})),
            d.get("media_type") != "application/pdf", d["doc_id"])


def _fold_title(title: str | None) -> str:
    return " ".join(re.findall(r"\w+", fold(title or "")))
