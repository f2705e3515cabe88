"""The evaluation tool on its own: gold formats, optional events, floors, page rendering."""

from __future__ import annotations

from datetime import date
from pathlib import Path

import pytest

from evaluation.dev_pages import FAMILIES, body_blocks, family_of, render_all
from evaluation.evaluate import check_floors
from evaluation.governance import gold_documents, score_governance
from pipeline.readers import read_document

PAGES_GOLD = {"pages": [
    {"slug": "page-a", "department_code": "53", "events": [
        {"event_type": "contract_signed", "date": "2021-05-03", "evidence": "Signé le 3 mai."},
        {"event_type": "diagnostic_launched", "date": "2019", "optional": True},
        {"event_type": "ptsm_approved", "date": None, "evidence": "Approuvé récemment."}]},
    {"slug": "page-b", "department_code": None, "events": []},
]}


def _event(event_type: str, when: date | None, precision: str | None) -> dict:
    return {"event_type": event_type, "event_date": when, "date_precision": precision,
            "evidence": "…"}


def test_pages_format_optional_events_and_departments() -> None:
    predicted = {
        "page-a": {"department_code": "53", "events": [
            _event("contract_signed", date(2021, 5, 3), "day"),
            _event("diagnostic_launched", date(2019, 1, 1), "year"),  # optional: no error
            _event("opinion_cts", date(2020, 1, 1), "year")]},  # extra
        "page-b": {"department_code": "72", "events": []},
    }
    scores = score_governance(predicted, PAGES_GOLD)
    assert (scores["events"]["tp"], scores["events"]["n_predicted"],
            scores["events"]["n_gold"]) == (1, 2, 2)
    assert scores["events_by_type"]["ptsm_approved"]["recall"] == 0.0
    assert [x["event_type"] for x in scores["missed_event_details"]] == ["ptsm_approved"]
    assert scores["missed_event_details"][0]["evidence"] == "Approuvé récemment."
    assert [x["event_type"] for x in scores["extra_event_details"]] == ["opinion_cts"]
    assert scores["departments"]["named"] == [1, 1]
    assert scores["departments"]["none"] == [0, 1]


def test_both_governance_formats_read_alike() -> None:
    seeds = {"documents": [{"seed": "x.txt", "department_code": "35", "events": [
        {"event_type": "ptsm_approved", "date": "2020-10-26"}], "negatives": ["n"]}]}
    doc, = gold_documents(seeds)
    assert (doc.name, doc.events[0].date, doc.negatives) == ("x.txt", "2020-10-26", ["n"])
    assert [d.name for d in gold_documents(PAGES_GOLD)] == ["page-a", "page-b"]
    with pytest.raises(ValueError):
        gold_documents({"fiches": []})


def test_floors() -> None:
    scores = {"g": {"kind": "governance", "scores": score_governance({}, PAGES_GOLD)}}
    assert check_floors(scores, ["events.recall=0", "negatives=0"]) == []
    failed = check_floors(scores, ["events.recall=0.9", "events.contract_signed.recall=1"])
    assert len(failed) == 2 and failed[0].startswith("events.recall = 0.000")
    with pytest.raises(ValueError):
        check_floors(scores, ["events.recall"])


EXCERPT = """URL: https://www.exemple-hopital.fr/actualites/le-projet-territorial

Le projet territorial avance
Une rencontre s'est tenue à l'hôpital avec les partenaires du territoire.
Les priorités
  • Repérage précoce des troubles ;
  • Accès aux soins somatiques.
La démarche associe les usagers et leurs familles.
"""


def test_every_site_family_keeps_the_excerpt_lines(tmp_path: Path) -> None:
    title, blocks = body_blocks(EXCERPT.splitlines()[1:])
    assert title == "Le projet territorial avance"
    assert blocks[1] == "<h2>Les priorités</h2>" and blocks[2].startswith("<ul>")
    src = tmp_path / "src"
    src.mkdir()
    names: dict[int, str] = {}
    for i in range(40):  # one page of each family
        names.setdefault(family_of(f"page-{i}"), f"page-{i}")
    assert len(names) == len(FAMILIES)
    for name in names.values():
        (src / f"{name}.txt").write_text(EXCERPT, encoding="utf-8")
    for page in render_all(src, tmp_path / "out"):
        html = page.read_text(encoding="utf-8")
        assert 'rel="canonical" href="https://www.exemple-hopital.fr/' in html
        doc = read_document(page, "text/html", source_uri=str(page), doc_id=page.stem)
        text = "\n".join(b.text for b in doc.blocks)
        for line in ("Une rencontre s'est tenue", "Accès aux soins somatiques",
                     "La démarche associe les usagers"):
            assert line in text, (page.name, line)
