"""Governance events of a PTSM (dated milestones) from the sentences of a Document.

Each sentence with a date is read with a trigger lexicon per ``event_type``:

- *nominal* triggers ("validation de la CSSM le 9 octobre 2019", "validation du PTSM le …")
  take only the date written right after them;
- *verbal* triggers ("a approuvé le PTSM", "Adoptée le … par le Comité de Pilotage",
  "s'est traduit en un Contrat Territorial de Santé Mentale", "arrêté … portant adoption")
  take the nearest date of the sentence not already taken by a nominal trigger.

A trigger in a clause stated in the future or conditional, negated, or of intent ("sera
proposé", "doit encore", "n'est pas encore démarrée", "prévu", "si …") gives no event. Dates
of national texts ("décret du 27 juillet 2017") are never event dates. One document gives
each (event_type, event_date) once, with the first evidence.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import date

from extractors.dates import FrenchDate, find_dates
from extractors.institutions import Mention, find_institutions
from extractors.nlp import iter_sentences
from schemas.document import Document

OPINION_TYPE = {"CSSM": "opinion_cssm", "CTS": "opinion_cts", "CLSM": "opinion_local",
                "CLS": "opinion_local"}
APPROVER_CANONICALS = ("DGARS", "ARS", "DT ARS", "Préfecture")
COPIL = "Comité de pilotage"


@dataclass(frozen=True)
class EventSettings:
    """Tuning of the event reader.

    ``nominal_gap``: most characters between a nominal trigger (or its body) and its date.
    ``national_window``: characters looked back from a date for "décret/loi/…".
    """

    nominal_gap: int = 45
    national_window: int = 60


_I = re.IGNORECASE
_FUTURE = re.compile(
    r"\b(?:\w{2,}(?:era|eras|eront|erons|erez|erait|eraient|ira|iront|irait|iraient)"
    r"|\w+dr(?:a|ont|ait|aient)"
    r"|sera|seront|serait|seraient|aura|auront|aurait|auraient|fera|feront|ferait|feraient"
    r"|pourra|pourront|pourrait|pourraient|devra|devront|devrait|devraient|faudra|faudrait"
    r"|verra|verront|saura|sauront|ira|iront)\b",
    _I,
)
_NOT_FUTURE = {"cadra", "extra", "sahara", "opera", "tiara", "mira"}
_NEGATION_INTENT = re.compile(
    r"\bn['’]\s*(?:est|a|ont|sont|était|avait|étaient|avaient)\s+(?:pas|plus|jamais|toujours\s+pas)"
    r"|\bne\s+(?:\w+\s+){1,2}(?:pas|plus|jamais)\b|\bpas\s+encore\b|\bnon\s+encore\b"
    r"|\bdoi(?:t|vent)\s+encore\b|\bdevant\s+être\b|\bà\s+venir\b|\bprochainement\b"
    r"|\bprévue?s?\s+(?:le|pour|en|au|à|d['’]ici|dans|courant|fin|début)\b"
    r"|\b(?:envisagée?s?|programmée?s?|projetée?s?|planifiée?s?)\b|\ben\s+attente\b"
    r"|\ben\s+vue\s+d[e'’]|(?:^|[\s,;(])(?:si|s['’]ils?)\b",
    _I,
)
_NATIONAL = re.compile(
    r"\b(?:d[ée]cret|loi|ordonnance|circulaire|instruction|code)\b[^,;.]*$", _I
)
_REFERENCE = re.compile(
    r"\b(?:arr[êe]t[ée]|d[ée]cision|d[ée]lib[ée]ration)\s+(?:(?:n\s*°|no\.?|num[ée]ro)\s*)?"
    r"(?P<ref>(?-i:(?:[A-Z]{2,10}|\d+)(?:\s*[/_.\-–]\s*(?:[A-Z]{1,10}|\d+)"
    r"|\s+(?:[A-Z]{2,10}|\d+))*))",
    _I,
)
_MAY_HOLD_DATE = re.compile(
    r"\d\d|janv|f[ée]v|mars|avril|avr\.|mai|juin|juil|ao[uû]t|sept|oct|nov|d[ée]c|semestre"
    r"|trimestre", _I)
_PTSM = r"(?:PTSM(?:\s*\d{2,3}[AB]?)?|projet\s+territorial\s+de\s+sant[ée]\s+mentale)"
_DIAG = r"diagnostic(?:\s+territorial)?(?:\s+partag[ée])?"
_ROADMAP = r"feuille\s+de\s+route"
_CONTRACT = r"contrat\s+territorial\s+de\s+sant[ée]\s+mentale|CTSM"
_OBJECT = rf"(?P<obj>{_PTSM}|{_DIAG}|{_ROADMAP}|{_CONTRACT})"

# Nominal triggers: their date is the one written right after them.
_NOMINAL_APPROVAL = re.compile(
    rf"\b(?:validation|approbation|adoption)\s+(?:du|de\s+la|de\s+l['’]|de)\s*{_OBJECT}", _I)
_NOMINAL_BY = re.compile(
    r"\b(?:validation|approbation|adoption|avis)\s+(?:favorable\s+)?(?:par|de|du|des)\s+", _I)
_NOMINAL_CONTRACT = re.compile(
    r"\bsignature\s+(?:du|de\s+la|des)\s+(?:contrat\s+territorial\s+de\s+sant[ée]\s+mentale"
    r"|contrats?|CTSM)(?:\s*\(CTSM\))?"
    r"|\bcontrats?\b[^.;,]{0,60}?\bsign[ée]e?s?(?=\s+(?:le|en)\b)", _I)
_NOMINAL_MILESTONE = re.compile(
    r"\binstallation\s+(?:officielle\s+)?(?:du|des)\s+(?:comit[ée]s?\s+de\s+pilotage|COPIL)"
    r"|\blancement\s+(?:officiel\s+)?(?:du\s+PTSM|de\s+la\s+d[ée]marche|du\s+projet\s+territorial)",
    _I)
_OPINION_WORD = re.compile(r"\b(?:validation|avis|approbation|valid[ée]e?s?|approuv[ée]e?s?)\b", _I)
_OPINION_REQUEST = re.compile(
    r"\b(?:recueil|recueillir|demander|solliciter|saisir|sollicitation|saisine)\s+"
    r"(?:d['’]|de\s+|les\s+|leurs\s+|un\s+|l['’]|son\s+|leur\s+)?\s*avis", _I)

# Verbal triggers: their date is the nearest free date of the sentence.
_LAUNCH = re.compile(
    r"\b(?:a|ont|avait|avaient|est|sont)\s+(?:été\s+)?(?:d[ée]but[ée]e?s?|d[ée]marr[ée]e?s?"
    r"|commenc[ée]e?s?|lanc[ée]e?s?|engag[ée]e?s?|initi[ée]e?s?)\b", _I)
_WORKSHOPS = re.compile(
    r"\b(?:groupes?|ateliers?|r[ée]unions?)\b[^.;]{0,80}?\b(?:ayant\s+eu\s+lieu|ont\s+eu\s+lieu"
    r"|a\s+eu\s+lieu|(?:sont|ont\s+été)\s+organis[ée]e?s|se\s+sont\s+(?:tenu|r[ée]uni|d[ée]roul)"
    r"\w*|ont\s+été\s+(?:men|r[ée]uni|constitu|mis)\w*|ont\s+travaill[ée]|ont\s+r[ée]uni)", _I)
_APPROVE_VERB = re.compile(
    rf"\b(?:a|ont)\s+(?:approuv[ée]|valid[ée]|adopt[ée]|arr[êe]t[ée])\s+(?:le|la|ce|cette|l['’])\s*"
    rf"{_OBJECT}", _I)
_APPROVE_PASSIVE = re.compile(
    rf"{_OBJECT}[^.;]{{0,80}}?\b(?:a|ont|est|sont)\s+été\s+(?:approuv|valid|adopt|arr[êe]t)"
    r"[ée]e?s?\b", _I)
_APPROVE_PARTICIPLE = re.compile(
    r"^(?:[-–•▪✓]\s*)?(?:adopt|valid|approuv)[ée]e?s?\b", _I)
_ARRETE = re.compile(
    r"\barr[êe]t[ée]\b[^.;]{0,120}?\bportant\s+(?:adoption|approbation)\b", _I)
_OPINION_VERB = re.compile(
    r"\b(?:a|ont)\s+(?:émis|rendu|donné|formulé|exprimé)\s+(?:un|leur|son|des)\s+avis"
    r"|\b(?:s['’]est|se\s+sont)\s+prononc[ée]e?s?", _I)
_SUBMIT = re.compile(
    r"\b(?:transmise?s?|adress[ée]e?s?|envoy[ée]e?s?|remise?s?|d[ée]pos[ée]e?s?|soumise?s?)\b"
    r"(?:\s+[\w'’]+){0,6}?\s+(?:à|au|aux)\s+(?:l['’]\s*)?(?:ARS|Agence|DG|Directeur|Directrice"
    r"|d[ée]l[ée]gation)", _I)
_CONTRACT_VERB = re.compile(
    r"\b(?:s['’]est|se\s+sont)\s+tradui\w*\s+(?:en|par)\s+(?:un|une|le|la)\s+(?:contrat|CTSM)"
    r"|\b(?:a|ont)\s+sign[ée]\s+(?:le|un|les)\s+contrats?"
    r"|\bcontrats?\b[^.;]{0,80}?\b(?:a|ont)\s+été\s+sign[ée]", _I)
_MISSION = re.compile(
    r"\b(?:a|ont)\s+été\s+(?:missionn|mandat|d[ée]sign|nomm)[ée]e?s?\b"
    r"|\blettre\s+de\s+mission\b|\b(?:a|ont)\s+(?:missionn[ée]|mandat[ée]|confi[ée])\b", _I)


@dataclass
class _Ctx:
    text: str
    dates: list[FrenchDate]
    mentions: list[Mention]
    reference: str | None
    claimed: set[int]
    settings: EventSettings


def _object_type(obj: str) -> str:
    low = obj.lower()
    if low.startswith("diagnostic"):
        return "diagnostic_approved"
    if low.startswith("feuille"):
        return "roadmap_adopted"
    if low.startswith("contrat") or low == "ctsm":
        return "contract_signed"
    return "ptsm_approved"


def _unrealised(ctx: _Ctx, start: int, end: int) -> bool:
    """Future, conditional, negated or intended statement in the trigger's clause."""
    stop = re.search(r"[,;]", ctx.text[end:])
    window = ctx.text[: end + stop.start()] if stop else ctx.text
    for m in _FUTURE.finditer(window):
        if m.group(0).lower() not in _NOT_FUTURE:
            return True
    return bool(_NEGATION_INTENT.search(window))


