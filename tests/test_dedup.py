"""Dedup of passages: seeds 000 (PTSM 35 web page) and 004 (Mayenne roadmap), normaliser,
internal-repeat detector.

Fixtures: tests/fixtures/text/seed000.txt and seed004.txt are copies of
shared/seeds/000_e1345697ca92cb41.txt and 004_48fd6f0d08ee10f1.txt; one passage per
non-empty line stands in for the reader's blocks. Expected pairs come from the dev gold
(shared/dev-gold/governance.json), copied here.
"""

from __future__ import annotations

from collections import Counter
from pathlib import Path

import pandas as pd
import pytest

from pipeline.dedup.passages import DedupSettings, dedup_passages
from pipeline.dedup.repeat import clean_internal_repeats
from pipeline.dedup.textnorm import cell_spans, match_key, numbers_in, sentence_spans

FIXTURES = Path(__file__).parent / "fixtures" / "text"

SEED000_MUST_NOT = [
    ("– Comité de pilotage opérationnel du PTSM 35 (réunissant des représentants d’usagers et "
     "d’entourage d’usagers, d’opérateurs et d’institutions)",
     "– Comité de pilotage institutionnel du PTSM 35 (associant les institutions en charge du "
     "pilotage et du financement des politiques publiques)"),
    ("23 actions ont ainsi été retenues pour ce premier PTSM 35.", "Pour chacune des 23 actions :"),
]
SEED004_MUST_CLUSTER = [
    ("Fiche action n°2 : Recenser et faire connaître les outils de e-santé mentale",
     "Fiche action n°2 : Recenser et faire connaître les outils de s-santé mentale"),
    ("Projet 1 : Créer un lieu de répit et ressourcement pour les personnes en souffrance",
     "Projet 1 : Créer un lieu de répit et recouronnement pour les personnes en souffrance"),
    ("3) Répondre à l'appel à projet de l'ARS", "3) Répondre à l'appel à projet de TARS"),
]
SEED004_MUST_NOT = [
    ("Fiche action n°24 : Sensibiliser sur les droits et devoirs du patient dans son parcours "
     "de soins en psychiatrie",
     "Fiche action n°27 : Sensibiliser les jeunes aux problématiques psychiques"),
    ("1) Créer un groupe pilotes", "2) Rédiger le projet"),
]


def passages_from(name: str, doc_id: str, dept: str) -> pd.DataFrame:
    """One passage per non-empty line; table cells (tabs) trimmed at the line ends."""
    rows = []
    for i, line in enumerate((FIXTURES / name).read_text(encoding="utf-8").splitlines()):
        text = line.strip()
        if text:
            rows.append({"passage_id": f"{doc_id}:{i:05d}", "doc_id": doc_id,
                         "department_code": dept, "seq": i, "kind": "paragraph", "text": text})
    return pd.DataFrame(rows)


@pytest.fixture(scope="module")
def seeds():
    df = pd.concat([passages_from("seed000.txt", "doc000", "35"),
                    passages_from("seed004.txt", "doc004", "53")], ignore_index=True)
    return df, dedup_passages(df)


def clusters_of(result, text: str) -> set[str]:
    """Clusters of the passages whose text is, or starts with, ``text`` (table cells)."""
    p = result.passages
    hit = p[(p["text"] == text) | p["text"].str.startswith(text + "\t")]
    assert not hit.empty, f"no passage for {text!r}"
    return set(hit["cluster_id"])


# --------------------------------------------------------------------------- contract


def test_every_passage_kept_once_with_one_cluster(seeds):
    df, result = seeds
    p = result.passages
    assert len(p) == len(df)
    assert list(p["passage_id"]) == list(df["passage_id"])
    assert list(p["text"]) == list(df["text"])  # marked, never rewritten
    assert set(p["cluster_id"]) == set(result.clusters["cluster_id"])
    assert p.groupby("cluster_id")["is_canonical"].sum().eq(1).all()
    sizes = p["cluster_id"].value_counts()
    sizes_out = result.clusters.set_index("cluster_id")["size"]
    assert (sizes_out.sort_index() == sizes.sort_index()).all()
    canon = p[p["is_canonical"]]
    assert (canon["similarity"] == 100).all()
    assert p["similarity"].between(0, 100).all()
    assert p["cluster_id"].str.match(r"^c_[0-9a-f]{16}$").all()


def test_deterministic(seeds):
    df, result = seeds
    again = dedup_passages(df.sample(frac=1.0, random_state=3))
    a = result.passages.set_index("passage_id")[["cluster_id", "is_canonical", "similarity"]]
    b = again.passages.set_index("passage_id").loc[a.index, a.columns]
    pd.testing.assert_frame_equal(a, b)


