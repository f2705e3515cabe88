"""Département detection: reference table, the seed documents, and the traps."""

from __future__ import annotations

import csv
from pathlib import Path

import pytest

from extractors.departments import (
    DATA_FILE,
    department_by_code,
    detect_department,
    load_departments,
    region_names,
)

TEXTS = Path(__file__).parent / "fixtures" / "text"


def seed(name: str) -> str:
    return (TEXTS / f"{name}.txt").read_text(encoding="utf-8")


# ----------------------------------------------------------------------- reference table


def test_table_has_101_departements_with_unique_codes() -> None:
    with DATA_FILE.open(encoding="utf-8", newline="") as fh:
        rows = list(csv.DictReader(fh))
    assert len(rows) == 101
    codes = [r["code"] for r in rows]
    assert len(set(codes)) == 101
    expected = ({f"{n:02d}" for n in range(1, 96) if n != 20} | {"2A", "2B"}
                | {"971", "972", "973", "974", "976"})
    assert set(codes) == expected
    assert {r["article"] for r in rows} <= {"la ", "l'", "le ", "les ", ""}


def test_eighteen_regions() -> None:
    regions = region_names()
    assert len(regions) == 18
    overseas = {"Guadeloupe", "Martinique", "Guyane", "La Réunion", "Mayotte"}
    assert overseas <= set(regions)
    assert len(set(regions) - overseas) == 13


@pytest.mark.parametrize(("code", "name", "article", "region"), [
    ("35", "Ille-et-Vilaine", "l'", "Bretagne"),
    ("53", "Mayenne", "la ", "Pays de la Loire"),
    ("77", "Seine-et-Marne", "la ", "Île-de-France"),
    ("79", "Deux-Sèvres", "les ", "Nouvelle-Aquitaine"),
    ("2A", "Corse-du-Sud", "la ", "Corse"),
    ("59", "Nord", "le ", "Hauts-de-France"),
    ("974", "La Réunion", "", "La Réunion"),
])
def test_known_rows(code: str, name: str, article: str, region: str) -> None:
    dept = department_by_code(code)
    assert dept is not None
    assert (dept.name, dept.article, dept.region) == (name, article, region)


def test_department_by_code_normalises() -> None:
    assert department_by_code("2a").code == "2A"  # type: ignore[union-attr]
    assert department_by_code(1).code == "01"  # type: ignore[union-attr]
    assert department_by_code("20") is None
    assert department_by_code("975") is None
    assert department_by_code(None) is None
    assert load_departments() is not load_departments()  # callers may not mutate the cache
    assert load_departments() == load_departments()


def test_demonyms_loaded() -> None:
    assert "brétillien" in department_by_code("35").demonyms  # type: ignore[union-attr]
    assert "mayennais" in department_by_code("53").demonyms  # type: ignore[union-attr]


# ------------------------------------------------------------------------------- seeds


def test_seed000_ille_et_vilaine() -> None:
    m = detect_department(seed("seed000"))
    assert (m.code, m.scope, m.region) == ("35", "department", "Bretagne")
    assert m.confidence > 0.9
    assert "PTSM 35" in m.evidence


def test_seed001_seine_et_marne_despite_ile_de_france() -> None:
    m = detect_department(seed("seed001"))
    assert (m.code, m.name, m.scope) == ("77", "Seine-et-Marne", "department")
    assert m.region == "Île-de-France"
    assert m.confidence > 0.9


def test_seed002_names_no_departement() -> None:
    m = detect_department(seed("seed002"))
    assert m.scope == "unknown"
    assert m.code is None


def test_seed004_mayenne() -> None:
    m = detect_department(seed("seed004"))
    assert (m.code, m.scope) == ("53", "department")
    assert m.candidates[0][0] == "53"
    # "Nord Mayenne", "Pays de la Loire" give nothing else; "la petite cabane de Nantes"
    # is a city signal far below the floor.
    assert all(score < 1.0 for _, score in m.candidates[1:])


# ------------------------------------------------------------------------------ signals


