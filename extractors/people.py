"""People named with a role in contact lists: "Julie BARON, Chargée de mission PTSM 53".

Recognised lines (or table rows name | role [| organisation]):

- "Prénom NOM, Rôle" / "Prénom NOM – Rôle" / "Prénom NOM : Rôle" (surname in capitals);
- "NOM Prénom, Rôle";
- "Mme / M. / Dr Prénom Nom, Rôle" (a civility allows a surname in mixed case).

The organisation is read from the role when it names one ("… au Conseil Départemental de la
Mayenne", "… du CH de Laval (psychiatrie)", "… de l'association GEIST Mayenne"), else null.
``PeopleSettings(include_names=False)`` leaves personal names out (rows keep role and
organisation) for exports that must not carry them.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

from schemas.document import Document


@dataclass(frozen=True)
class PeopleSettings:
    """``include_names``: keep personal names; ``max_line_length``: longest contact line."""

    include_names: bool = True
    max_line_length: int = 220


_FIRST = r"[A-ZÀ-ÖØ-Þ][a-zà-öø-ÿ]+(?:[-\s][A-ZÀ-ÖØ-Þ][a-zà-öø-ÿ]+)?"
_UPPER = r"(?:(?:D[EU]|LE|LA|DE\s+LA|VAN|VON|MAC|MC)\s+)?[A-ZÀ-ÖØ-Þ]{2,}(?:[-'’\s][A-ZÀ-ÖØ-Þ]{2,})*"
_CIVILITY = r"(?:M\.|Mr\.?|Mme|Mlle|Monsieur|Madame|Dr\.?|Docteur|Pr\.?|Professeur)"
_SEP = r"\s*(?:,|:|–|—|-(?=\s)|\(|\|)\s*"
_PATTERNS = [
    re.compile(rf"^(?:{_CIVILITY}\s+)?(?P<name>{_FIRST}\s+{_UPPER}){_SEP}(?P<role>.+)$"),
    re.compile(rf"^(?:{_CIVILITY}\s+)?(?P<name>{_UPPER}\s+{_FIRST}){_SEP}(?P<role>.+)$"),
    re.compile(rf"^{_CIVILITY}\s+(?P<name>{_FIRST}\s+{_FIRST}){_SEP}(?P<role>.+)$"),
]
_ROLE_START = re.compile(r"^[A-Za-zÀ-ÖØ-öø-ÿ]")
_ORG_TYPES = (
    r"association|agglom[ée]ration|centre\s+hospitalier|h[ôo]pital|mairie"
    r"|communaut[ée]|f[ée]d[ée]ration|union|maison|service|p[ôo]le|institut|[ée]tablissement"
    r"|groupement|clinique|d[ée]partement|r[ée]gion|agence|caisse|direction|conseil"
)
_ORG_AFTER = re.compile(
    rf"(?:^|\s)(?:au|aux|à\s+la|à\s+l['’]|du|de\s+la|de\s+l['’]|des|de|d['’]|à)\s*"
    rf"(?P<org>(?:[A-ZÀ-ÖØ-Þ]|(?:{_ORG_TYPES})\b)[^()]*)",
)
# Role words that start with a capital but name no organisation ("Chargée de mission PTSM 53").
_NOT_ORG = re.compile(r"^(?:PTSM|projet|mission)\b", re.IGNORECASE)
_NAME_STOPWORDS = {"Fiche", "Objectif", "Projet", "Annexe", "Axe", "Action", "Etape", "Étape"}


def organisation_from_role(role: str) -> str | None:
    """"Chargé de mission santé au Conseil Départemental de la Mayenne" → the Conseil."""
    for m in _ORG_AFTER.finditer(role):
        org = m["org"].strip(" ,;.")
        if org and not _NOT_ORG.match(org):
            return re.sub(r"\s+", " ", org)
    return None


def person_from_line(line: str, settings: PeopleSettings | None = None) -> dict | None:
    """(name, role, organisation) of a contact line, or None."""
    settings = settings or PeopleSettings()
    line = re.sub(r"^[\s\-–•▪✓*]+", "", line).strip()
    if not line or len(line) > settings.max_line_length:
        return None
    for pattern in _PATTERNS:
        m = pattern.match(line)
        if not m:
            continue
        name = re.sub(r"\s+", " ", m["name"]).strip()
        role = m["role"].strip(" ,;.")
        if m.group(0)[m.end("name"):].lstrip().startswith("("):
            role = role.rstrip(")")
        if name.split()[0] in _NAME_STOPWORDS or not _ROLE_START.match(role):
            return None
        return {"name": name, "role": role, "organisation": organisation_from_role(role)}
    return None


def _table_people(rows: list[list[str]], settings: PeopleSettings) -> list[dict]:
    out: list[dict] = []
    for row in rows:
        cells = [c.strip() for c in row if c and c.strip()]
        if len(cells) < 2:
            continue
        found = person_from_line(f"{cells[0]}, {cells[1]}", settings)
        if found:
            if len(cells) > 2 and not found["organisation"]:
                found["organisation"] = cells[2]
            out.append(found)
    return out


def extract_people(doc: Document, settings: PeopleSettings | None = None) -> list[dict]:
    """People with their role (and organisation when the role names it), once per name+role."""
    settings = settings or PeopleSettings()
    rows: list[dict] = []
    seen: set[tuple[str, str]] = set()
    for block in doc.blocks:
        if block.kind == "table" and block.rows:
            found = _table_people(block.rows, settings)
        else:
            found = [p for line in (block.text or "").split("\n")
                     if (p := person_from_line(line, settings))]
        for person in found:
            key = (person["name"], person["role"])
            if key in seen:
                continue
            seen.add(key)
            if not settings.include_names:
                person["name"] = None
            person["passage_seq"] = block.seq
            rows.append(person)
    return rows
