"""`ptsm_profiles`: one row per département, joining its documents, fiches, events and facts.

Every count follows the one-plan rule of `pipeline.analytics.plans`: the fiches, milestones and
figures of a plan are read from its primary document only, so a PTSM published as PDF
and DOCX (or copied eight times) counts once. The DuckDB views apply the same rule.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterable
from datetime import date
from typing import Any

from extractors.departments import department_by_code
from pipeline.analytics.plans import primary_doc_ids
from schemas.vocabularies import UNKNOWN_DEPARTMENT

EVENT_COLUMNS = {
    "diagnostic_date": ("diagnostic_launched", "diagnostic_approved"),
    "roadmap_adopted_date": ("roadmap_adopted",),
    "ptsm_approved_date": ("ptsm_approved",),
    "contract_signed_date": ("contract_signed",),
}


def build_profiles(rows: dict[str, list[dict[str, Any]]]) -> list[dict[str, Any]]:
    """Profiles of every known département of the run (documents marked by
    `pipeline.analytics.plans.mark_documents`; unmarked ones count as their own plan).

    Dates are the earliest stated for each milestone; the period is the widest.
    """
    documents = [d for d in rows.get("documents", []) if d.get("is_current", True) is not False
                 and d.get("status") != "failed"]
    primary = primary_doc_ids(documents)
    by_dept: dict[str, dict[str, list[dict[str, Any]]]] = defaultdict(lambda: defaultdict(list))
    for d in documents:
        by_dept[d.get("department_code") or UNKNOWN_DEPARTMENT]["documents"].append(d)
    for table in ("fiches", "governance_events", "facts"):
        for row in rows.get(table, []):
            if row.get("doc_id") in primary:
                by_dept[row.get("department_code") or UNKNOWN_DEPARTMENT][table].append(row)
    by_dept.pop(UNKNOWN_DEPARTMENT, None)
    return [_profile(code, tables) for code, tables in sorted(by_dept.items())]


def milestone_key(event: dict[str, Any]) -> tuple[str, str]:
    """Two statements of one milestone: the same type and date (or date as written)."""
    return event.get("event_type") or "", str(event.get("event_date") or
                                              event.get("date_text") or "")


def _profile(code: str, tables: dict[str, list[dict[str, Any]]]) -> dict[str, Any]:
    ref = department_by_code(code)
    documents, fiches = tables["documents"], tables["fiches"]
    events = tables["governance_events"]
    profile: dict[str, Any] = {
        "department_code": code,
        "department_name": ref.name if ref else None,
        "region": ref.region if ref else None,
        "n_documents": len(documents),
        "n_plans": len({d.get("plan_id") or d["doc_id"] for d in documents}),
        "n_fiches": len(fiches),
        "n_milestones": len({milestone_key(e) for e in events}),
    }
    for p in range(1, 7):
        profile[f"n_fiches_priority_{p}"] = sum(f.get("priority") == p for f in fiches)
    for column, types in EVENT_COLUMNS.items():
        profile[column] = _earliest(e.get("event_date") for e in events
                                    if e.get("event_type") in types)
    facts = tables["facts"]
    starts = [int(f["value"]) for f in facts if f.get("metric") == "period_start_year"]
    ends = [int(f["value"]) for f in facts if f.get("metric") == "period_end_year"]
    profile["period_start_year"] = min(starts) if starts else None
    profile["period_end_year"] = max(ends) if ends else None
    return profile


def _earliest(dates: Iterable[date | None]) -> date | None:
    known = [d for d in dates if d is not None]
    return min(known) if known else None
