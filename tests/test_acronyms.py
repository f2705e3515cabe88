"""Acronym glossaries (one or two columns, tables) and inline "Expansion (ACR)" definitions."""

import re

from governance_helpers import FIXTURES, document_from_lines, seed_document

from extractors.acronyms import extract_acronyms, glossary_entries, inline_definitions
from schemas.document import Block, Document, finalize_blocks


def test_mayenne_glossary_is_complete() -> None:
    text = (FIXTURES / "text" / "seed004.txt").read_text(encoding="utf-8")
    section = text[text.index("\nListe des acronymes"): text.index("\nAnnexes\n")]
    expected = {m.group(1): m.group(2).strip()
                for m in re.finditer(r"^([A-Z]{2,}) : (.+)$", section, re.MULTILINE)}
    assert len(expected) == 47
    rows = extract_acronyms(seed_document("seed004"))
    glossary = {r["acronym"]: r["expansion"] for r in rows if r["source"] == "glossary"}
    assert glossary == expected


def test_two_column_line_and_table() -> None:
    assert glossary_entries("AAH : Allocation aux Adultes Handicapés   CMP : Centre "
                            "Médico-Psychologique") == [
        ("AAH", "Allocation aux Adultes Handicapés"), ("CMP", "Centre Médico-Psychologique")]
    blocks = finalize_blocks([
        Block("heading", "Lexique des sigles", level=1),
        Block("table", "", rows=[["GEM", "Groupe d'Entraide Mutuelle", "MDPH",
                                  "Maison Départementale des Personnes Handicapées"]]),
        Block("paragraph", "CLSM – Conseil Local de Santé Mentale"),
        Block("heading", "Introduction", level=1),
        Block("paragraph", "Annexe n°2 : support outil ANAP – fiche action"),
    ])
    rows = extract_acronyms(Document("d", "u", "text/plain", blocks=blocks))
    assert {(r["acronym"], r["source"]) for r in rows} == {
        ("GEM", "glossary"), ("MDPH", "glossary"), ("CLSM", "glossary")}


def test_inline_definitions() -> None:
    text = ("le Conseil Départemental, la Direction Départementale de l’Emploi, du Travail et des "
            "Solidarités (DDETS) et l'Agence nationale d’amélioration de la performance des "
            "établissements de santé et médico-sociaux (ANAP), puis la CPT (Communauté "
            "Psychiatrique de Territoire).")
    assert inline_definitions(text) == [
        ("DDETS", "Direction Départementale de l’Emploi, du Travail et des Solidarités"),
        ("ANAP", "Agence nationale d’amélioration de la performance des établissements de santé "
                 "et médico-sociaux"),
        ("CPT", "Communauté Psychiatrique de Territoire"),
    ]
    assert inline_definitions("Le dispositif (SAJE) accueille les jeunes (OK).") == []


def test_inline_rows_from_web_page() -> None:
    rows = extract_acronyms(seed_document("seed000"))
    found = {(r["acronym"], r["expansion"]) for r in rows}
    assert ("CPAM", "Caisse Primaire d’Assurance Maladie") in found
    assert ("CLSM", "Conseils Locaux de Santé Mentale") in found
    assert all(r["source"] == "inline" for r in rows)
    assert document_from_lines("x", []).blocks == []
