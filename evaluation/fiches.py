"""Score published `fiches` / `fiche_objectives` tables against a gold file.

Per field, precision = correct / predicted and recall = correct / gold:

- ``number``: fiche numbers found;
- ``title``, ``priority``: fiches whose number is found and whose value equals the gold one
  (titles compared after whitespace/quote normalisation);
- ``rows``: operational rows matched one-to-one, per fiche, by fuzzy text (rapidfuzz
  ``partial_ratio`` of the gold text start against the row text, or the share of the gold
  words found in order at the start of the row, whichever is higher);
- ``echeance_text`` / ``echeance_dates``: matched rows whose échéance text / (start, end)
  equal the gold ones.

``python -m evaluation.fiches --out data/curated --gold tests/fixtures/gold/...``
scores every document of the gold's département found in the published tables.
"""

from __future__ import annotations

import argparse
import json
import re
import sys
from dataclasses import dataclass
from datetime import date
from pathlib import Path
from typing import Any

import pandas as pd
from rapidfuzz import fuzz
from rapidfuzz.distance import LCSseq

from extractors.fiche_patterns import clean
from extractors.textfold import fold


@dataclass(frozen=True)
class EvalSettings:
    """Matching thresholds for the evaluation."""

    row_min_score: float = 85.0  # rapidfuzz partial_ratio to match an operational row
    row_prefix_chars: int = 60  # gold text start compared


def _norm(text: Any) -> str:
    if text is None or (isinstance(text, float) and pd.isna(text)):
        return ""
    return re.sub(r"\s+", " ", fold(clean(str(text))).replace("«", '"').replace("»", '"')).strip()


def _iso(value: Any) -> str | None:
    if value is None or (not isinstance(value, str) and pd.isna(value)):
        return None
    if isinstance(value, pd.Timestamp | date):
        return value.isoformat()[:10]
    return str(value)[:10]


def _row_score(gold_start: str, text: str) -> float:
    """Best of a fuzzy substring score and the share of the gold words found in order at the
    start of the row (a cell whose lines were interleaved with a neighbour cell's lines)."""
    words = gold_start.split()[:-1] or gold_start.split()  # last word may be cut
    row_words = text.split()[: 3 * len(words)]
    coverage = 100.0 * LCSseq.similarity(words, row_words) / len(words) if words else 0.0
    return max(fuzz.partial_ratio(gold_start, text), coverage)


def _pr(correct: int, n_pred: int, n_gold: int) -> dict[str, float | int]:
    return {"precision": correct / n_pred if n_pred else 0.0,
            "recall": correct / n_gold if n_gold else 0.0,
            "correct": correct, "predicted": n_pred, "gold": n_gold}


def evaluate_fiches(fiches_df: pd.DataFrame, objectives_df: pd.DataFrame, gold: dict,
                    settings: EvalSettings | None = None) -> dict[str, dict[str, float | int]]:
    """Precision and recall per field for one document's fiches and objectives."""
    settings = settings or EvalSettings()
    gold_fiches = {int(f["number"]): f for f in gold["fiches"]}
    pred = {int(r["number"]): r for r in fiches_df.to_dict("records")}
    found = set(pred) & set(gold_fiches)
    scores = {"number": _pr(len(found), len(pred), len(gold_fiches))}
    titles = sum(_norm(pred[n]["title"]) == _norm(gold_fiches[n]["title"]) for n in found)
    scores["title"] = _pr(titles, len(pred), len(gold_fiches))
    prio = sum(pred[n].get("priority") is not None and not pd.isna(pred[n]["priority"])
               and int(pred[n]["priority"]) == int(gold_fiches[n]["priority"]) for n in found)
    scores["priority"] = _pr(prio, len(pred), len(gold_fiches))

    objectives = objectives_df
    if "number" not in objectives.columns and "fiche_id" in objectives.columns:
        ids = fiches_df[["fiche_id", "number"]]
        objectives = objectives.merge(ids, on="fiche_id", how="left")
    ops = objectives[objectives["kind"] == "operationnel"] if len(objectives) else objectives
    n_pred_rows = len(ops)
    n_gold_rows = sum(len(f.get("operational_rows", [])) for f in gold_fiches.values())
    matched = ech_text = ech_dates = 0
    for number, gfiche in gold_fiches.items():
        rows = ops[ops["number"] == number].to_dict("records") if len(ops) else []
        used: set[int] = set()
        for grow in gfiche.get("operational_rows", []):
            target = _norm(grow["text"])[: settings.row_prefix_chars]
            best, best_j = 0.0, None
            for j, row in enumerate(rows):
                if j in used:
                    continue
                score = _row_score(target, _norm(row["text"]))
                if score > best:
                    best, best_j = score, j
            if best_j is None or best < settings.row_min_score:
                continue
            used.add(best_j)
            row = rows[best_j]
            matched += 1
            ech_text += _norm(row.get("echeance_text")) == _norm(grow.get("echeance_text"))
            ech_dates += (_iso(row.get("echeance_start")) == grow.get("echeance_start")
                          and _iso(row.get("echeance_end")) == grow.get("echeance_end"))
    scores["rows"] = _pr(matched, n_pred_rows, n_gold_rows)
    scores["echeance_text"] = _pr(ech_text, n_pred_rows, n_gold_rows)
    scores["echeance_dates"] = _pr(ech_dates, n_pred_rows, n_gold_rows)
    return scores


def format_scores(scores: dict[str, dict[str, float | int]], label: str = "") -> str:
    lines = [f"{label}".strip(), f"{'field':<16}{'precision':>10}{'recall':>10}{'correct':>9}"
             f"{'pred':>6}{'gold':>6}"]
    for name, s in scores.items():
        lines.append(f"{name:<16}{s['precision']:>10.3f}{s['recall']:>10.3f}{s['correct']:>9}"
                     f"{s['predicted']:>6}{s['gold']:>6}")
    return "\n".join(x for x in lines if x)


def evaluate_published(out: Path, gold: dict) -> dict[str, dict[str, dict[str, float | int]]]:
    """Scores per document of the gold's département in a published dataset."""
    fiches = pd.read_parquet(out / "fiches")
    objectives = pd.read_parquet(out / "fiche_objectives")
    dept = gold.get("department_code")
    if dept is not None and "department_code" in fiches.columns:
        fiches = fiches[fiches["department_code"].astype(str) == str(dept)]
    results: dict[str, dict[str, dict[str, float | int]]] = {}
    for doc_id, doc_fiches in fiches.groupby("doc_id"):
        doc_obj = objectives[objectives["fiche_id"].isin(doc_fiches["fiche_id"])]
        results[str(doc_id)] = evaluate_fiches(doc_fiches, doc_obj, gold)
    return results


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description="Score published fiches against a gold file.")
    parser.add_argument("--out", type=Path, default=Path("data/curated"))
    parser.add_argument("--gold", type=Path, required=True)
    args = parser.parse_args(argv)
    try:
        gold = json.loads(args.gold.read_text(encoding="utf-8"))
        results = evaluate_published(args.out, gold)
    except (OSError, ValueError, KeyError) as exc:
        print(f"evaluation failed: {exc}", file=sys.stderr)
        return 2
    if not results:
        print(f"no fiches of département {gold.get('department_code')} in {args.out}",
              file=sys.stderr)
        return 2
    for doc_id, scores in results.items():
        print(format_scores(scores, f"document {doc_id}"))
        print()
    return 0


if __name__ == "__main__":
    sys.exit(main())
