"""Score extracted governance events and facts against a gold file (dev-gold governance.json).

Events match on (event_type, date) where the gold date is ISO at its own precision
("2020-10-26", "2018-03", "2018"); facts match on (metric, value). Negatives are checked
with the rules the gold states in words: no ``contract_signed`` where the gold says the
contract phase has not started, no event dated on the national decree of 27 July 2017.
"""

from __future__ import annotations

from datetime import date
from typing import Any


def _iso(value: date | None, precision: str | None) -> str | None:
    if value is None:
        return None
    if precision == "year":
        return f"{value.year:04d}"
    if precision == "month":
        return f"{value.year:04d}-{value.month:02d}"
    return value.isoformat()


def _prf(predicted: set, gold: set) -> dict[str, float]:
    tp = len(predicted & gold)
    precision = tp / len(predicted) if predicted else (1.0 if not gold else 0.0)
    recall = tp / len(gold) if gold else 1.0
    return {"tp": tp, "n_predicted": len(predicted), "n_gold": len(gold),
            "precision": precision, "recall": recall}


def _negatives_violated(seed: str, events: list[dict], negatives: list[str]) -> list[str]:
    out: list[str] = []
    for text in negatives:
        low = text.lower()
        if "contract_signed" in low and any(e["event_type"] == "contract_signed" for e in events):
            out.append(f"{seed}: {text}")
        if "27 juillet 2017" in low and any(e.get("event_date") == date(2017, 7, 27)
                                             for e in events):
            out.append(f"{seed}: {text}")
    return out


def score_governance(predicted_by_doc: dict[str, dict[str, list[dict]]],
                     gold: dict[str, Any]) -> dict[str, Any]:
    """Precision/recall of events and facts, and the gold negatives violated.

    ``predicted_by_doc`` maps a gold ``seed`` name to ``{"events": [...], "facts": [...]}``
    (rows as returned by :func:`extract_events` and :func:`extract_facts`).
    """
    pred_events: set[tuple] = set()
    gold_events: set[tuple] = set()
    pred_facts: set[tuple] = set()
    gold_facts: set[tuple] = set()
    violated: list[str] = []
    for doc in gold["documents"]:
        seed = doc["seed"]
        predicted = predicted_by_doc.get(seed, {})
        events = predicted.get("events", [])
        for e in events:
            pred_events.add((seed, e["event_type"], _iso(e["event_date"], e["date_precision"])))
        for e in doc.get("events", []):
            gold_events.add((seed, e["event_type"], e["date"]))
        for f in predicted.get("facts", []):
            pred_facts.add((seed, f["metric"], float(f["value"])))
        for f in doc.get("figures", []):
            gold_facts.add((seed, f["metric"], float(f["value"])))
        violated += _negatives_violated(seed, events, doc.get("negatives", []))
    return {
        "events": _prf(pred_events, gold_events),
        "facts": _prf(pred_facts, gold_facts),
        "negatives_violated": violated,
        "false_events": sorted(pred_events - gold_events),
        "missed_events": sorted(gold_events - pred_events),
        "false_facts": sorted(pred_facts - gold_facts),
        "missed_facts": sorted(gold_facts - pred_facts),
    }
