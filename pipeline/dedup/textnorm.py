"""Normalisation of text for *matching* (never for storage).

The stored text of a passage is left untouched; dedup compares *match keys* built here:
Unicode NFKC, typographic quotes/dashes/spaces folded, ligatures expanded, accents and case
dropped, common OCR confusions repaired, punctuation turned into spaces, leading list
enumerators ("1)", "2.", "a)", "–", "•") removed, whitespace collapsed.

Numbers are kept in the key and also extracted separately (:func:`numbers_in`) so that
dedup can refuse to merge two lines that differ only by a fiche number or a year.
"""

from __future__ import annotations

import re
import unicodedata
from collections.abc import Iterable

from extractors.textfold import fold

# Typographic characters folded before anything else.
_CHAR_MAP = str.maketrans(
    {
        "\u2018": "'", "\u2019": "'", "\u201a": "'", "\u201b": "'", "\u2032": "'",
        "\u00b4": "'", "`": "'",
        "\u201c": '"', "\u201d": '"', "\u201e": '"', "\u00ab": '"', "\u00bb": '"',
        "\u2010": "-", "\u2011": "-", "\u2012": "-", "\u2013": "-", "\u2014": "-",
        "\u2015": "-", "\u2212": "-",
        "\u00a0": " ", "\u202f": " ", "\u2009": " ", "\u200b": "",
        "\u0153": "oe", "\u0152": "OE", "\u00e6": "ae", "\u00c6": "AE",
        "\u00b0": " ", "\u00ba": " ",  # "n°2" / "nº2" -> "n 2"
    }
)

# List enumerators and bullets at the start of a line: "1)", "2.", "a)", "iv)", "-", "•", "✓".
_LEADING_ENUM = re.compile(
    r"^\s*(?:(?:\d{1,2}|[a-z]|[ivx]{1,4})\s*[).]\s*|[-*•▪▫◦●○■□✓✔➢➤►>·]+\s*)+",
    re.IGNORECASE,
)
# OCR reads the elided article "l'" before an acronym as a capital T: "l'ARS" -> "TARS".
# Only for short acronyms, and only in text that is not written in capitals.
_OCR_T_FOR_L = re.compile(r"\bT(?=[A-Z]{2,5}\b)")
# OCR reads the "l" of "l'" as "I" or "1": "I'ARS", "1'usager".
_OCR_L_APOS = re.compile(r"\b[I1|]'")
_NON_WORD = re.compile(r"[^0-9a-z]+")
_DIGIT_IN_WORD = str.maketrans({"0": "o", "1": "l", "5": "s", "8": "b"})
_DIGIT_INSIDE_LETTERS = re.compile(r"(?<=[a-z])[0158]+(?=[a-z])")
_LETTER_DIGIT_EDGE = re.compile(r"(?<=[a-z])(?=\d)|(?<=\d)(?=[a-z])")
_HAS_ALPHA = re.compile(r"[a-z]")
_MIXED = re.compile(r"[a-z]\d|\d[a-z]")
_LOWER = re.compile(r"[a-zà-ÿ]")
_UPPER = re.compile(r"[A-ZÀ-Þ]")
_HAS_DIGIT = re.compile(r"\d")
_NUMBER = re.compile(r"(?<![0-9a-z])\d+(?![0-9a-z])")

# Small French stop-word list: ignored for candidate blocking (not for scoring).
STOPWORDS: frozenset[str] = frozenset(
    {
    "a", "au", "aux", "avec", "ce", "ces", "d", "dans", "de", "des", "du", "en", "et", "est",
    "il", "l", "la", "le", "les", "leur", "leurs", "ne", "ou", "par", "pas", "pour", "qu",
    "que", "qui", "s", "sa", "se", "ses", "son", "sur", "un", "une", "y",
    }
)


# the characters of _CHAR_MAP: replaced through a regex (str.translate is slow on non-ASCII).
_CHAR_MAP_STR = {chr(k): v for k, v in _CHAR_MAP.items()}
_CHAR_MAP_RE = re.compile("[" + re.escape("".join(_CHAR_MAP_STR)) + "]")


def _mapped(m: re.Match[str]) -> str:
    return _CHAR_MAP_STR[m.group()]


def typography(text: str) -> str:
    """Unicode NFKC, typographic quotes/dashes/spaces folded, ligatures expanded; case and
    accents kept (the OCR repairs below need the case). Case and accents go with
    :func:`extractors.textfold.fold`."""
    return _CHAR_MAP_RE.sub(_mapped, unicodedata.normalize("NFKC", text))


def strip_enumerator(text: str) -> str:
    """Remove a leading list enumerator or bullet ("1)", "2.", "a)", "–", "•", "✓")."""
    return _LEADING_ENUM.sub("", text, count=1)


