"""Fuzzy deduplication of passages: repeated passages are *marked*, never deleted.

Recipe (a pure function over a DataFrame, no I/O):

1. Each passage gets a match key (:func:`pipeline.dedup.textnorm.match_key`): Unicode, case,
   accents, whitespace, punctuation, typographic quotes and dashes, list enumerators and
   common OCR confusions normalised. The stored ``text`` is untouched.
2. Passages with the same key are one *variant*. Variants are blocked with MinHash LSH
   (:mod:`pipeline.dedup.minhash`) and candidate pairs are scored with rapidfuzz
   (``fuzz.ratio`` on the keys, vectorised with ``process.cpdist``). A pair is accepted when
   the score reaches the threshold (stricter for short keys) *and* both keys carry the same
   numbers in the same order (fiche numbers, years, counts: "n°24" never merges with "n°27").
3. Clusters are the connected components of accepted pairs. Each cluster has exactly one
   canonical passage, chosen by, in order: fewest OCR-suspect tokens (letter/digit mixtures,
   odd characters, words seen in no other variant of the corpus), no internal repeat, the
   most frequent exact text of the cluster, then the earliest (doc_id, seq, passage_id).
   ``cluster_id`` = ``"c_" + sha1(canonical passage_id)[:16]``; ``similarity`` is the score
   of the passage's key against the canonical key (100 for the canonical).
4. Boilerplate: a cluster of at least ``boilerplate_min_size`` passages whose canonical key
   is shorter than ``boilerplate_max_chars`` ("Créer un groupe pilote").
5. Internal repeats ("… dispositif Assure un appui … dispositif", "23 23 actions") are
   flagged and removed in ``text_clean`` (:mod:`pipeline.dedup.repeat`).
6. Partial repeats: sentences (cells, in tables) of multi-sentence passages (and
   single-sentence passages) are matched the same way; when a sentence occurs in passages
   of different clusters, a row of ``spans`` records that ``passage_id[start:end]`` repeats
   ``repeats_passage_id[repeats_start:repeats_end]``, the repeated occurrence being the
   earliest by (doc_id, seq, start).
"""

from __future__ import annotations

import gc
import hashlib
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from typing import Any

import numpy as np
import pandas as pd
from rapidfuzz import fuzz, process

from pipeline.dedup.minhash import (
    connected_components,
    document_frequency,
    key_words,
    lsh_candidate_pairs,
    minhash_by_words,
    unique_sorted,
    word_token_hashes,
)
from pipeline.dedup.repeat import RepeatSettings, clean_internal_repeats
from pipeline.dedup.textnorm import (
    STOPWORDS,
    cell_spans,
    match_keys,
    numbers_in,
    ocr_suspect_tokens,
    sentence_spans,
)

INPUT_COLUMNS = ("passage_id", "doc_id", "department_code", "seq", "kind", "text")


@dataclass(frozen=True)
class DedupSettings:
    """Settings of :func:`dedup_passages` (defaults calibrated on the seeds and the
    generated benchmark, see ``benchmarks/bench_dedup.py``)."""

    #: minimum ``fuzz.ratio`` (0-100) between match keys to link two passages.
    threshold: float = 88.0
    #: stricter threshold when the shorter key has fewer than ``short_chars`` characters.
    short_threshold: float = 93.0
    short_chars: int = 40
    #: two keys must carry the same numbers, in the same order to be linked (fiche numbers, years).
    numbers_must_match: bool = True
    #: strip leading list enumerators ("1)", "2.", "a)", "–", "•") before matching.
    drop_enumerators: bool = True
    #: MinHash LSH: ``bands`` x ``rows`` permutations. P(candidate) = 1-(1-J^rows)^bands.
    bands: int = 14
    rows: int = 4
    #: blocking leaves out the words found in more than this fraction of the keys ...
    block_max_df: float = 1.0
    #: ... when there are at least this many distinct keys.
    block_min_keys: int = 5000
    #: a cluster is boilerplate when it has at least this many passages ...
    boilerplate_min_size: int = 3
    #: ... and its canonical key is shorter than this many characters.
    boilerplate_max_chars: int = 40
    #: partial repeats: a sentence (a cell in tables) is matched across passages when its
    #: key has at least this many characters.
    span_min_chars: int = 30
    #: look for partial repeats (sentence level) at all.
    find_spans: bool = True
    #: passages of these kinds are not searched for internal repeats (table cells repeat).
    repeat_skip_kinds: tuple[str, ...] = ("table",)
    repeat: RepeatSettings = field(default_factory=RepeatSettings)


