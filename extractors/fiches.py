"""Fiches actions of a PTSM feuille de route, from the Document IR.

Pipeline of pure steps over ``doc.blocks``:

1. *zones*: which blocks sit in a section where no fiche can start (table of contents,
   summary tables, planning tables, acronym list, annexes) and which décret objective /
   axis encloses each block;
2. *candidates*: blocks whose text opens with a fiche heading pattern (never a table cell,
   a TOC line, a list item or a cross-reference, which does not start the block);
3. *acceptance*: a candidate opens a fiche only if the blocks up to the next boundary carry
   field labels (Pilotes, Partenaires, Objectifs…) — a TOC or summary line has none; a
   "N bis" heading right after fiche N is a sub-fiche and stays inside fiche N;
4. *fields*: label-driven reading of the body (headings, bold inline labels or a two-column
   field table alike) and of the operational table(s);
5. *priority*: enclosing "Objectif N du décret" section, else the TOC / summary tables
   placement, else keywords of the content (with evidence).
"""

from __future__ import annotations

import re
from collections import Counter
from dataclasses import dataclass, field
from typing import Any

from rapidfuzz import fuzz

from extractors import fiche_patterns as P
from extractors.echeances import find_echeance_text, parse_echeance
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


@dataclass
class _Candidate:
    index: int  # position in doc.blocks
    number: int | None
    label: str  # "17", "17 bis", "2.1"
    suffix: str
    title: str
    in_excluded: bool
    sub_of: int | None = None  # index of the candidate a "bis" heading belongs to


_MAX_ECHEANCE_CHARS = 60  # a longer cell is prose, not an échéance
_TOC_TAIL = re.compile(r"(?:\.{3,}|…+|\t| {2,})\s*\d{1,3}\s*$")
_PAGE_TAIL = re.compile(r"(?:[\s.…]+|\t)\d{1,3}\s*$")


def _first_line_text(block: Block) -> str:
    return P.clean(block.text.split("\n", 1)[0]) if block.text else ""


def _is_toc(block: Block) -> bool:
    return block.toc or bool(_TOC_TAIL.search(block.text or ""))


def _is_text(block: Block) -> bool:
    return block.kind in ("heading", "paragraph", "caption")


def _excluded_start(block: Block, settings: FicheSettings) -> tuple[bool, bool] | None:
    """(is_excluded_section, sticky) when the block opens an excluded section."""
    if not _is_text(block) or _is_toc(block):
        return None
    text = P.clean(block.text)
    if len(text) > settings.max_section_heading_chars:
        return None
    folded = fold(text)
    for pattern, sticky in P.EXCLUDED_SECTIONS:
        if pattern.match(folded):
            return True, sticky
    return None


def _section_heading(block: Block) -> tuple[str, int, str] | None:
    """("objective"|"axis", number, label) for a décret objective or axis heading."""
    if not _is_text(block) or _is_toc(block):
        return None
    text = P.clean(block.text)
    folded = fold(text)
    m = P.DECRET_OBJECTIVE.match(folded)
    if m and ("decret" in folded[: m.end() + 2] or block.kind == "heading"):
        return "objective", int(m.group("num")), text
    m = P.AXIS_HEADING.match(folded)
    if m and block.kind == "heading":
        return "axis", int(m.group("num")), text
    return None


def _match_heading(text: str, allow_action: bool) -> re.Match[str] | None:
    folded = fold(text)
    m = P.FICHE_HEADING.match(folded)
    if m is None and allow_action:
        m = P.ACTION_HEADING.match(folded)
    return m


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
    """(field, value) when ``text`` opens with a field label."""
    cleaned = P.clean(text)
    folded = fold(cleaned)
    for name, pattern in P.FIELD_LABELS:
        m = pattern.match(folded)
        if m:
            value = _orig_tail(cleaned, m.end())
            if name == "indicateurs" and re.match(r"^\s*[a-z]", fold(value)):
                value = cleaned  # "Indicateurs de réalisation : …" is content, not a bare label
            return name, value.strip(" :*_\u00a0").strip()
    return None


