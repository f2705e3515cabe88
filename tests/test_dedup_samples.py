"""Dedup on the published samples (real HTML, PDF and DOCX read by the pipeline), against
the dedup facts of the dev gold (shared/dev-gold/governance.json, copied in test_dedup)."""

from __future__ import annotations

from collections import Counter

import pandas as pd
import pytest
from conftest import Run
from rapidfuzz import fuzz
from test_dedup import FIXTURES, SEED000_MUST_NOT, SEED004_MUST_CLUSTER, SEED004_MUST_NOT

from pipeline.dedup.textnorm import match_key


@pytest.fixture(scope="module")
def passages(sample_run: Run) -> pd.DataFrame:
    assert sample_run.returncode == 0, sample_run.stderr[-3000:]
    docs = pd.read_parquet(sample_run.out / "documents")[["doc_id", "source_id"]]
    df = pd.read_parquet(sample_run.out / "passages").merge(docs, on="doc_id")
    return df.assign(key=df["text"].map(match_key))


@pytest.fixture(scope="module")
def repeats(sample_run: Run) -> pd.DataFrame:
    return pd.read_parquet(sample_run.out / "passage_repeats")


def _of(passages: pd.DataFrame, source: str) -> pd.DataFrame:
    """The passages of one source of data/raw/sources.toml."""
    doc = passages[passages["source_id"] == source]
    assert not doc.empty, source
    return doc


def _containing(doc: pd.DataFrame, text: str) -> pd.DataFrame:
    hit = doc[doc["key"].str.contains(match_key(text), regex=False)]
    assert not hit.empty, f"no passage for {text!r}"
    return hit


def test_every_cluster_has_one_canonical(passages: pd.DataFrame) -> None:
    assert (passages.groupby("cluster_id")["is_canonical"].sum() == 1).all()


def test_ptsm35_page_repeated_lines_share_one_cluster(passages: pd.DataFrame) -> None:
    page = _of(passages, "ptsm35-composition-du-ptsm")
    lines = [s.strip() for s in (FIXTURES / "seed000.txt").read_text("utf-8").splitlines()]
    twice = [line for line, n in Counter(filter(None, lines)).items() if n == 2]
    assert len(twice) == 34
    for line in twice:  # a line may be one passage or part of a paragraph
        hit = page[page["key"].str.contains(match_key(line), regex=False)]
        assert len(hit) >= 2, line
        assert hit["cluster_id"].nunique() == 1, line
        assert passages.loc[passages["cluster_id"].isin(hit["cluster_id"]),
                            "is_canonical"].sum() == 1


@pytest.mark.parametrize(("a", "b"), SEED000_MUST_NOT)
def test_ptsm35_page_must_not_cluster(passages: pd.DataFrame, a: str, b: str) -> None:
    page = _of(passages, "ptsm35-composition-du-ptsm")
    assert not set(_containing(page, a)["cluster_id"]) & set(_containing(page, b)["cluster_id"])


@pytest.mark.parametrize("source", ["ptsm53-feuille-de-route-pdf",
                                    "ptsm53-feuille-de-route-docx"])
@pytest.mark.parametrize(("clean", "noisy"), SEED004_MUST_CLUSTER)
def test_mayenne_ocr_annex_lines_link_to_the_original(passages: pd.DataFrame,
                                                      repeats: pd.DataFrame, source: str,
                                                      clean: str, noisy: str) -> None:
    """The noisy annex line is in the cluster of the block it repeats, or, when the annex
    block as a whole differs (the PDF reader joins two annex tables of one page), its
    line is a recorded partial repeat of the clean line."""
    doc = _of(passages, source)
    noisy_hit = _containing(doc, noisy)
    originals = _containing(doc, clean)
    originals = originals[~originals["passage_id"].isin(noisy_hit["passage_id"])]
    if set(noisy_hit["cluster_id"]) & set(originals["cluster_id"]):
        assert not noisy_hit["is_canonical"].any()  # the clean text is the one counted
        return
    text = passages.set_index("passage_id")["text"]
    linked = [
        (text[r.passage_id][r.start:r.end], text[r.repeats_passage_id][r.repeats_start:
                                                                        r.repeats_end])
        for r in repeats[repeats["passage_id"].isin(noisy_hit["passage_id"])].itertuples()]
    assert any(match_key(mine) == match_key(noisy)
               and fuzz.ratio(match_key(theirs), match_key(clean)) >= 88  # dedup threshold
               for mine, theirs in linked), (source, noisy, linked)


@pytest.mark.parametrize("source", ["ptsm53-feuille-de-route-pdf",
                                    "ptsm53-feuille-de-route-docx"])
@pytest.mark.parametrize(("a", "b"), SEED004_MUST_NOT[:1])
def test_mayenne_distinct_fiches_do_not_cluster(passages: pd.DataFrame, source: str, a: str,
                                                b: str) -> None:
    doc = _of(passages, source)
    with_a, with_b = _containing(doc, a), _containing(doc, b)
    only_a = with_a[~with_a["passage_id"].isin(with_b["passage_id"])]  # not the summaries
    only_b = with_b[~with_b["passage_id"].isin(with_a["passage_id"])]  # listing both
    assert not only_a.empty and not only_b.empty
    assert not set(only_a["cluster_id"]) & set(only_b["cluster_id"])
