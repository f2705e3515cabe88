"""Which département (or région) a PTSM document is about.

The reference table of the 101 départements ships as ``extractors/data/departements.csv``
(code, name, article, région, demonyms, ambiguous flag, aliases). ``article`` is the form
used after "département de": ``"la "``, ``"l'"``, ``"le "``, ``"les "``, or ``""`` for names
used without one (Paris, La Réunion, Mayotte). ``ambiguous`` marks names that are also
common words, rivers, cities or parts of other names (Nord, Cher, Somme, Loire, Paris, ...):
they count only in a département context ("département de la Manche", "PTSM du Nord"),
or weakly with their article ("en Somme", "de la Loire").

Signals, strongest first: an explicit hint; in the text "PTSM 53" / "département de la
Mayenne" / "PTSM de Seine-et-Marne" (strong), "DT53" / "DD 53" (strong-ish), "de la
Mayenne" / "en Mayenne" / "d'Ille-et-Vilaine" / demonyms (medium), a bare "Mayenne" or
"Nord-Mayenne" (low), "(53)" / "53000 Laval" (weak, capped so they never decide alone).
When the text names no département, the title, then the URL ("ptsm35.fr",
"santementale79.fr", ".../ptsm-de-seine-et-marne/", "sante-iledefrance" → région only).
Names match accent-, case- and hyphen-insensitively ("Seine et Marne", "ILLE-ET-VILAINE").
"""

from __future__ import annotations

import csv
import math
import re
from collections import defaultdict
from dataclasses import dataclass, field
from functools import cache, lru_cache
from itertools import accumulate
from pathlib import Path
from typing import Literal

from extractors.textfold import fold

DATA_FILE = Path(__file__).parent / "data" / "departements.csv"
CITIES_FILE = Path(__file__).parent / "data" / "chefs_lieux.csv"

Scope = Literal["department", "region", "multi", "unknown"]


@dataclass(frozen=True)
class Department:
    """One row of the reference table."""

    code: str
    name: str
    article: str  # "la ", "l'", "le ", "les " or "" (Paris, La Réunion, Mayotte)
    region: str
    demonyms: tuple[str, ...] = ()
    ambiguous: bool = False
    aliases: tuple[str, ...] = ()

    @property
    def with_article(self) -> str:
        """"la Mayenne", "l'Ille-et-Vilaine", "Paris"."""
        return f"{self.article}{self.name}"


@dataclass(frozen=True)
class DetectionSettings:
    """Weights of the signals and the decision thresholds.

    ``strong``: "PTSM 53", "département de la Mayenne", "PTSM de Seine-et-Marne";
    ``code_prefix``: "DT53", "DD 53", "CD53"; ``articled``: "de la Mayenne", "en Mayenne";
    (also a bare many-word name: "Ille et Vilaine"); ``demonym``: "mayennais",
    "brétillienne"; ``bare``: a bare one-word name ("Mayenne"), "Nord-Mayenne";
    ``weak``: "(53)", "53000 Laval", and ambiguous names with their article ("en Somme");
    weak signals add up to at most ``weak_cap`` per département (below ``floor``: they
    never decide alone). ``city``: the capitalised name of a département's chef-lieu after
    "de", "d'", "à" ("CHRU de Lille"), at most ``city_cap`` per département.
    ``region_mention`` / ``region_strong``: "Île-de-France" / "ARS d'Île-de-France",
    "départements d'Île-de-France".
    A département wins when its score is at least ``floor``, ``dominance`` × the next
    département and ``region_ratio`` × the best région; a région wins the same way over
    the other régions; signals of the top département's own région count
    ``own_region_factor`` there (every page names its ARS, which is regional).
    ``title_factor`` / ``url_factor`` scale the confidence of a decision
    taken from the title / URL only. ``max_candidates`` bounds ``DepartmentMatch.candidates``.
    """

    strong: float = 3.0
    code_prefix: float = 2.0
    articled: float = 1.0
    demonym: float = 1.0
    bare: float = 0.5
    weak: float = 0.3
    weak_cap: float = 0.9
    city: float = 0.4
    city_cap: float = 0.8
    region_mention: float = 1.0
    region_strong: float = 2.0
    floor: float = 1.0
    dominance: float = 2.0
    region_ratio: float = 1.0
    own_region_factor: float = 0.5
    title_factor: float = 0.8
    url_factor: float = 0.7
    max_candidates: int = 5