def _candidates(blocks: list[Block], excluded: list[bool], settings: FicheSettings) -> list[
        _Candidate]:
    def scan(allow_action: bool) -> list[_Candidate]:
        found: list[_Candidate] = []
        for i, block in enumerate(blocks):
            if not _is_text(block) or _is_toc(block):
                continue
            text = P.clean(block.text)
            if not text or len(text) > settings.max_heading_chars:
                continue
            m = _match_heading(text, allow_action)
            if m is None:
                continue
            label_num = m.group("num")
            suffix = m.group("suffix") or ""
            number = int(label_num) if label_num.isdigit() else None
            label = f"{label_num} {suffix}".strip()
            title = _title_from(_orig_tail(text, m.start("rest")))
            found.append(_Candidate(i, number, label, suffix, title, excluded[i]))
        return found

    found = scan(allow_action=False)
    if not any(not c.in_excluded for c in found):
        found = scan(allow_action=True)
    return found


def _zones(blocks: list[Block], settings: FicheSettings) -> tuple[list[bool], list[int | None],
                                                                   list[str | None], list[bool]]:
    """Per block: in an excluded section?, enclosing objective, axis label, section start?"""
    excluded: list[bool] = []
    objective: list[int | None] = []
    axis: list[str | None] = []
    boundary: list[bool] = []
    in_excl = sticky = False
    cur_obj: int | None = None
    cur_axis: str | None = None
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
                cur_obj = section[1]
            else:
                cur_axis = section[2]
        elif (block.kind == "heading" and in_excl and not sticky and not _is_toc(block)
              and _match_heading(P.clean(block.text), True) is None):
            in_excl = False  # any other heading closes a non-sticky excluded section
        excluded.append(in_excl)
        objective.append(cur_obj if not in_excl else None)
        axis.append(cur_axis if not in_excl else None)
        boundary.append(is_boundary)
    return excluded, objective, axis, boundary


def _is_operational_header(row: list[str]) -> bool:
    if not row:
        return False
    first = fold(P.clean(row[0]))
    if not P.OPERATIONAL_HEADER.match(first) or P.SUMMARY_MARKERS.search(first):
        return False
    return not any(P.PLANNING_HEADER.search(fold(P.clean(c))) for c in row[1:])


def _body_fields(blocks: list[Block]) -> set[str]:
    found: set[str] = set()
    for block in blocks:
        if block.kind == "table" and block.rows:
            if _is_operational_header(block.rows[0]):
                found.add("objectifs_operationnels")
            for row in block.rows:
                if len(row) >= 2 and (f := _field_of(row[0])) is not None:
                    found.add(f[0])
            continue
        f = _field_of(block.text.split("\n", 1)[0])
        if f is not None:
            found.add(f[0])
    return found & P.BODY_FIELDS


def _split_people(values: list[str]) -> tuple[list[str], bool]:
    items: list[str] = []
    for value in values:
        for part in re.split(r"[;\n•▪✓]|,(?![^()]*\))", value):
            part = P.clean(part).strip(" .")
            if part and not P.UNDEFINED_VALUES.match(fold(part)):
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
        if header is not None and _is_operational_header(row):
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
    para_ops: list[dict] = []
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
            if _is_operational_header(header):
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
        for line in (block.text or "").split("\n"):
            text = P.clean(line)
            if not text:
                continue
            f = _field_of(text) if block.kind != "list_item" or current is None else None
            if f is None and block.kind == "list_item":
                f = _field_of(text)
            if f is not None:
                current = f[0]
                if f[1]:
                    _add_value(current, f[1], fields, strategic, para_ops, block)
                continue
            if current is not None:
                _add_value(current, text, fields, strategic, para_ops, block)
    return fields, strategic, _merge_continuations(table_rows), para_ops


_INLINE_ECHEANCE = re.compile(r"(?:e|é)ch(?:e|é)ance\s*:\s*(?P<e>.+)$", re.I)


