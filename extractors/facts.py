"""Stated numbers of a PTSM → facts with the metric vocabulary (schemas/vocabularies.py).

"74 pistes d'amélioration" → n_improvement_leads, "23 actions" / "11 fiches-actions" →
n_actions, "79 propositions d'actions" → n_proposals, "23 groupes de travail" →
n_working_groups, "pour une durée de cinq ans" → duration_years, "2019-2024" →
period_start_year and period_end_year, "jusqu'en 2025" (about the PTSM) → period_end_year.
A doubled number ("23 23 actions") is read once. Counts of a subset ("4 fiches actions … en
lien avec l'objectif 1", "dont 5 actions") and counts of national texts ("les six objectifs
du décret") are not facts of the PTSM. One document gives each (metric, value) once.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

from extractors.dates import find_dates
from extractors.nlp import iter_sentences
from schemas.document import Document

_UNITS = {
    "un": 1, "une": 1, "deux": 2, "trois": 3, "quatre": 4, "cinq": 5, "six": 6, "sept": 7,
    "huit": 8, "neuf": 9, "dix": 10, "onze": 11, "douze": 12, "treize": 13, "quatorze": 14,
    "quinze": 15, "seize": 16,
}
_TENS = {"vingt": 20, "trente": 30, "quarante": 40, "cinquante": 50, "soixante": 60}
_WORD_NUMBER = (
    r"(?:(?:vingt|trente|quarante|cinquante|soixante)(?:[\s-]+et[\s-]+(?:un|une|onze)"
    r"|-(?:deux|trois|quatre|cinq|six|sept|huit|neuf|dix|onze|douze|treize|quatorze|quinze|seize"
    r"|dix-sept|dix-huit|dix-neuf))?|dix-sept|dix-huit|dix-neuf|" + "|".join(_UNITS) + ")"
)
_DIGITS = r"\d{1,3}(?:[\u00a0\u202f ]\d{3})+(?!\d)|\d+"
NUMBER = rf"(?P<num>{_DIGITS}|\b{_WORD_NUMBER})(?:\s+(?P=num))?"


@dataclass(frozen=True)
class FactSettings:
    """Plausibility bounds (a PTSM runs a few years; a count of one is no fact).

    A line of at most ``max_title_length`` characters holding a span of years is a title
    ("Feuille de route 2019-2024").
    """

    min_duration: int = 2
    max_duration: int = 10
    min_period_span: int = 3
    max_period_span: int = 10
    min_count: int = 2
    max_count: int = 100000
    max_title_length: int = 60


_I = re.IGNORECASE
_APOS = r"['’]\s*"
_COUNT_NOUNS: list[tuple[str, str]] = [  # earlier entries win at the same position
    ("n_improvement_leads", rf"(?:pistes?|axes?)\s+d{_APOS}am[ée]liorations?\b"),
    ("n_proposals", rf"propositions?\b(?:\s+d{_APOS}actions?)?"),
    ("n_working_groups",
     rf"(?:groupes?\s+de\s+travail|groupes?\s+d{_APOS}actions?|ateliers?"
     r"|groupes?\s+th[ée]matiques|commissions?\s+th[ée]matiques)\b"),
    ("n_actions", r"(?:fiches?[\s-]+actions?|actions?)\b"),
    ("n_orientations",
     r"(?:orientations?|axes?(?:\s+(?:strat[ée]giques|prioritaires))?"
     r"|objectifs\s+strat[ée]giques|priorit[ée]s\s+(?:strat[ée]giques|territoriales))\b"),
    ("n_participants",
     r"(?:participants?|contributeurs|(?:personnes|acteurs|professionnels)\s+"
     r"(?:ont\s+particip[ée]|mobilis[ée]s|r[ée]unis|impliqu[ée]s))\b"),
]
_COUNT = re.compile(
    rf"{NUMBER}\s+(?:" + "|".join(f"(?P<{metric}>{noun})" for metric, noun in _COUNT_NOUNS)
    + ")", _I)
_HAS_NUMBER = re.compile(
    r"\d|\b(?:deux|trois|quatre|cinq|six|sept|huit|neuf|dix|onze|douze|treize|quatorze|quinze"
    r"|seize|vingt|trente|quarante|cinquante|soixante)", _I)
_DURATION = re.compile(
    rf"\b(?:dur[ée]e\s+de|p[ée]riode\s+de|sur|pour|pendant)\s+(?:les\s+|une\s+dur[ée]e\s+de\s+"
    rf"|une\s+p[ée]riode\s+de\s+)?{NUMBER}\s+(?:ans|ann[ée]es)\b", _I)
_SUBSET_AFTER = re.compile(
    r"^[^.;]{0,40}?\ben\s+lien\s+avec\s+(?:l['’]\s*|la\s+|les\s+)?(?:objectif|axe|priorit)"
    r"|^\s*(?:prioritaires|phares|emblématiques|déjà|en\s+cours|réalisées|engagées)\b"
    r"|^[^.;]{0,30}?\b(?:du|des|de\s+ce)\s+d[ée]cret\b|^\s*nationa", _I)
_SUBSET_BEFORE = re.compile(r"\b(?:dont|parmi)\s*$", _I)
_NAMES_PTSM = re.compile(
    r"\bPTSM|projet\s+territorial|feuille\s+de\s+route|contrat\s+territorial|\bCTSM\b", _I)
_OTHER_PLAN_BEFORE = re.compile(
    r"(?:\b[A-Z]{2,}\d*|sch[ée]ma|plan|programme|strat[ée]gie|contrat)\s*$")
_ABOUT_PTSM = re.compile(
    r"\b(?:PTSM|projet|feuille\s+de\s+route|actions?|contrat|mise\s+en\s+[œo]e?uvre)\b", _I)


def number_value(raw: str) -> int | None:
    """'23' → 23, '1 200' → 1200, 'cinq' → 5, 'vingt-trois' → 23."""
    raw = raw.strip().lower()
    digits = re.sub(r"[\s\u00a0\u202f]", "", raw)
    if digits.isdigit():
        return int(digits)
    total = 0
    for part in re.split(r"[\s-]+", raw):
        if part == "et":
            continue
        if part in _TENS:
            total += _TENS[part]
        elif part in _UNITS:
            total += _UNITS[part]
        elif part == "dix":
            total += 10
        else:
            return None
    return total or None


def facts_in_sentence(text: str, settings: FactSettings | None = None) -> list[dict]:
    """Facts stated in one sentence (no dedup, no passage)."""
    settings = settings or FactSettings()
    rows: list[dict] = []
    if not _HAS_NUMBER.search(text):
        return rows
    for m in _COUNT.finditer(text):
        metric = m.lastgroup
        value = number_value(m["num"])
        if metric is None or value is None:
            continue
        if not settings.min_count <= value <= settings.max_count:
            continue
        if _SUBSET_AFTER.search(text[m.end():]) or _SUBSET_BEFORE.search(text[:m.start()]):
            continue
        rows.append({"metric": metric, "value": value, "unit": None, "evidence": text})
    for m in _DURATION.finditer(text):
        value = number_value(m["num"])
        if value and settings.min_duration <= value <= settings.max_duration:
            rows.append({"metric": "duration_years", "value": value, "unit": "years",
                         "evidence": text})
    for d in find_dates(text):
        if d.date is None:
            continue
        if d.precision == "year" and d.end_date is not None:
            span = d.end_date.year - d.date.year
            about = _NAMES_PTSM.search(text) or (
                len(text) <= settings.max_title_length
                and not _OTHER_PLAN_BEFORE.search(text[: d.start]))
            if settings.min_period_span <= span <= settings.max_period_span and about:
                rows.append({"metric": "period_start_year", "value": d.date.year, "unit": "year",
                             "evidence": text})
                rows.append({"metric": "period_end_year", "value": d.end_date.year,
                             "unit": "year", "evidence": text})
        elif d.qualifier and d.qualifier.startswith("jusqu") and _ABOUT_PTSM.search(text):
            rows.append({"metric": "period_end_year", "value": d.date.year, "unit": "year",
                         "evidence": text})
    return rows


def extract_facts(doc: Document, settings: FactSettings | None = None) -> list[dict]:
    """Stated numbers of a document, one per (metric, value), first evidence kept."""
    out: list[dict] = []
    seen: set[tuple[str, float]] = set()
    for seq, sentence in iter_sentences(doc.blocks):
        for row in facts_in_sentence(sentence, settings):
            key = (row["metric"], row["value"])
            if key in seen:
                continue
            seen.add(key)
            row["key"] = f"{row['metric']}|{row['value']}"
            row["passage_seq"] = seq
            out.append(row)
    return out
