"""Fiches actions of a PTSM feuille de route, from the Document IR.

Pipeline of pure steps over ``doc.blocks``, whatever the layout (``layout``: heading,
inline, table, grid):

0. *tables*: key/value fiche tables and plan grids are rewritten as a fiche start block and
   labelled paragraphs (extractors/fiche_tables.py), so that every layout reads alike;
1. *zones*: which blocks sit in a section where no fiche can start (table of contents,
   summary tables, planning tables, acronym list, annexes) and which décret objective /
   axis encloses each block;
2. *candidates*: blocks whose text opens with a fiche heading pattern (never a table cell,
   a TOC line, a list item or a cross-reference, which does not start the block), and the
   starts rewritten from tables;
3. *acceptance*: a candidate opens a fiche only if the blocks up to the next boundary carry
   field labels (Pilotes, Partenaires, Objectifs…) — a TOC or summary line has none; a
   "N bis" heading right after fiche N is a sub-fiche and stays inside fiche N; a plan
   grid's rows only fill the fiches the bodies do not give; rejected candidates are
   counted per layout;
4. *fields*: labels mapped to fields through the catalogue (extractors/data/
   fiche_labels.toml), the operational table(s), or steps written as lines with their
   échéance inline;
5. *priority*: enclosing "Objectif N du décret" section, else the TOC / summary tables
   placement, else the fiche's priority field, else its axis title, else keywords of the
   content (with evidence).
"""

from __future__ import annotations

import re
from collections import Counter
from dataclasses import dataclass, field
from typing import Any

from rapidfuzz import fuzz

from extractors import fiche_patterns as P
from extractors.echeances import find_echeance_text, parse_echeance, split_steps
from extractors.fiche_tables import expand_tables
from extractors.textfold import fold, fold_map
from schemas.document import Block, Document


@dataclass(frozen=True)
class FicheSettings:
    """Tunable thresholds (defaults chosen for published PTSM layouts)."""

    max_heading_chars: int = 400  # a "Fiche action n°…" block longer than this is prose
    max_section_heading_chars: int = 160  # longer "Annexes…"/"Plan…" text is not a heading
    min_body_fields: int = 2  # distinct field labels proving a real fiche body
    variant_min_score: float = 60.0  # rapidfuzz token_set_ratio for a title variant
    max_title_continuation_chars: int = 250  # a title-only next block longer than this is prose
    link_text_chars: int = 300  # stored context of a cross-reference
    # tables without ruling lines read as text blocks (PDF geometry, in points)
    loose_row_gap_ratio: float = 0.5  # vertical gap > ratio × font size starts a new row
    loose_column_tolerance: float = 12.0  # x0 within this of the header's x0: first column
    loose_header_tolerance: float = 3.0  # header fragments on the same line


@dataclass
class FicheExtraction:
    """Result of :func:`extract_fiches`."""

    fiches: list[dict[str, Any]] = field(default_factory=list)
    objectives: list[dict[str, Any]] = field(default_factory=list)
    links: list[dict[str, Any]] = field(default_factory=list)
    warnings: list[str] = field(default_factory=list)
    rejected: dict[str, int] = field(default_factory=dict)  # candidate starts not read, by layout


@dataclass
class _Candidate:
    index: int  # position in doc.blocks
    number: int | None
    label: str  # "17", "17 bis", "2.1"
    suffix: str
    title: str
    in_excluded: bool
    layout: str = "heading"  # heading | table | grid (where the fiche starts)
    sub_of: int | None = None  # index of the candidate a "bis" heading belongs to


@dataclass
class _Zone:
    """Where a block sits: in a section where no fiche starts?, under which décret
    objective, axis (label and the priority its title names), and whether it opens one."""

    excluded: bool = False
    objective: int | None = None
    axis: str | None = None
    axis_priority: int | None = None
    boundary: bool = False


_MAX_ECHEANCE_CHARS = 60  # a longer cell is prose, not an échéance
_TOC_TAIL = re.compile(r"(?:\.{3,}|…+|\t| {2,})\s*\d{1,3}\s*$")
_PAGE_TAIL = re.compile(r"(?:[\s.…]+|\t)\d{1,3}\s*$")


def _is_toc(block: Block) -> bool:
    return block.toc or bool(_TOC_TAIL.search(block.text or ""))


def _is_text(block: Block) -> bool:
    return block.kind in ("heading", "paragraph", "caption")


def _is_section_text(block: Block) -> bool:
    """A text block that can open a section (never a field rewritten from a table)."""
    return _is_text(block) and not _is_toc(block) and not block.style.get("synthetic")


