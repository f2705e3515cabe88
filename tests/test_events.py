"""Governance events: gold floors, multi-event sentences, future/negated statements."""

from datetime import date

import pytest
from governance_helpers import SEEDS, document_from_lines, governance_gold, seed_document

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


# Phrasings of each event type (sentences written for the tests): conjugations, passives,
# participles and nouns come from the lemma lexicon, the date from the trigger's clause.
@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("Missionnés par le Directeur Général de l'ARS le 2 août 2018, les membres du CTS ont "
         "conduit la démarche.", ("mission_assigned", date(2018, 8, 2))),
        ("L'ARS a confié en 2018 l'élaboration du PTSM au centre hospitalier.",
         ("mission_assigned", date(2018, 1, 1))),
        ("La démarche d'élaboration du PTSM a démarré en 2018.",
         ("diagnostic_launched", date(2018, 1, 1))),
        ("Les travaux du diagnostic territorial partagé ont débuté en janvier 2018.",
         ("diagnostic_launched", date(2018, 1, 1))),
        ("Le lancement du diagnostic territorial partagé a eu lieu le 14 février 2018.",
         ("diagnostic_launched", date(2018, 2, 14))),
        ("Le DTP a été validé par arrêté du directeur général le 05 juillet 2019.",
         ("diagnostic_approved", date(2019, 7, 5))),
        ("Le comité de pilotage a adopté la feuille de route le 12 mars 2019.",
         ("roadmap_adopted", date(2019, 3, 12))),
        ("Le PTSM a été transmis au directeur général de l'ARS le 15 juin 2020.",
         ("submitted_to_ars", date(2020, 6, 15))),
        ("En 2019, la CSSM a rendu un avis favorable sur le projet territorial.",
         ("opinion_cssm", date(2019, 1, 1))),
        ("Le conseil local de santé mentale s'est prononcé favorablement sur le PTSM le 3 "
         "février 2020.", ("opinion_local", date(2020, 2, 3))),
        ("L'assemblée plénière du CTS s'est réunie le 4 juin 2019 et a approuvé le projet "
         "présenté.", ("opinion_cts", date(2019, 6, 4))),
        ("Le PTSM, qui sera mis en œuvre sur cinq ans, a été approuvé par le DGARS le 3 "
         "décembre 2020.", ("ptsm_approved", date(2020, 12, 3))),
        ("Par arrêté du 12 novembre 2020, le directeur général de l'ARS a arrêté le projet "
         "territorial de santé mentale.", ("ptsm_approved", date(2020, 11, 12))),
        ("Le CTSM a été conclu le 03 décembre 2021.", ("contract_signed", date(2021, 12, 3))),
        ("Les partenaires ont paraphé le contrat territorial le 8 octobre 2021.",
         ("contract_signed", date(2021, 10, 8))),
        ("Signature du CTSM : 15 septembre 2021", ("contract_signed", date(2021, 9, 15))),
        ("Les acteurs ont signé le plan d'actions.", ("contract_signed", None)),
        ("Le 5 avril 2019, le comité de pilotage a été installé.",
         ("other_milestone", date(2019, 4, 5))),
        ("Lancement officiel du PTSM le 10 mars 2022.", ("other_milestone", date(2022, 3, 10))),
    ],
)
def test_phrasings(text: str, expected: tuple[str, date | None]) -> None:
    assert _types(text) == [expected]


def test_one_trigger_several_objects_and_head_object() -> None:
    assert set(_types("Le diagnostic et le PTSM ont été validés par l'ARS en décembre 2021.")) \
        == {("diagnostic_approved", date(2021, 12, 1)), ("ptsm_approved", date(2021, 12, 1))}
    assert _types("Le plan d'actions du PTSM a été adopté le 20 mai 2019.") == [
        ("roadmap_adopted", date(2019, 5, 20))]


@pytest.mark.parametrize(
    "text",
    [
        "Le contrat territorial de santé mentale sera signé en 2023.",
        "La signature du CTSM est prévue le 12 mai 2023.",
        "Le PTSM n'a pas encore été validé par l'ARS en 2021.",
        "Il est prévu de lancer le diagnostic en 2024.",
        "Afin de lancer le diagnostic en 2019, l'ARS a réuni les acteurs.",
        "Si le PTSM est validé en 2020, le contrat pourra être signé.",
        "Le diagnostic devrait être validé en juin 2020.",
        "Le PTSM doit être arrêté par le DGARS avant le 27 juillet 2020.",
        "Le projet régional de santé a été arrêté le 31 octobre 2023.",
        "La démarche de labellisation a été lancée en 2021.",
        "Les travaux de rénovation du CMP ont débuté en 2020.",
        "Les grandes étapes feront l'objet d'une validation lors d'une assemblée plénière.",
        "Le diagnostic territorial partagé et le projet sont arrêtés par le directeur général.",
    ],
)
def test_plans_rules_and_other_plans_give_nothing(text: str) -> None:
    assert events_in_sentence(text) == []


def _doc_events(*lines: str) -> list[tuple[str, date | None, str | None]]:
    doc = document_from_lines("t", list(lines))
    return [(e["event_type"], e["event_date"], e["date_text"]) for e in extract_events(doc)]


def test_year_only_from_the_same_day_and_month_of_the_document() -> None:
    assert _doc_events("Le mercredi 2 mars, le contrat territorial de santé mentale a été signé.",
                       "Le mercredi 2 mars 2022, les partenaires se sont réunis.") == [
        ("contract_signed", date(2022, 3, 2), "mercredi 2 mars")]
    assert _doc_events("Le 25 mai dernier, le CTSM a été signé à la préfecture.",
                       "Publié le 3 juin 2023.") == [("contract_signed", None, "25 mai")]
    assert _doc_events("Le CTSM a été signé récemment avec l'ARS.") == [
        ("contract_signed", None, "récemment")]


def test_timeline_line_dates_the_line_below_and_relaunch() -> None:
    assert _doc_events("Mars 2018", "Lancement du diagnostic partagé", "Juin 2019",
                       "Validation du diagnostic par l'ARS") == [
        ("diagnostic_launched", date(2018, 3, 1), "Mars 2018"),
        ("diagnostic_approved", date(2019, 6, 1), "Juin 2019")]
    assert _doc_events("Le diagnostic a été approuvé par l'ARS en mai 2019.",
                       "Le lancement du PTSM a eu lieu en octobre 2019.") == [
        ("diagnostic_approved", date(2019, 5, 1), "mai 2019"),
        ("other_milestone", date(2019, 10, 1), "octobre 2019")]


def test_most_precise_date_kept() -> None:
    assert _doc_events("Le CTSM a été signé en 2021.", "Le CTSM a été signé le 3 mai 2021.",
                       "Les partenaires ont signé le contrat.") == [
        ("contract_signed", date(2021, 5, 3), "3 mai 2021")]


def test_document_acronym_resolved_before_matching() -> None:
    validated = "Le DPT a été validé par l'ARS le 4 mars 2020."
    assert _doc_events(validated) == []  # "DPT" alone names nothing known
    assert _doc_events("Le Diagnostic Partagé de Territoire (DPT) décrit les parcours.",
                       validated) == [("diagnostic_approved", date(2020, 3, 4), "4 mars 2020")]