@dataclass
class DedupResult:
    """Output of :func:`dedup_passages`."""

    passages: pd.DataFrame
    clusters: pd.DataFrame
    spans: pd.DataFrame


SPAN_COLUMNS = [
    "passage_id", "start", "end", "repeats_passage_id", "repeats_start", "repeats_end",
    "similarity",
]


def cluster_id_for(passage_id: str) -> str:
    """Deterministic cluster id from the canonical passage id."""
    return "c_" + hashlib.sha1(passage_id.encode("utf-8")).hexdigest()[:16]


# --------------------------------------------------------------------------- matching core


def blocking_codes(
    codes: np.ndarray, lengths: np.ndarray, vocab: np.ndarray, settings: DedupSettings
) -> tuple[np.ndarray, np.ndarray]:
    """The words of each key used for blocking: (kept word codes, their offsets).

    Stop words are left out, and so are the corpus's most common words (in more than
    ``block_max_df`` of the keys, when there are at least ``block_min_keys`` keys): they
    make unrelated passages collide. A key made only of such words keeps its non-stop
    words, or all of them.
    """
    n_keys = len(lengths)
    tier = np.fromiter((0 if w in STOPWORDS else 2 for w in vocab), dtype=np.int8,
                       count=len(vocab))
    if n_keys >= settings.block_min_keys:
        df = document_frequency(codes, lengths, len(vocab))
        tier[(tier == 2) & (df > settings.block_max_df * n_keys)] = 1
    offsets = np.zeros(n_keys, dtype=np.int64)
    np.cumsum(lengths[:-1], out=offsets[1:])
    occ_tier = tier[codes]
    best = np.maximum.reduceat(occ_tier, offsets)
    key_of = np.repeat(np.arange(n_keys, dtype=np.int64), lengths)
    keep = occ_tier >= best[key_of]
    kept_len = np.bincount(key_of[keep], minlength=n_keys)
    kept_off = np.zeros(n_keys, dtype=np.int64)
    np.cumsum(kept_len[:-1], out=kept_off[1:])
    return codes[keep], kept_off


def link_keys(
    keys: list[str], settings: DedupSettings, wanted: np.ndarray | None = None
) -> tuple[np.ndarray, np.ndarray]:
    """Cluster distinct match keys.

    ``wanted`` (bool per key), when given, keeps only candidate pairs with at least one
    wanted key. Returns (component label per key, accepted pairs (k, 2)). Empty keys stay
    alone.
    """
    n = len(keys)
    idx = np.array([i for i, k in enumerate(keys) if k], dtype=np.int64)
    if len(idx) < 2:
        return np.arange(n, dtype=np.int64), np.empty((0, 2), dtype=np.int64)
    codes, lengths, vocab = key_words([keys[i] for i in idx])
    kept, offsets = blocking_codes(codes, lengths, vocab, settings)
    sig = minhash_by_words(word_token_hashes(vocab), kept, offsets,
                           settings.bands * settings.rows)
    local = lsh_candidate_pairs(sig, settings.bands, settings.rows)
    pairs = idx[local] if len(local) else np.empty((0, 2), dtype=np.int64)
    if wanted is not None and len(pairs):
        pairs = pairs[wanted[pairs[:, 0]] | wanted[pairs[:, 1]]]
    accepted = verify_pairs(keys, pairs, settings)
    return connected_components(n, accepted), accepted


def verify_pairs(keys: list[str], pairs: np.ndarray, settings: DedupSettings) -> np.ndarray:
    """Keep the candidate pairs whose keys are similar enough and carry the same numbers.

    Cheap necessary conditions first (same numbers; lengths close enough for the
    threshold, since ``fuzz.ratio <= 200 * shorter / (len1 + len2)``), then rapidfuzz.
    """
    if len(pairs) == 0:
        return pairs
    lengths = np.fromiter((len(k) for k in keys), dtype=np.int64, count=len(keys))
    len_a, len_b = lengths[pairs[:, 0]], lengths[pairs[:, 1]]
    shorter = np.minimum(len_a, len_b)
    need = np.where(shorter < settings.short_chars, settings.short_threshold, settings.threshold)
    ok = 200.0 * shorter >= need * (len_a + len_b) - 1e-6
    if settings.numbers_must_match:
        nums = pd.factorize(pd.Series([numbers_in(k) for k in keys], dtype=object))[0]
        ok &= nums[pairs[:, 0]] == nums[pairs[:, 1]]
    pairs, need = pairs[ok], need[ok]
    if len(pairs) == 0:
        return pairs
    left = [keys[i] for i in pairs[:, 0]]
    right = [keys[j] for j in pairs[:, 1]]
    scores = process.cpdist(left, right, scorer=fuzz.ratio, workers=-1, dtype=np.float32)
    return pairs[scores >= need]


