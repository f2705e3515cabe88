"""Fiches from every layout family (issue 15): label catalogue, key/value fiche tables,
plan grids, numbering inside axes, steps with an inline échéance — on sentences written
here and on the renderings of scripts/render_fiche_layouts.py (tests/fixtures/layouts/)."""

from __future__ import annotations

import json
from pathlib import Path

import pandas as pd
import pytest

from evaluation.fiches import evaluate_fiches
from extractors.fiche_patterns import label_field, split_embedded_labels
from extractors.fiches import FicheExtraction, extract_fiches
from pipeline.readers.docx import read_docx
from pipeline.readers.pdf import read_pdf
from schemas.document import Block, Document, finalize_blocks

FIXTURES = Path(__file__).resolve().parent / "fixtures"
LAYOUTS = FIXTURES / "layouts"
GOLD_MAYENNE = json.loads((FIXTURES / "gold" / "fiches_mayenne.json").read_text("utf-8"))
GOLD_INVENTED = json.loads((FIXTURES / "gold" / "fiches_invented.json").read_text("utf-8"))
LAYOUT_OF = {"b": "table", "b2": "table", "c": "heading", "d": "grid", "e": "inline"}


def _doc(*blocks: Block) -> Document:
    return Document(doc_id="t", source_uri="t", media_type="text/plain",
                    blocks=finalize_blocks(list(blocks)))


def _ops(result: FicheExtraction, number: int | None = None) -> list[dict]:
    return [o for o in result.objectives if o["kind"] == "operationnel"
            and (number is None or o["number"] == number)]


# --- the label catalogue ---------------------------------------------------------------

@pytest.mark.parametrize(("text", "field", "value"), [
    ("Porteur de l'action : CH de Laval", "pilotes", "CH de Laval"),
    ("Responsable(s) : Conseil départemental", "pilotes", "Conseil départemental"),
    ("Référent", "pilotes", ""),
    ("Acteurs associés : GEM, UNAFAM", "partenaires", "GEM, UNAFAM"),
    ("Partenaire(s) asssociés : CPTS", "partenaires", "CPTS"),  # typo: fuzzy match
    ("Descriptif :", "objectifs_strategiques", ""),
    ("Modalités de mise en œuvre", "objectifs_operationnels", ""),
    ("Calendrier : 2024-2025", "echeance", "2024-2025"),
    ("Critères d'évaluation : taux de recours", "indicateurs", "taux de recours"),
    ("Bénéficiaires : familles", "public_cible", "familles"),
    ("Budget prévisionnel : 20 k€", "moyens", "20 k€"),
    ("Intitulé de l'action", "title", ""),
])
def test_labels_map_to_fields_through_the_catalogue(text: str, field: str, value: str) -> None:
    assert label_field(text) == (field, value)


@pytest.mark.parametrize("text", [
    "Objectif 3 du décret : soins somatiques",  # a section, not a field
    "Projet 1 : Réfléchir à un lieu de répit",  # a numbered step
    "Les professionnels rencontrés lors des ateliers ont souligné : le manque de places",
])
def test_sentences_are_not_labels(text: str) -> None:
    assert label_field(text) is None


def test_labels_a_reader_joined_to_the_line_above_are_cut() -> None:
    assert split_embedded_labels("GEM, UNAFAM Objectifs :") == ["GEM, UNAFAM", "Objectifs :"]
    assert split_embedded_labels("Former les agents — Échéance : 2021 Moyens : 1 ETP") == [
        "Former les agents — Échéance : 2021", "Moyens : 1 ETP"]


def test_fiche_with_other_labels_is_read_whole() -> None:
    doc = _doc(Block("heading", "Fiche action n°4 : Ouvrir un lieu de répit", level=2),
               Block("paragraph", "Responsable(s) : CH de Laval"),
               Block("paragraph", "Acteurs associés : GEM ; UNAFAM"),
               Block("paragraph", "Descriptif :"),
               Block("list_item", "Offrir un relais aux aidants"),
               Block("paragraph", "Calendrier : 2022"))
    (fiche,) = extract_fiches(doc).fiches
    assert fiche["pilotes"] == ["CH de Laval"] and fiche["partenaires"] == ["GEM", "UNAFAM"]
    assert fiche["objectifs_strategiques"] == ["Offrir un relais aux aidants"]


# --- b. one key/value table per fiche ----------------------------------------------------

def _kv_table(banner: list[str], rows: list[list[str]]) -> Block:
    return Block("table", "", rows=[banner, *rows])


