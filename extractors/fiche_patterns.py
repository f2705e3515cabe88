"""Catalogue of the patterns that structure a PTSM feuille de route (data, not logic).

Every regular expression is matched against *folded* text: lowercase, accents removed,
typographic apostrophes and degree signs normalised (see :func:`fold`). Nothing here may
depend on one département's wording of titles, fonts or page numbers.
"""

from __future__ import annotations

import re
import tomllib
from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path

from rapidfuzz import fuzz, process

from extractors.textfold import fold

# --- fiche headings ---------------------------------------------------------------------
# "Fiche action n°12 : …", "Fiche n°3", "FICHE ACTION 3", "Fiche-action 12", "Fiche action
# n° 17 bis : …", "Action 2.1 – …", "Action n°4".  Groups: kind, num, suffix, rest.
_NUM = r"(?P<num>\d{1,3}(?:\.\d{1,3})?)"
_NO = r"(?:n\s*[°o]\s*\.?\s*:?\s*|no\.?\s+|numero\s+)?"
_SUFFIX = r"(?:\s*(?P<suffix>bis|ter|quater)\b)?"
_SEP = r"\s*(?:[:\-–—.)]\s*)?"
FICHE_HEADING = re.compile(
    r"^\s*(?P<kind>fiches?[\s\-‐]*(?:actions?|projets?|enjeux?|mesures?)|fiche|fa)\s*" + _NO
    + _NUM + _SUFFIX + _SEP + r"(?P<rest>.*)$",
    re.S,
)
# "Action 2.1 – …" / "Action n°4 : …": only used when the document has no "Fiche" headings.
ACTION_HEADING = re.compile(
    r"^\s*(?P<kind>action)\s+" + _NO + _NUM + _SUFFIX + _SEP + r"(?P<rest>.*)$", re.S
)
# "Axe 2 – Action 3 : …" (numbering inside an axis; label "2.3").  Groups: axis, num, rest.
AXIS_ACTION_HEADING = re.compile(
    r"^\s*axe\s*(?:n\s*[°o]\s*)?(?P<axis>\d{1,2})\s*[:\-–—.,/]?\s*(?:action|fiche(?:[\s\-]*action)?|"
    r"mesure)\s*" + _NO + r"(?P<num>\d{1,3})" + _SUFFIX + _SEP + r"(?P<rest>.*)$", re.S
)
# The number cell of a key/value fiche table: "N° 7", "Numéro 2.3".
NUMBER_CELL = re.compile(r"^\s*(?:n\s*[°o]|numero|no\.)\s*:?\s*" + _NUM + _SUFFIX + r"\s*$")
# A reference to another fiche inside a text ("Lien avec la Fiche action n°19 : …",
# "cf fiche n°26", "fiches actions 26 et 27").
FICHE_REFERENCE = re.compile(
    r"\bfiches?(?:[\s\-‐]*actions?)?\s*(?:n\s*[°o]\s*:?\s*)?(?P<num>\d{1,3})(?:\s*(?P<suffix>bis|ter))?\b"
)

# --- sections ----------------------------------------------------------------------------
# "Objectif 3 du décret : …", "Objectif n°3 du décret", "Priorité 3 : …" (the six priorities
# of décret n° 2017-1200).  Group: num.
DECRET_OBJECTIVE = re.compile(
    r"^\s*(?:objectif|priorite)\s*(?:n\s*[°o]\s*)?(?P<num>[1-6])\s*(?:du\s+decret\b|:|–|-|$)"
)
# Looser form used only to place fiches in planning/summary tables: "Objectif 1 :".
OBJECTIVE_LOOSE = re.compile(r"^\s*(?:objectif|priorite)\s*(?:n\s*[°o]\s*)?(?P<num>[1-6])\b")
# An axis heading ("Axe 2 : …", "Axe n°2 – …").  Group: num, rest.
AXIS_HEADING = re.compile(r"^\s*axe\s*(?:n\s*[°o]\s*)?(?P<num>\d{1,2})\s*[:\-–—.]?\s*(?P<rest>.*)$")

# Sections in which a "Fiche action n°…" line is never the start of a fiche.  The value says
# whether the section lasts until the end of the document (annexes do).
EXCLUDED_SECTIONS: tuple[tuple[re.Pattern[str], bool], ...] = (
    (re.compile(r"^\s*(?:table\s+des\s+matieres|sommaire)\b"), False),
    (re.compile(r"^\s*plan\s+pluri-?annuel"), False),
    (re.compile(r"^\s*plannings?\s+previsionnels?"), False),
    (re.compile(r"^\s*(?:partie\s*\d+\s*:\s*)?plannings?\b"), False),
    (re.compile(r"^\s*(?:partie\s*\d+\s*:\s*)?tableaux?\s+recapitulatifs?"), False),
    (re.compile(r"^\s*(?:liste\s+des\s+(?:acronymes|sigles|abreviations)|glossaire)\b"), False),
    (re.compile(r"^\s*annexes?\b"), True),
)

