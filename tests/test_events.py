"""Governance events: gold floors, multi-event sentences, future/negated statements."""

from datetime import date

import pytest
from governance_helpers import SEEDS, governance_gold, seed_document

from evaluation.governance import score_governance
from extractors.events import events_in_sentence, extract_events
from extractors.facts import extract_facts


@pytest.fixture(scope="module")
def scores() -> dict:
    gold = governance_gold()
    predicted = {}
    for seed, name in SEEDS.items():
        doc = seed_document(name)
        predicted[seed] = {"events": extract_events(doc), "facts": extract_facts(doc)}
    return score_governance(predicted, gold)


def test_event_floors_against_gold(scores: dict) -> None:
    events = scores["events"]
    assert events["precision"] >= 0.9, scores["false_events"]
    assert events["recall"] >= 0.9, scores["missed_events"]


def test_no_gold_negative_is_extracted(scores: dict) -> None:
    assert scores["negatives_violated"] == []


def _types(text: str) -> list[tuple[str, date | None]]:
    return [(e["event_type"], e["event_date"]) for e in events_in_sentence(text)]


def test_one_sentence_several_events_with_reference() -> None:
    text = ("Après validation de la Commission Spécialisée Santé Mentale (CSSM) le 9 octobre 2019, "
            "du Conseil Territorial de Santé (CTS) le 19 décembre 2019, nous avons l’honneur de "
            "vous annoncer la signature de l’Arrêté n° DOS 2020 / 2551 portant adoption du "
            "diagnostic territorial partagé et du projet territorial de santé mentale pour le "
            "département de Seine-et-Marne le 28 octobre 2020.")
    rows = events_in_sentence(text)
    assert {(e["event_type"], e["event_date"]) for e in rows} == {
        ("opinion_cssm", date(2019, 10, 9)), ("opinion_cts", date(2019, 12, 19)),
        ("ptsm_approved", date(2020, 10, 28)), ("diagnostic_approved", date(2020, 10, 28))}
    approved = next(e for e in rows if e["event_type"] == "ptsm_approved")
    assert approved["reference"] == "DOS 2020 / 2551"


def test_actor_and_precision() -> None:
    row, = events_in_sentence("Le 26 octobre 2020 le Directeur Général de l’Agence Régionale "
                              "de Santé a approuvé le PTSM.")
    assert row["event_type"] == "ptsm_approved" and row["date_precision"] == "day"
    assert row["actor"] == "Directeur Général de l’Agence Régionale de Santé"
    row, = events_in_sentence("Adoptée le 25 janvier 2019 par le Comité de Pilotage,")
    assert (row["event_type"], row["actor"]) == ("roadmap_adopted", "Comité de Pilotage")


@pytest.mark.parametrize(
    "text",
    [
        "En parallèle de ce contrat, sera proposé une charte le 3 mars 2022.",
        "Le Contrat territorial de Santé Mentale devra être signé en 2021 avec les acteurs.",
        "Au cours du deuxième trimestre 2019, la DT53 saisira le CTS pour lui demander un avis.",
        "Le groupe projet adressera au DGARS le diagnostic en février 2019.",
        "La signature du contrat, prévue le 3 mai 2021, n'est pas encore intervenue.",
        "Cette phase n’est pas encore démarrée en 2021 : le contrat doit encore être signé.",
        "Les six objectifs du décret du 27 juillet 2017 ont été approuvés par le ministre.",
        "La feuille de route pourra être complétée après validation par le Comité de pilotage "
        "du 25 janvier 2019.",
        "Si avis favorable de l'ARS en 2020 : mise en place du dispositif.",
    ],
)
def test_future_negated_or_national_gives_no_event(text: str) -> None:
    assert events_in_sentence(text) == []


def test_mayenne_cover_and_no_plans() -> None:
    events = extract_events(seed_document("seed004"))
    got = {(e["event_type"], e["event_date"]) for e in events}
    assert ("roadmap_adopted", date(2019, 1, 25)) in got
    assert ("submitted_to_ars", date(2019, 2, 1)) in got
    assert all(e["event_date"] is None or e["event_date"].year <= 2019 for e in events)


def test_repeated_blocks_give_one_event() -> None:
    events = extract_events(seed_document("seed000"))
    keys = [(e["event_type"], e["event_date"]) for e in events]
    assert len(keys) == len(set(keys)) == 5
    assert all(isinstance(e["passage_seq"], int) for e in events)
