"""Acronyms of a document: glossary entries and in-text "Expansion (ACR)" definitions.

Glossaries are found under a title such as "Liste des acronymes", "Lexique des sigles",
"Glossaire", "Abréviations"; their entries are "ACR : expansion" lines (also several entries
on one line when the glossary is laid out in columns), table rows (ACR | expansion, possibly
two pairs per row) or "ACR expansion" lines. In running text, "Expansion (ACR)" and
"ACR (Expansion)" count when the letters of the acronym follow the words of the expansion.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from functools import cache

from extractors.textfold import fold
from schemas.document import Block, Document


@dataclass(frozen=True)
class AcronymSettings:
    """``max_gap_blocks``: non-entry blocks tolerated inside a glossary before it ends;
    ``max_expansion_words``: longest expansion read back from an inline "(ACR)"."""

    max_gap_blocks: int = 3
    max_expansion_words: int = 14


_GLOSSARY_TITLE = re.compile(
    r"^\W*(?:liste\s+des\s+|lexique\s+des\s+|table\s+des\s+|index\s+des\s+|glossaire\s+des\s+)?"
    r"(?:acronymes|sigles|abr[ée]viations|glossaire|lexique)(?:\s+et\s+(?:acronymes|sigles|"
    r"abr[ée]viations))?\s*(?:utilis[ée]s)?\s*:?\s*\d*\s*$",
    re.IGNORECASE,
)
ACRONYM = r"[A-ZÉÈ][A-Za-zÉÈé0-9&'’/\-]{0,11}"
_ENTRY = re.compile(
    rf"(?:(?<=\s)|^)(?P<acr>{ACRONYM}(?:\s[A-Z]{{2,6}})?)\s*(?::|–|—|=|-(?=\s))\s*(?P<exp>.+?)"
    rf"(?=\s+{ACRONYM}\s*(?::|–|—|=)\s|\s{{3,}}|\t|$)"
)
_SPACE_ENTRY = re.compile(r"^(?P<acr>[A-Z][A-Z0-9&'/\-]{1,11})\s+(?P<exp>[A-ZÉÈ][^\s].+)$")
_INLINE = re.compile(r"\((?P<acr>[A-Z][A-Za-z0-9&\-]{1,11})\)")
_STOPWORDS = {"de", "du", "des", "la", "le", "les", "l", "d", "et", "en", "à", "a", "au", "aux",
              "pour", "par", "sur", "un", "une", "ou", "dans"}


def _is_acronym(token: str) -> bool:
    letters = [c for c in token if c.isalpha()]
    return len(letters) >= 2 and sum(c.isupper() for c in letters) >= 2


def glossary_entries(line: str) -> list[tuple[str, str]]:
    """Entries of one glossary line: "AAH : Allocation … CMP : Centre …" → two pairs."""
    out: list[tuple[str, str]] = []
    line = line.strip()
    expected = 0
    for m in _ENTRY.finditer(line):
        if line[expected:m.start()].strip():
            break  # entries follow one another from the start of the line
        acr, exp = m["acr"].strip(), m["exp"].strip(" ;,.")
        if not (_is_acronym(acr) and exp):
            break
        out.append((acr, exp))
        expected = m.end()
    if not out:
        m = _SPACE_ENTRY.match(line.strip())
        if m and _is_acronym(m["acr"]):
            out.append((m["acr"], m["exp"].strip(" ;,.")))
    return out


def _table_entries(rows: list[list[str]]) -> list[tuple[str, str]]:
    out: list[tuple[str, str]] = []
    for row in rows:
        cells = [c.strip() for c in row]
        for i in range(0, len(cells) - 1, 2):
            if _is_acronym(cells[i]) and len(cells[i]) <= 12 and cells[i + 1]:
                out.append((cells[i], cells[i + 1]))
    return out


def _block_entries(block: Block) -> list[tuple[str, str]]:
    if block.kind == "table" and block.rows:
        return _table_entries(block.rows)
    out: list[tuple[str, str]] = []
    for line in block.text.split("\n"):
        out += glossary_entries(line)
    return out


def _initials_match(acr: str, words: list[str]) -> tuple[int, int] | None:
    """(letters at word starts, -significant words skipped) if ``acr`` spells ``words``.

    Every letter of the acronym is used in order; a word gives nothing, or its first letter
    and possibly further letters of its own ("EXercice"); the first word gives the first
    letter. None when the acronym cannot be read from the words.
    """
    letters = [c for c in fold(acr) if c.isalnum()]
    folded = [fold(w) for w in words]
    if not letters or not folded or folded[0][:1] != letters[0]:
        return None

    @cache
    def best(li: int, wi: int) -> tuple[int, int] | None:
        if li == len(letters):
            skipped = sum(1 for w in folded[wi:] if w not in _STOPWORDS)
            return (0, -skipped)
        if wi == len(folded):
            return None
        w = folded[wi]
        options: list[tuple[int, int]] = []
        if wi > 0:
            rest = best(li, wi + 1)
            if rest is not None:
                options.append((rest[0], rest[1] - (w not in _STOPWORDS)))
        if w[:1] == letters[li]:
            pos, k = 1, li + 1
            gain = 0 if w in _STOPWORDS else 1
            while True:
                rest = best(k, wi + 1)
                if rest is not None:
                    options.append((rest[0] + gain, rest[1]))
                if k == len(letters) or w in _STOPWORDS:
                    break
                found = w.find(letters[k], pos)
                if found < 0:
                    break
                pos, k = found + 1, k + 1
        return max(options) if options else None

    return best(0, 0)


def _words_before(text: str) -> list[tuple[str, int]]:
    return [(m.group(0), m.start()) for m in re.finditer(r"[\w\-]+", text)]


def inline_definitions(text: str, settings: AcronymSettings | None = None) -> list[tuple[str, str]]:
    """"Expansion (ACR)" and "ACR (Expansion)" pairs of a sentence."""
    settings = settings or AcronymSettings()
    out: list[tuple[str, str]] = []
    for m in _INLINE.finditer(text):
        acr = m["acr"]
        if not _is_acronym(acr):
            continue
        words = _words_before(text[: m.start()])[-settings.max_expansion_words:]
        best: tuple[tuple[int, int], int] | None = None
        for i in range(len(words)):
            chunk = [w for w, _ in words[i:]]
            split = [p for w in chunk for p in re.split(r"(?<=[dl])'|-", w) if p]
            score = _initials_match(acr, split)
            if score and (best is None or score >= best[0]):
                best = (score, words[i][1])
        if best:
            expansion = text[best[1]: m.start()].strip(" ,;:«»\"“”")
            if expansion and expansion != acr:
                out.append((acr, re.sub(r"\s+", " ", expansion)))
    for m in re.finditer(rf"\b(?P<acr>{ACRONYM})\s*\((?P<exp>[^()]{{6,120}})\)", text):
        words = [p for p in re.split(r"[\s'’\-]+", m["exp"]) if p]
        if _is_acronym(m["acr"]) and _initials_match(m["acr"], words):
            out.append((m["acr"], m["exp"].strip()))
    return out


def extract_acronyms(doc: Document, settings: AcronymSettings | None = None) -> list[dict]:
    """Glossary entries (``source="glossary"``) and inline definitions (``"inline"``)."""
    settings = settings or AcronymSettings()
    rows: list[dict] = []
    seen: set[tuple[str, str, str]] = set()

    def add(acr: str, expansion: str, source: str, seq: int) -> None:
        key = (source, acr, fold(expansion).strip(" .»«"))
        if key in seen:
            return
        seen.add(key)
        rows.append({"acronym": acr, "expansion": expansion, "source": source,
                     "passage_seq": seq})

    in_glossary, gap = False, 0
    for block in doc.blocks:
        first_line = block.text.strip().split("\n")[0] if block.text else ""
        if _GLOSSARY_TITLE.match(first_line) and len(first_line) < 60:
            in_glossary, gap = True, 0
            continue
        if in_glossary:
            entries = _block_entries(block)
            if entries:
                gap = 0
                for acr, exp in entries:
                    add(acr, exp, "glossary", block.seq)
                continue
            gap += 1
            if gap > settings.max_gap_blocks or block.kind == "heading":
                in_glossary = False
        for acr, exp in inline_definitions(block.text or "", settings):
            add(acr, exp, "inline", block.seq)
    return rows
