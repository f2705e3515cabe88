"""`ptsm eval --gold FILE`: score a published dataset against gold files.

A gold file is recognised by its content (formats in ``docs/evaluation.md``):

- fiches gold (``{"department_code", "fiches": [...]}``): fiches and objective rows of the
  documents of that département;
- governance gold, seeds' format (``{"documents": [{"seed": ...}]}``) or web pages' format
  (``{"pages": [{"slug": ...}]}``): events per type, facts, départements.

A gold document is the published document whose source file name (or source id) is its
``seed`` / ``slug`` (with or without extension); when no published document has that name,
the rows of the published documents of its département are pooled (as for the shipped
samples, which render the seeds under other names), and its département is not scored.
"""

from __future__ import annotations

import json
from pathlib import Path, PurePosixPath
from typing import Any

import pandas as pd

from evaluation.fiches import evaluate_published, format_scores
from evaluation.governance import gold_documents, score_governance
from schemas.vocabularies import UNKNOWN_DEPARTMENT


def gold_kind(gold: dict[str, Any]) -> str:
    """"fiches" or "governance"; ValueError for anything else."""
    if "fiches" in gold:
        return "fiches"
    if "documents" in gold or "pages" in gold:
        return "governance"
    raise ValueError("unknown gold format: expected 'fiches', 'documents' or 'pages'")


def _stem(uri: str) -> str:
    name = PurePosixPath(str(uri).split("?")[0].rstrip("/")).name
    return name.split(".")[0]


def _date(value: Any) -> Any:
    return None if pd.isna(value) else pd.Timestamp(value).date()


def evaluate_governance(out: Path, gold: dict[str, Any]) -> dict[str, Any]:
    """Events, facts and départements of the published dataset scored against ``gold``."""
    documents = pd.read_parquet(out / "documents")
    events = pd.read_parquet(out / "governance_events")
    facts = pd.read_parquet(out / "facts")
    names: dict[str, list[str]] = {}
    for row in documents.to_dict("records"):
        for key in (_stem(row.get("source_uri") or ""), str(row.get("source_id") or "")):
            if key:
                names.setdefault(key, []).append(row["doc_id"])
    dept_of = dict(zip(documents.doc_id, documents.department_code.astype(str), strict=True))
    predicted: dict[str, dict[str, Any]] = {}
    for doc in gold_documents(gold):
        doc_ids = names.get(_stem(doc.name)) or names.get(doc.name)
        entry: dict[str, Any] = {}
        if doc_ids:
            ev = events[events.doc_id.isin(doc_ids)]
            fa = facts[facts.doc_id.isin(doc_ids)]
            code = dept_of[doc_ids[0]]
            entry["department_code"] = None if code == UNKNOWN_DEPARTMENT else code
        else:
            dept = doc.department_code or UNKNOWN_DEPARTMENT
            ev = events[events.department_code.astype(str) == dept]
            fa = facts[facts.department_code.astype(str) == dept]
        entry["events"] = [{**row, "event_date": _date(row["event_date"])}
                           for row in ev.to_dict("records")]
        entry["facts"] = fa.to_dict("records")
        predicted[doc.name] = entry
    return score_governance(predicted, gold)


def run_evaluation(out: Path, golds: list[Path]) -> dict[str, Any]:
    """Scores of a published dataset against each gold file, as plain data."""
    scores: dict[str, Any] = {}
    for path in golds:
        gold = json.loads(Path(path).read_text(encoding="utf-8"))
        if gold_kind(gold) == "fiches":
            scores[str(path)] = {"kind": "fiches", "scores": evaluate_published(out, gold)}
        else:
            scores[str(path)] = {"kind": "governance",
                                 "scores": evaluate_governance(out, gold)}
    return scores


