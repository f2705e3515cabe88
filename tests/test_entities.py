"""Entities: spaCy French NER with the institutions EntityRuler and canonical names."""

import pytest
from governance_helpers import document_from_lines, seed_document

from extractors import entities
from extractors.entities import EntitySettings, extract_entities
from extractors.institutions import canonical_of, find_institutions


@pytest.fixture(scope="module")
def seed000_entities() -> list[dict]:
    return extract_entities(seed_document("seed000"))


def test_institutions_of_the_gold_are_found(seed000_entities: list[dict]) -> None:
    canon = {e["canonical"] for e in seed000_entities}
    assert {"ARS", "DGARS", "Conseil départemental", "Éducation nationale", "CPAM", "DDETS",
            "CPT", "CLSM", "CTS", "Comité de pilotage"} <= canon


def test_offsets_point_into_the_block(seed000_entities: list[dict]) -> None:
    doc = seed_document("seed000")
    for e in seed000_entities:
        assert doc.blocks[e["passage_seq"]].text[e["start"]:e["end"]] == e["text"]


def test_variants_share_a_canonical_name() -> None:
    doc = document_from_lines("v", [
        "Transmis à l'Agence Régionale de Santé des Pays de la Loire le 1er février 2019.",
        "La DT53 de l'ARS Pays-de-la-Loire et la Commission Spécialisée en Santé Mentale.",
        "Avis du CSSM, du conseil territorial de santé et de l'ARS Île-de-France.",
        "Julie BARON, Chargée de mission à la MDPH et au GEM de Laval.",
    ])
    rows = extract_entities(doc)
    canon = [e["canonical"] for e in rows if e["label"] == "ORG"]
    assert canon.count("ARS Pays de la Loire") == 2
    assert {"DT ARS", "CSSM", "CTS", "ARS Île-de-France", "MDPH", "GEM"} <= set(canon)
    no_people = extract_entities(doc, EntitySettings(include_persons=False))
    assert all(e["label"] != "PER" for e in no_people)


def test_regex_finder_and_canonical_lookup() -> None:
    found = find_institutions("le Directeur Général de l’Agence Régionale de Santé a approuvé")
    assert [m.canonical for m in found] == ["DGARS"]
    assert canonical_of("Education Nationale") == "Éducation nationale"
    assert canonical_of("DT 53") == "DT ARS"


def test_a_text_seen_before_is_not_parsed_again(monkeypatch: pytest.MonkeyPatch) -> None:
    lines = ["Le CLSM de Laval réunit la MDPH et Julie BARON le 3 mars.",
             "Réunion avec la MDPH de la Mayenne."]
    fresh = extract_entities(document_from_lines("a", lines), EntitySettings(cache_size=0))
    extract_entities(document_from_lines("a", lines))  # fills the cache
    parsed: list[str] = []
    nlp = entities.entity_pipeline()
    pipe = nlp.pipe

    def counting_pipe(texts: list[str], **kwargs):
        parsed.extend(texts)
        return pipe(texts, **kwargs)

    monkeypatch.setattr(nlp, "pipe", counting_pipe)
    again = extract_entities(document_from_lines("b", lines + ["Une ligne nouvelle à Laval."]))
    assert parsed == ["Une ligne nouvelle à Laval."]
    assert [e for e in again if e["passage_seq"] < 2] == fresh
