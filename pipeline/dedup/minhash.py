"""Near-linear candidate blocking: MinHash signatures computed in bulk with numpy, then LSH.

Each text is a set of tokens (words, plus a 4-character prefix and suffix of each longer
word so that one OCR-damaged word still shares tokens with its clean form). Tokens are
hashed with pandas' deterministic SipHash (same input -> same candidates, run after run).
Signatures use universal hashing ``(a*h + b) >> 32`` over uint64 (wrapping) and
``np.minimum.reduceat`` over the flat token array, one permutation at a time.
Candidate pairs: texts sharing a whole band of ``rows`` minhash values, emitted as a star
(each member with the first of its bucket) plus a chain (each member with the next one),
so a bucket of size m costs O(m), never O(m²).
"""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np
import pandas as pd

_MASK32 = np.uint64(0xFFFFFFFF)


def unique_sorted(values: np.ndarray) -> np.ndarray:
    """Sorted distinct values of an integer array (sort-based: ``np.unique`` of numpy 2.3+
    hashes and is many times slower on large int64 arrays)."""
    if len(values) == 0:
        return values.copy()
    s = np.sort(values)
    keep = np.empty(len(s), dtype=bool)
    keep[0] = True
    np.not_equal(s[1:], s[:-1], out=keep[1:])
    return s[keep]


def shingle_tokens(words: Sequence[str], affix: int = 4) -> list[str]:
    """Blocking tokens of one text: each word, and for words longer than ``affix + 1``
    characters also its prefix and suffix of ``affix`` characters."""
    out: list[str] = list(words)
    for w in words:
        if len(w) > affix + 1:
            out.append(w[:affix] + "<")
            out.append(">" + w[-affix:])
    return out


def flat_hashes(token_lists: Sequence[Sequence[str]]) -> tuple[np.ndarray, np.ndarray]:
    """Hash every token of every text: (uint64 hashes, int64 start offset of each text).

    Every list must be non-empty.
    """
    lengths = np.fromiter((len(t) for t in token_lists), dtype=np.int64, count=len(token_lists))
    flat = np.empty(int(lengths.sum()), dtype=object)
    pos = 0
    for toks in token_lists:
        flat[pos : pos + len(toks)] = toks
        pos += len(toks)
    hashes = pd.util.hash_array(flat, categorize=True)
    offsets = np.zeros(len(lengths), dtype=np.int64)
    np.cumsum(lengths[:-1], out=offsets[1:])
    return hashes, offsets


def key_words(keys: Sequence[str]) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Words of non-empty match keys (words separated by single spaces).

    Returns (word code of every occurrence, key by key; number of words of each key;
    vocabulary as an object array indexed by code).
    """
    lengths = np.fromiter((k.count(" ") + 1 for k in keys), dtype=np.int64, count=len(keys))
    words = np.array(" ".join(keys).split(" "), dtype=object)
    codes, vocab = pd.factorize(words)
    return codes.astype(np.int64), lengths, np.asarray(vocab, dtype=object)


def document_frequency(codes: np.ndarray, lengths: np.ndarray, n_words: int) -> np.ndarray:
    """Number of keys containing each word."""
    key_of = np.repeat(np.arange(len(lengths), dtype=np.int64), lengths)
    pairs = unique_sorted(key_of * n_words + codes)
    return np.bincount(pairs % n_words, minlength=n_words)


def word_token_hashes(vocab: np.ndarray, affix: int = 4) -> tuple[np.ndarray, np.ndarray]:
    """Hashes of the blocking tokens of each word (see :func:`shingle_tokens`): shape
    (V, 3) uint64 = word, prefix, suffix (prefix and suffix repeat the word's hash when the
    word is too short to have them), and the same hashing as :func:`flat_hashes`."""
    tokens = np.empty((len(vocab), 3), dtype=object)
    for i, w in enumerate(vocab):
        if len(w) > affix + 1:
            tokens[i] = (w, w[:affix] + "<", ">" + w[-affix:])
        else:
            tokens[i] = (w, w, w)
    return pd.util.hash_array(tokens.ravel(), categorize=True).reshape(-1, 3)


def minhash_by_words(
    token_hashes: np.ndarray, codes: np.ndarray, offsets: np.ndarray, num_perm: int,
    seed: int = 20170727,
) -> np.ndarray:
    """MinHash signatures, shape (num_perm, n_texts) uint32, of texts given as word codes
    (``codes[offsets[i]:offsets[i+1]]``, every text non-empty). Each permutation is
    applied once per distinct word (minimum over its tokens), then gathered: the same
    signatures as :func:`minhash_signatures` over the texts' token sets."""
    rng = np.random.default_rng(seed)
    a = rng.integers(1, 2**63 - 1, size=num_perm, dtype=np.uint64) | np.uint64(1)
    b = rng.integers(0, 2**63 - 1, size=num_perm, dtype=np.uint64)
    sig = np.empty((num_perm, len(offsets)), dtype=np.uint32)
    with np.errstate(over="ignore"):
        for p in range(num_perm):
            per_token = (token_hashes * a[p] + b[p]) >> np.uint64(32)
            per_word = per_token.min(axis=1).astype(np.uint32)
            sig[p] = np.minimum.reduceat(per_word[codes], offsets)
    return sig