DEFAULT_SETTINGS = DetectionSettings()


@dataclass
class DepartmentMatch:
    """The answer: a département (scope "department"), or only a région / several
    départements / nothing, with ``code`` None. ``candidates``: (code, score), best first."""

    code: str | None
    name: str | None
    region: str | None
    scope: Scope
    confidence: float
    evidence: str
    candidates: list[tuple[str, float]] = field(default_factory=list)


# --------------------------------------------------------------------------- reference data


@cache
def _departments() -> tuple[Department, ...]:
    with DATA_FILE.open(encoding="utf-8", newline="") as fh:
        rows = list(csv.DictReader(fh))
    out = []
    for r in rows:
        article = r["article"].strip()
        if article and not article.endswith("'"):
            article += " "
        out.append(Department(
            code=r["code"].strip(),
            name=r["name"].strip(),
            article=article,
            region=r["region"].strip(),
            demonyms=tuple(d.strip() for d in r["demonyms"].split("|") if d.strip()),
            ambiguous=r["ambiguous"].strip() == "1",
            aliases=tuple(a.strip() for a in (r.get("aliases") or "").split("|") if a.strip()),
        ))
    return tuple(out)


def load_departments() -> list[Department]:
    """The 101 départements (read once, then cached)."""
    return list(_departments())


@cache
def _by_code() -> dict[str, Department]:
    return {d.code: d for d in _departments()}


def department_by_code(code: str | int | None) -> Department | None:
    """"53", "2a", 1 (→ "01"), "971"; None when not a département code."""
    if code is None:
        return None
    key = str(code).strip().upper()
    if key.isdigit() and len(key) == 1:
        key = "0" + key
    return _by_code().get(key)


def region_names() -> list[str]:
    """The 18 current régions, in table order."""
    return list(dict.fromkeys(d.region for d in _departments()))


# Former régions (before 2016) and other names that stand for a current région.
REGION_ALIASES: dict[str, str] = {
    "Nord-Pas-de-Calais": "Hauts-de-France", "Picardie": "Hauts-de-France",
    "Rhône-Alpes": "Auvergne-Rhône-Alpes", "Auvergne": "Auvergne-Rhône-Alpes",
    "Bourgogne": "Bourgogne-Franche-Comté", "Franche-Comté": "Bourgogne-Franche-Comté",
    "Alsace": "Grand Est", "Lorraine": "Grand Est", "Champagne-Ardenne": "Grand Est",
    "Aquitaine": "Nouvelle-Aquitaine", "Limousin": "Nouvelle-Aquitaine",
    "Poitou-Charentes": "Nouvelle-Aquitaine", "Midi-Pyrénées": "Occitanie",
    "Languedoc-Roussillon": "Occitanie", "Basse-Normandie": "Normandie",
    "Haute-Normandie": "Normandie", "PACA": "Provence-Alpes-Côte d'Azur",
    "Région Centre": "Centre-Val de Loire",
}
# Phrases that contain a département name without meaning the département.
BLOCKERS: tuple[str, ...] = (
    "Afrique du Nord", "Amérique du Nord", "Europe du Nord", "mer du Nord", "pôle Nord",
    "hémisphère Nord", "Nord-Est", "Nord-Ouest", "grand Nord", "Val de Loire",
    "vallée de la Loire", "vallée du Rhône", "Côte d'Azur", "outre-Manche",
    "tunnel sous la Manche", "Savoie Mont Blanc",
)
# "Nord-Mayenne", "Sud Manche": a part of a département (a signal for it unless ambiguous).
SUBAREA_PREFIXES: tuple[str, ...] = (
    "nord", "sud", "est", "ouest", "haut", "haute", "bas", "basse", "centre",
)
# Words that introduce a département name: "département de la Mayenne", "PTSM du Nord".
DEPARTMENT_TRIGGERS: tuple[str, ...] = (
    "département", "départements", "conseil départemental", "conseil général", "PTSM",
    "projet territorial de santé mentale", "projet territorial en santé mentale",
    "contrat territorial de santé mentale", "CTSM", "délégation territoriale",
    "délégation départementale", "délégation", "territoire", "préfecture", "préfet",
    "préfète", "commission spécialisée en santé mentale", "commission spécialisée de santé "
    "mentale", "commission spécialisée santé mentale", "CSSM", "conseil territorial de santé",
    "CTS",
)
REGION_TRIGGERS: tuple[str, ...] = (
    "région", "ARS", "agence régionale de santé", "conseil régional", "PTSM", "département",
    "départements", "territoires",
)