def _add_value(current: str, text: str, fields: dict[str, list[str]], strategic: list[str],
               para_ops: list[dict], block: Block) -> None:
    if current == "objectifs_strategiques":
        strategic.append(text)
    elif current == "objectifs_operationnels":
        m = _INLINE_ECHEANCE.search(text)
        para_ops.append({"objectif": text[: m.start()].strip(" –-,;") if m else text,
                         "operateur": "", "modalites": "",
                         "echeance": m.group("e").strip() if m else "", "seq": block.seq})
    else:
        fields.setdefault(current, []).append(text)


def _placements(blocks: list[Block], owned: set[int], accepted_heads: set[int],
                ) -> tuple[dict[int, int], dict[int, list[int]], dict[int, list[str]],
                           dict[int, str]]:
    """Priority placements from the TOC and from summary/planning tables, and title variants."""
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

    for i, block in enumerate(blocks):
        if block.kind == "table" and block.rows:
            if i in owned:
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
        if i in owned:
            continue
        m = P.OBJECTIVE_LOOSE.match(folded)
        if m and _is_text(block):
            cur = int(m.group("num"))
        elif i not in accepted_heads and _is_text(block):
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
    blocks = doc.blocks
    result = FicheExtraction()
    excluded, objective, axis, boundary = _zones(blocks, settings)
    cands = _candidates(blocks, excluded, settings)

    # sub-fiches ("17 bis" right after 17) stay inside their parent fiche
    live = [c for c in cands if not c.in_excluded]
    for prev, cand in zip(live, live[1:], strict=False):
        if cand.suffix and prev.sub_of is None and prev.number == cand.number:
            cand.sub_of = prev.index
    starts = sorted({c.index for c in cands if c.sub_of is None})
    bounds = sorted(set(starts) | {i for i, b in enumerate(boundary) if b} | {len(blocks)})

    accepted: list[tuple[_Candidate, int]] = []
    seen: set[int | str] = set()
    for cand in live:
        if cand.sub_of is not None:
            continue
        end = next(b for b in bounds if b > cand.index)
        body = blocks[cand.index + 1:end]
        fields_found = _body_fields(body)
        key: int | str = cand.number if cand.number is not None else cand.label
        if len(fields_found) < settings.min_body_fields:
            result.warnings.append(f"block {blocks[cand.index].seq}: 'fiche {cand.label}' "
                                   f"heading without a fiche body (TOC/summary line?)")
            continue
        if key in seen:
            result.warnings.append(f"block {blocks[cand.index].seq}: fiche {cand.label} repeated")
            continue
        seen.add(key)
        accepted.append((cand, end))

    # final extents: only accepted fiches and section starts end a fiche (a rejected
    # "Fiche action n°…" line inside a fiche, e.g. in its liens, stays in its body)
    final_bounds = sorted({c.index for c, _ in accepted} | {i for i, b in enumerate(boundary) if b}
                          | {len(blocks)})
    accepted = [(c, next(b for b in final_bounds if b > c.index)) for c, _ in accepted]
    owned = {i for cand, end in accepted for i in range(cand.index, end)}
    heads = {cand.index for cand, _ in accepted}
    toc, summary, variants, toc_labels = _placements(blocks, owned, heads)
    obj_labels: dict[int, str] = dict(toc_labels)
    for i, block in enumerate(blocks):
        sec = _section_heading(block)
        if sec and sec[0] == "objective" and not excluded[i]:
            obj_labels[sec[1]] = sec[2]
    body_sections = {objective[c.index] for c, _ in accepted if objective[c.index] is not None}
    subs = {c.sub_of: c for c in cands if c.sub_of is not None}

    for order, (cand, end) in enumerate(accepted, start=1):
        _emit(doc, cand, end, order, result, settings, objective, axis, toc, summary, variants,
              obj_labels, body_sections, subs)
    return result


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
                     content: tuple[int | None, str | None], body_sections: set[int | None],
                     ) -> tuple[int | None, str | None, str | None]:
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
    if content[0] is not None:
        return content[0], "content", content[1]
    return None, None, None