def minhash_signatures(
    hashes: np.ndarray, offsets: np.ndarray, num_perm: int, seed: int = 20170727
) -> np.ndarray:
    """MinHash signatures, shape (num_perm, n_texts), uint32."""
    rng = np.random.default_rng(seed)
    a = rng.integers(1, 2**63 - 1, size=num_perm, dtype=np.uint64) | np.uint64(1)
    b = rng.integers(0, 2**63 - 1, size=num_perm, dtype=np.uint64)
    sig = np.empty((num_perm, len(offsets)), dtype=np.uint32)
    buf = np.empty_like(hashes)
    with np.errstate(over="ignore"):
        for p in range(num_perm):
            np.multiply(hashes, a[p], out=buf)
            np.add(buf, b[p], out=buf)
            np.right_shift(buf, np.uint64(32), out=buf)
            sig[p] = np.minimum.reduceat(buf, offsets)
    return sig


def lsh_candidate_pairs(sig: np.ndarray, bands: int, rows: int) -> np.ndarray:
    """Candidate pairs (i, j), i < j, shape (k, 2) int64, sorted and unique."""
    n = sig.shape[1]
    if n < 2:
        return np.empty((0, 2), dtype=np.int64)
    codes: list[np.ndarray] = []
    idx = np.arange(n, dtype=np.int64)
    with np.errstate(over="ignore"):
        for band in range(bands):
            block = sig[band * rows : (band + 1) * rows].astype(np.uint64)
            key = np.full(n, np.uint64(band + 1) * np.uint64(0x9E3779B97F4A7C15), dtype=np.uint64)
            for row in block:
                key = key * np.uint64(0x100000001B3) + row
                key ^= key >> np.uint64(29)
            order = np.argsort(key, kind="stable")
            k_sorted = key[order]
            same_as_prev = np.empty(n, dtype=bool)
            same_as_prev[0] = False
            np.equal(k_sorted[1:], k_sorted[:-1], out=same_as_prev[1:])
            if not same_as_prev.any():
                continue
            # chain: each member with the previous member of its bucket
            cur = order[1:][same_as_prev[1:]]
            prev = order[:-1][same_as_prev[1:]]
            # star: each member with the first member of its bucket
            first_pos = np.maximum.accumulate(np.where(~same_as_prev, idx, 0))
            first = order[first_pos]
            member = same_as_prev & (first_pos != idx - 1)
            for x, y in ((cur, prev), (order[member], first[member])):
                lo = np.minimum(x, y)
                hi = np.maximum(x, y)
                codes.append(lo * n + hi)
    if not codes:
        return np.empty((0, 2), dtype=np.int64)
    uniq = unique_sorted(np.concatenate(codes))
    return np.stack([uniq // n, uniq % n], axis=1)


def connected_components(n: int, pairs: np.ndarray) -> np.ndarray:
    """Component label (the smallest member index) of each of ``n`` nodes."""
    labels = np.arange(n, dtype=np.int64)
    if len(pairs) == 0:
        return labels
    a, b = pairs[:, 0], pairs[:, 1]
    while True:
        la, lb = labels[a], labels[b]
        low = np.minimum(la, lb)
        before = labels.copy()
        np.minimum.at(labels, la, low)
        np.minimum.at(labels, lb, low)
        # pointer jumping until every node points at a root
        while True:
            nxt = labels[labels]
            if np.array_equal(nxt, labels):
                break
            labels = nxt
        if np.array_equal(labels, before):
            return labels