def _adjacent_date(ctx: _Ctx, pos: int) -> int | None:
    """Index of a date written right after ``pos`` ("… le 9 octobre 2019")."""
    for i, d in enumerate(ctx.dates):
        if d.start < pos:
            continue
        gap = ctx.text[pos:d.start]
        if len(gap) <= ctx.settings.nominal_gap and not re.search(r"[,;:()]", gap):
            return i
        return None
    return None


def _nearest_free_date(ctx: _Ctx, start: int, end: int) -> int | None:
    best: tuple[int, int] | None = None
    for i, d in enumerate(ctx.dates):
        if i in ctx.claimed:
            continue
        distance = d.start - end if d.start >= end else start - d.end
        if best is None or abs(distance) < best[0]:
            best = (abs(distance), i)
    return best[1] if best else None


def _actor(ctx: _Ctx, start: int, end: int) -> Mention | None:
    """The agent: "par X" after the trigger, else the nearest institution before it."""
    for m in (x for x in ctx.mentions if x.start >= end):
        gap = ctx.text[end:m.start]
        if re.fullmatch(r"(?:\s[^,;]{0,40}?)?\s*\bpar\s+(?:le|la|les|l['’])?\s*", gap, _I):
            return m
    before = [m for m in ctx.mentions if m.end <= start]
    return before[-1] if before else None


