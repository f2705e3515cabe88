"""`ptsm eval`: score a published dataset against gold files (fiches, events, facts)."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pandas as pd

from evaluation.fiches import evaluate_published, format_scores
from evaluation.governance import score_governance
from schemas.vocabularies import UNKNOWN_DEPARTMENT

GOLD_DIR = Path(__file__).resolve().parents[1] / "tests" / "fixtures" / "gold"
FICHES_GOLD = GOLD_DIR / "fiches_mayenne.json"
GOVERNANCE_GOLD = GOLD_DIR / "governance.json"


def evaluate_governance(out: Path, gold: dict[str, Any]) -> dict[str, Any]:
    """Events and facts of the published dataset scored against the governance gold.

    Each gold document is matched to the published documents of its département
    (unknown for a gold document without one); their rows are pooled.
    """
    events = pd.read_parquet(out / "governance_events")
    facts = pd.read_parquet(out / "facts")
    predicted: dict[str, dict[str, list[dict]]] = {}
    for doc in gold["documents"]:
        dept = doc.get("department_code") or UNKNOWN_DEPARTMENT
        ev = events[events.department_code.astype(str) == dept]
        fa = facts[facts.department_code.astype(str) == dept]
        predicted[doc["seed"]] = {
            "events": [{**row, "event_date": _date(row["event_date"])}
                       for row in ev.to_dict("records")],
            "facts": fa.to_dict("records"),
        }
    return score_governance(predicted, gold)


def _date(value: Any) -> Any:
    return None if pd.isna(value) else pd.Timestamp(value).date()


def run_evaluation(out: Path, fiches_gold: Path = FICHES_GOLD,
                   governance_gold: Path = GOVERNANCE_GOLD) -> dict[str, Any]:
    """All scores of a published dataset, as plain data."""
    fiche_gold = json.loads(fiches_gold.read_text(encoding="utf-8"))
    gov_gold = json.loads(governance_gold.read_text(encoding="utf-8"))
    return {"fiches": evaluate_published(out, fiche_gold),
            "governance": evaluate_governance(out, gov_gold)}


def format_evaluation(scores: dict[str, Any], out: Path) -> str:
    """A readable report of :func:`run_evaluation`."""
    documents = pd.read_parquet(out / "documents").set_index("doc_id")
    lines = []
    for doc_id, doc_scores in scores["fiches"].items():
        label = documents.source_id.get(doc_id, doc_id)
        lines += [format_scores(doc_scores, f"fiches: {label}"), ""]
    gov = scores["governance"]
    lines.append(f"{'governance':<16}{'precision':>10}{'recall':>10}{'correct':>9}"
                 f"{'pred':>6}{'gold':>6}")
    for name in ("events", "facts"):
        s = gov[name]
        lines.append(f"{name:<16}{s['precision']:>10.3f}{s['recall']:>10.3f}{s['tp']:>9}"
                     f"{s['n_predicted']:>6}{s['n_gold']:>6}")
    lines.append(f"negatives violated: {len(gov['negatives_violated'])}")
    for label in ("missed_events", "false_events", "missed_facts", "false_facts"):
        for item in gov[label]:
            lines.append(f"  {label.replace('_', ' ')}: {item}")
    return "\n".join(lines)