@pytest.mark.parametrize(("text", "code"), [
    ("Le PTSM 53 a été approuvé.", "53"),
    ("Le PTSM53 a été approuvé.", "53"),
    ("Le PTSM du 53 a été approuvé.", "53"),
    ("Le projet du Département de la Mayenne.", "53"),
    ("Le projet du département de Seine-et-Marne.", "77"),
    ("Les acteurs de l'Ille-et-Vilaine et de l'Ille-et-Vilaine.", "35"),
    ("Le diagnostic partagé en Mayenne.", "53"),
    ("Les psychiatres mayennais et les familles mayennaises.", "53"),
    ("La communauté brétillienne.", "35"),
    ("La délégation territoriale DT53 de l'ARS.", "53"),
    ("ARS Pays de la Loire, délégation territoriale de la Mayenne.", "53"),
    ("Le PTSM de SEINE ET MARNE.", "77"),
    ("Les acteurs de Seine et Marne, SEINE-ET-MARNE.", "77"),
    ("Le PTSM d'Ille et Vilaine.", "35"),
    ("Le PTSM de la Seine-St-Denis.", "93"),
    ("Le département du Nord.", "59"),
    ("Le département de la Manche.", "50"),
    ("Le département de la Somme.", "80"),
    ("Le département de l'Ain.", "01"),
    ("Le PTSM de la Charente.", "16"),
    ("Le PTSM de la Charente-Maritime et la Charente-Maritime.", "17"),
    ("Le PTSM de l'Indre-et-Loire.", "37"),
    ("Le PTSM de la Haute-Savoie ; la Savoie voisine.", "74"),
    ("Le PTSM de la Loire-Atlantique, en Pays de la Loire.", "44"),
    ("Le PTSM de la Corse-du-Sud ; la Corse.", "2A"),
    ("Le PTSM de La Réunion ; les usagers réunionnais.", "974"),
])
def test_detects(text: str, code: str) -> None:
    m = detect_department(text)
    assert (m.code, m.scope) == (code, "department"), m


@pytest.mark.parametrize("text", [
    "Le CH Nord Mayenne et le Nord-Mayenne.",  # Mayenne, never Nord
    "Le centre hospitalier du Nord-Mayenne organise la réunion.",
])
def test_nord_mayenne_is_not_nord(text: str) -> None:
    m = detect_department(text)
    assert "59" not in dict(m.candidates)
    assert m.code in (None, "53")


@pytest.mark.parametrize("text", [
    "En somme, le projet avance bien.",
    "Il faut allier soins et accompagnement ; un lot de mesures ; cher collègue.",
    "La réunion du comité de pilotage a eu lieu. LA RÉUNION DU COPIL.",
    "Neuilly-sur-Marne, Marne-la-Vallée, Villeneuve-sur-Lot, Saint-Cyr-sur-Loire.",
    "Les bords de la Loire ; la Manche est une mer.",
    "En Afrique du Nord et en mer du Nord, vers le pôle Nord.",
    "Réunion à Paris, puis à Paris encore, et à Paris.",
    "L'Ornement orne la salle ; un Cherbourgeois ; la Sommelière.",
    "Le Gers, le Doubs, le Lot, le Var, le Cher.",
    "L'ARS 01 et la phase 02 ; 53 participants ; page 35.",
    "Laval (53) et Château-Gontier (53), 53000 Laval.",  # weak signals never decide alone
    "En Somme, les acteurs sont mobilisés.",  # "en Somme" is weak
])
def test_traps_give_no_departement(text: str) -> None:
    m = detect_department(text)
    assert m.code is None, m
    assert m.scope == "unknown"


def test_loire_is_not_pays_de_la_loire() -> None:
    m = detect_department("Les établissements des Pays de la Loire. L'ARS Pays de la Loire.")
    assert "42" not in dict(m.candidates)
    assert (m.scope, m.region, m.code) == ("region", "Pays de la Loire", None)


def test_indre_is_not_indre_et_loire() -> None:
    m = detect_department("Le PTSM de l'Indre-et-Loire.")
    assert "36" not in dict(m.candidates)


def test_weak_signals_tip_but_do_not_decide() -> None:
    m = detect_department("Laval (53)")
    assert m.code is None and m.candidates == [("53", 0.3)]
    assert detect_department("Le diagnostic en Mayenne, Laval (53).").code == "53"


# ------------------------------------------------------------------ région / several


@pytest.mark.parametrize("text", [
    "Les PTSM d'Île-de-France avancent dans tous les départements d'Île-de-France.",
    "Cette phase n'est pas encore démarrée, dans aucun département d'Ile-de-France.",
    "L'ARS Île-de-France a réuni les PTSM d'Île-de-France : PTSM 77, PTSM 78.",
])
def test_region_pages(text: str) -> None:
    m = detect_department(text)
    assert (m.scope, m.region, m.code) == ("region", "Île-de-France", None)


