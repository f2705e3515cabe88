"""The institutions of the field as data (``data/institutions.json``) and a fast regex finder.

The same catalogue feeds the spaCy EntityRuler (:mod:`extractors.entities`) and the actor
lookup of governance events (:mod:`extractors.events`). Full names match case-insensitively
with optional accents and either apostrophe; acronyms match case-sensitively.
"""

from __future__ import annotations

import json
import re
from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path
from typing import Any

from extractors.textfold import fold

DATA_FILE = Path(__file__).resolve().parent / "data" / "institutions.json"


@dataclass(frozen=True)
class Variant:
    """One written form of an institution."""

    canonical: str
    label: str
    text: str
    is_acronym: bool


@dataclass(frozen=True)
class Mention:
    """An institution found in a text."""

    canonical: str
    text: str
    start: int
    end: int


@lru_cache(maxsize=1)
def load_catalogue(path: str = str(DATA_FILE)) -> dict[str, Any]:
    with open(path, encoding="utf-8") as fh:
        return json.load(fh)


@lru_cache(maxsize=1)
def variants() -> tuple[Variant, ...]:
    """Every name and acronym of the catalogue, regional ARS names included."""
    data = load_catalogue()
    out: list[Variant] = []
    for inst in data["institutions"]:
        for name in inst.get("names", []):
            out.append(Variant(inst["canonical"], inst["label"], name, False))
        for acr in inst.get("acronyms", []):
            out.append(Variant(inst["canonical"], inst["label"], acr, True))
    for canonical_head, heads in data.get("regional_heads", {}).items():
        for region in data.get("regions", []):
            for head in heads:
                for joiner in data.get("regional_joiners", [""]):
                    for variant in region["variants"]:
                        if len(variant) <= 4 and joiner:
                            continue  # "ARS PDL", never "ARS de PDL"
                        text = f"{head} {joiner}{variant}".replace("' ", "'")
                        out.append(Variant(f"{canonical_head} {region['canonical']}", "ORG",
                                           text, False))
    return tuple(out)


def _squash(text: str) -> str:
    return re.sub(r"[\s'-]+", " ", fold(text)).strip()


def _accent_class(ch: str) -> str:
    groups = {"e": "eéèêë", "a": "aàâä", "i": "iîï", "o": "oôö", "u": "uùûü", "c": "cç"}
    base = fold(ch)
    if base in groups:
        return "[" + groups[base] + groups[base].upper() + "]"
    if ch in "'’":
        return "['’]\\s*"
    if ch == " ":
        return r"[\s-]+"
    if ch == "-":
        return r"[\s-]+"
    return re.escape(ch)


def _name_regex(name: str) -> str:
    return "".join(_accent_class(ch) for ch in name)


@lru_cache(maxsize=1)
def _finder() -> tuple[re.Pattern[str], dict[str, str]]:
    by_fold: dict[str, str] = {}
    parts: list[str] = []
    for v in sorted(variants(), key=lambda v: -len(v.text)):
        key = v.text if v.is_acronym else _squash(v.text)
        if key in by_fold:
            continue
        by_fold[key] = v.canonical
        by_fold.setdefault(_squash(v.text), v.canonical)
        if v.is_acronym:
            parts.append(r"(?-i:" + re.escape(v.text).replace(r"\ ", r"[\s-]?") + ")")
        else:
            parts.append(_name_regex(v.text))
    parts.append(r"(?-i:D[TD]\s?\d{2,3}[AB]?)")
    pattern = re.compile(r"(?<![\w])(?:" + "|".join(parts) + r")(?![\w])", re.IGNORECASE)
    return pattern, by_fold


def canonical_of(text: str) -> str | None:
    """Canonical name of a written form, None when it is not in the catalogue."""
    _, by_fold = _finder()
    found = by_fold.get(text) or by_fold.get(_squash(text))
    if found:
        return found
    if re.fullmatch(r"D[TD]\s?\d{2,3}[AB]?", text):
        return "DT ARS"
    return None


def find_institutions(text: str) -> list[Mention]:
    """Institution mentions in ``text`` (longest first, non-overlapping), in order."""
    return list(_institutions(text))


@lru_cache(maxsize=4096)
def _institutions(text: str) -> tuple[Mention, ...]:
    """find_institutions, kept for the texts seen last (the event prefilter and the reader
    of a sentence both ask)."""
    pattern, _ = _finder()
    return tuple(Mention(canonical_of(m.group(0)) or m.group(0), m.group(0), m.start(), m.end())
                 for m in pattern.finditer(text))