def _row(ctx: _Ctx, event_type: str, date_index: int, actor: str | None,
         reference: str | None = None) -> dict:
    d = ctx.dates[date_index]
    return {"event_type": event_type, "event_date": d.date, "date_precision": d.precision,
            "date_text": d.text, "actor": actor, "reference": reference, "evidence": ctx.text}


def _body_end(ctx: _Ctx, m: Mention) -> int:
    tail = re.match(r"\s*\([A-Z]{2,8}\)", ctx.text[m.end:])
    return m.end + (tail.end() if tail else 0)


def _nominal_events(ctx: _Ctx) -> list[dict]:
    rows: list[dict] = []
    text = ctx.text
    # Opinions of bodies, each with the date written right after it.
    if _OPINION_WORD.search(text) and not _OPINION_REQUEST.search(text):
        skip_until = -1
        for m in ctx.mentions:
            if m.start < skip_until or m.canonical not in OPINION_TYPE:
                continue
            end = _body_end(ctx, m)
            skip_until = end
            i = _adjacent_date(ctx, end)
            if i is None or _unrealised(ctx, m.start, end):
                continue
            ctx.claimed.add(i)
            rows.append(_row(ctx, OPINION_TYPE[m.canonical], i, m.text))
    for m in _NOMINAL_APPROVAL.finditer(text):
        i = _adjacent_date(ctx, m.end())
        if i is None or _unrealised(ctx, m.start(), m.end()):
            continue
        ctx.claimed.add(i)
        rows.append(_row(ctx, _object_type(m["obj"]), i, None))
    for m in _NOMINAL_BY.finditer(text):
        body = next((b for b in ctx.mentions if b.start == m.end()), None)
        if body is None or body.canonical != COPIL:
            continue
        i = _adjacent_date(ctx, _body_end(ctx, body))
        if i is None or _unrealised(ctx, m.start(), body.end):
            continue
        ctx.claimed.add(i)
        rows.append(_row(ctx, "roadmap_adopted", i, body.text))
    for pattern, event_type in ((_NOMINAL_CONTRACT, "contract_signed"),
                                (_NOMINAL_MILESTONE, "other_milestone")):
        for m in pattern.finditer(text):
            i = _adjacent_date(ctx, m.end())
            if i is None or _unrealised(ctx, m.start(), m.end()):
                continue
            ctx.claimed.add(i)
            rows.append(_row(ctx, event_type, i, None))
    return rows


