"""Fiche accuracy per layout family: the samples, the borderless variant and the renderings
of scripts/render_fiche_layouts.py (tests/fixtures/layouts/), scored against their gold.

Usage: ``PYTHONPATH=. .venv/bin/python benchmarks/fiche_layouts.py`` (about a minute).
Prints one row per document: fiches found / gold, titles, priorities, operational rows,
échéance text and dates (recall), and the fiches whose pilotes and partenaires lists are
exactly the gold ones (Mayenne: as read from the sample DOCX the renderings come from).
"""

from __future__ import annotations

import json
import sys
from pathlib import Path

import pandas as pd

from evaluation.fiches import evaluate_fiches
from extractors.fiches import extract_fiches
from pipeline.readers.docx import read_docx
from pipeline.readers.pdf import read_pdf

ROOT = Path(__file__).resolve().parent.parent
GOLD = ROOT / "tests" / "fixtures" / "gold"
FAMILIES = {"b": "b table per fiche", "b2": "b table per fiche with its grid inside",
            "c": "c numbering in axes", "d": "d plan grid",
            "e": "e inline steps"}


def documents() -> list[tuple[str, Path, str]]:
    """(label, path, gold file) of every scored document."""
    docs = [("sample PDF", ROOT / "data/raw/samples/ptsm53-feuille-de-route.pdf", "mayenne"),
            ("sample DOCX", ROOT / "data/raw/samples/ptsm53-feuille-de-route.docx", "mayenne"),
            ("variant PDF (borderless)", ROOT / "tests/fixtures/variant/ptsm53-variant.pdf",
             "mayenne")]
    for path in sorted((ROOT / "tests/fixtures/layouts").glob("*.*")):
        plan, family = path.stem.rsplit("-", 1)
        docs.append((f"{plan} {FAMILIES[family]} {path.suffix[1:].upper()}", path, plan))
    return docs


def _extract(path: Path):
    reader = read_docx if path.suffix == ".docx" else read_pdf
    return extract_fiches(reader(path, source_uri=str(path), doc_id=path.stem))


def with_people(gold: dict, path: Path) -> dict:
    """The Mayenne gold with the pilotes and partenaires read from the sample DOCX, the
    source of the renderings (the hand-made gold has no people)."""
    people = {f["number"]: f for f in _extract(path).fiches}
    return {**gold, "fiches": [{**f, "pilotes": people[f["number"]]["pilotes"],
                                "partenaires": people[f["number"]]["partenaires"]}
                               for f in gold["fiches"]]}


def score(path: Path, gold: dict) -> dict[str, str]:
    result = _extract(path)
    s = evaluate_fiches(pd.DataFrame(result.fiches), pd.DataFrame(result.objectives), gold)
    row = {"fiches": f"{s['number']['correct']}/{s['number']['gold']}"
                     + (f" (+{s['number']['predicted'] - s['number']['correct']})"
                        if s['number']['predicted'] > s['number']['correct'] else ""),
           "titles": str(s["title"]["correct"]), "priorities": str(s["priority"]["correct"])}
    for name in ("rows", "echeance_text", "echeance_dates"):
        row[name] = f"{s[name]['recall']:.3f}"
    gold_fiches = {f["number"]: f for f in gold["fiches"]}
    if all("pilotes" in f for f in gold_fiches.values()):
        people = sum(f["number"] in gold_fiches
                     and (f["pilotes"], f["partenaires"]) == (
                         gold_fiches[f["number"]]["pilotes"],
                         gold_fiches[f["number"]]["partenaires"]) for f in result.fiches)
        row["pilotes+partenaires"] = f"{people}/{len(gold_fiches)}"
    return row


def main() -> int:
    golds = {name: json.loads((GOLD / f"fiches_{name}.json").read_text(encoding="utf-8"))
             for name in ("mayenne", "invented")}
    golds["mayenne"] = with_people(golds["mayenne"],
                                   ROOT / "data/raw/samples/ptsm53-feuille-de-route.docx")
    columns = ["fiches", "titles", "priorities", "rows", "echeance_text", "echeance_dates",
               "pilotes+partenaires"]
    print(f"| document | {' | '.join(columns)} |")
    print("|---" * (len(columns) + 1) + "|")
    for label, path, gold in documents():
        row = score(path, golds[gold])
        print(f"| {label} | {' | '.join(row.get(c, '') for c in columns)} |")
    return 0


if __name__ == "__main__":
    sys.exit(main())
