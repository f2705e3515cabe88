"""Catalogue of the patterns that structure a PTSM feuille de route (data, not logic).

Every regular expression is matched against *folded* text: lowercase, accents removed,
typographic apostrophes and degree signs normalised (see :func:`fold`). Nothing here may
depend on one département's wording of titles, fonts or page numbers.
"""

from __future__ import annotations

import re

# --- fiche headings ---------------------------------------------------------------------
# "Fiche action n°12 : …", "Fiche n°3", "FICHE ACTION 3", "Fiche-action 12", "Fiche action
# n° 17 bis : …", "Action 2.1 – …", "Action n°4".  Groups: kind, num, suffix, rest.
_NUM = r"(?P<num>\d{1,3}(?:\.\d{1,3})?)"
_NO = r"(?:n\s*[°o]\s*\.?\s*:?\s*|no\.?\s+|numero\s+)?"
_SUFFIX = r"(?:\s*(?P<suffix>bis|ter|quater)\b)?"
_SEP = r"\s*(?:[:\-–—.)]\s*)?"
FICHE_HEADING = re.compile(
    r"^\s*(?P<kind>fiches?[\s\-‐]*actions?|fiche)\s*" + _NO + _NUM + _SUFFIX + _SEP
    + r"(?P<rest>.*)$",
    re.S,
)
# "Action 2.1 – …" / "Action n°4 : …": only used when the document has no "Fiche" headings.
ACTION_HEADING = re.compile(
    r"^\s*(?P<kind>action)\s+" + _NO + _NUM + _SUFFIX + _SEP + r"(?P<rest>.*)$", re.S
)
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
# Field labels (never titles).  Order matters: the first that matches wins.
FIELD_LABELS: tuple[tuple[str, re.Pattern[str]], ...] = (
    ("pilotes", re.compile(r"^pilotes?(?:\s*\(s\))?(?:\s+de\s+l.action)?\s*(?::|$)")),
    ("partenaires", re.compile(
        r"^(?:partenaires?|acteurs\s+partenaires|contributeurs?)(?:\s*\(s\))?\s*(?::|$)")),
    ("objectifs_strategiques", re.compile(r"^objectifs?\s+strategiques?\s*(?::|$)")),
    ("objectifs_operationnels", re.compile(r"^objectifs?\s+operationnels?\s*(?::|$)")),
    ("moyens", re.compile(r"^moyens(?:\s+necessaires|\s+mobilises|\s+humains)?\s*(?::|$)")),
    ("territoire_public", re.compile(r"^territoire\s+et\s+public(?:\s+cible)?\s*(?::|$)")),
    ("territoire", re.compile(r"^territoires?(?:\s+concernes?)?\s*(?::|$)")),
    ("public_cible", re.compile(r"^publics?(?:\s+cibles?|\s+vise)?\s*(?::|$)")),
    ("indicateurs", re.compile(r"^(?:les\s+)?indicateurs?\b")),
    ("liens", re.compile(r"^liens?\s+avec\s+d.?autres\s+(?:travaux|actions|dispositifs)"
                         r"(?:\s+(?:territoriaux|du\s+territoire|en\s+cours))?\s*:?")),
    ("echeance", re.compile(r"^(?:echeances?|calendrier|echeancier)\s*(?::|$)")),
)
# Fields that count as evidence that a heading opens a real fiche body.
BODY_FIELDS = frozenset({"pilotes", "partenaires", "objectifs_strategiques",
                         "objectifs_operationnels", "moyens", "territoire_public", "territoire",
                         "public_cible", "indicateurs", "liens"})
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
    ("echeance", re.compile(r"echeance|calendrier|delai|date|periode")),
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


def clean(text: str) -> str:
    """Drop inline HTML/markdown markup and leading bullets; collapse spaces."""
    text = _MARKUP.sub(" ", text)
    text = _DECOR.sub("", text)
    return re.sub(r"[ \t\u00a0]+", " ", text).strip()