def _approval_type(default: str, actor: Mention | None) -> str:
    if actor is None:
        return default
    if actor.canonical in OPINION_TYPE:
        return OPINION_TYPE[actor.canonical]
    if actor.canonical == COPIL and default != "diagnostic_approved":
        return "roadmap_adopted"
    return default


def _verbal_events(ctx: _Ctx) -> list[dict]:
    rows: list[dict] = []
    text = ctx.text

    def emit(event_type: str, start: int, end: int, actor: Mention | None = None,
             reference: str | None = None) -> None:
        if _unrealised(ctx, start, end):
            return
        i = _nearest_free_date(ctx, start, end)
        if i is None:
            return
        rows.append(_row(ctx, event_type, i, actor.text if actor else None, reference))

    has_diag = re.search(r"\bdiagnostic", text, _I)
    if has_diag:
        for pattern in (_LAUNCH, _WORKSHOPS):
            m = pattern.search(text)
            if m:
                emit("diagnostic_launched", m.start(), m.end())
                break
    for m in _ARRETE.finditer(text):
        obj = text[m.end(): m.end() + 160]
        types = []
        if re.match(rf"\s*(?:du|de\s+la|de\s+l['’])\s*{_DIAG}", obj, _I):
            types.append("diagnostic_approved")
        if re.search(_PTSM, obj, _I) or not types:
            types.insert(0, "ptsm_approved")
        approver = next((x for x in ctx.mentions if x.canonical in APPROVER_CANONICALS), None)
        for event_type in types:
            emit(event_type, m.start(), m.end(), approver, ctx.reference)
    for pattern in (_APPROVE_VERB, _APPROVE_PASSIVE):
        for m in pattern.finditer(text):
            actor = _actor(ctx, m.start(), m.end())
            emit(_approval_type(_object_type(m["obj"]), actor), m.start(), m.end(), actor,
                 ctx.reference)
    m = _APPROVE_PARTICIPLE.search(text)
    if m:
        actor = _actor(ctx, m.start(), m.end())
        if actor is not None:
            approver = actor.canonical in APPROVER_CANONICALS
            default = "ptsm_approved" if approver else "other_milestone"
            emit(_approval_type(default, actor), m.start(), m.end(), actor)
    for m in _OPINION_VERB.finditer(text):
        seen: set[str] = set()
        for body in ctx.mentions:
            event_type = OPINION_TYPE.get(body.canonical)
            if event_type and event_type not in seen and body.end <= m.start():
                seen.add(event_type)
                emit(event_type, m.start(), m.end(), body)
    for m in _SUBMIT.finditer(text):
        target = next((x for x in ctx.mentions if x.start >= m.start()), None)
        emit("submitted_to_ars", m.start(), m.end(), target)
    for m in _CONTRACT_VERB.finditer(text):
        emit("contract_signed", m.start(), m.end())
    for m in _MISSION.finditer(text):
        emit("mission_assigned", m.start(), m.end(), _actor(ctx, m.start(), m.end()))
    return rows