_WORD = re.compile(r"[^\W_]+")
_TOKEN_ALIASES = {"st": "saint", "ste": "sainte"}
_NAME_SEP = re.compile(r"[\s\-'_]*")  # between the words of one name
_CONTEXT_SEP = re.compile(r"[\s\-'_()\"«»/]*")  # between a name and its context


def _words(text: str) -> tuple[str, ...]:
    return tuple(_TOKEN_ALIASES.get(w, w) for w in _WORD.findall(fold(text)))


# ------------------------------------------------------------------------------ lexicon


@dataclass(frozen=True)
class _Entry:
    kind: Literal["department", "region", "demonym", "subarea", "blocker", "city"]
    code: str | None = None
    region: str | None = None
    ambiguous: bool = False


@dataclass(frozen=True)
class _Lexicon:
    ngrams: dict[tuple[str, ...], _Entry]
    first_words: frozenset[str]
    max_len: int
    compact: dict[str, tuple[str, ...]]  # "iledefrance" → ("ile", "de", "france") (URLs)
    dept_triggers: tuple[tuple[str, ...], ...]
    region_triggers: tuple[tuple[str, ...], ...]


@cache
def _lexicon() -> _Lexicon:
    ngrams: dict[tuple[str, ...], _Entry] = {}

    def put(phrase: str, entry: _Entry) -> None:
        ngrams.setdefault(_words(phrase), entry)

    depts = _departments()
    for d in depts:
        for name in (d.name, *d.aliases):
            put(name, _Entry("department", d.code, d.region, d.ambiguous))
    for region in region_names():
        put(region, _Entry("region", region=region))
    for alias, region in REGION_ALIASES.items():
        put(alias, _Entry("region", region=region))
    for d in depts:
        for demonym in d.demonyms:
            for form in _inflections(demonym):
                put(form, _Entry("demonym", d.code, d.region))
    for phrase in BLOCKERS:
        put(phrase, _Entry("blocker"))
    for code, city in _cities():
        dept = _by_code()[code]
        put(city, _Entry("city", code, dept.region))
    for d in depts:
        for prefix in SUBAREA_PREFIXES:
            kind = "blocker" if d.ambiguous else "subarea"
            put(f"{prefix} {d.name}", _Entry(kind, d.code, d.region))
    compact = {"".join(k): k for k, e in ngrams.items()
               if len(k) > 1 and e.kind in ("department", "region") and not e.ambiguous}
    return _Lexicon(
        ngrams=ngrams,
        first_words=frozenset(k[0] for k in ngrams),
        max_len=max(len(k) for k in ngrams),
        compact=compact,
        dept_triggers=tuple(_words(t) for t in DEPARTMENT_TRIGGERS),
        region_triggers=tuple(_words(t) for t in REGION_TRIGGERS),
    )


@cache
def _cities() -> tuple[tuple[str, str], ...]:
    """(code, chef-lieu) of the départements (Paris is its own département name)."""
    with CITIES_FILE.open(encoding="utf-8", newline="") as fh:
        return tuple((r["code"].strip(), r["city"].strip()) for r in csv.DictReader(fh))


def _inflections(word: str) -> tuple[str, ...]:
    """A demonym and its plural: "mayennais" → itself; "vendéen" → +"vendéens"."""
    if word.endswith(("s", "x")):
        return (word,)
    return (word, word + ("x" if word.endswith("eau") else "s"))