def _excluded_start(block: Block, settings: FicheSettings) -> tuple[bool, bool] | None:
    """(is_excluded_section, sticky) when the block opens an excluded section."""
    if not _is_section_text(block):
        return None
    text = P.clean(block.text)
    if len(text) > settings.max_section_heading_chars:
        return None
    folded = fold(text)
    for pattern, sticky in P.EXCLUDED_SECTIONS:
        if pattern.match(folded):
            return True, sticky
    return None


def _section_heading(block: Block) -> tuple[str, int | None, str] | None:
    """("objective"|"axis", priority, label) for a décret objective or axis heading.

    "Objectif 3 du décret" gives 3; "Priorité 2 : …" gives 2 unless its title names
    another décret priority (a plan's own numbering); an axis gives the priority its title
    names, if any ("Axe 1 : Repérage précoce et accès aux soins")."""
    if not _is_section_text(block):
        return None
    text = P.clean(block.text)
    folded = fold(text)
    m = P.DECRET_OBJECTIVE.match(folded)
    if m and ("decret" in folded[: m.end() + 2] or block.kind == "heading"):
        num = int(m.group("num"))
        named = named_priority(folded[m.end():])
        if "decret" not in folded[: m.end() + 2] and named is not None:
            num = named
        return "objective", num, text
    m = P.AXIS_HEADING.match(folded)
    if m and block.kind == "heading" and P.AXIS_ACTION_HEADING.match(folded) is None:
        return "axis", named_priority(m.group("rest")), text
    return None


def _match_heading(text: str, allow_action: bool) -> P.HeadingMatch | None:
    return P.match_heading(fold(text), allow_action)


def named_priority(text: str) -> int | None:
    """The décret priority a title names by its keywords, when one clearly leads."""
    folded = fold(text)
    counts = sorted(((sum(fold(k) in folded for k in kws), p)
                     for p, kws in P.PRIORITY_KEYWORDS.items()), reverse=True)
    (best, prio), (second, _) = counts[0], counts[1]
    return prio if best and best > second else None


def _orig_tail(text: str, folded_end: int) -> str:
    """The part of ``text`` after the prefix whose folded form has ``folded_end`` chars."""
    return fold_map(text).cut(folded_end)


def _title_from(rest: str) -> str:
    lines = [P.clean(x) for x in rest.split("\n")]
    kept: list[str] = []
    for line in lines:
        if kept and _field_of(line) is not None:
            break
        kept.append(line)
    title = " ".join(x for x in kept if x)
    title = _PAGE_TAIL.sub("", title) if re.search(r"\t\d+\s*$", rest) else title
    return title.strip(" :–—-.").strip()


def _field_of(text: str) -> tuple[str, str] | None:
    """(field, value) when ``text`` opens with a field label of the catalogue (never a
    summary's "Objectifs opérationnels succincts")."""
    if P.SUMMARY_MARKERS.search(fold(text)):
        return None
    return P.label_field(text)


def _candidates(blocks: list[Block], zones: list[_Zone], settings: FicheSettings,
                ) -> list[_Candidate]:
    """Blocks where a fiche may start: heading patterns, and the starts rewritten from fiche
    tables and plan grids ("Action 2.3" only when no "Fiche …" heading is found)."""
    def scan(allow_action: bool) -> list[_Candidate]:
        found: list[_Candidate] = []
        for i, block in enumerate(blocks):
            start = block.style.get("fiche_start")
            if start is not None:
                found.append(_candidate(i, start["num"], start["suffix"], start["title"],
                                        zones[i].excluded, start["layout"]))
                continue
            if not _is_section_text(block):
                continue
            text = P.clean(block.text)
            if not text or len(text) > settings.max_heading_chars:
                continue
            m = _match_heading(text, allow_action)
            if m is not None:
                title = _title_from(_orig_tail(text, m.rest))
                found.append(_candidate(i, m.num, m.suffix, title, zones[i].excluded))
        return found

    found = scan(allow_action=False)
    if not any(not c.in_excluded for c in found if c.layout == "heading"):
        found = scan(allow_action=True)
    return found


def _candidate(index: int, num: str, suffix: str, title: str, excluded: bool,
               layout: str = "heading") -> _Candidate:
    number = int(num) if num.isdigit() else None
    return _Candidate(index, number, f"{num} {suffix}".strip(), suffix, title, excluded, layout)