# Text that marks a summary (never a fiche body): "Objectifs opérationnels succincts".
SUMMARY_MARKERS = re.compile(r"objectifs?\s+operationnels?\s+succincts?|tableau\s+recapitulatif")

# --- fiche fields ------------------------------------------------------------------------
# Field labels come from the catalogue extractors/data/fiche_labels.toml (see label_field).
_CATALOGUE = tomllib.loads((Path(__file__).parent / "data" / "fiche_labels.toml").read_text(
    encoding="utf-8"))
LABEL_MIN_SCORE = float(_CATALOGUE["min_score"])
LABEL_SYNONYMS: dict[str, str] = {syn: name for name, syns in _CATALOGUE["fields"].items()
                                  for syn in syns}
KEEP_LABEL_FIELDS = frozenset(_CATALOGUE["keep_label"]["fields"])
# Fields that count as evidence that a heading opens a real fiche body.
BODY_FIELDS = frozenset(_CATALOGUE["body"]["fields"])
MAX_LABEL_CHARS = 60  # a longer text before ":" is a sentence, not a label
MAX_LABEL_EXTRA_WORDS = 4  # "Moyens humains et financiers" → moyens; longer → a sentence
# Values meaning "nobody yet".
UNDEFINED_VALUES = re.compile(
    r"^\s*(?:a\s+definir|a\s+determiner|non\s+defini|nc|-+|x+|\?)?\s*\.?$")

# --- operational table columns (header cell → column role) -------------------------------
OPERATIONAL_HEADER = re.compile(r"^objectifs?\s+operationnels?|^actions?\s+a\s+mener|^etapes?\b")
# The header row of an operational table that the reader did not recognise as a table
# (no ruling lines): one text line naming the columns.
LOOSE_TABLE_HEADER = re.compile(
    r"^objectifs?\s+operationnels?\b.{0,40}\b(?:operateurs?|modalites?|echeances?|porteurs?)")
COLUMN_HEADER_FRAGMENT = re.compile(
    r"^(?:operateurs?(?:\s*\(s\))?|modalites?|echeances?)\b.{0,60}$")
COLUMN_ROLES: tuple[tuple[str, re.Pattern[str]], ...] = (
    ("echeance", re.compile(r"echeanc|calendrier|delai|date|periode|quand\b")),
    ("operateur", re.compile(r"operateur|porteur|responsable|qui\b")),
    ("modalites", re.compile(r"modalites?|mise\s+en\s+oeuvre|comment|description")),
    ("objectif", re.compile(r"objectifs?|actions?|etapes?")),
)
# A header that belongs to a planning grid rather than to a fiche's operational table.
PLANNING_HEADER = re.compile(r"planning|pilotage|trim\.|janv|semestre\s+\d|^\d{4}$")
EMPTY_CELL = re.compile(r"^[\s\-–—.]*$")

# --- priority from content (last resort, with evidence) ---------------------------------
PRIORITY_KEYWORDS: dict[int, tuple[str, ...]] = {
    1: ("reperage", "repérage", "diagnostic", "depistage", "precoce", "acces aux soins"),
    2: ("parcours", "retablissement", "inclusion", "logement", "insertion", "rupture",
        "pair-aidance", "handicap psychique"),
    3: ("somatique", "medecin generaliste", "medecine generale", "soins primaires"),
    4: ("crise", "urgence", "suicid", "sortie d'hospitalisation", "post-urgence"),
    5: ("droits", "stigmatisation", "pouvoir d'agir", "citoyennete", "usagers"),
    6: ("determinants", "employeur", "parentalite", "environnement", "prevention en sante"),
}



_DECOR = re.compile(r"^[\s\-–—•▪■□◦●○✓✔➢►*_>·|]+")
_MARKUP = re.compile(r"</?[a-z][^>]*>|\*\*|__")


@lru_cache(maxsize=16384)  # the passes over a document's fiches clean the same cells
def clean(text: str) -> str:
    """Drop inline HTML/markdown markup and leading bullets; collapse spaces."""
    text = _MARKUP.sub(" ", text)
    text = _DECOR.sub("", text)
    return re.sub(r"[ \t\u00a0]+", " ", text).strip()


_LABEL_NOISE = re.compile(r"\(\s*s\s*\)|\(\s*e\s*\)|[*_\u00a0]")
_LABEL_ARTICLE = re.compile(r"^(?:les?|la|l')\s*")
_LABEL_TRAIL = re.compile(r"[\s:;.,\-–—]+$")


def _label_key(folded: str) -> str:
    key = _LABEL_NOISE.sub(" ", folded)
    key = _LABEL_ARTICLE.sub("", key.strip())
    key = re.sub(r"\s*/\s*", " / ", key)
    key = key.replace("°", "")
    return _LABEL_TRAIL.sub("", re.sub(r"\s+", " ", key)).strip()


