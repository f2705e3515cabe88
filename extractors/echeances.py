"""Échéance text → (start, end) dates.

Conventions (all intervals are closed, both ends included):

- a year ``2019`` → 2019-01-01 .. 2019-12-31;
- semesters: premier / 1er / S1 → Jan 1 .. Jun 30; second / deuxième / 2nd / S2 → Jul 1 .. Dec 31;
- quarters: 1er trimestre / T1 → Jan 1 .. Mar 31, etc.;
- a month ``septembre 2020`` → the whole month;
- qualifiers on a year: ``début 2021`` → Jan 1 .. Mar 31, ``mi-2021`` → Apr 1 .. Sep 30,
  ``fin 2021`` → Oct 1 .. Dec 31;
- qualifiers on a month: ``début septembre 2020`` → 1 .. 10, ``mi-septembre`` → 11 .. 20,
  ``fin septembre`` → 21 .. last day;
- a semester, quarter or month without its own year takes the year written right before it
  ("2020 second semestre", "2020 – premier semestre") or right after it;
- several periods in one text ("2019-2020", "2021 et premier semestre 2022",
  "Second semestre 2020-début 2021", "2019 Forum 2020") → from the earliest start to the
  latest end;
- "à partir de 2020" / "dès 2020" → start only (end None);
- anything without a year ("En lien avec les décisions nationales") → (None, None).
"""

from __future__ import annotations

import calendar
import re
from dataclasses import dataclass
from datetime import date

from extractors.textfold import fold, fold_map

MONTHS = {
    "janvier": 1, "fevrier": 2, "mars": 3, "avril": 4, "mai": 5, "juin": 6, "juillet": 7,
    "aout": 8, "septembre": 9, "octobre": 10, "novembre": 11, "decembre": 12,
}
_SEM1 = r"premier|1er|1e|1ere|first"
_SEM2 = r"second|seconde|deuxieme|2eme|2e|2nd|2nde"
_TOKEN = re.compile(
    r"(?P<year>\b(?:19|20)\d{2}\b)"
    r"|(?P<sem>\b(?:(?P<s1>" + _SEM1 + r")|(?P<s2>" + _SEM2 + r"))\s+semestre\b|\bs(?P<sn>[12])\b)"
    r"|(?P<quarter>\b(?P<qn>[1-4])\s*(?:er|e|eme|ere)?\s+trimestre\b|\bt(?P<tn>[1-4])\b)"
    r"|(?P<month>\b(?:" + "|".join(MONTHS) + r")\b)"
    r"|(?P<qual>\b(?:debut|mi|fin)\b)"
)
_GAP = re.compile(r"^[\s\-–—,:/.]*(?:(?:de|du|d'|en)\s*)?[\s\-–—,:/.]*$")
_OPEN_END = re.compile(r"\b(?:a partir d|des\b)")


@dataclass
class _Tok:
    kind: str
    start: int
    end: int
    value: int = 0
    qual: str = ""
    year: int | None = None
    bound: bool = False


def _tokens(folded: str) -> list[_Tok]:
    toks: list[_Tok] = []
    for m in _TOKEN.finditer(folded):
        if m.group("year"):
            toks.append(_Tok("year", m.start(), m.end(), int(m.group("year"))))
        elif m.group("sem"):
            half = 1 if (m.group("s1") or m.group("sn") == "1") else 2
            toks.append(_Tok("sem", m.start(), m.end(), half))
        elif m.group("quarter"):
            toks.append(_Tok("quarter", m.start(), m.end(), int(m.group("qn") or m.group("tn"))))
        elif m.group("month"):
            toks.append(_Tok("month", m.start(), m.end(), MONTHS[m.group("month")]))
        else:
            toks.append(_Tok("qual", m.start(), m.end(), qual=m.group("qual")))
    return toks


def _adjacent(folded: str, left: _Tok, right: _Tok) -> bool:
    return bool(_GAP.match(folded[left.end:right.start]))


