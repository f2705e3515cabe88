"""Score extracted governance events, facts and départements against a gold file.

Two gold formats are read (``gold_documents`` turns both into :class:`GoldDoc`):

- the seeds' format: ``{"documents": [{"seed": "<file name>", "department_code": "35",
  "events": [...], "figures": [...], "negatives": ["<rule in words>", ...]}]}``;
- the web pages' format: ``{"pages": [{"slug": "<file stem>", "department_code": "55" or
  null, "events": [...], "figures": [...], "notes": "..."}]}``.

An event is ``{"event_type", "date", "evidence", "optional"?}`` with ``date`` ISO at the
precision the text states ("2020-10-26", "2018-03", "2018") or null when the text gives no
year. Events match on (document, event_type, date). An ``optional`` event is neither required
nor penalised: predicting it is no error, missing it is none either. Facts match on
(document, metric, value). Negatives are checked with the rules the gold states in words: no
``contract_signed`` where the gold says the contract phase has not started, no event dated on
the national decree of 27 July 2017.
"""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass, field
from datetime import date
from typing import Any


@dataclass(frozen=True)
class GoldEvent:
    event_type: str
    date: str | None
    evidence: str = ""
    optional: bool = False


@dataclass
class GoldDoc:
    """One annotated document: its name (seed file name or page slug) and what it states."""

    name: str
    department_code: str | None
    events: list[GoldEvent] = field(default_factory=list)
    figures: list[tuple[str, float]] = field(default_factory=list)
    negatives: list[str] = field(default_factory=list)


def gold_documents(gold: dict[str, Any]) -> list[GoldDoc]:
    """The documents of a gold file in either format."""
    if "pages" in gold:
        entries, name_key = gold["pages"], "slug"
    elif "documents" in gold:
        entries, name_key = gold["documents"], "seed"
    else:
        raise ValueError("not a governance gold file: no 'documents' or 'pages' list")
    docs = []
    for entry in entries:
        docs.append(GoldDoc(
            name=entry[name_key], department_code=entry.get("department_code"),
            events=[GoldEvent(e["event_type"], e.get("date"), e.get("evidence", ""),
                              bool(e.get("optional"))) for e in entry.get("events", [])],
            figures=[(f["metric"], float(f["value"])) for f in entry.get("figures", [])],
            negatives=list(entry.get("negatives", []))))
    return docs


def iso(value: date | None, precision: str | None) -> str | None:
    """A predicted date as the gold writes it, at its own precision."""
    if value is None:
        return None
    if precision == "year":
        return f"{value.year:04d}"
    if precision == "month":
        return f"{value.year:04d}-{value.month:02d}"
    return value.isoformat()


def _prf(tp: int, n_predicted: int, n_gold: int) -> dict[str, float]:
    precision = tp / n_predicted if n_predicted else (1.0 if not n_gold else 0.0)
    recall = tp / n_gold if n_gold else 1.0
    return {"tp": tp, "n_predicted": n_predicted, "n_gold": n_gold,
            "precision": precision, "recall": recall}


def _negatives_violated(name: str, events: list[dict], negatives: list[str]) -> list[str]:
    out: list[str] = []
    for text in negatives:
        low = text.lower()
        if "contract_signed" in low and any(e["event_type"] == "contract_signed" for e in events):
            out.append(f"{name}: {text}")
        if "27 juillet 2017" in low and any(e.get("event_date") == date(2017, 7, 27)
                                             for e in events):
            out.append(f"{name}: {text}")
    return out


def score_governance(predicted_by_doc: dict[str, dict[str, Any]],
                     gold: dict[str, Any]) -> dict[str, Any]:
    """Precision/recall of events (overall and per type), facts and départements.

    ``predicted_by_doc`` maps a gold document name to ``{"events": [...], "facts": [...],
    "department_code": ...}`` (rows as :func:`extract_events` / :func:`extract_facts` give
    them; ``department_code`` only when the document was found by name).
    """
    counts: dict[str, list[int]] = defaultdict(lambda: [0, 0, 0])  # tp, predicted, gold
    missed: list[dict[str, Any]] = []
    extra: list[dict[str, Any]] = []
    pred_facts: set[tuple] = set()
    gold_facts: set[tuple] = set()
    violated: list[str] = []
    departments: dict[str, Any] = {"named": [0, 0], "none": [0, 0], "wrong": []}
    for doc in gold_documents(gold):
        predicted = predicted_by_doc.get(doc.name, {})
        events = predicted.get("events", [])
        required = {(e.event_type, e.date): e for e in doc.events if not e.optional}
        optional = {(e.event_type, e.date) for e in doc.events if e.optional}
        seen: dict[tuple, dict] = {}
        for e in events:
            seen.setdefault((e["event_type"], iso(e["event_date"], e.get("date_precision"))), e)
        for key, e in seen.items():
            if key in optional and key not in required:
                continue
            counts[key[0]][1] += 1
            if key in required:
                counts[key[0]][0] += 1
            else:
                extra.append({"doc": doc.name, "event_type": key[0], "date": key[1],
                              "evidence": e.get("evidence", "")})
        for key, g in required.items():
            counts[key[0]][2] += 1
            if key not in seen:
                missed.append({"doc": doc.name, "event_type": key[0], "date": key[1],
                               "evidence": g.evidence})
        for f in predicted.get("facts", []):
            pred_facts.add((doc.name, f["metric"], float(f["value"])))
        gold_facts.update((doc.name, m, v) for m, v in doc.figures)
        violated += _negatives_violated(doc.name, events, doc.negatives)
        if "department_code" in predicted:
            tally = departments["named" if doc.department_code else "none"]
            tally[1] += 1
            if predicted["department_code"] == doc.department_code:
                tally[0] += 1
            else:
                departments["wrong"].append((doc.name, doc.department_code,
                                             predicted["department_code"]))
    total = [sum(c[i] for c in counts.values()) for i in range(3)]
    return {
        "events": _prf(*total),
        "events_by_type": {t: _prf(*c) for t, c in sorted(counts.items())},
        "facts": _prf(len(pred_facts & gold_facts), len(pred_facts), len(gold_facts)),
        "departments": departments,
        "negatives_violated": violated,
        "missed_event_details": missed,
        "extra_event_details": extra,
        "false_events": sorted((x["doc"], x["event_type"], x["date"] or "") for x in extra),
        "missed_events": sorted((x["doc"], x["event_type"], x["date"] or "") for x in missed),
        "false_facts": sorted(pred_facts - gold_facts),
        "missed_facts": sorted(gold_facts - pred_facts),
    }