# --------------------------------------------------------------------------- seed 000


def test_seed000_every_repeated_line_in_one_cluster(seeds):
    df, result = seeds
    p = result.passages[result.passages["doc_id"] == "doc000"]
    counts = Counter(p["text"])
    assert len(p) == 71 and len(counts) == 37  # the gold's counts
    repeated = [t for t, n in counts.items() if n == 2]
    assert len(repeated) == 34
    for text in repeated:
        members = p[p["text"] == text]
        assert members["cluster_id"].nunique() == 1, text
        cluster = result.passages[result.passages["cluster_id"] == members["cluster_id"].iloc[0]]
        assert cluster["is_canonical"].sum() == 1


@pytest.mark.parametrize(("a", "b"), SEED000_MUST_NOT)
def test_seed000_must_not_cluster(seeds, a, b):
    _, result = seeds
    assert clusters_of(result, a).isdisjoint(clusters_of(result, b))


def test_seed000_internal_repeat_flagged(seeds):
    _, result = seeds
    p = result.passages
    row = p[p["text"].str.startswith("– Le/la chargé.e de mission")].iloc[0]
    assert row["has_internal_repeat"]
    assert row["text_clean"].count("Assure un appui") == 1
    assert row["text_clean"].endswith("pour l’ensemble du dispositif")


def test_seed000_partial_repeat_spans(seeds):
    """'Ce contrat permet de marquer l'engagement…' repeats the first sentence of the
    two-sentence paragraph 'Il permet de marquer l'engagement… En parallèle…'."""
    _, result = seeds
    p = result.passages.set_index("passage_id")
    spans = result.spans
    assert not spans.empty
    for _, s in spans.iterrows():
        assert 0 <= s["start"] < s["end"] <= len(p.loc[s["passage_id"], "text"])
        assert s["repeats_end"] <= len(p.loc[s["repeats_passage_id"], "text"])
    long_id = p.index[p["text"].str.startswith("Il permet de marquer")][0]
    short_ids = set(p.index[p["text"].str.startswith("Ce contrat permet de marquer")])
    hits = spans[(spans["repeats_passage_id"] == long_id) & spans["passage_id"].isin(short_ids)]
    assert len(hits) == len(short_ids)
    text = p.loc[long_id, "text"]
    s = hits.iloc[0]
    assert text[s["repeats_start"]: s["repeats_end"]].startswith("Il permet de marquer")
    assert text[s["repeats_start"]: s["repeats_end"]].endswith("suivi du PTSM.")


# --------------------------------------------------------------------------- seed 004


@pytest.mark.parametrize(("clean", "noisy"), SEED004_MUST_CLUSTER)
def test_seed004_ocr_annex_clusters_with_original(seeds, clean, noisy):
    _, result = seeds
    p = result.passages
    noisy_rows = p[p["text"].str.split("\t").str[0] == noisy]
    assert len(noisy_rows) == 1
    cluster = p[p["cluster_id"] == noisy_rows["cluster_id"].iloc[0]]
    assert (cluster["text"].str.split("\t").str[0] == clean).any()
    canon = cluster[cluster["is_canonical"]].iloc[0]
    assert canon["text"].split("\t")[0] == clean  # the clean version is canonical
    assert noisy_rows["similarity"].iloc[0] >= 85  # 100 when the key repairs the OCR


@pytest.mark.parametrize(("a", "b"), SEED004_MUST_NOT)
def test_seed004_distinct_fiches_do_not_cluster(seeds, a, b):
    _, result = seeds
    assert clusters_of(result, a).isdisjoint(clusters_of(result, b))


def test_seed004_distinct_fiche_titles_stay_apart(seeds):
    """Every 'Fiche action n°N : title' line of the summary list has its own cluster."""
    df, result = seeds
    p = result.passages[result.passages["doc_id"] == "doc004"]
    toc = p[p["text"].str.match(r"^Fiche action n°\d+ : .*\t\d+$")]
    assert len(toc) >= 25
    assert toc["cluster_id"].nunique() == len(toc)


def test_seed004_template_lines_are_boilerplate_and_kept(seeds):
    df, result = seeds
    p = result.passages
    pilote = p[p["text"].isin(["1) Créer un groupe pilotes", "1) Créer un groupe pilotés"])]
    assert len(pilote) >= 5
    assert pilote["cluster_id"].nunique() == 1
    assert pilote["is_boilerplate"].all()
    cluster = result.clusters.set_index("cluster_id").loc[pilote["cluster_id"].iloc[0]]
    assert cluster["is_boilerplate"] and cluster["size"] == len(pilote)
    # long paragraphs are never boilerplate
    assert not p.loc[p["text"].str.len() > 200, "is_boilerplate"].any()


