"""Generated passages with a known duplicate structure, for the dedup benchmark.

Words are drawn (with their frequencies) from the Mayenne seed fixture so passages look
like PTSM prose. Every passage has a ``true_cluster``: the members of a true cluster are
exact copies, formatting variants (case, quotes, dashes, bullets, enumerators, spacing) or
OCR-noisy copies (1-3 character confusions: e/s, m/rn, l'/T, accents lost, doubled or
dropped letters) of one original, spread over documents and départements. Hard negatives
are built in: lines sharing an opening but not their continuation, template lines that
differ only by a number ("Fiche action n°12 : …" vs
"n°13 : …", years) are different true clusters, and short template lines ("Créer un groupe
pilote") repeat many times as one true cluster.
"""

from __future__ import annotations

import argparse
import re
from collections import Counter
from pathlib import Path

import numpy as np
import pandas as pd

SEED_TEXT = Path(__file__).resolve().parents[1] / "tests" / "fixtures" / "text" / "seed004.txt"
TEMPLATES = [
    "Créer un groupe pilote", "Rédiger le projet", "Evaluer le dispositif",
    "Moyens nécessaires :", "Territoire et public cible :", "Objectifs stratégiques :",
    "Indicateurs de suivi", "Mettre en place le dispositif", "Répertorier l'existant",
    "Construire une animation type",
]
OCR_PAIRS = [("e", "s"), ("m", "rn"), ("é", "e"), ("è", "e"), ("l", "1"), ("o", "0"),
             ("i", "l"), ("c", "e"), ("u", "n"), ("h", "b")]


def vocabulary(path: Path = SEED_TEXT) -> tuple[list[str], np.ndarray]:
    words = re.findall(r"[A-Za-zÀ-ÿ'’-]{3,}", path.read_text(encoding="utf-8"))
    counts = Counter(words)
    vocab = sorted(counts)
    freq = np.array([counts[w] for w in vocab], dtype=float)
    return vocab, freq / freq.sum()


def _sentence(rng: np.random.Generator, vocab: list[str], p: np.ndarray, lo: int,
              hi: int) -> str:
    n = int(rng.integers(lo, hi))
    words = list(rng.choice(vocab, size=n, p=p))
    words[0] = words[0][:1].upper() + words[0][1:]
    if rng.random() < 0.3:  # a number somewhere
        words.insert(int(rng.integers(1, n)), str(int(rng.integers(1, 2030))))
    return " ".join(words) + rng.choice([".", " :", "", " ;"])


def _format_variant(rng: np.random.Generator, text: str) -> str:
    choice = rng.integers(0, 6)
    if choice == 0:
        return text.replace("'", "’")
    if choice == 1:
        return "– " + text
    if choice == 2:
        return text.upper() if len(text) < 60 else text.lower()
    if choice == 3:
        return "  ".join(text.split(" "))
    if choice == 4:
        return "▪ " + text.rstrip(".:; ")
    return text + "."


def _ocr_variant(rng: np.random.Generator, text: str) -> str:
    chars = list(text)
    letters = [i for i, c in enumerate(chars) if c.isalpha()]
    n_edits = 1 if len(text) < 60 else int(rng.integers(1, 4))
    for _ in range(n_edits):
        if not letters:
            break
        i = int(rng.choice(letters))
        kind = rng.integers(0, 4)
        if kind == 0:  # confusion
            for a, b in OCR_PAIRS:
                if chars[i] == a:
                    chars[i] = b
                    break
            else:
                chars[i] = chars[i] * 2
        elif kind == 1:
            chars[i] = ""
        elif kind == 2:
            chars[i] = chars[i] * 2
        else:
            chars[i] = chars[i].swapcase()
    return "".join(chars)


def generate(n: int, seed: int = 0) -> pd.DataFrame:
    """``n`` passages with columns passage_id, doc_id, department_code, seq, kind, text,
    true_cluster."""
    rng = np.random.default_rng(seed)
    vocab, p = vocabulary()
    depts = [f"{d:02d}" for d in range(1, 96)] + ["__unknown__"]
    texts: list[str] = []
    truth: list[int] = []
    group = 0
    # boilerplate: ~3% of passages are short template lines, one true cluster per template
    n_boiler = int(n * 0.03)
    for i in range(n_boiler):
        t = TEMPLATES[i % len(TEMPLATES)]
        texts.append(rng.choice(["", "1) ", "1)", "- ", "▪ "]) + t)
        truth.append(i % len(TEMPLATES))
    group = len(TEMPLATES)
    fiche = 0
    while len(texts) < n:
        r = rng.random()
        if r < 0.05:  # template family: same title pattern, different numbers
            title = _sentence(rng, vocab, p, 5, 12).rstrip(".:; ")
            for _ in range(int(rng.integers(2, 4))):
                fiche += 1
                base = f"Fiche action n°{fiche} : {title}"
                size = int(rng.integers(1, 4))
                for k in range(size):
                    texts.append(base if k == 0 else _format_variant(rng, base))
                    truth.append(group)
                group += 1
            continue
        if r < 0.10:  # shared-prefix family: same opening, different continuations
            prefix = _sentence(rng, vocab, p, 4, 9).rstrip(".:; ")
            for _ in range(int(rng.integers(2, 4))):
                base = prefix + " " + _sentence(rng, vocab, p, 5, 14).lower()
                for k in range(int(rng.integers(1, 3))):
                    texts.append(base if k == 0 else _ocr_variant(rng, base))
                    truth.append(group)
                group += 1
            continue
        base = _sentence(rng, vocab, p, 6, 45)
        size = 1 if r < 0.55 else int(rng.choice([2, 2, 2, 3, 3, 4, 5, 8, 12]))
        for k in range(size):
            if k == 0:
                text = base
            else:
                u = rng.random()
                text = base if u < 0.45 else (
                    _format_variant(rng, base) if u < 0.7 else _ocr_variant(rng, base))
            texts.append(text)
            truth.append(group)
        group += 1
    texts, truth = texts[:n], truth[:n]
    order = rng.permutation(n)
    n_docs = max(1, n // 40)
    doc = rng.integers(0, n_docs, size=n)
    df = pd.DataFrame({
        "passage_id": [f"p{i:07d}" for i in range(n)],
        "doc_id": [f"d{d:06d}" for d in doc],
        "department_code": [depts[d % len(depts)] for d in doc],
        "seq": np.arange(n),
        "kind": "paragraph",
        "text": [texts[i] for i in order],
        "true_cluster": [truth[i] for i in order],
    })
    return df


if __name__ == "__main__":
    ap = argparse.ArgumentParser(description=__doc__)
    ap.add_argument("n", type=int)
    ap.add_argument("--seed", type=int, default=0)
    args = ap.parse_args()
    print(generate(args.n, args.seed).head(20).to_string())