def _zones(blocks: list[Block], settings: FicheSettings) -> list[_Zone]:
    """Per block: excluded section?, enclosing objective and axis, section start?"""
    zones: list[_Zone] = []
    in_excl = sticky = False
    cur = _Zone()
    for block in blocks:
        is_boundary = False
        start = _excluded_start(block, settings)
        section = _section_heading(block)
        if start is not None:
            in_excl, is_boundary = True, True
            sticky = sticky or start[1]
        elif section is not None and not sticky:
            in_excl, is_boundary = False, True
            if section[0] == "objective":
                cur = _Zone(objective=section[1], axis=cur.axis, axis_priority=cur.axis_priority)
            else:
                cur = _Zone(objective=cur.objective, axis=section[2], axis_priority=section[1])
        elif (block.kind == "heading" and in_excl and not sticky and _is_section_text(block)
              and _match_heading(P.clean(block.text), True) is None):
            in_excl = False  # any other heading closes a non-sticky excluded section
        zones.append(_Zone(True, boundary=is_boundary) if in_excl else _Zone(
            False, cur.objective, cur.axis, cur.axis_priority, is_boundary))
    return zones


def _body_fields(blocks: list[Block]) -> set[str]:
    found: set[str] = set()
    for block in blocks:
        if block.kind == "table" and block.rows:
            if P.is_operational_header(block.rows[0]):
                found.add("objectifs_operationnels")
            for row in block.rows:
                if len(row) >= 2 and (f := _field_of(row[0])) is not None:
                    found.add(f[0])
            continue
        f = _field_of(block.text.split("\n", 1)[0])
        if f is not None:
            found.add(f[0])
    return found & P.BODY_FIELDS


_CONTINUES_NAME = re.compile(r"^(?:du|de|des|d'|et|en|la|le|les|l'|aux?)\s*\w")


def _split_people(values: list[str]) -> tuple[list[str], bool]:
    """Names of a pilotes/partenaires value: split at ";", bullets, new lines and commas
    (not inside brackets, nor before "du", "de", "et"…: "Direction de l'emploi, du travail")."""
    items: list[str] = []
    for value in values:
        for part in re.split(r"[;\n•▪✓]|,(?![^()]*\))", value):
            part = P.clean(part).strip(" .")
            if items and _CONTINUES_NAME.match(part) and not value.startswith(part):
                items[-1] = f"{items[-1]}, {part}"
            elif part and not P.UNDEFINED_VALUES.match(fold(part)):
                items.append(part)
    return items, not items


def _column_roles(header: list[str]) -> dict[str, int]:
    roles: dict[str, int] = {}
    for j, cell in enumerate(header):
        folded = fold(P.clean(cell))
        for role, pattern in P.COLUMN_ROLES:
            if role not in roles and pattern.search(folded):
                roles[role] = j
                break
    roles.setdefault("objectif", 0)
    return roles


def _cell(row: list[str], j: int | None) -> str:
    if j is None or j >= len(row):
        return ""
    return " ".join(P.clean(x) for x in row[j].split("\n") if P.clean(x)).strip()


def _table_rows(block: Block, roles: dict[str, int], header: list[str] | None) -> list[dict]:
    rows = block.rows or []
    out: list[dict] = []
    width = max(roles.values()) + 1
    spilled: set[str] = set()  # cells of a nested table flattened into the row above
    for r_i, row in enumerate(rows):
        if header is not None and r_i == 0:
            continue
        cells = {role: _cell(row, j) for role, j in roles.items()}
        if header is not None and P.is_operational_header(row):
            continue  # header repeated on the next page
        if all(P.EMPTY_CELL.match(P.clean(c)) for c in row):
            continue
        first = fold(_cell(row, 0))
        if len(first) >= 4 and any(first == c or first in c for c in spilled):
            continue  # a row of the nested table, echoed after its host row
        extra = [_cell(row, j) for j in range(width, len(row))]
        spilled = {fold(c) for c in extra if c}
        spilled.add(" ".join(fold(_cell(row, j)) for j in range(1, len(row))))
        tail = next((c for c in reversed(extra or [_cell(row, len(row) - 1)]) if c), "")
        if ((not cells.get("echeance") or parse_echeance(cells["echeance"])[0] is None)
                and parse_echeance(tail)[0] is not None and len(tail) < _MAX_ECHEANCE_CHARS):
            cells["echeance"] = tail
        out.append({"objectif": cells.get("objectif", ""), "operateur": cells.get("operateur", ""),
                    "modalites": cells.get("modalites", ""), "echeance": cells.get("echeance", ""),
                    "seq": block.seq, "extra": [P.clean(c) for c in row]})
    return out


def _merge_continuations(rows: list[dict]) -> list[dict]:
    """A row with an empty objective cell continues the row above (multi-line / page break)."""
    merged: list[dict] = []
    for row in rows:
        if merged and P.EMPTY_CELL.match(row["objectif"]):
            prev = merged[-1]
            for key in ("operateur", "modalites", "echeance"):
                if row[key] and not P.EMPTY_CELL.match(row[key]):
                    prev[key] = f"{prev[key]} {row[key]}".strip()
            continue
        if P.EMPTY_CELL.match(row["objectif"]):
            continue
        merged.append(row)
    return merged