def _emit(doc: Document, cand: _Candidate, end: int, order: int, result: FicheExtraction,
          settings: FicheSettings, objective: list[int | None], axis: list[str | None],
          toc: dict[int, int], summary: dict[int, list[int]], variants: dict[int, list[str]],
          obj_labels: dict[int, str], body_sections: set[int | None],
          subs: dict[int, _Candidate]) -> None:
    blocks = doc.blocks
    head = blocks[cand.index]
    body = blocks[cand.index + 1:end]
    sub = subs.get(cand.index)
    title = cand.title
    if not title and body and _is_text(body[0]) and _field_of(body[0].text) is None and len(
            body[0].text) <= settings.max_title_continuation_chars:
        title = P.clean(body[0].text)
    elif title and body and _continues_heading(head, body[0]):
        title = f"{title} {P.clean(body[0].text)}"  # a heading wrapped over two lines
    number = cand.number if cand.number is not None else order
    body_blocks = [b for b in body if sub is None or b is not blocks[sub.index]]
    fields, strategic, rows, para_ops = _parse_body(body_blocks, settings)

    title_variants: list[str] = []
    pool = ([sub.title] if sub is not None and sub.title else []) + variants.get(number, [])
    for v in pool:
        if v and v != title and v not in title_variants and (
                v == (sub.title if sub else None)
                or fuzz.token_set_ratio(fold(v), fold(title)) >= settings.variant_min_score):
            title_variants.append(v)

    pilotes, pil_undef = _split_people(fields.get("pilotes", []))
    partenaires, part_undef = _split_people(fields.get("partenaires", []))
    territoire = fields.get("territoire") or fields.get("territoire_public") or []
    public = fields.get("public_cible") or fields.get("territoire_public") or []
    content = _content_priority(" ".join([title, *strategic]))
    priority, source, evidence = _decide_priority(
        objective[cand.index], toc.get(number), summary.get(number), content, body_sections)
    pages = [p for b in [head, *body] for p in (b.page, b.page_end) if p is not None]

    def joined(name: str) -> str | None:
        vals = fields.get(name) or []
        return "\n".join(vals) if vals else None

    result.fiches.append({
        "number": number, "number_label": cand.label, "title": title,
        "title_variants": title_variants, "priority": priority, "priority_source": source,
        "priority_evidence": evidence,
        "axis_label": (axis[cand.index] or (obj_labels.get(priority) if priority else None)
                       or "").rstrip(" :") or None,  # a label, without its colon
        "pilotes": pilotes, "pilotes_undefined": pil_undef,
        "partenaires": partenaires, "partenaires_undefined": part_undef,
        "objectifs_strategiques": strategic,
        "moyens": joined("moyens"), "territoire": "\n".join(territoire) or None,
        "public_cible": "\n".join(public) or None, "indicateurs": joined("indicateurs"),
        "liens": joined("liens"),
        "seq_start": head.seq, "seq_end": body[-1].seq if body else head.seq,
        "page_start": min(pages) if pages else None, "page_end": max(pages) if pages else None,
    })
    k = 0
    for text in strategic:
        k += 1
        result.objectives.append(_objective(number, "strategique", k, text, "", "", "", None))
    for row in rows or para_ops:
        k += 1
        result.objectives.append(_objective(number, "operationnel", k, row["objectif"],
                                            row["operateur"], row["modalites"], row["echeance"],
                                            row["seq"]))
    _links(number, [head] + body_blocks, {head.seq} | ({blocks[sub.index].seq} if sub else set()),
           result, settings)


def _objective(number: int, kind: str, k: int, text: str, operateur: str, modalites: str,
               echeance: str, seq: int | None) -> dict[str, Any]:
    start, end = parse_echeance(echeance)
    return {"number": number, "kind": kind, "seq": k, "text": text,
            "operateur": operateur or None, "modalites": modalites or None,
            "echeance_text": echeance or None, "echeance_start": start, "echeance_end": end,
            "passage_seq": seq}


def _links(number: int, blocks: list[Block], skip: set[int], result: FicheExtraction,
           settings: FicheSettings) -> None:
    seen: set[tuple[int, int]] = set()
    for block in blocks:
        if block.seq in skip:
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