# ------------------------------------------------------------------------------ signals


@dataclass(frozen=True)
class Signal:
    """One clue: a département (``code``) or only a région, its weight and where it is."""

    code: str | None
    region: str | None
    weight: float
    kind: str  # strong, code_prefix, articled, demonym, bare, weak, region
    evidence: str


_ARTICLE_WORDS = frozenset({"de", "d", "du", "des", "la", "le", "les", "l", "en", "dans",
                            "a", "au", "aux", "pour", "sur", "par"})
_ARTICLE_FORMS = {"la ": {"la"}, "l'": {"l"}, "le ": {"le", "du", "au"},
                  "les ": {"les", "des", "aux"}, "": {"de", "d", "a"}}
_CODE = r"(2a|2b|97[1-6]|\d{2})"
_NUMBER = re.compile(  # run on the original text
    r"(?=[pdca])(?<![^\W_])(ptsm|dt\s?ars|ars\s?dt|ddets|ddcs|dt|dd|cd)[\s\-‐‑–_]?"
    rf"(?:(?:du|de|n\s?°|no\.?)\s?)?{_CODE}(?![^\W_])",
    re.IGNORECASE,
)
_PAREN_CODE = re.compile(rf"\({_CODE}\)", re.IGNORECASE)
_POSTAL = re.compile(r"(\d(?<![\d.,]\d)\d{4})(?=[  ]+(?:[A-ZÉÈ]|cedex))")
_URL_NUMBER = re.compile(
    rf"(?:ptsm|sante-?mentale|santementale|clsm|cpt)[-_]?(?:(?:de|du)[-_])?{_CODE}(?![a-z0-9])"
)


def _evidence(original: str, start: int, end: int, limit: int = 80) -> str:
    return " ".join(original[start:end].split())[:limit]


_SPLIT = re.compile(r"([\w\u0300-\u036f]+)")  # words (also in decomposed text)


@lru_cache(maxsize=1 << 16)
def _fold_word(word: str) -> str:
    folded = word.lower() if word.isascii() else fold(word)
    return _TOKEN_ALIASES.get(folded, folded)


class _Tokens:
    """The words of a text, folded, with their offsets in the text."""

    def __init__(self, text: str) -> None:
        parts = _SPLIT.split(text)
        self.raw: list[str] = parts[1::2]
        self.words = [_fold_word(w) for w in self.raw]
        self._seps: list[str] = parts[0::2]  # _seps[i]: the characters before word i
        self._offsets = list(accumulate(map(len, parts)))

    def start(self, i: int) -> int:
        return self._offsets[2 * i]

    def end(self, i: int) -> int:
        return self._offsets[2 * i + 1]

    def sep(self, i: int) -> str:
        """The characters (folded) between word i-1 and word i."""
        return fold(self._seps[i]) if 0 < i < len(self._seps) else ""

    def joined(self, i: int, j: int, pattern: re.Pattern[str]) -> bool:
        """True when words i..j-1 are separated only by characters of ``pattern``."""
        return all(pattern.fullmatch(self.sep(k)) for k in range(i + 1, j))


def _ends_with(tokens: _Tokens, end: int, phrase: tuple[str, ...]) -> bool:
    start = end - len(phrase)
    return (start >= 0 and tuple(tokens.words[start:end]) == phrase
            and tokens.joined(start, end + 1, _CONTEXT_SEP))


def _trigger_before(tokens: _Tokens, end: int, triggers: tuple[tuple[str, ...], ...]) -> int:
    """Start index of a trigger phrase ending just before word ``end``, or -1."""
    for phrase in triggers:
        if _ends_with(tokens, end, phrase):
            return end - len(phrase)
    return -1


def _name_signals(original: str, tokens: _Tokens, case_known: bool,
                  s: DetectionSettings) -> list[Signal]:
    lex = _lexicon()
    words, n = tokens.words, len(tokens.words)
    out: list[Signal] = []
    i = 0
    while i < n:
        if words[i] not in lex.first_words:
            i += 1
            continue
        entry, j = None, i
        for length in range(min(lex.max_len, n - i), 0, -1):
            cand = lex.ngrams.get(tuple(words[i:i + length]))
            if cand is not None and tokens.joined(i, i + length, _NAME_SEP):
                entry, j = cand, i + length
                break
        if entry is None:
            i += 1
            continue
        signal = _classify(original, tokens, i, j, entry, case_known, s)
        if signal is not None:
            out.append(signal)
        i = j
    return out