def _loose_region(blocks: list[Block], settings: FicheSettings) -> tuple[Block, list[Block],
                                                                          set[int]] | None:
    """Blocks of an operational table without ruling lines: (header, cells, consumed seqs).

    The header is a text line naming the columns; the table spans, page by page, down to the
    first field label written at the left margin ("Moyens nécessaires", …) by position, so
    that a reader that read the columns one after the other still gives whole rows.
    """
    header_i = next((i for i, b in enumerate(blocks) if b.kind != "table" and b.bbox is not None
                     and b.page is not None
                     and P.LOOSE_TABLE_HEADER.match(fold(P.clean(b.text)))), None)
    if header_i is None:
        return None
    header = blocks[header_i]
    left = header.bbox[0]
    tol = settings.loose_header_tolerance
    consumed = {header.seq}
    rest = [b for b in blocks[header_i + 1:] if b.kind != "table" and b.bbox and b.page]
    for b in rest:
        folded = fold(P.clean(b.text))
        if P.LOOSE_TABLE_HEADER.match(folded) or (
                abs(b.bbox[1] - header.bbox[1]) <= tol and P.COLUMN_HEADER_FRAGMENT.match(folded)):
            consumed.add(b.seq)  # header fragments, or the header repeated on the next page
    region: list[Block] = []
    for page in sorted({b.page for b in rest}):
        on_page = [b for b in rest if b.page == page and b.seq not in consumed
                   and (page != header.page or b.bbox[1] >= header.bbox[3] - tol)]
        ends = [b.bbox[1] for b in on_page if _field_of(b.text.split("\n", 1)[0]) is not None
                and b.bbox[0] <= left + settings.loose_column_tolerance
                and fold(P.clean(b.text)).split(":")[0].strip() not in ("territoire",
                                                                          "public cible")]
        end_y = min(ends) if ends else float("inf")
        region.extend(b for b in on_page if b.bbox[1] < end_y)
        if ends:
            break
    consumed |= {b.seq for b in region}
    return header, region, consumed


def _loose_rows(header: Block, region: list[Block], settings: FicheSettings) -> list[dict]:
    """Rows of a table without ruling lines: horizontal bands separated by vertical gaps."""
    left = header.bbox[0]
    size = float(header.style.get("font_size") or 8.0)
    gap = settings.loose_row_gap_ratio * size
    bands: list[list[Block]] = []
    bottom = -1.0
    page = header.page
    for b in sorted(region, key=lambda b: (b.page, b.bbox[1], b.bbox[0])):
        if not bands or b.page != page or b.bbox[1] > bottom + gap:
            bands.append([])
            bottom = b.bbox[3]
            page = b.page
        bands[-1].append(b)
        bottom = max(bottom, b.bbox[3])
    rows: list[dict] = []
    for band in bands:
        first = [b for b in band if b.bbox[0] <= left + settings.loose_column_tolerance]
        others = [b for b in band if b not in first]
        objectif = " ".join(P.clean(b.text) for b in first).strip()
        modalites = " ".join(P.clean(b.text) for b in others).strip()
        starts_row = bool(objectif) and not re.match(r"^[a-zà-ÿ(]", objectif)
        if rows and not starts_row:
            prev = rows[-1]
            prev["objectif"] = f"{prev['objectif']} {objectif}".strip()
            prev["modalites"] = f"{prev['modalites']} {modalites}".strip()
            prev["echeance"] = find_echeance_text(f"{prev['_all']} {objectif} {modalites}")
            prev["_all"] += f" {objectif} {modalites}"
            continue
        if not objectif:
            continue
        everything = f"{objectif} {modalites}"
        rows.append({"objectif": objectif, "operateur": "", "modalites": modalites,
                     "echeance": find_echeance_text(everything), "seq": band[0].seq,
                     "_all": everything})
    for row in rows:
        row.pop("_all")
    return rows


