"""Entities: spaCy French NER with the institutions EntityRuler and canonical names."""

import pytest
from governance_helpers import SEEDS, document_from_lines, seed_document

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


def _ruler_finds(texts: list[str]) -> list[bool]:
    nlp = entities.entity_pipeline()
    return [bool(d.ents) for d in nlp.pipe(texts, disable=entities.entity_disabled(nlp, True))]


def test_every_ruler_pattern_leaves_a_clue() -> None:
    clues = entities.ruler_clues()
    texts = ["DT53 et DD972"]
    for entry in entities.ruler_patterns():
        pattern = entry["pattern"]
        if isinstance(pattern, str):
            texts += [f"avec {pattern} et", f"avec {pattern.upper()} et"]
        elif all(isinstance(t["TEXT"], str) for t in pattern):
            texts.append(f"la {' '.join(t['TEXT'] for t in pattern)}.")
    assert all(_ruler_finds(texts))
    assert all(clues.may_match(t) for t in texts)


def test_the_ruler_finds_nothing_in_a_text_without_clue() -> None:
    clues = entities.ruler_clues()
    texts = [b.text.replace("’", "'") for name in SEEDS.values()
             for b in seed_document(name).blocks]
    texts += ["mars", "Pays de la Loire", "l'Agence", "DT 5", "Agence   régionale de santé"]
    without = [t for t in texts if not clues.may_match(t)]
    assert len(without) > len(texts) // 4  # the test tries the rule on many texts
    assert not any(_ruler_finds(without))


def test_blocks_are_read_only_by_the_components_that_can_find_something(
        monkeypatch: pytest.MonkeyPatch) -> None:
    """Text of fewer than two letters: nothing; no clue of the ruler: the NER alone; a
    table: the ruler alone, where it has a clue."""
    nlp = entities.entity_pipeline()
    pipe = nlp.pipe
    runs: list[tuple[list[str], list[str]]] = []

    def recording_pipe(texts: list[str], **kwargs):
        texts = list(texts)
        runs.append((texts, [c for c in nlp.pipe_names if c not in kwargs["disable"]]))
        return pipe(texts, **kwargs)

    monkeypatch.setattr(nlp, "pipe", recording_pipe)
    doc = document_from_lines("c", ["12", "— 3 —", "2019-2023", "Réunion à Laval.",
                                    "Avis de la MDPH de Laval.", "Cellule\tMDPH\tLaval",
                                    "Cellule\tAnnée\t2019"])
    rows = extract_entities(doc, EntitySettings(cache_size=0))
    assert sorted(runs, key=lambda run: run[1]) == [
        (["Cellule\tMDPH\tLaval"], ["entity_ruler"]),
        (["Avis de la MDPH de Laval."], ["entity_ruler", "ner"]),
        (["Réunion à Laval."], ["ner"])]
    assert {(e["text"], e["label"]) for e in rows} >= {("MDPH", "ORG"), ("Laval", "LOC")}
