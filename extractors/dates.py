"""French date mentions in running text → :class:`FrenchDate` (date + precision + span).

Recognised forms (case-insensitive, accents optional):

- a day: "26 octobre 2020", "le 1er février 2019", "1^{er} février 2019", "lundi 3 décembre 2018",
  "le 09 juin 2021", "09/06/2021"; "les 3 et 4 mars 2019" (the first day);
- a month: "décembre 2025", "de mars à juin 2018", "avril, mai et juin 2018" (the first month,
  the last one in ``end_date``), "premier semestre 2019", "deuxième trimestre 2019";
- a year with a qualifier: "En 2020", "fin 2025", "début 2019", "depuis 2018", "jusqu'en 2025";
- a span of years: "2019-2024", "2019 – 2024", "de 2019 à 2024" (start in ``date``, end in
  ``end_date``).

A date stated with only a month or a year is stored at its first day with precision ``month``
or ``year``. A date whose year is not written ("le 3 mars") keeps ``date=None``: the year is
never invented.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import date
from functools import lru_cache

from extractors.textfold import fold

MONTHS: dict[str, int] = {
    "janvier": 1, "janv": 1, "fevrier": 2, "fevr": 2, "fev": 2, "mars": 3, "avril": 4, "avr": 4,
    "mai": 5, "juin": 6, "juillet": 7, "juil": 7, "aout": 8, "septembre": 9, "sept": 9,
    "octobre": 10, "oct": 10, "novembre": 11, "nov": 11, "decembre": 12, "dec": 12,
}
_MONTH_WORDS = (
    r"janvier|janv\.?|f[ée]vrier|f[ée]vr\.?|avril|avr\.|mars|mai|juin|juillet|juil\.?|ao[uû]t"
    r"|septembre|sept\.?|octobre|oct\.|novembre|nov\.|d[ée]cembre|d[ée]c\."
)
MONTH = rf"(?:{_MONTH_WORDS})"
YEAR = r"(?:19[5-9]\d|20\d\d)(?![\d/])"
DAY = r"(?:1\s*(?:er|\^\{er\}|ᵉʳ)|0?[1-9]|[12]\d|3[01])(?![\d/.,])"
DAYNAME = r"(?:lundi|mardi|mercredi|jeudi|vendredi|samedi|dimanche)"
_ORDINALS = {
    "premier": 1, "1er": 1, "1e": 1, "1ere": 1, "second": 2, "seconde": 2, "deuxieme": 2,
    "2e": 2, "2eme": 2, "2nd": 2, "2nde": 2, "troisieme": 3, "3e": 3, "3eme": 3,
    "quatrieme": 4, "4e": 4, "4eme": 4,
}
ORDINAL = (
    r"(?:premier|1\s*(?:er|ère|ere|e)|seconde?|deuxi[èe]me|2\s*(?:e|ème|eme|nde?)|troisi[èe]me"
    r"|3\s*(?:e|ème|eme)|quatri[èe]me|4\s*(?:e|ème|eme))"
)
YEAR_QUALIFIER = (
    r"(?:en|d[èe]s|depuis|fin|d[ée]but|mi-?|courant|jusqu['’]\s*en|jusqu['’]\s*à|avant|apr[èe]s"
    r"|[àa]\s+partir\s+de|d['’]ici|(?:au\s+cours\s+de\s+)?l['’]\s*ann[ée]e|ann[ée]e"
    r"|printemps|[ée]t[ée]|automne|hiver|au\s+titre\s+de)"
)

_FLAGS = re.IGNORECASE
_DAY_RE = re.compile(
    rf"\b(?:{DAYNAME}\s+)?(?P<day>{DAY})(?:\s*(?:et|au|à|-|–)\s*(?:{DAYNAME}\s+)?{DAY})?"
    rf"\s+(?P<month>{MONTH})(?:\s+(?P<year>{YEAR}))?",
    _FLAGS,
)
_NUMERIC_RE = re.compile(
    r"(?<![\d/])(?P<day>0?[1-9]|[12]\d|3[01])[/.](?P<month>0?[1-9]|1[0-2])[/.]"
    r"(?P<year>(?:19|20)\d\d)(?!\d)"
)
_MONTHS_RE = re.compile(
    rf"(?<![\w])(?:(?:mois\s+d['’]\s*|mois\s+de\s+|de\s+|d['’]\s*|entre\s+)?)"
    rf"(?P<first>{MONTH})(?P<more>(?:\s*(?:,|et|à|au|-|–)\s*{MONTH})*)\s+(?P<year>{YEAR})",
    _FLAGS,
)
_PERIOD_RE = re.compile(
    rf"\b(?P<ord>{ORDINAL})\s+(?P<unit>semestre|trimestre)(?:\s+de\s+l['’]\s*ann[ée]e)?\s+"
    rf"(?P<year>{YEAR})",
    _FLAGS,
)
_YEAR_SPAN_RE = re.compile(
    rf"(?:\b(?:de|entre)\s+)?(?<!\d)(?P<y1>{YEAR})\s*(?:-|–|—|/|à|au|et)\s*(?P<y2>{YEAR})",
    _FLAGS,
)
_QUALIFIED_YEAR_RE = re.compile(
    rf"(?<![\w])(?P<qual>{YEAR_QUALIFIER})\s*(?P<year>{YEAR})", _FLAGS
)
_MONTH_NO_YEAR_RE = re.compile(
    rf"(?<![\w])(?P<qual>en|d[ée]but|fin|mi-|courant|mois\s+de|mois\s+d['’])\s*(?P<month>{MONTH})"
    rf"(?!\s*(?:,|et|à|-|–)?\s*(?:{MONTH}\s+)?(?:19|20)\d\d)",
    _FLAGS,
)


@dataclass(frozen=True)
class FrenchDate:
    """A date mention: ``date`` at the first day of its unit, ``None`` when the year is missing.

    ``start``/``end`` are character offsets in the parsed text; ``end_date`` is the first day
    of the last unit of a span ("de mars à juin 2018" → 2018-06-01); ``qualifier`` keeps a
    leading word such as "fin", "début" or "jusqu'en".
    """

    date: date | None
    precision: str  # day | month | year
    text: str
    start: int
    end: int
    end_date: date | None = None
    qualifier: str | None = None


def month_number(word: str) -> int | None:
    """'Février' → 2; None when the word is not a French month."""
    return MONTHS.get(fold(word).rstrip(".").strip())


def _safe_date(year: int | None, month: int, day: int = 1) -> date | None:
    if year is None:
        return None
    try:
        return date(year, month, day)
    except ValueError:
        return None


def _day_value(raw: str) -> int:
    return int(re.match(r"\d+", raw).group(0))


def _candidates(text: str) -> list[FrenchDate]:
    found: list[FrenchDate] = []
    if not _HAS_DIGIT.search(text):  # every form but a month without its year has digits
        return [FrenchDate(None, "month", m.group(0), m.start(), m.end(),
                           qualifier=m["qual"].lower()) for m in _MONTH_NO_YEAR_RE.finditer(text)]
    with_year = _HAS_YEAR.search(text) is not None
    for m in _DAY_RE.finditer(text):
        year = int(m["year"]) if m["year"] else None
        value = _safe_date(year, month_number(m["month"]), _day_value(m["day"]))
        if year is not None and value is None:
            continue
        found.append(FrenchDate(value, "day", m.group(0), m.start(), m.end()))
    for m in _NUMERIC_RE.finditer(text):
        value = _safe_date(int(m["year"]), int(m["month"]), int(m["day"]))
        if value:
            found.append(FrenchDate(value, "day", m.group(0), m.start(), m.end()))
    for m in _MONTHS_RE.finditer(text) if with_year else ():
        year = int(m["year"])
        end_date = None
        if m["more"]:
            last = re.findall(MONTH, m["more"], _FLAGS)[-1]
            end_date = _safe_date(year, month_number(last))
        first = _safe_date(year, month_number(m["first"]))
        if first and end_date and first > end_date:  # "de novembre à février 2021"
            first = _safe_date(year - 1, first.month)
        start = m.start("first")
        found.append(FrenchDate(first, "month", text[start:m.end()], start, m.end(), end_date))
    for m in _PERIOD_RE.finditer(text) if with_year else ():
        rank = _ORDINALS.get(re.sub(r"\s+", "", fold(m["ord"])), 1)
        months_per_unit = 6 if fold(m["unit"]).startswith("semestre") else 3
        first = 1 + months_per_unit * (rank - 1)
        if first > 12:
            continue
        year = int(m["year"])
        found.append(FrenchDate(date(year, first, 1), "month", m.group(0), m.start(), m.end(),
                                date(year, first + months_per_unit - 1, 1)))
    for m in _YEAR_SPAN_RE.finditer(text) if with_year else ():
        y1, y2 = int(m["y1"]), int(m["y2"])
        if not 0 < y2 - y1 <= 30:
            continue
        found.append(FrenchDate(date(y1, 1, 1), "year", m.group(0), m.start(), m.end(),
                                date(y2, 1, 1)))
    for m in _QUALIFIED_YEAR_RE.finditer(text) if with_year else ():
        qualifier = re.sub(r"\s+", " ", m["qual"].lower())
        found.append(FrenchDate(date(int(m["year"]), 1, 1), "year", m.group(0), m.start(),
                                m.end(), qualifier=qualifier))
    for m in _MONTH_NO_YEAR_RE.finditer(text):
        found.append(FrenchDate(None, "month", m.group(0), m.start(), m.end(),
                                qualifier=m["qual"].lower()))
    return found


# Cheap tests that let the forms which cannot match be skipped: every form holds a digit or
# a month name, every form with a year a match of YEAR. A month name is looked for in the
# lowered text (much faster than IGNORECASE), which finds the same names except where the
# regex engine also equates "ı" with "i", "ſ" with "s", or lowers "İ" to "i" alone.
_HAS_DIGIT = re.compile(r"\d")
_HAS_YEAR = re.compile(YEAR)
_HAS_MONTH = re.compile(MONTH)
_HAS_MONTH_ANY_CASE = re.compile(MONTH, _FLAGS)
_SPECIAL_CASES = re.compile("[ıſİ]")


def _may_hold_date(text: str) -> bool:
    if _HAS_DIGIT.search(text) or _HAS_MONTH.search(text.lower()):
        return True
    return bool(_SPECIAL_CASES.search(text) and _HAS_MONTH_ANY_CASE.search(text))


def find_dates(text: str) -> list[FrenchDate]:
    """Every date mention in ``text``, in order, the longest one kept where mentions overlap."""
    return list(_dates(text))


@lru_cache(maxsize=8192)
def _dates(text: str) -> tuple[FrenchDate, ...]:
    """find_dates, kept for the texts seen last: the events and facts of a document date
    the same sentences."""
    if not _may_hold_date(text):
        return ()
    chosen: list[FrenchDate] = []
    for cand in sorted(_candidates(text), key=lambda d: (-(d.end - d.start), d.start)):
        if all(cand.end <= d.start or cand.start >= d.end for d in chosen):
            chosen.append(cand)
    return tuple(sorted(chosen, key=lambda d: d.start))




def parse_french_date(text: str) -> FrenchDate | None:
    """The first date mention of ``text`` (a bare year such as "2020" counts), else None."""
    dates = find_dates(text)
    if dates:
        return dates[0]
    m = re.search(rf"(?<!\d){YEAR}", text)
    if m:
        return FrenchDate(date(int(m.group(0)), 1, 1), "year", m.group(0), m.start(), m.end())
    return None