def _parse_body(blocks: list[Block], settings: FicheSettings | None = None,
                ) -> tuple[dict[str, list[str]], list[str], list[dict], list[dict]]:
    """Fields, strategic objectives, operational rows and paragraph-style operational lines."""
    settings = settings or FicheSettings()
    fields: dict[str, list[str]] = {}
    strategic: list[str] = []
    table_rows: list[dict] = []
    op_lines: list[tuple[str, int, bool]] = []  # steps as lines: text, seq, opens a block?
    loose = _loose_region(blocks, settings)
    if loose is not None:
        table_rows.extend(_loose_rows(loose[0], loose[1], settings))
        blocks = [b for b in blocks if b.seq not in loose[2]]
    current: str | None = None
    roles: dict[str, int] | None = None
    n_cols = 0
    for block in blocks:
        if block.kind == "table" and block.rows:
            header = block.rows[0]
            if P.is_operational_header(header):
                roles = _column_roles(header)
                n_cols = max(roles.values()) + 1
                table_rows.extend(_table_rows(block, roles, header))
                current = None
                continue
            if len(header) == 2 and all(_field_of(r[0]) for r in block.rows if r and r[0].strip()):
                for row in block.rows:
                    f = _field_of(row[0])
                    if f is not None:
                        fields.setdefault(f[0], []).extend(v for v in (f[1], _cell(row, 1)) if v)
                continue
            if roles is not None and len(header) >= n_cols and _field_of(header[0]) is None:
                table_rows.extend(_table_rows(block, roles, None))  # continued on next page
            continue
        first = True
        lines = [part for line in (block.text or "").split("\n")
                 for part in P.split_embedded_labels(P.clean(line))]
        for line in lines:
            text = P.clean(line)
            if not text:
                continue
            f = _field_of(text) if block.kind != "list_item" or current is None else None
            if f is None and block.kind == "list_item":
                f = _field_of(text)
            if f is not None and f[0] == current and not P.label_field(text, exact=True):
                f = None  # "Objectif final : …" under "Objectifs" is content, not a label
            if f is not None and f[0] == "echeance" and current == "objectifs_operationnels":
                f = None  # "Échéance : 2021" under a step: the step's own échéance
            if f is not None:
                current, text = f
                if not text:
                    continue
            elif current is None:
                continue
            if current == "objectifs_strategiques":
                strategic.append(text)
            elif current == "objectifs_operationnels":
                op_lines.append((text, block.seq, first or f is not None))
            else:
                fields.setdefault(current, []).append(text)
            first = False
    return fields, strategic, _merge_continuations(table_rows), _inline_steps(op_lines)


def _inline_steps(lines: list[tuple[str, int, bool]]) -> list[dict]:
    """Operational rows from steps written as lines, the échéance inline ("1) Créer un
    groupe — Échéance : 2021", "Former les agents (2021-2022)"); each keeps the seq of the
    block where it starts."""
    starts: list[tuple[str, int]] = [(fold(P.clean(t))[:40], seq) for t, seq, _ in lines]
    rows: list[dict] = []
    for step, echeance in split_steps([(t, new_block) for t, _, new_block in lines]):
        step = P.clean(step)
        key = fold(step)[:40]
        seq = next((q for head, q in starts if head and key.startswith(head[:20])),
                   rows[-1]["seq"] if rows else lines[0][1])
        rows.append({"objectif": step, "operateur": "", "modalites": "", "echeance": echeance,
                     "seq": seq})
    return rows


def _placements(blocks: list[Block], owned: set[int], accepted_heads: set[int],
                ) -> tuple[dict[int, int], dict[int, list[int]], dict[int, list[str]],
                           dict[int, str]]:
    """Priority placements from the TOC and from summary/planning tables, and title variants
    (``owned``: seqs of the blocks inside fiches; ``accepted_heads``: seqs of their starts)."""
    toc: dict[int, int] = {}
    summary: dict[int, list[int]] = {}
    variants: dict[int, list[str]] = {}
    toc_labels: dict[int, str] = {}
    toc_obj: int | None = None
    cur: int | None = None

    def note(text: str, where: str) -> None:
        m = P.FICHE_HEADING.match(fold(text))
        if m is None or not m.group("num").isdigit() or m.group("suffix"):
            return
        num = int(m.group("num"))
        title = _title_from(_orig_tail(text, m.start("rest")))
        title = _PAGE_TAIL.sub("", title).strip() if where == "toc" else title
        if where == "toc" and toc_obj is not None:
            toc.setdefault(num, toc_obj)
        elif where == "summary" and cur is not None:
            summary.setdefault(num, []).append(cur)
        if title:
            variants.setdefault(num, []).append(title)

    for block in blocks:
        if block.kind == "table" and block.rows:
            if block.seq in owned:
                continue
            for row in block.rows:
                cells = [P.clean(c) for c in row]
                for j, cell in enumerate(cells):
                    folded = fold(cell)
                    if P.OBJECTIVE_LOOSE.match(folded):
                        cur = int(P.OBJECTIVE_LOOSE.match(folded).group("num"))
                    elif P.FICHE_HEADING.match(folded):
                        rest = cell if P.FICHE_HEADING.match(folded).group("rest").strip() else (
                            cell + " : " + next((c for c in cells[j + 1:] if c), ""))
                        note(rest, "summary")
                        break
            continue
        text = P.clean(block.text or "")
        folded = fold(text)
        if _is_toc(block):
            m = P.OBJECTIVE_LOOSE.match(folded)
            if m:
                toc_obj = int(m.group("num"))
                toc_labels.setdefault(toc_obj, _PAGE_TAIL.sub("", text).strip())
            else:
                note(block.text.replace("\t", " \t"), "toc")
            continue
        if block.seq in owned:
            continue
        m = P.OBJECTIVE_LOOSE.match(folded)
        if m and _is_text(block):
            cur = int(m.group("num"))
        elif block.seq not in accepted_heads and _is_text(block):
            note(text, "summary")
    return toc, summary, variants, toc_labels


