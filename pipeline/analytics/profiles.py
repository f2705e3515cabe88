"""`ptsm_profiles`: one row per département, joining its documents, fiches, events and facts."""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterable
from datetime import date
from typing import Any

from extractors.departments import department_by_code
from schemas.vocabularies import UNKNOWN_DEPARTMENT

EVENT_COLUMNS = {
    "diagnostic_date": ("diagnostic_launched", "diagnostic_approved"),
    "roadmap_adopted_date": ("roadmap_adopted",),
    "ptsm_approved_date": ("ptsm_approved",),
    "contract_signed_date": ("contract_signed",),
}


def build_profiles(rows: dict[str, list[dict[str, Any]]]) -> list[dict[str, Any]]:
    """Profiles of every known département of the run.

    A PTSM published as PDF and DOCX has its fiches twice: fiches are counted once per
    number. Dates are the earliest stated for each milestone; the period is the widest.
    """
    by_dept: dict[str, dict[str, list[dict[str, Any]]]] = defaultdict(lambda: defaultdict(list))
    for table in ("documents", "fiches", "governance_events", "facts"):
        for row in rows.get(table, []):
            dept = row.get("department_code") or UNKNOWN_DEPARTMENT
            if dept != UNKNOWN_DEPARTMENT:
                by_dept[dept][table].append(row)
    return [_profile(code, tables) for code, tables in sorted(by_dept.items())]


def _profile(code: str, tables: dict[str, list[dict[str, Any]]]) -> dict[str, Any]:
    ref = department_by_code(code)
    documents = [d for d in tables["documents"] if d.get("status") != "failed"
                 and d.get("is_current", True)]
    priority_of: dict[int, int | None] = {}
    for fiche in tables["fiches"]:
        number = fiche.get("number")
        if number is not None and priority_of.get(number) is None:
            priority_of[number] = fiche.get("priority")
    profile: dict[str, Any] = {
        "department_code": code,
        "department_name": ref.name if ref else None,
        "region": ref.region if ref else None,
        "n_documents": len(documents),
        "n_fiches": len(priority_of),
    }
    for p in range(1, 7):
        profile[f"n_fiches_priority_{p}"] = sum(v == p for v in priority_of.values())
    for column, types in EVENT_COLUMNS.items():
        profile[column] = _earliest(e.get("event_date") for e in tables["governance_events"]
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
