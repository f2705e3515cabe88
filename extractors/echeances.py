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


# --- operational steps written as lines with the échéance inline ----------------------------
# "1) Créer un groupe — Échéance : second semestre 2021", "Former les agents (2021-2022)".
_INLINE_MARK = re.compile(
    r"[\s\-–—,;:.]*(?:\(\s*)?\b(?:echeances?|echeancier|calendrier|delai|date)\s*:\s*")
_PAREN = re.compile(r"\(([^()]{2,60})\)")
_ITEM_START = re.compile(r"\s*(?:\d{1,2}\s*[).°-]|[a-z]\)\s|[-–—•▪✓►➢*]\s*|(?:projet|etape|action)"
                         r"\s+\d{1,2}\b)")
_LEAD = re.compile(r"^\s*(?:(?:a partir d[eu']?|des|avant|d'ici(?: a)?|jusqu'(?:a|en|au)|courant|"
                   r"en|au|pour|fin|debut|mi)\s*-?\s*)*$")
_NUMBERED_ITEM = re.compile(r"\s*(?:\d{1,2}\s*[).°]|(?:projet|etape|action)\s+\d{1,2}\b)")
_CONNECTOR = re.compile(r"^[\s\-–—,/]*(?:(?:et|a|au|jusqu'a|puis|de|du|d'|en)\s*)?[\s\-–—,/]*$")


def _date_run(folded: str, start: int, lead_words: int = 0) -> int:
    """End offset of the date words that start at ``start`` ("second semestre 2021 et
    2022"), after up to ``lead_words`` other words ("Installation premier semestre 2021");
    ``start`` when none."""
    end = start
    for tok in _tokens(folded[start:]):
        gap = folded[end:start + tok.start]
        if end > start:
            if not _CONNECTOR.match(gap):
                break
        elif not _LEAD.match(gap) and len(gap.split()) > lead_words:
            break
        end = start + tok.end
    toks = _tokens(folded[start:end])
    if not any(t.kind == "year" for t in toks):  # a date run needs a year
        return start
    return end


def split_steps(text: str | list[tuple[str, bool]]) -> list[tuple[str, str]]:
    """(step, échéance as written) for each operational step of a text whose steps carry
    their échéance inline; a step without one gets "".

    ``text`` is a string or lines with a flag "starts a new block" (a list item, a
    paragraph). A line opened by a number or a bullet starts a step, and so does any line
    after a step that ended with a dated échéance, or a new block, unless it completes the
    step above: it opens with "Échéance :", the échéance above has no year yet ("Échéance :
    Premier" / "semestre 2021"), or it starts in lowercase in a list of dated steps."""
    lines = [(x, False) for x in text.split("\n")] if isinstance(text, str) else text
    dated_list = any(_INLINE_MARK.search(fold(x)) for x, _ in lines)
    items: list[str] = []
    for raw, block_start in lines:
        line = raw.strip()
        if not line:
            continue
        folded = fold(line)
        if not items:
            items.append(line)
            continue
        prev = items[-1]
        prev_marks = list(_INLINE_MARK.finditer(fold(prev)))
        ended = _has_dated_echeance(prev)
        pending = bool(prev_marks) and not ended
        if _INLINE_MARK.match(folded) and not ended:
            join = True  # "Échéance : 2021" under its step
        elif _ITEM_START.match(folded) or ended:
            join = False
        elif block_start:
            join = pending or (dated_list and line[:1].islower())
        else:
            join = True
        if join:
            items[-1] = f"{prev} {line}"
        else:
            items.append(line)
    steps: list[tuple[str, str]] = []
    for item in items:
        steps.extend(_split_item(item))
    return steps


def _has_dated_echeance(item: str) -> bool:
    """The item ends with its échéance, a year included: the next line is another step."""
    steps = _split_item(item)
    return bool(steps) and parse_echeance(steps[-1][1])[0] is not None


def _is_date_words(text: str) -> bool:
    folded = fold(text).strip()
    return _date_run(folded, 0) >= len(folded.rstrip(" .")) and parse_echeance(text)[0] is not None


def _split_item(item: str) -> list[tuple[str, str]]:
    mapped = fold_map(item)
    folded = mapped.text
    found = list(_INLINE_MARK.finditer(folded))
    marks: list[tuple[int, int, int]] = []  # (step end, échéance start, échéance end)
    for k, m in enumerate(found):
        last = k == len(found) - 1
        end = _date_run(folded, m.end(), lead_words=3)
        if end == m.end() or (last and not _NUMBERED_ITEM.match(folded, end)):
            # no date, or the last échéance of the item: up to the next item or the end
            stop = len(folded) if last else found[k + 1].start()
            nxt = next((j for j in range(m.end() + 1, stop)
                        if folded[j - 1] == " " and _NUMBERED_ITEM.match(folded, j)), stop)
            end = len(folded[:nxt].rstrip(" .;)"))
        if end > m.end():
            close = end + 1 if folded[end:end + 1] == ")" else end
            marks.append((m.start(), m.end(), close))
    for m in _PAREN.finditer(folded):
        inner = mapped.cut(m.start(1), m.end(1))
        at_end = (m.end() >= len(folded.rstrip(" .;"))
                  or _NUMBERED_ITEM.match(folded, m.end()) is not None)
        dated = _is_date_words(inner) or (at_end and parse_echeance(inner)[0])
        if dated and not any(a <= m.start() < c for a, _, c in marks):
            marks.append((m.start(), m.start(1), m.end()))
    marks.sort()
    out: list[tuple[str, str]] = []
    pos = 0
    for step_end, ech_start, ech_end in marks:
        step = mapped.cut(pos, step_end).strip(" –—-,;:.")
        echeance = mapped.cut(ech_start, ech_end).strip(" ()–—-,;:.")
        if step:
            out.append((step, echeance))
        elif out and not out[-1][1]:
            out[-1] = (out[-1][0], echeance)
        pos = ech_end
    tail = mapped.cut(pos).strip(" –—-,;:.")
    if tail:
        out.append((tail, ""))
    return out