def _content_priority(text: str) -> tuple[int | None, str | None]:
    folded = fold(text)
    scores = {p: [k for k in kws if fold(k) in folded] for p, kws in P.PRIORITY_KEYWORDS.items()}
    best = max(scores, key=lambda p: (len(scores[p]), -p))
    if not scores[best]:
        return None, None
    return best, "mots-clés : " + ", ".join(scores[best])


def extract_fiches(doc: Document, settings: FicheSettings | None = None) -> FicheExtraction:
    """One record per fiche action, its objective lines and its links to other fiches."""
    settings = settings or FicheSettings()
    blocks = expand_tables(doc.blocks)
    result = FicheExtraction()
    zones = _zones(blocks, settings)
    cands = _candidates(blocks, zones, settings)
    if not any(not c.in_excluded for c in cands if c.layout != "grid"):
        for c in cands:  # a plan grid is read wherever it is when there is nothing else
            c.in_excluded = c.in_excluded and c.layout != "grid"

    # sub-fiches ("17 bis" right after 17) stay inside their parent fiche
    live = [c for c in cands if not c.in_excluded]
    for prev, cand in zip(live, live[1:], strict=False):
        if cand.suffix and prev.sub_of is None and prev.number == cand.number:
            cand.sub_of = prev.index
    starts = sorted({c.index for c in cands if c.sub_of is None})
    section_starts = {i for i, z in enumerate(zones) if z.boundary}
    bounds = sorted(set(starts) | section_starts | {len(blocks)})

    accepted: list[_Candidate] = []
    seen: set[int | str] = set()
    seen_titles: set[str] = set()
    # fiche bodies first; the rows of a plan grid only fill the gaps they leave
    for cand in sorted(live, key=lambda c: (c.layout == "grid", c.index)):
        if cand.sub_of is not None:
            continue
        end = next(b for b in bounds if b > cand.index)
        key: int | str = cand.number if cand.number is not None else cand.label or cand.index
        if cand.layout == "grid" and (key in seen or fold(cand.title) in seen_titles):
            continue
        if len(_body_fields(blocks[cand.index + 1:end])) < settings.min_body_fields:
            result.rejected[cand.layout] = result.rejected.get(cand.layout, 0) + 1
            result.warnings.append(f"block {blocks[cand.index].seq}: 'fiche {cand.label}' "
                                   f"{cand.layout} without a fiche body (TOC/summary line?)")
            continue
        if key in seen:
            result.warnings.append(f"block {blocks[cand.index].seq}: fiche {cand.label} repeated")
            continue
        seen.add(key)
        seen_titles.add(fold(cand.title))
        accepted.append(cand)
    accepted.sort(key=lambda c: c.index)

    # final extents: only accepted fiches and section starts end a fiche (a rejected
    # "Fiche action n°…" line inside a fiche, e.g. in its liens, stays in its body)
    grid_rows = {c.index for c in cands if c.layout == "grid"}  # a grid ends a fiche body
    final_bounds = sorted({c.index for c in accepted} | grid_rows | section_starts
                          | {len(blocks)})
    extents = [(c, next(b for b in final_bounds if b > c.index)) for c in accepted]
    owned = {i for cand, end in extents for i in range(cand.index, end)}
    # placements read the document as written: a table rewritten as fiche blocks but not
    # read as a fiche (a planning table) stays a table there
    toc, summary, variants, toc_labels = _placements(
        doc.blocks, {blocks[i].seq for i in owned}, {blocks[c.index].seq for c in accepted})
    obj_labels: dict[int, str] = dict(toc_labels)
    for i, block in enumerate(blocks):
        sec = _section_heading(block)
        if sec and sec[0] == "objective" and sec[1] is not None and not zones[i].excluded:
            obj_labels[sec[1]] = sec[2]
    ctx = _DocContext(blocks, zones, settings, result, toc, summary, variants, obj_labels,
                      {zones[c.index].objective for c in accepted} - {None},
                      {c.sub_of: c for c in cands if c.sub_of is not None})
    for order, (cand, end) in enumerate(extents, start=1):
        _emit(ctx, _assemble(ctx, cand, end, order))
    return result