def test_numbers_block_merges():
    rows = [
        "23 actions ont ainsi été retenues pour ce premier PTSM 35.",
        "23 actions ont ainsi été retenues pour ce premier PTSM 53.",
        "Fiche action n°24 : Sensibiliser les jeunes aux problématiques psychiques",
        "Fiche action n°27 : Sensibiliser les jeunes aux problématiques psychiques",
        "Fiche action n°27 : Sensibiliser les jeunes aux problématiques psychiques",
    ]
    df = pd.DataFrame({"passage_id": [f"p{i}" for i in range(len(rows))], "doc_id": "d",
                       "department_code": "__unknown__", "seq": range(len(rows)),
                       "kind": "paragraph", "text": rows})
    p = dedup_passages(df).passages
    assert p["cluster_id"].nunique() == 4
    assert p.loc[3, "cluster_id"] == p.loc[4, "cluster_id"]


def test_cross_document_cluster_lists_departements():
    text = "Le PTSM s’est appuyé sur les dynamiques territoriales préexistantes :"
    df = pd.DataFrame({
        "passage_id": ["a", "b", "c"], "doc_id": ["ars", "ptsm", "ptsm"],
        "department_code": ["35", "35", "__unknown__"], "seq": [3, 1, 2],
        "kind": "paragraph",
        "text": [text, text.replace("’", "'").upper(), "Autre chose entièrement différente."],
    })
    result = dedup_passages(df)
    c = result.clusters.set_index("canonical_passage_id")
    assert c.loc["a", "size"] == 2 and c.loc["a", "n_documents"] == 2  # earliest (doc_id, seq)
    assert c.loc["a", "department_codes"] == ["35"]
    assert result.passages.set_index("passage_id").loc["b", "similarity"] == 100


def test_empty_and_settings():
    df = pd.DataFrame({"passage_id": ["a", "b"], "doc_id": "d", "department_code": "35",
                       "seq": [0, 1], "kind": "paragraph", "text": ["", "  "]})
    result = dedup_passages(df, DedupSettings(find_spans=False))
    assert len(result.passages) == 2 and result.spans.empty
    with pytest.raises(ValueError, match="missing input columns"):
        dedup_passages(df.drop(columns=["kind"]))


# --------------------------------------------------------------------------- normaliser


@pytest.mark.parametrize(("a", "b"), [
    ("3) Répondre à l'appel à projet de l'ARS", "3) Répondre à l’appel à projet de TARS"),
    ("« Fiche action » – ÉCHÉANCE", '"fiche action" - echeance'),
    ("Mise en  œuvre\u00a0!", "mise en oeuvre"),
    ("▪ **Objectifs stratégiques :**", "- Objectifs stratégiques :"),
    ("Le gouvernement", "Le gouvemement"),  # rn / m
    ("pil0te", "pilote"),
])
def test_match_key_equal(a, b):
    assert match_key(a) == match_key(b)


def test_match_key_keeps_numbers_apart():
    assert numbers_in(match_key("Fiche action n°24 : x")) == ("24",)
    assert numbers_in(match_key("PTSM53 2019-2024, 1er")) == ("53", "2019", "2024", "1")
    assert match_key("Fiche action n°24") != match_key("Fiche action n°27")


def test_sentence_spans():
    text = "Il permet de marquer. En parallèle, une charte. 23 actions !"
    assert [text[s:e] for s, e in sentence_spans(text)] == [
        "Il permet de marquer.", "En parallèle, une charte.", "23 actions !"]


def test_cell_spans():
    text = "Objectifs | Echéance\n3) Répondre à l'appel à projet |  | 2020 \n"
    assert [text[s:e] for s, e in cell_spans(text)] == [
        "Objectifs", "Echéance", "3) Répondre à l'appel à projet", "2020"]


# --------------------------------------------------------------------------- internal repeats


@pytest.mark.parametrize(("text", "expected"), [
    ("Assure un appui pour le dispositif Assure un appui pour le dispositif",
     "Assure un appui pour le dispositif"),
    ("Pour les 23 23 actions", "Pour les 23 actions"),
    ("de la la santé", "de la santé"),
])
def test_internal_repeat_removed(text, expected):
    assert clean_internal_repeats(text) == (True, expected)


@pytest.mark.parametrize("text", [
    "Nous nous réunissons chaque année.",
    "acteurs médico-social, social etc",
    "Jan - Fév - Mars\tJan - Fév - Mars",  # table cells
    "Le PTSM 35 a débuté en 2018.",
])
def test_internal_repeat_not_flagged(text):
    assert clean_internal_repeats(text) == (False, text)