def _classify(original: str, tokens: _Tokens, i: int, j: int, entry: _Entry,
              case_known: bool, s: DetectionSettings) -> Signal | None:
    start, end = tokens.start(i), tokens.end(j - 1)
    if entry.kind == "blocker":
        return None
    if entry.kind == "demonym":
        return Signal(entry.code, entry.region, s.demonym, "demonym",
                       _evidence(original, start, end))
    if entry.kind == "subarea":
        return Signal(entry.code, entry.region, s.bare, "bare", _evidence(original, start, end))
    if entry.kind == "city":  # "CHRU de Lille", "à Rodez"; never a bare or postal "Laval"
        before = tokens.words[i - 1] if i > 0 else ""
        if (not case_known or not tokens.raw[i][:1].isupper()
                or before not in ("de", "d", "a", "sur") or tokens.sep(i).strip(" '")):
            return None
        return Signal(entry.code, entry.region, s.city, "city", _evidence(original, start, end))
    # Article / preposition words just before the name, then a trigger before them.
    k = i
    while k > 0 and i - k < 3 and tokens.words[k - 1] in _ARTICLE_WORDS \
            and _CONTEXT_SEP.fullmatch(tokens.sep(k)):
        k -= 1
    article = tokens.words[k:i]
    head = next((t for t in range(i, j) if tokens.words[t] not in _ARTICLE_WORDS), i)
    head_text = tokens.raw[head]
    if entry.kind == "region":
        if case_known and j - i == 1 and not head_text[:1].isupper():
            return None
        trig = _trigger_before(tokens, k, _lexicon().region_triggers)
        ctx = tokens.start(trig) if trig >= 0 else tokens.start(k) if k < i else start
        weight, kind = (s.region_strong, "region_strong") if trig >= 0 \
            else (s.region_mention, "region")
        return Signal(None, entry.region, weight, kind, _evidence(original, ctx, end))

    dept = _by_code()[entry.code]  # type: ignore[index]
    ambiguous = entry.ambiguous
    all_caps = head_text.isupper() and len(head_text) > 1
    capitalized = (head_text[:1].isupper() and not (ambiguous and all_caps)) if case_known \
        else not ambiguous
    glued = tokens.sep(i) == "-" or (j < len(tokens.words) and tokens.sep(j) == "-")
    if ambiguous and glued:
        return None  # "Neuilly-sur-Marne", "Marne-la-Vallée"
    last = article[-1] if article else None
    articled = last is not None and (
        last in _ARTICLE_FORMS.get(dept.article, set()) or last == "en"
        or (not ambiguous and last in ("de", "d")))
    trig = _trigger_before(tokens, k, _lexicon().dept_triggers)
    ctx = tokens.start(trig) if trig >= 0 else tokens.start(k) if k < i else start
    evidence = _evidence(original, ctx, end)
    single = j - i == 1
    if trig >= 0 and (articled or not ambiguous or not article):
        return Signal(dept.code, dept.region, s.strong, "strong", evidence)
    if articled:
        if not ambiguous and (capitalized or not single):
            return Signal(dept.code, dept.region, s.articled, "articled", evidence)
        if ambiguous and capitalized:
            return Signal(dept.code, dept.region, s.weak, "weak", evidence)
        return None
    if not ambiguous and not single:  # "Ille et Vilaine", "SEINE-ET-MARNE": specific enough
        return Signal(dept.code, dept.region, s.articled, "articled", evidence)
    if not ambiguous and capitalized:
        return Signal(dept.code, dept.region, s.bare, "bare", evidence)
    return None