@dataclass
class _DocContext:
    """What every fiche of a document is read against."""

    blocks: list[Block]
    zones: list[_Zone]
    settings: FicheSettings
    result: FicheExtraction
    toc: dict[int, int]  # fiche number → objective in the table of contents
    summary: dict[int, list[int]]  # fiche number → objectives of summary tables
    variants: dict[int, list[str]]  # fiche number → title variants
    obj_labels: dict[int, str]  # objective → its heading
    body_sections: set[int | None]  # objectives that enclose fiche bodies
    subs: dict[int, _Candidate]  # parent index → its "bis" sub-fiche


@dataclass
class _FicheParts:
    """One fiche being assembled: where it is and what its body holds."""

    cand: _Candidate
    number: int
    head: Block
    body: list[Block]  # the blocks of the body (the "bis" heading excluded)
    title: str
    fields: dict[str, list[str]]
    strategic: list[str]
    rows: list[dict]  # operational rows (tables first, else inline steps)
    layout: str


def _continues_heading(head: Block, nxt: Block) -> bool:
    """The next block is the second line of a wrapped heading (same kind and font)."""
    if nxt.kind != head.kind or nxt.kind == "table" or _field_of(nxt.text) is not None:
        return False
    if _match_heading(P.clean(nxt.text), True) is not None or _section_heading(nxt) is not None:
        return False
    same_font = (nxt.style.get("font_size"), nxt.style.get("bold")) == (
        head.style.get("font_size"), head.style.get("bold"))
    if not same_font or nxt.page != head.page:
        return False
    if head.bbox is not None and nxt.bbox is not None:
        size = float(head.style.get("font_size") or 10.0)
        return 0 <= nxt.bbox[1] - head.bbox[3] < size
    return bool(re.match(r"^[a-zà-ÿ]", P.clean(nxt.text)))


def _decide_priority(section: int | None, toc: int | None, summary: list[int] | None,
                     stated: tuple[int | None, str | None], axis: int | None,
                     content: tuple[int | None, str | None], body_sections: set[int | None],
                     ) -> tuple[int | None, str | None, str | None]:
    """Enclosing décret objective, else the TOC / summary tables, else the fiche's own
    priority field, else the priority its axis names, else keywords of its content."""
    placed, source = (toc, "toc") if toc is not None else (None, None)
    if placed is None and summary:
        placed, source = Counter(summary).most_common(1)[0][0], "summary"
    if section is not None and (placed is None or placed == section or placed in body_sections):
        return section, "section", f"dans la section « Objectif {section} »"
    if placed is not None:
        why = ("placée par le sommaire" if source == "toc"
               else "placée par les tableaux récapitulatifs")
        if section is not None:
            why += f" (pas de titre « Objectif {placed} » dans le corps)"
        return placed, source, why
    if stated[0] is not None:
        return stated[0], "field", f"champ de la fiche : {stated[1]}"
    if axis is not None:
        return axis, "axis", "l'axe qui englobe la fiche nomme cette priorité"
    if content[0] is not None:
        return content[0], "content", content[1]
    return None, None, None


def _assemble(ctx: _DocContext, cand: _Candidate, end: int, order: int) -> _FicheParts:
    blocks = ctx.blocks
    head = blocks[cand.index]
    body = blocks[cand.index + 1:end]
    sub = ctx.subs.get(cand.index)
    title = cand.title
    if not title and body and _is_text(body[0]) and _field_of(body[0].text) is None and len(
            body[0].text) <= ctx.settings.max_title_continuation_chars:
        title = P.clean(body[0].text)
    elif title and body and _continues_heading(head, body[0]):
        title = f"{title} {P.clean(body[0].text)}"  # a heading wrapped over two lines
    body_blocks = [b for b in body if sub is None or b is not blocks[sub.index]]
    fields, strategic, rows, para_ops = _parse_body(body_blocks, ctx.settings)
    layout = cand.layout
    if layout == "heading" and any(b.style.get("synthetic") for b in body_blocks):
        layout = "table"  # a heading over a key/value table
    elif layout == "heading" and not rows and para_ops:
        layout = "inline"
    title = title or " ".join(fields.get("title", []))
    number = cand.number if cand.number is not None else order
    return _FicheParts(cand, number, head, body_blocks, title, fields, strategic,
                       rows or para_ops, layout)