def test_key_value_tables_with_banner_continued_in_one_block() -> None:
    fiche = [["Intitulé de l'action", "Former les gardiens d'immeuble"],
             ["Priorité du décret", "Objectif 6 : déterminants sociaux"],
             ["Porteur(s)", "Bailleur social, CLSM"],
             ["Partenaires associés", "Centre médico-psychologique"],
             ["Actions à mettre en œuvre", "1. Concevoir le module — Échéance : fin 2023\n"
                                           "2. Former trois promotions (2024-2025)"]]
    table = Block("table", "", rows=[["FICHE ACTION N° 7", ""], *fiche,
                                     ["FICHE ACTION N° 8", ""], *fiche[:1],
                                     ["Porteur(s)", "Mairie"], ["Partenaires associés", "ARS"]])
    result = extract_fiches(_doc(table))
    assert [(f["number"], f["layout"]) for f in result.fiches] == [(7, "table"), (8, "table")]
    seven = result.fiches[0]
    assert seven["title"] == "Former les gardiens d'immeuble" and seven["priority"] == 6
    assert seven["pilotes"] == ["Bailleur social", "CLSM"]
    assert [(o["text"], o["echeance_text"], str(o["echeance_end"])) for o in _ops(result, 7)] == [
        ("1. Concevoir le module", "fin 2023", "2023-12-31"),
        ("2. Former trois promotions", "2024-2025", "2025-12-31")]


def test_key_value_table_with_the_number_in_the_first_cell_and_axis_priority() -> None:
    table = _kv_table(["Fiche n° 2.3", "Prévenir la crise suicidaire"],
                      [["Axe stratégique", "Anticiper la crise et l'urgence"],
                       ["Responsable", "ARS"], ["Contributeurs", "SAMU"]])
    (fiche,) = extract_fiches(_doc(table)).fiches
    assert (fiche["number_label"], fiche["title"], fiche["priority"]) == (
        "2.3", "Prévenir la crise suicidaire", 4)
    assert fiche["priority_source"] == "field"


def test_a_table_that_opens_a_fiche_without_fields_is_counted_as_rejected() -> None:
    table = _kv_table(["FICHE ACTION N° 3", ""], [["Intitulé", "Agir"], ["Remarque", "Aucune"]])
    result = extract_fiches(_doc(table))
    assert not result.fiches and result.rejected == {"table": 1}


def test_number_row_and_steps_as_rows_of_the_table() -> None:
    table = Block("table", "", rows=[
        ["N° de fiche", "12"], ["Intitulé", "Ouvrir un centre de crise"],
        ["Pilote", "CHS"], ["Partenaires", "SAMU ; SDIS"],
        ["Actions à mettre en œuvre", "Échéance"],
        ["Réunir les partenaires", "T1 2024"], ["Ouvrir le centre", "second semestre 2025"]])
    result = extract_fiches(_doc(table))
    assert [(f["number"], f["title"]) for f in result.fiches] == [(12, "Ouvrir un centre de crise")]
    assert [(o["text"], o["echeance_text"]) for o in _ops(result)] == [
        ("Réunir les partenaires", "T1 2024"), ("Ouvrir le centre", "second semestre 2025")]


def test_heading_over_a_key_value_table() -> None:
    doc = _doc(Block("heading", "FICHE ACTION N° 5", level=2),
               Block("table", "", rows=[
                   ["Intitulé de l'action", "Créer un annuaire"], ["Porteur", "CLSM"],
                   ["Partenaires associés", "CD"],
                   ["Étapes", "1. Recenser les ressources (2024)\n2. Publier (2025)"]]))
    (fiche,) = extract_fiches(doc).fiches
    assert (fiche["number"], fiche["title"], fiche["layout"]) == (5, "Créer un annuaire", "table")
    assert fiche["pilotes"] == ["CLSM"]


# --- c. numbering inside axes or priorities ---------------------------------------------

@pytest.mark.parametrize(("heading", "label"), [
    ("Axe 2 – Action 3 : Coordonner les sorties", "2.3"),
    ("FA 12 – Coordonner les sorties", "12"),
    ("Fiche-projet 4 : Coordonner les sorties", "4"),
    ("Fiche enjeu 1 : Coordonner les sorties", "1"),
])
def test_numbering_families(heading: str, label: str) -> None:
    doc = _doc(Block("heading", heading, level=2), Block("paragraph", "Pilote : GHT"),
               Block("paragraph", "Partenaires : CPTS"))
    (fiche,) = extract_fiches(doc).fiches
    assert (fiche["number_label"], fiche["title"]) == (label, "Coordonner les sorties")


def test_axis_title_that_names_a_decret_priority_gives_it() -> None:
    doc = _doc(Block("heading", "Axe 1 – Des parcours sans rupture vers le rétablissement",
                     level=1),
               Block("heading", "Action 1.1 – Ouvrir un GEM", level=2),
               Block("paragraph", "Pilote : ARS"), Block("paragraph", "Partenaires : GEM"),
               Block("heading", "Priorité 2 : Faire face à la crise et à l'urgence", level=1),
               Block("heading", "Action 2.1 – Créer une équipe mobile", level=2),
               Block("paragraph", "Pilote : CHS"), Block("paragraph", "Partenaires : SAMU"))
    result = extract_fiches(doc)
    assert [(f["number_label"], f["priority"], f["priority_source"]) for f in result.fiches] == [
        ("1.1", 2, "axis"), ("2.1", 4, "section")]


# --- d. plan grid -----------------------------------------------------------------------

GRID = [["Axe", "N°", "Action", "Pilote", "Partenaires", "Calendrier"],
        ["Axe 1 – Repérage précoce et accès aux soins", "1.1", "Former les médecins",
         "CPTS", "MDA", "2024"],
        ["", "1.2", "Ouvrir une consultation", "CHS", "MSP", "second semestre 2025"]]