@lru_cache(maxsize=8192)
def _label_of(key: str, with_colon: bool, exact: bool = False) -> tuple[str, bool] | None:
    """(field, exact) for a folded label key: exact synonym, prefix (only before a colon),
    then fuzzy. ``exact`` is False when words follow the synonym."""
    if not key or len(key) > MAX_LABEL_CHARS:
        return None
    if key in LABEL_SYNONYMS:
        return LABEL_SYNONYMS[key], True
    if exact:
        return None
    if with_colon:
        best = ""
        for syn in LABEL_SYNONYMS:
            if len(syn) > len(best) and key.startswith(syn + " "):
                extra = key[len(syn) + 1:]
                if (not any(ch.isdigit() for ch in extra)  # "Objectif 3", "Fiche n°2"
                        and len(extra.split()) <= MAX_LABEL_EXTRA_WORDS):
                    best = syn
        if best:
            return LABEL_SYNONYMS[best], False
    if len(key) >= 5 and not any(ch.isdigit() for ch in key):
        hit = process.extractOne(key, LABEL_SYNONYMS.keys(), scorer=fuzz.ratio,
                                 score_cutoff=LABEL_MIN_SCORE)
        if hit is not None:
            return LABEL_SYNONYMS[hit[0]], True
    return None


@lru_cache(maxsize=16384)
def label_field(text: str, exact: bool = False) -> tuple[str, str] | None:
    """(field, value) when ``text`` opens with a field label of the catalogue.

    The label is the text before the first ":" (then the value is what follows), or the
    whole text when it has no ":" (a label alone on its line or in a table cell). With
    ``exact``, only a label that is a synonym itself counts (no prefix, no fuzzy match).
    """
    cleaned = clean(text)
    if not cleaned:
        return None
    head, colon, tail = cleaned.partition(":")
    if colon and len(head) <= MAX_LABEL_CHARS:
        hit = _label_of(_label_key(fold(head)), True, exact)
        if hit is not None:
            name, exact = hit
            value = cleaned if name in KEEP_LABEL_FIELDS and not exact else tail
            return name, value.strip(" :*_\u00a0").strip()
    hit = _label_of(_label_key(fold(cleaned)), False, exact)
    return (hit[0], "") if hit is not None else None


@dataclass(frozen=True)
class HeadingMatch:
    """A fiche heading: its number as written ("7", "2.3"), suffix ("bis") and where the
    rest (the title) starts in the folded text."""

    num: str
    suffix: str
    rest: int


def match_heading(folded: str, allow_action: bool) -> HeadingMatch | None:
    """The fiche heading that opens ``folded`` text ("Fiche action n°7 : …", "FA 12",
    "Fiche-projet 4", "Axe 2 – Action 3", and "Action 2.3" when ``allow_action``)."""
    m = FICHE_HEADING.match(folded)
    if m is None and allow_action:
        m = AXIS_ACTION_HEADING.match(folded) or ACTION_HEADING.match(folded)
    if m is None:
        return None
    num = m.group("num")
    if "axis" in m.groupdict():
        num = f"{m.group('axis')}.{num}"
    return HeadingMatch(num, m.group("suffix") or "", m.start("rest"))


_LABEL_COLON = re.compile(r"\s*:(?:\s|$)")


def split_embedded_labels(text: str, keep: frozenset[str] = frozenset({"echeance"})) -> list[str]:
    """A line holding a field label after other text ("… CMP infanto-juvénile Objectifs :",
    "… 2020-2024 Moyens : mobilisation …": paragraphs a reader joined) cut before each such
    label. The label must start with a capital letter; ``keep`` fields are never cut."""
    cuts: list[int] = []
    for m in _LABEL_COLON.finditer(text):
        before = text[:m.start()]
        words = before.split()
        if len(words) < 2 or before[-1:] in ":":
            continue
        for n in range(min(5, len(words) - 1), 0, -1):  # the longest label before ":"
            label = words[-n:]
            if not label[0][:1].isupper():
                continue
            hit = _label_of(_label_key(fold(" ".join(label))), False)
            if hit is not None and hit[0] not in keep:
                cuts.append(len(before) - len(" ".join(label)))
                break
    if not cuts:
        return [text]
    parts = [text[a:b].strip() for a, b in zip([0, *cuts], [*cuts, len(text)], strict=True)]
    return [p for p in parts if p]


def is_operational_header(row: list[str]) -> bool:
    """The header row of a fiche's operational table ("Objectifs opérationnels | Opérateur |
    … | Échéance", "Étapes | Échéancier"), never a summary's or a planning grid's."""
    if not row:
        return False
    first = fold(clean(row[0]))
    if SUMMARY_MARKERS.search(first) or any(len(c) > MAX_LABEL_CHARS for c in row[1:]):
        return False  # a header's cells are short; a long one is a value
    if not OPERATIONAL_HEADER.match(first):
        hit = label_field(row[0])
        others = [fold(clean(c)) for c in row[1:] if c and c.strip()]
        if hit is None or hit != ("objectifs_operationnels", "") or not any(
                pattern.search(c) for c in others for role, pattern in COLUMN_ROLES
                if role != "objectif"):
            return False
    return not any(PLANNING_HEADER.search(fold(clean(c))) for c in row[1:])