def _field_priority(values: list[str]) -> tuple[int | None, str | None]:
    """Priority stated in a field ("Priorité du décret : 3", "Objectif 2 : …", or a title
    that names a décret priority)."""
    for value in values:
        folded = fold(P.clean(value))
        named = named_priority(folded)
        bare = re.match(r"^\s*(?P<num>[1-6])\b", folded)  # "3"
        if bare is not None:
            return int(bare.group("num")), value
        m = P.OBJECTIVE_LOOSE.match(folded)  # "Priorité 2 : …", unless it names another
        if m is not None and (named is None or "decret" in folded):
            return int(m.group("num")), value
        if named is not None:
            return named, value
    return None, None


def _emit(ctx: _DocContext, f: _FicheParts) -> None:
    result, zone = ctx.result, ctx.zones[f.cand.index]
    sub = ctx.subs.get(f.cand.index)
    title_variants: list[str] = []
    pool = ([sub.title] if sub is not None and sub.title else []) + ctx.variants.get(f.number, [])
    for v in pool:
        if v and v != f.title and v not in title_variants and (
                v == (sub.title if sub else None) or fuzz.token_set_ratio(
                    fold(v), fold(f.title)) >= ctx.settings.variant_min_score):
            title_variants.append(v)

    fields = f.fields
    pilotes, pil_undef = _split_people(fields.get("pilotes", []))
    partenaires, part_undef = _split_people(fields.get("partenaires", []))
    territoire = fields.get("territoire") or fields.get("territoire_public") or []
    public = fields.get("public_cible") or fields.get("territoire_public") or []
    stated = _field_priority(fields.get("priority", []))
    priority, source, evidence = _decide_priority(
        zone.objective, ctx.toc.get(f.number), ctx.summary.get(f.number), stated,
        zone.axis_priority, _content_priority(" ".join([f.title, *f.strategic])),
        ctx.body_sections)
    pages = [p for b in [f.head, *f.body] for p in (b.page, b.page_end) if p is not None]

    def joined(name: str) -> str | None:
        vals = fields.get(name) or []
        return "\n".join(vals) if vals else None

    axis = zone.axis or (" ".join(fields["priority"]) if fields.get("priority") else None)
    result.fiches.append({
        "number": f.number, "number_label": f.cand.label or str(f.number), "title": f.title,
        "title_variants": title_variants, "priority": priority, "priority_source": source,
        "priority_evidence": evidence, "layout": f.layout,
        "axis_label": (axis or (ctx.obj_labels.get(priority) if priority else None)
                       or "").rstrip(" :") or None,  # a label, without its colon
        "pilotes": pilotes, "pilotes_undefined": pil_undef,
        "partenaires": partenaires, "partenaires_undefined": part_undef,
        "objectifs_strategiques": f.strategic,
        "moyens": joined("moyens"), "territoire": "\n".join(territoire) or None,
        "public_cible": "\n".join(public) or None, "indicateurs": joined("indicateurs"),
        "liens": joined("liens"),
        "seq_start": f.head.seq, "seq_end": f.body[-1].seq if f.body else f.head.seq,
        "page_start": min(pages) if pages else None, "page_end": max(pages) if pages else None,
    })
    k = 0
    for text in f.strategic:
        k += 1
        result.objectives.append(_objective(f.number, "strategique", k, text, "", "", "", None))
    for row in f.rows:
        k += 1
        result.objectives.append(_objective(f.number, "operationnel", k, row["objectif"],
                                            row["operateur"], row["modalites"], row["echeance"],
                                            row["seq"]))
    skip = [f.head] + ([ctx.blocks[sub.index]] if sub else [])
    _links(f.number, [f.head, *f.body], skip, result, ctx.settings)


def _objective(number: int, kind: str, k: int, text: str, operateur: str, modalites: str,
               echeance: str, seq: int | None) -> dict[str, Any]:
    start, end = parse_echeance(echeance)
    return {"number": number, "kind": kind, "seq": k, "text": text,
            "operateur": operateur or None, "modalites": modalites or None,
            "echeance_text": echeance or None, "echeance_start": start, "echeance_end": end,
            "passage_seq": seq}


def _links(number: int, blocks: list[Block], skip: list[Block], result: FicheExtraction,
           settings: FicheSettings) -> None:
    seen: set[tuple[int, int]] = set()
    for block in blocks:
        if any(block is b for b in skip):
            continue
        text = P.clean(block.text or "")
        for m in P.FICHE_REFERENCE.finditer(fold(text)):
            target = int(m.group("num"))
            if target == number or (target, block.seq) in seen:
                continue
            seen.add((target, block.seq))
            result.links.append({"number": number, "target_number": target,
                                 "text": text[: settings.link_text_chars],
                                 "passage_seq": block.seq})