def test_a_plan_grid_alone_gives_one_fiche_per_row() -> None:
    result = extract_fiches(_doc(Block("table", "", rows=GRID)))
    assert [(f["number_label"], f["title"], f["priority"], f["layout"]) for f in result.fiches] == [
        ("1.1", "Former les médecins", 1, "grid"), ("1.2", "Ouvrir une consultation", 1, "grid")]
    assert [o["echeance_text"] for o in _ops(result)] == ["2024", "second semestre 2025"]


def test_a_plan_grid_only_fills_the_gaps_of_the_fiche_bodies() -> None:
    doc = _doc(Block("heading", "Action 1.1 – Former les médecins généralistes", level=2),
               Block("paragraph", "Pilote : URPS"), Block("paragraph", "Partenaires : MDA"),
               Block("table", "", rows=GRID))
    result = extract_fiches(doc)
    assert [(f["number_label"], f["layout"], f["pilotes"]) for f in result.fiches] == [
        ("1.1", "heading", ["URPS"]), ("1.2", "grid", ["CHS"])]


# --- e. steps as lines with the échéance inline -----------------------------------------

def test_steps_as_lines_with_the_echeance_inline() -> None:
    doc = _doc(Block("heading", "Fiche action n°9 : Soutenir les aidants", level=2),
               Block("paragraph", "Pilotes : UNAFAM"),
               Block("paragraph", "Actions à mettre en œuvre :"),
               Block("list_item", "1) Recenser les offres de répit — Échéance : premier"),
               Block("paragraph", "semestre 2022"),
               Block("list_item", "2) Former les aidants (2022-2023)"),
               Block("list_item", "3) Évaluer le dispositif"),
               Block("list_item", "Échéance : 2024"))
    result = extract_fiches(doc)
    assert result.fiches[0]["layout"] == "inline"
    assert [(o["text"], o["echeance_text"]) for o in _ops(result)] == [
        ("1) Recenser les offres de répit", "premier semestre 2022"),
        ("2) Former les aidants", "2022-2023"), ("3) Évaluer le dispositif", "2024")]


# --- renderings of each family ------------------------------------------------------------

def _read(path: Path) -> Document:
    reader = read_docx if path.suffix == ".docx" else read_pdf
    return reader(path, source_uri=str(path), doc_id=path.stem)


def _check(result: FicheExtraction, gold: dict, family: str, rows: bool = True) -> None:
    scores = evaluate_fiches(pd.DataFrame(result.fiches), pd.DataFrame(result.objectives), gold)
    for name in ("number", "title", "priority"):
        assert scores[name]["recall"] == scores[name]["precision"] == 1.0, (name, scores[name])
    if rows:
        for name in ("rows", "echeance_text", "echeance_dates"):
            assert scores[name]["recall"] >= 0.97, (name, scores[name])
    assert {f["layout"] for f in result.fiches} == {LAYOUT_OF[family]}


@pytest.mark.parametrize("family", ["b", "b2", "c", "d", "e"])
def test_mayenne_renderings_docx(family: str) -> None:
    _check(extract_fiches(_read(LAYOUTS / f"mayenne-{family}.docx")), GOLD_MAYENNE, family)


@pytest.mark.parametrize("family", ["b", "b2"])
def test_mayenne_table_per_fiche_pdf(family: str) -> None:
    """Tables split across pages, one holding its operational grid, sections above."""
    _check(extract_fiches(_read(LAYOUTS / f"mayenne-{family}.pdf")), GOLD_MAYENNE, family)


@pytest.mark.parametrize("path", sorted(LAYOUTS.glob("invented-*.*")), ids=lambda p: p.name)
def test_invented_plan_renderings(path: Path) -> None:
    family = path.stem.rsplit("-", 1)[1]
    result = extract_fiches(_read(path))
    _check(result, GOLD_INVENTED, family, rows=family != "d")  # the grid has no steps
    gold = {f["number"]: f for f in GOLD_INVENTED["fiches"]}
    for fiche in result.fiches:
        expected = gold[fiche["number"]]
        assert fiche["number_label"] == expected["number_label"] or family == "e"
        assert (fiche["pilotes"], fiche["partenaires"]) == (
            expected["pilotes"], expected["partenaires"]), fiche["number"]


def test_operational_table_nested_in_a_cell() -> None:
    """A DOCX table inside the value cell, flattened by the reader to "a | b | c" lines."""
    table = Block("table", "", rows=[
        ["FICHE ACTION N° 2", ""], ["Intitulé", "Créer un annuaire"], ["Pilote", "CLSM"],
        ["Objectifs opérationnels", "Objectifs opérationnels | Opérateur(s) | Échéance\n"
                                    "1) Recenser | CLSM | 2024\n2) Publier | CD | fin 2025"]])
    result = extract_fiches(_doc(table))
    assert [(o["text"], o["operateur"], o["echeance_text"]) for o in _ops(result)] == [
        ("1) Recenser", "CLSM", "2024"), ("2) Publier", "CD", "fin 2025")]