def _repair_ocr(s: str) -> str:
    """OCR repairs on lower-case, accent-less text.

    Digits read inside letters become letters ("pil0te" -> "pilote"); remaining
    letter/digit edges are split ("ptsm53" -> "ptsm 53", "1er" -> "1 er"); "rn" -> "m".
    """
    if _MIXED.search(s):
        s = _DIGIT_INSIDE_LETTERS.sub(lambda m: m.group(0).translate(_DIGIT_IN_WORD), s)
        s = _LETTER_DIGIT_EDGE.sub(" ", s)
    return s.replace("rn", "m").replace("vv", "w")


def match_key(text: str, drop_enumerator: bool = True) -> str:
    """The normalised form of ``text`` used for matching.

    >>> match_key("2) Répondre à l’appel à projet de TARS")
    'repondre a l appel a projet de l ars'
    """
    s = typography(text)
    if drop_enumerator:
        s = strip_enumerator(s)
    if _OCR_T_FOR_L.search(s) and len(_LOWER.findall(s)) > len(_UPPER.findall(s)):
        s = _OCR_T_FOR_L.sub("l'", s)
    s = _OCR_L_APOS.sub("l'", s)
    s = fold(s)
    s = _NON_WORD.sub(" ", s)
    return " ".join(_repair_ocr(s).split())


class _WordKeys(dict):
    """Memo: one folded, whitespace-free token -> its match-key words ("" when none)."""

    def __missing__(self, token: str) -> str:
        s = _OCR_L_APOS.sub("l'", token)
        s = _NON_WORD.sub(" ", fold(s))
        out = " ".join(_repair_ocr(s).split())
        self[token] = out
        return out


def match_keys(texts: Iterable[str], drop_enumerator: bool = True) -> list[str]:
    """:func:`match_key` of every text, equal results, much faster on a corpus.

    Everything after folding, enumerator stripping and the text-level "T" rule only acts
    inside one whitespace-separated token, so each distinct token is normalised once
    (memo), and a key is the join of its tokens' forms. Texts the "T" rule may touch take
    the plain :func:`match_key` path.
    """
    memo = _WordKeys()
    word = memo.__getitem__
    out: list[str] = []
    for text in texts:
        s = typography(text)
        if drop_enumerator:
            s = strip_enumerator(s)
        if "T" in s and _OCR_T_FOR_L.search(s):
            out.append(match_key(text, drop_enumerator))
        else:
            out.append(" ".join(filter(None, map(word, s.split()))))
    return out


def numbers_in(key: str) -> tuple[str, ...]:
    """Standalone numbers of a match key, in order (leading zeros dropped).

    Order matters: "5 fiches ... objectif 4" differs from "4 fiches ... objectif 5".
    """
    return tuple(n.lstrip("0") or "0" for n in _NUMBER.findall(key))


def blocking_tokens(key: str) -> list[str]:
    """Words of a match key used for candidate blocking (stop words dropped)."""
    words = key.split()
    kept = [w for w in words if w not in STOPWORDS]
    return kept or words


_SENTENCE_END = re.compile(r"(?<=[.!?;:])\s+(?=[\"'«(\[]?[A-ZÀ-ÖØ-Þ0-9–—-])")


def sentence_spans(text: str) -> list[tuple[int, int]]:
    """Character spans (start, end) of the sentences of ``text`` (whitespace trimmed)."""
    spans: list[tuple[int, int]] = []
    start = 0
    for m in _SENTENCE_END.finditer(text):
        spans.append((start, m.start()))
        start = m.end()
    spans.append((start, len(text)))
    return _trimmed(text, spans)


_CELL = re.compile(r"[^\n|]+")


def cell_spans(text: str) -> list[tuple[int, int]]:
    """Character spans (start, end) of the non-empty cells of a table's text (rows on
    lines, cells separated by ``|``), whitespace trimmed: a table repeats cell by cell."""
    return _trimmed(text, [m.span() for m in _CELL.finditer(text)])


def _trimmed(text: str, spans: list[tuple[int, int]]) -> list[tuple[int, int]]:
    """The spans without their leading and trailing whitespace; blank ones dropped."""
    out = []
    for a, b in spans:
        while a < b and text[a].isspace():
            a += 1
        while b > a and text[b - 1].isspace():
            b -= 1
        if b > a:
            out.append((a, b))
    return out


_SUSPECT_CHARS = re.compile(r"[^\w\s'\".,;:!?()\[\]/%&+=*«»’“”\-–—°€$|<>@#]")
# a word with letters then a digit ("pil0te", "l1eu"), not "n°2"-style references
_SUSPECT_MIXED = re.compile(r"(?<![\w°])(?!n\d)[^\W\d_]+\d\w*", re.IGNORECASE)


def ocr_suspect_tokens(text: str) -> int:
    """Count OCR-looking tokens: words mixing letters then digits ("pil0te"), and
    characters outside ordinary text."""
    return len(_SUSPECT_MIXED.findall(text)) + len(_SUSPECT_CHARS.findall(text))