def _number_signals(original: str, s: DetectionSettings) -> list[Signal]:
    out = []
    for m in _NUMBER.finditer(original):
        dept = department_by_code(m.group(2))
        if dept is None:
            continue
        # "PTSM 53" is strong; "DT53", "DD 53", "CD53", "ARS DT 53" a little less.
        strength = "strong" if m.group(1).lower() == "ptsm" else "code_prefix"
        weight = s.strong if strength == "strong" else s.code_prefix
        out.append(Signal(dept.code, dept.region, weight, strength,
                           _evidence(original, m.start(), m.end())))
    for m in _PAREN_CODE.finditer(original):
        dept = department_by_code(m.group(1))
        if dept is not None:
            out.append(Signal(dept.code, dept.region, s.weak, "weak",
                               _evidence(original, max(0, m.start() - 30), m.end())))
    for m in _POSTAL.finditer(original):
        dept = department_by_code(_postal_department(m.group(1)))
        if dept is not None:
            out.append(Signal(dept.code, dept.region, s.weak, "weak",
                               _evidence(original, m.start(), m.end() + 20)))
    return out


def _postal_department(postal: str) -> str:
    if postal.startswith("97"):
        return postal[:3]
    if postal.startswith("20"):
        return "2A" if int(postal) < 20200 else "2B"
    return postal[:2]


def text_signals(text: str, *, case_known: bool = True,
                 settings: DetectionSettings = DEFAULT_SETTINGS) -> list[Signal]:
    """Every département / région signal found in ``text``."""
    if not text:
        return []
    return (_number_signals(text, settings)
            + _name_signals(text, _Tokens(text), case_known, settings))


def url_signals(url: str, settings: DetectionSettings = DEFAULT_SETTINGS) -> list[Signal]:
    """Signals in a URL: "ptsm35.fr", "santementale79.fr", "/ptsm-de-seine-et-marne/",
    "sante-iledefrance.fr" (région)."""
    if not url:
        return []
    folded = fold(url)
    out = []
    for m in _URL_NUMBER.finditer(folded):
        dept = department_by_code(m.group(1))
        if dept is not None:
            out.append(Signal(dept.code, dept.region, settings.strong, "strong", m.group()))
    compact = _lexicon().compact
    words: list[str] = []
    for w in _WORD.findall(folded):
        words.extend(compact.get(w, (w,)))
    synthetic = " ".join(words)
    return out + _name_signals(synthetic, _Tokens(synthetic), False, settings)


# ----------------------------------------------------------------------------- decision


def _decide(signals: list[Signal], source: str, factor: float,
            s: DetectionSettings) -> DepartmentMatch:
    strong: dict[str, float] = defaultdict(float)
    weak: dict[str, float] = defaultdict(float)
    city: dict[str, float] = defaultdict(float)
    regions: dict[str, float] = defaultdict(float)
    for sig in signals:
        if sig.code is None:
            if sig.region:
                regions[sig.region] += sig.weight
        elif sig.kind == "weak":
            weak[sig.code] += sig.weight
        elif sig.kind == "city":
            city[sig.code] += sig.weight
        else:
            strong[sig.code] += sig.weight
    scores = {c: strong.get(c, 0.0) + min(weak.get(c, 0.0), s.weak_cap)
              + min(city.get(c, 0.0), s.city_cap) for c in set(strong) | set(weak) | set(city)}
    ranked = sorted(scores.items(), key=lambda kv: (-kv[1], kv[0]))
    candidates = [(c, round(v, 2)) for c, v in ranked[:s.max_candidates]]
    top_code, top = ranked[0] if ranked else (None, 0.0)
    second = ranked[1][1] if len(ranked) > 1 else 0.0
    region_ranked = sorted(regions.items(), key=lambda kv: (-kv[1], kv[0]))
    best_region, region_score = region_ranked[0] if region_ranked else (None, 0.0)
    second_region = region_ranked[1][1] if len(region_ranked) > 1 else 0.0

    own_region = _by_code()[top_code].region if top_code else None
    region_rival = max((v * (s.own_region_factor if r == own_region else 1.0)
                        for r, v in regions.items()), default=0.0)
    if top_code and top >= s.floor and top >= s.dominance * second \
            and top >= s.region_ratio * region_rival:
        dept = _by_code()[top_code]
        conf = top / (top + second) * (1 - math.exp(-top / s.strong)) * factor
        return DepartmentMatch(dept.code, dept.name, dept.region, "department", round(conf, 3),
                               _summary(source, [x for x in signals if x.code == top_code]),
                               candidates)
    if best_region and region_score >= s.floor and region_score >= s.dominance * second_region:
        conf = region_score / (region_score + second_region) \
            * (1 - math.exp(-region_score / s.strong)) * factor
        return DepartmentMatch(None, None, best_region, "region", round(conf, 3),
                               _summary(source, [x for x in signals
                                                 if x.code is None and x.region == best_region]),
                               candidates)
    strong_codes = [c for c, v in ranked if v >= s.floor]
    if len(strong_codes) >= 2:
        common = {_by_code()[c].region for c in strong_codes}
        total = sum(scores[c] for c in strong_codes)
        return DepartmentMatch(None, None, common.pop() if len(common) == 1 else None, "multi",
                               round((1 - math.exp(-total / s.strong)) * factor, 3),
                               _summary(source, [x for x in signals if x.code in strong_codes]),
                               candidates)
    return DepartmentMatch(None, None, None, "unknown", 0.0, "", candidates)