def _bind(folded: str, toks: list[_Tok]) -> None:
    """Attach qualifiers to months/years and periods to their year."""
    # qualifier → the following month (début septembre) is handled by the month itself.
    for i, tok in enumerate(toks):
        if tok.kind != "qual":
            continue
        nxt = toks[i + 1] if i + 1 < len(toks) else None
        if nxt is not None and nxt.kind in ("month", "year") and _adjacent(folded, tok, nxt):
            nxt.qual = tok.qual
            tok.bound = True
    for i, tok in enumerate(toks):
        if tok.kind not in ("sem", "quarter", "month"):
            continue
        nxt = toks[i + 1] if i + 1 < len(toks) else None
        prv = toks[i - 1] if i > 0 else None
        if nxt is not None and nxt.kind == "year" and _adjacent(folded, tok, nxt):
            tok.year, nxt.bound = nxt.value, True
        elif prv is not None and prv.kind == "year" and _adjacent(folded, prv, tok):
            tok.year, prv.bound = prv.value, True


def _year_span(year: int, qual: str) -> tuple[date, date]:
    if qual == "debut":
        return date(year, 1, 1), date(year, 3, 31)
    if qual == "mi":
        return date(year, 4, 1), date(year, 9, 30)
    if qual == "fin":
        return date(year, 10, 1), date(year, 12, 31)
    return date(year, 1, 1), date(year, 12, 31)


def _month_span(year: int, month: int, qual: str) -> tuple[date, date]:
    last = calendar.monthrange(year, month)[1]
    if qual == "debut":
        return date(year, month, 1), date(year, month, 10)
    if qual == "mi":
        return date(year, month, 11), date(year, month, 20)
    if qual == "fin":
        return date(year, month, 21), date(year, month, last)
    return date(year, month, 1), date(year, month, last)


def _span(tok: _Tok) -> tuple[date, date] | None:
    if tok.kind == "year" and not tok.bound:
        return _year_span(tok.value, tok.qual)
    if tok.year is None:
        return None
    if tok.kind == "sem":
        first = 1 if tok.value == 1 else 7
        return date(tok.year, first, 1), date(tok.year, first + 5, 30 if first == 1 else 31)
    if tok.kind == "quarter":
        first = 3 * (tok.value - 1) + 1
        return _month_span(tok.year, first, "")[0], _month_span(tok.year, first + 2, "")[1]
    if tok.kind == "month":
        return _month_span(tok.year, tok.value, tok.qual)
    return None


def parse_echeance(text: str | None) -> tuple[date | None, date | None]:
    """Start and end dates of an échéance; (None, None) when no year can be read."""
    if not text or not text.strip():
        return None, None
    folded = fold(text)
    toks = _tokens(folded)
    _bind(folded, toks)
    spans = [s for s in (_span(t) for t in toks) if s is not None]
    if not spans:
        return None, None
    start = min(s for s, _ in spans)
    end = max(e for _, e in spans)
    if len(spans) == 1 and _OPEN_END.search(folded):
        return start, None
    return start, end


def find_echeance_text(text: str | None) -> str:
    """The date words of a text, in order ("… Second semestre … 2020 …" → "Second semestre
    2020"); used when an échéance cell was merged with its neighbours. "" when none."""
    if not text:
        return ""
    mapped = fold_map(text)
    folded = mapped.text
    toks = [t for t in _tokens(folded) if t.kind != "qual" or t.qual == "debut"]
    parts: list[str] = []
    for prev, tok in zip([None, *toks], toks, strict=False):
        if prev is not None:
            gap = mapped.cut(prev.end, tok.start)
            parts.append(gap if len(gap) <= 4 and _GAP.match(folded[prev.end:tok.start]) else " ")
        parts.append(mapped.cut(tok.start, tok.end))
    return "".join(parts).strip()