def test_several_departements_without_a_dominant_one() -> None:
    m = detect_department("Le PTSM 35, le PTSM 53 et le PTSM 72 mutualisent une action.")
    assert (m.scope, m.code) == ("multi", None)
    assert {c for c, _ in m.candidates} == {"35", "53", "72"}


def test_several_departements_of_one_region() -> None:
    m = detect_department("Le PTSM de la Sarthe et le PTSM de la Mayenne travaillent ensemble.")
    assert (m.scope, m.code, m.region) == ("multi", None, "Pays de la Loire")


def test_dominant_departement_among_several() -> None:
    text = ("Le PTSM 53 ... le PTSM 53 ... le département de la Mayenne ... "
            "en lien avec le PTSM de la Sarthe.")
    assert detect_department(text).code == "53"


# ------------------------------------------------------------------ title / URL / hint


@pytest.mark.parametrize(("url", "code"), [
    ("https://santementale79.fr/le-ptsm", "79"),
    ("https://ptsm35.fr/composition-du-ptsm-35", "35"),
    ("https://www.ptsm-53.fr/", "53"),
    ("http://ct.sante-iledefrance.fr/actualites-publications/arrete-et-perspectives-du-projet-"
     "territorial-de-sante-mentale-ptsm-de-seine-et-marne/", "77"),
])
def test_url_when_text_is_silent(url: str, code: str) -> None:
    m = detect_department("Le projet avance. La méthode ANAP.", url=url)
    assert (m.code, m.scope) == (code, "department")
    assert m.evidence.startswith("adresse :")


def test_region_only_url() -> None:
    m = detect_department("Le projet avance.", url="http://ct.sante-iledefrance.fr/actualites/")
    assert (m.scope, m.region, m.code) == ("region", "Île-de-France", None)


def test_title_when_text_is_silent() -> None:
    m = detect_department("Le projet avance.", title="Le PTSM de la Sarthe")
    assert (m.code, m.scope) == ("72", "department")
    assert m.evidence.startswith("titre :")


def test_text_beats_title_and_url() -> None:
    m = detect_department("Le PTSM 53 et le PTSM 53.", title="PTSM de la Sarthe",
                          url="https://ptsm35.fr/")
    assert m.code == "53"


def test_url_breaks_a_tie_between_departements_of_the_text() -> None:
    text = "Le PTSM 35 et le PTSM 53 échangent."
    assert detect_department(text).scope == "multi"
    assert detect_department(text, url="https://ptsm35.fr/").code == "35"
    assert detect_department(text, url="https://santementale79.fr/").scope == "multi"


@pytest.mark.parametrize(("hint", "code"), [
    ("53", "53"), ("2a", "2A"), ("Seine et Marne", "77"), ("ILLE-ET-VILAINE", "35"), ("1", "01"),
])
def test_hint_wins(hint: str, code: str) -> None:
    m = detect_department("Le PTSM 35 et le PTSM 35.", hint=hint)
    assert (m.code, m.scope, m.confidence) == (code, "department", 1.0)


def test_region_hint_and_invalid_hint() -> None:
    assert detect_department("x", hint="Bretagne").scope == "region"
    assert detect_department("Le PTSM 35.", hint="zzz").code == "35"


def test_empty_input() -> None:
    m = detect_department("")
    assert (m.code, m.scope, m.confidence, m.candidates) == (None, "unknown", 0.0, [])


# ------------------------------------------------------------------ contexts of a département


@pytest.mark.parametrize(("text", "code"), [
    ("La signature s'est déroulée à la Préfecture du Jura, dans le Jura.", "39"),
    ("La commission spécialisée en santé mentale de Paris a présenté le projet.", "75"),
    ("Les équipes du CHRU de Lille et de l'arrondissement de Lille, avec la Sauvegarde du "
     "Nord, ont rédigé le projet.", "59"),
    ("L'Aveyron est le premier département d'Occitanie à signer un contrat ; l'ARS Occitanie "
     "salue la démarche conduite en Aveyron.", "12"),
])
def test_departement_named_through_its_institutions_or_its_chef_lieu(text: str,
                                                                      code: str) -> None:
    assert detect_department(text).code == code


def test_chef_lieu_needs_a_preposition_and_stays_below_the_floor_alone() -> None:
    assert detect_department("Laval, Château-Gontier.").candidates == []
    m = detect_department("Une journée à Toulouse.")
    assert m.code is None and m.candidates == [("31", 0.4)]