# --------------------------------------------------------------------------- canonical choice


def _rare_word_counts(keys: list[str]) -> np.ndarray:
    """Per key: number of its words (4+ letters) that occur in no other key of the corpus."""
    out = np.zeros(len(keys), dtype=np.int64)
    idx = np.array([i for i, k in enumerate(keys) if k], dtype=np.int64)
    if len(idx) == 0:
        return out
    codes, lengths, vocab = key_words([keys[i] for i in idx])
    n_words = len(vocab)
    key_of = np.repeat(np.arange(len(idx), dtype=np.int64), lengths)
    pairs = unique_sorted(key_of * n_words + codes)  # distinct (key, word)
    word = pairs % n_words
    alpha = np.fromiter((len(w) >= 4 and w.isalpha() for w in vocab), dtype=bool,
                        count=n_words)
    rare = alpha & (np.bincount(word, minlength=n_words) == 1)
    out[idx] = np.bincount(pairs[rare[word]] // n_words, minlength=len(idx))
    return out


def choose_canonical(df: pd.DataFrame, keys: list[str]) -> pd.Series:
    """Canonical row index per cluster label (``df`` has columns label, key_idx, text,
    has_internal_repeat, doc_id, seq, passage_id)."""
    multi_variant = df.groupby("label")["key_idx"].transform("nunique") > 1
    suspects = np.zeros(len(df), dtype=np.int64)
    if multi_variant.any():
        rare = _rare_word_counts(keys)
        sub = df[multi_variant]
        text_codes, texts = pd.factorize(sub["text"])
        odd = np.fromiter((ocr_suspect_tokens(t) for t in texts), dtype=np.int64,
                          count=len(texts))[text_codes]
        suspects[multi_variant.to_numpy()] = rare[sub["key_idx"].to_numpy()] + odd
    text_freq = df.groupby(["label", "text"])["text"].transform("size")
    order = pd.DataFrame({
        "label": df["label"],
        "suspects": suspects,
        "repeat": df["has_internal_repeat"].astype(int),
        "freq": -text_freq,
        "doc_id": df["doc_id"].astype(str),
        "seq": df["seq"],
        "passage_id": df["passage_id"].astype(str),
    }, index=df.index)
    order = order.sort_values(["label", "suspects", "repeat", "freq", "doc_id", "seq",
                               "passage_id"], kind="stable")
    first = order.drop_duplicates("label")
    return pd.Series(first.index, index=first["label"].to_numpy())


# --------------------------------------------------------------------------- main entry


@contextmanager
def _gc_paused() -> Iterator[None]:
    """Pause the cyclic garbage collector: dedup allocates millions of small, acyclic
    objects (strings, tuples) whose repeated full collections cost more than the work."""
    enabled = gc.isenabled()
    gc.disable()
    try:
        yield
    finally:
        if enabled:
            gc.enable()


def dedup_passages(
    passages: pd.DataFrame, settings: DedupSettings | None = None
) -> DedupResult:
    """Mark repeated passages (see the module docstring for the rules)."""
    with _gc_paused():
        return _dedup_passages(passages, settings or DedupSettings())


def _dedup_passages(passages: pd.DataFrame, settings: DedupSettings) -> DedupResult:
    missing = [c for c in INPUT_COLUMNS if c not in passages.columns]
    if missing:
        raise ValueError(f"dedup_passages: missing input columns {missing}")
    df = passages.reset_index(drop=True).copy()
    df["text"] = df["text"].fillna("").astype(str)

    # internal repeats, once per distinct text (tables skipped)
    text_idx, texts = pd.factorize(df["text"])
    repeat = [clean_internal_repeats(t, settings.repeat) for t in texts]
    has_rep = np.array([r[0] for r in repeat], dtype=bool)[text_idx]
    cleaned = np.array([r[1] for r in repeat], dtype=object)[text_idx]
    skip = df["kind"].isin(settings.repeat_skip_kinds).to_numpy()
    df["has_internal_repeat"] = has_rep & ~skip
    df["text_clean"] = np.where(df["has_internal_repeat"], cleaned, df["text"].to_numpy())

    # match keys on the cleaned text; one variant per distinct key
    clean_texts = df["text_clean"].to_numpy(dtype=object)
    text_codes, distinct_texts = pd.factorize(pd.Series(clean_texts, dtype=object))
    distinct_keys = np.array(match_keys(distinct_texts, settings.drop_enumerators), dtype=object)
    key_codes, keys_idx = pd.factorize(pd.Series(distinct_keys[text_codes]), sort=True)
    keys = [str(k) for k in keys_idx]
    df["key_idx"] = key_codes
    key_labels, _ = link_keys(keys, settings)
    df["label"] = key_labels[key_codes]

    canon_rows = choose_canonical(df, keys)
    canon_row_of = canon_rows.reindex(df["label"]).to_numpy()
    df["is_canonical"] = canon_row_of == np.arange(len(df))
    canon_pid = df["passage_id"].astype(str).to_numpy()[canon_row_of]
    df["cluster_id"] = pd.Series(canon_pid).map(cluster_id_for).to_numpy()
    canon_key = df["key_idx"].to_numpy()[canon_row_of]
    own_key = df["key_idx"].to_numpy()
    sim = np.full(len(df), 100.0)
    diff = np.flatnonzero(canon_key != own_key)
    if len(diff):
        sim[diff] = process.cpdist([keys[k] for k in own_key[diff]],
                                   [keys[k] for k in canon_key[diff]],
                                   scorer=fuzz.ratio, workers=-1)
    df["similarity"] = np.round(sim, 2)

    clusters = build_clusters(df, keys, canon_rows, settings)
    df["is_boilerplate"] = df["cluster_id"].map(
        clusters.set_index("cluster_id")["is_boilerplate"]).astype(bool)
    spans = find_partial_repeats(df, settings) if settings.find_spans else _empty_spans()
    out = df.drop(columns=["key_idx", "label"])
    return DedupResult(passages=out, clusters=clusters, spans=spans)


def build_clusters(df: pd.DataFrame, keys: list[str], canon_rows: pd.Series,
                   settings: DedupSettings) -> pd.DataFrame:
    """One row per cluster, singletons included."""
    g = df.groupby("cluster_id", sort=True)
    pairs = (df[["cluster_id", "department_code"]].astype(str).drop_duplicates()
             .sort_values(["cluster_id", "department_code"]))
    cid = pairs["cluster_id"].to_numpy()
    cuts = np.flatnonzero(cid[1:] != cid[:-1]) + 1
    depts = pd.Series([list(part) for part in np.split(pairs["department_code"].to_numpy(), cuts)],
                      index=cid[np.r_[0, cuts]] if len(cid) else [], dtype=object)
    clusters = pd.DataFrame({
        "size": g.size(),
        "n_documents": g["doc_id"].nunique(),
        "department_codes": depts,
    }).rename_axis("cluster_id").reset_index()
    canon = df.loc[canon_rows.to_numpy(), ["cluster_id", "passage_id", "text", "key_idx"]]
    canon = canon.rename(columns={"passage_id": "canonical_passage_id"})
    clusters = clusters.merge(canon, on="cluster_id", how="left")
    key_len = clusters["key_idx"].map(lambda k: len(keys[k]))
    clusters["is_boilerplate"] = (clusters["size"] >= settings.boilerplate_min_size) & (
        key_len < settings.boilerplate_max_chars)
    return clusters[["cluster_id", "size", "n_documents", "department_codes",
                     "canonical_passage_id", "text", "is_boilerplate"]]


# --------------------------------------------------------------------------- partial repeats


def _empty_spans() -> pd.DataFrame:
    return pd.DataFrame({c: pd.Series(dtype=object if "passage" in c else
                                      ("float64" if c == "similarity" else "int64"))
                         for c in SPAN_COLUMNS})


def find_partial_repeats(df: pd.DataFrame, settings: DedupSettings) -> pd.DataFrame:
    """Sentence-level (cell-level in tables) repeats between passages of different
    clusters."""
    # sentence units of each distinct text
    unit_text: list[int] = []
    unit_start: list[int] = []
    unit_end: list[int] = []
    unit_whole: list[bool] = []
    unit_key: list[str] = []
    text_idx, texts = pd.factorize(df["text"])
    is_table = np.zeros(len(texts), dtype=bool)
    is_table[text_idx[(df["kind"] == "table").to_numpy()]] = True
    sentences: list[str] = []
    for ti, text in enumerate(texts):
        spans = cell_spans(text) if is_table[ti] else sentence_spans(text)
        for s, e in spans:
            unit_text.append(ti)
            unit_start.append(s)
            unit_end.append(e)
            unit_whole.append(len(spans) == 1)
            sentences.append(text[s:e])
    all_keys = match_keys(sentences, settings.drop_enumerators)
    long_enough = [len(k) >= settings.span_min_chars for k in all_keys]
    unit_text, unit_start, unit_end, unit_whole, unit_key = (
        [v for v, ok in zip(col, long_enough, strict=True) if ok]
        for col in (unit_text, unit_start, unit_end, unit_whole, all_keys))
    if not unit_key:
        return _empty_spans()
    units = pd.DataFrame({"text_idx": unit_text, "start": unit_start, "end": unit_end,
                          "whole": unit_whole})
    codes, uniq = pd.factorize(pd.Series(unit_key), sort=True)
    ukeys = [str(k) for k in uniq]
    units["key_idx"] = codes
    # whole single-sentence passages were already compared at passage level
    has_sub = np.zeros(len(ukeys), dtype=bool)
    has_sub[codes[~units["whole"].to_numpy()]] = True
    labels, _ = link_keys(ukeys, settings, wanted=has_sub)
    units["label"] = labels[codes]
    # only sentence groups spanning more than one distinct key or more than one text matter
    multi = units.groupby("label")["text_idx"].transform("nunique") > 1
    units = units[multi]
    if units.empty:
        return _empty_spans()
    occ = df[["passage_id", "doc_id", "seq", "cluster_id"]].copy()
    occ["text_idx"] = text_idx
    occ = units.merge(occ, on="text_idx")
    occ = occ.sort_values(["label", "doc_id", "seq", "start", "passage_id"], kind="stable")
    first = occ.groupby("label").head(1).set_index("label")
    orig = first[["passage_id", "start", "end", "cluster_id", "whole", "key_idx"]]
    occ = occ.join(orig.add_suffix("_orig"), on="label")
    keep = (occ["cluster_id"] != occ["cluster_id_orig"]) & ~(occ["whole"] & occ["whole_orig"])
    occ = occ[keep]
    if occ.empty:
        return _empty_spans()
    sim = np.full(len(occ), 100.0)
    d = np.flatnonzero(occ["key_idx"].to_numpy() != occ["key_idx_orig"].to_numpy())
    if len(d):
        sim[d] = process.cpdist([ukeys[k] for k in occ["key_idx"].to_numpy()[d]],
                                [ukeys[k] for k in occ["key_idx_orig"].to_numpy()[d]],
                                scorer=fuzz.ratio, workers=-1)
    spans = pd.DataFrame({
        "passage_id": occ["passage_id"].to_numpy(),
        "start": occ["start"].to_numpy(dtype=np.int64),
        "end": occ["end"].to_numpy(dtype=np.int64),
        "repeats_passage_id": occ["passage_id_orig"].to_numpy(),
        "repeats_start": occ["start_orig"].to_numpy(dtype=np.int64),
        "repeats_end": occ["end_orig"].to_numpy(dtype=np.int64),
        "similarity": np.round(sim, 2),
    })
    return spans.reset_index(drop=True)


DEDUP_COLUMNS = ("cluster_id", "is_canonical", "similarity", "is_boilerplate",
                 "has_internal_repeat", "text_clean")


def mark_repeats(rows: dict[str, list[dict[str, Any]]]) -> dict[str, list[dict[str, Any]]]:
    """The dedup stage: fuzzy dedup over all passages of a run. Adds the cluster marks
    to every passage and fills `passage_clusters` and `passage_repeats`; deletes nothing."""
    passages = rows["passages"]
    if not passages:
        return rows
    result = dedup_passages(pd.DataFrame(passages))
    added = result.passages[list(DEDUP_COLUMNS)].to_dict("records")  # same order as input
    marked = [{**row, **extra} for row, extra in zip(passages, added, strict=True)]
    return {**rows, "passages": marked,
            "passage_clusters": result.clusters.to_dict("records"),
            "passage_repeats": result.spans.to_dict("records")}