def _table(rows: dict[str, dict[str, float]], title: str) -> list[str]:
    lines = [f"{title:<22}{'precision':>10}{'recall':>8}{'correct':>9}{'pred':>6}{'gold':>6}"]
    for name, s in rows.items():
        lines.append(f"{name:<22}{s['precision']:>10.3f}{s['recall']:>8.3f}{s['tp']:>9}"
                     f"{s['n_predicted']:>6}{s['n_gold']:>6}")
    return lines


def format_governance(gov: dict[str, Any]) -> str:
    """Per-type table, facts, départements, then every miss and extra with its sentence."""
    lines = _table({**gov["events_by_type"], "ALL EVENTS": gov["events"]}, "events")
    lines += _table({"facts": gov["facts"]}, "")[1:]
    named, none = gov["departments"]["named"], gov["departments"]["none"]
    if named[1] or none[1]:
        lines.append(f"départements: {named[0]} of {named[1]} named; "
                     f"{none[0]} of {none[1]} without one (région, several) left empty")
    for name, expected, got in gov["departments"]["wrong"]:
        lines.append(f"  département: {name}: expected {expected}, got {got}")
    lines.append(f"negatives violated: {len(gov['negatives_violated'])}")
    lines += [f"  {v}" for v in gov["negatives_violated"]]
    for label, key in (("missed", "missed_event_details"), ("extra", "extra_event_details")):
        for x in gov[key]:
            lines.append(f"  {label}: {x['doc']}: {x['event_type']} {x['date']}")
            lines.append(f"      « {x['evidence']} »")
    for label in ("missed_facts", "false_facts"):
        for item in gov[label]:
            lines.append(f"  {label.replace('_', ' ')}: {item}")
    return "\n".join(lines)


def format_evaluation(scores: dict[str, Any], out: Path) -> str:
    """A readable report of :func:`run_evaluation`."""
    documents = pd.read_parquet(out / "documents").set_index("doc_id")
    lines: list[str] = []
    for path, result in scores.items():
        lines.append(f"== {path}")
        if result["kind"] == "fiches":
            for doc_id, doc_scores in result["scores"].items():
                label = documents.source_id.get(doc_id, doc_id)
                lines += [format_scores(doc_scores, f"fiches: {label}"), ""]
        else:
            lines += [format_governance(result["scores"]), ""]
    return "\n".join(lines)


def metric(scores: dict[str, Any], name: str) -> float:
    """A figure of the scores by name, for floors: "events.precision", "events.recall",
    "events.<type>.recall", "facts.precision", "departments" (share of named départements
    found), "regions" (share of pages without one left empty), "negatives" (count)."""
    gov = [r["scores"] for r in scores.values() if r["kind"] == "governance"]
    if len(gov) != 1:
        raise ValueError(f"floor {name!r}: give exactly one governance gold")
    g = gov[0]
    parts = name.split(".")
    if parts[0] == "departments":
        done, n = g["departments"]["named"]
        return done / n if n else 1.0
    if parts[0] == "regions":
        done, n = g["departments"]["none"]
        return done / n if n else 1.0
    if parts[0] == "negatives":
        return float(len(g["negatives_violated"]))
    if parts[0] == "events" and len(parts) == 3:
        return g["events_by_type"].get(parts[1], {"precision": 1.0, "recall": 1.0})[parts[2]]
    if parts[0] in ("events", "facts") and len(parts) == 2:
        return g[parts[0]][parts[1]]
    raise ValueError(f"unknown floor {name!r}")


def check_floors(scores: dict[str, Any], floors: list[str]) -> list[str]:
    """Floors given as "NAME=VALUE" ("negatives" is a ceiling); the ones not met."""
    failed = []
    for floor in floors:
        name, _, value = floor.partition("=")
        try:
            limit = float(value)
        except ValueError as exc:
            raise ValueError(f"floor {floor!r}: expected NAME=NUMBER") from exc
        got = metric(scores, name.strip())
        ok = got <= limit if name.strip() == "negatives" else got >= limit - 1e-9
        if not ok:
            failed.append(f"{name.strip()} = {got:.3f} (floor {limit})")
    return failed
