"""Stated numbers → facts with the metric vocabulary."""

import pytest
from governance_helpers import SEEDS, governance_gold, seed_document

from evaluation.governance import score_governance
from extractors.facts import extract_facts, facts_in_sentence, number_value
from schemas.vocabularies import METRICS


@pytest.fixture(scope="module")
def scores() -> dict:
    predicted = {seed: {"events": [], "facts": extract_facts(seed_document(name))}
                 for seed, name in SEEDS.items()}
    return score_governance(predicted, governance_gold())


def test_fact_floors_against_gold(scores: dict) -> None:
    assert scores["facts"]["precision"] >= 0.9, scores["false_facts"]
    assert scores["facts"]["recall"] >= 0.9, scores["missed_facts"]


def _facts(text: str) -> set[tuple[str, int]]:
    return {(f["metric"], f["value"]) for f in facts_in_sentence(text)}


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("De ce diagnostic ont émergé 74 pistes d’améliorations.", {("n_improvement_leads", 74)}),
        ("23 23 actions ont été retenues.", {("n_actions", 23)}),
        ("Au total, 79 propositions d'actions sont ressorties.", {("n_proposals", 79)}),
        ("La feuille de route compte 11 fiches-actions.", {("n_actions", 11)}),
        ("Le PTSM est arrêté pour une durée de cinq ans.", {("duration_years", 5)}),
        ("Le PTSM 2019-2024 du département.",
         {("period_start_year", 2019), ("period_end_year", 2024)}),
        ("Quatre orientations stratégiques structurent le PTSM.", {("n_orientations", 4)}),
        ("Le PTSM s'organise en 4 orientations stratégiques.", {("n_orientations", 4)}),
        ("Plus de 250 participants ont contribué.", {("n_participants", 250)}),
    ],
)
def test_fact_patterns(text: str, expected: set) -> None:
    assert _facts(text) == expected


@pytest.mark.parametrize(
    "text",
    [
        "Vous trouverez ci-dessous **4 fiches actions** du PTSM 53 en lien avec l'objectif 1.",
        "en lien avec les six objectifs du décret du 27 juillet 2017",
        "Mise en place d’un groupe de travail",
        "sur la tranche d'âge 16-25 ans",
        "Ex : livret 14 du PRS 2018-2022",
        "Arrêté DOS 2020-2551 PTSM 77 Signé",
        "PLANNINGS PREVISIONNELS DES ACTIONS RETENUES POUR UNE MISE EN ŒUVRE 2019-2020",
    ],
)
def test_no_fact(text: str) -> None:
    assert _facts(text.replace("**", "")) == set()


def test_metrics_in_vocabulary_and_dedup() -> None:
    facts = extract_facts(seed_document("seed000"))
    assert {f["metric"] for f in facts} <= set(METRICS)
    keys = [(f["metric"], f["value"]) for f in facts]
    assert len(keys) == len(set(keys))


def test_number_words() -> None:
    assert [number_value(w) for w in ("cinq", "vingt-trois", "1 200", "trente et un")] == [
        5, 23, 1200, 31]