# Where the evidence was read, in French (it is published in documents.department_evidence).
_SOURCE_LABELS = {"text": "texte", "title": "titre", "url": "adresse"}


def _summary(source: str, signals: list[Signal], limit: int = 3) -> str:
    """'texte : "PTSM 53" ×29; "département de la Mayenne" ×3'."""
    weight: dict[str, float] = defaultdict(float)
    count: dict[str, int] = defaultdict(int)
    shown: dict[str, str] = {}
    for sig in signals:
        key = fold(sig.evidence)
        weight[key] += sig.weight
        count[key] += 1
        shown.setdefault(key, sig.evidence)
    best = sorted(weight, key=lambda k: (-weight[k], k))[:limit]
    parts = [f'"{shown[k]}"' + (f" ×{count[k]}" if count[k] > 1 else "") for k in best]
    return f"{_SOURCE_LABELS.get(source, source)} : " + "; ".join(parts)


def _from_hint(hint: str) -> DepartmentMatch | None:
    dept = department_by_code(hint)
    if dept is None:
        key = _words(hint)
        dept = next((d for d in _departments()
                     if key in {_words(n) for n in (d.name, *d.aliases)}), None)
    if dept is not None:
        return DepartmentMatch(dept.code, dept.name, dept.region, "department", 1.0,
                               f"indiqué par la source : {hint}", [(dept.code, 1.0)])
    key = _words(hint)
    region = next((r for r in region_names() if _words(r) == key), None)
    if region is not None:
        return DepartmentMatch(None, None, region, "region", 1.0,
                               f"indiqué par la source : {hint}", [])
    return None


def detect_department(text: str, *, title: str | None = None, url: str | None = None,
                      hint: str | None = None,
                      settings: DetectionSettings = DEFAULT_SETTINGS) -> DepartmentMatch:
    """The département a document is about.

    Order: a valid ``hint`` (code or name, e.g. from sources.toml) wins; then the text;
    when the text names no single département, the title, then the URL. A région-wide or
    multi-département text gives scope "region" / "multi" with ``code`` None (never a guess).
    """
    if hint and hint.strip():
        from_hint = _from_hint(hint.strip())
        if from_hint is not None:
            return from_hint
    s = settings
    from_text = _decide(text_signals(text or "", settings=s), "text", 1.0, s)
    if from_text.scope == "department":
        return from_text
    side = [_decide(text_signals(title or "", settings=s), "title", s.title_factor, s),
            _decide(url_signals(url or "", settings=s), "url", s.url_factor, s)]
    text_codes = {c for c, v in from_text.candidates if v >= s.floor}
    for found in side:
        if found.scope == "department" and (from_text.scope != "multi"
                                            or found.code in text_codes):
            return found
    if from_text.scope in ("region", "multi"):
        return from_text
    for found in side:
        if found.scope in ("region", "multi"):
            return found
    return from_text