def _usable_date(text: str, d: FrenchDate, settings: EventSettings) -> bool:
    if d.precision == "year" and d.end_date is not None:
        return False  # a span of years is a period, not a milestone
    if d.qualifier and d.qualifier.startswith(("jusqu", "avant", "d'ici", "d’ici")):
        return False
    before = text[max(0, d.start - settings.national_window): d.start]
    return not _NATIONAL.search(before)


def events_in_sentence(text: str, settings: EventSettings | None = None) -> list[dict]:
    """Events stated in one sentence (no dedup, no passage)."""
    settings = settings or EventSettings()
    if not _MAY_HOLD_DATE.search(text):
        return []
    ref = _REFERENCE.search(text)
    masked = text
    if ref:
        masked = text[: ref.start("ref")] + " " * len(ref["ref"]) + text[ref.end("ref"):]
    dates = [d for d in find_dates(masked) if _usable_date(masked, d, settings)]
    if not dates:
        return []
    ctx = _Ctx(text, dates, find_institutions(text),
               re.sub(r"\s+", " ", ref["ref"]).strip() if ref else None, set(), settings)
    return _nominal_events(ctx) + _verbal_events(ctx)


def event_key(event_type: str, event_date: date | None, date_text: str) -> str:
    """Stable identity of an event within a document."""
    return f"{event_type}|{event_date.isoformat() if event_date else 'undated:' + date_text}"


def extract_events(doc: Document, settings: EventSettings | None = None) -> list[dict]:
    """Governance events of a document, one per (event_type, event_date), first evidence kept."""
    out: list[dict] = []
    seen: set[str] = set()
    for seq, sentence in iter_sentences(doc.blocks):
        for row in events_in_sentence(sentence, settings):
            key = event_key(row["event_type"], row["event_date"], row["date_text"])
            if key in seen:
                continue
            seen.add(key)
            row["key"] = key
            row["passage_seq"] = seq
            out.append(row)
    return out
