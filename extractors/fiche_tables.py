"""Key/value fiche tables and plan grids → blocks of the layout-independent fiche model.

A fiche can live in a table: one key/value table per fiche (a banner row "FICHE ACTION N°
7", or the number in the first cell, then rows "Intitulé | …", "Porteur(s) | …"), or one
row of a plan grid (Axe | N° | Action | Pilote | Partenaires | Calendrier | …). Both are
rewritten as a *fiche start* block (style ``fiche_start``: number, title, layout) followed
by "Label : value" paragraphs, which the fiche reader then treats like any fiche written as
a heading with labelled sections. Every rewritten block keeps the page and seq of its
table (provenance); tables that looked like fiche tables but held no fiche are counted.
"""

from __future__ import annotations

from extractors import fiche_patterns as P
from extractors.echeances import parse_echeance
from extractors.textfold import fold, fold_map
from schemas.document import Block

MAX_ECHEANCE_CHARS = 60  # a longer last cell is prose, not an échéance
# a grid needs a title column and at least this many other known columns
GRID_MIN_FIELD_COLUMNS = 2
GRID_FIELDS = frozenset({"pilotes", "partenaires", "echeance", "indicateurs", "number",
                         "priority", "objectifs_operationnels", "objectifs_strategiques",
                         "moyens", "public_cible", "territoire"})
# header words of a fiche-number column ("N°", "Réf.") that the catalogue keeps short
_LABELS = {"objectifs_operationnels": "Objectifs opérationnels", "pilotes": "Pilotes",
           "partenaires": "Partenaires", "objectifs_strategiques": "Objectifs stratégiques",
           "moyens": "Moyens", "territoire": "Territoire", "public_cible": "Public cible",
           "territoire_public": "Territoire et public", "indicateurs": "Indicateurs",
           "liens": "Liens avec d'autres actions", "echeance": "Échéance",
           "priority": "Priorité", "title": "Intitulé", "number": "Numéro"}


def _cells(row: list[str]) -> list[str]:
    """Cleaned cells, line breaks kept; an empty row gives one empty cell."""
    return [P.clean(c.replace("\n", " \n ")).replace(" \n ", "\n") if c else ""
            for c in row] or [""]


def _start_of(cells: list[str]) -> tuple[str, str, str] | None:
    """(number, suffix, title) when a row opens a fiche: "FICHE ACTION N° 7" alone or with
    the title in the next cell, or a number cell "N° 7"."""
    filled = [c for c in cells if c]
    if not filled or len(filled) > 2:
        return None
    first = filled[0].split("\n")[0]
    folded = fold(first)
    m = P.match_heading(folded, allow_action=True)
    if m is not None:
        rest = fold_map(first).cut(m.rest).strip(" :–—-.")
        title = rest or (filled[1] if len(filled) > 1 else "")
        return m.num, m.suffix, " ".join(title.split())
    n = P.NUMBER_CELL.match(folded)
    if n is not None:
        return n.group("num"), n.group("suffix") or "", " ".join(
            (filled[1] if len(filled) > 1 else "").split())
    return None


def _synthetic(table: Block, kind: str, text: str, **style: object) -> Block:
    return Block(kind, text, page=table.page, page_end=table.page_end, seq=table.seq,
                 section_path=table.section_path, style={"synthetic": True, **style})


def _start(table: Block, num: str, suffix: str, title: str, layout: str) -> Block:
    label = f"{num} {suffix}".strip()
    text = f"Fiche {label} : {title}" if label else title
    return _synthetic(table, "heading", text, fiche_start={
        "num": num, "suffix": suffix, "title": title, "layout": layout})


def _field_block(table: Block, name: str, value: str) -> Block:
    return _synthetic(table, "paragraph", f"{_LABELS.get(name, name)} : {value}".strip())


def _number_row(row: list[str]) -> tuple[str, str, str] | None:
    """A "N° de fiche | 7" row opens a fiche like a banner."""
    hit = P.label_field(row[0]) if row[0] else None
    if hit is None or hit[0] != "number":
        return None
    label = _number_label(" ".join(c for c in (hit[1], *row[1:]) if c))
    return (label, "", "") if label else None


def _is_key_value(rows: list[list[str]]) -> bool:
    """Most rows are "label | value" (two cells, a catalogue label first), or some are and
    the others form an operational grid."""
    filled = [[c for c in r if c] for r in rows]
    labelled = sum(1 for r, f in zip(rows, filled, strict=True)
                   if len(f) == 2 and r[0] and P.label_field(r[0]) is not None)
    has_ops = any(P.is_operational_header(r) for r in rows)
    return labelled >= 2 and (has_ops or 2 * labelled >= len([f for f in filled if f]))


def _key_value(table: Block, after_heading: bool, continued: bool) -> list[Block] | None:
    """A table holding fiches (or, right under a fiche heading, one fiche's fields) as
    "label | value" rows, rewritten as a start block per fiche and labelled paragraphs;
    None for any other table.

    A table right after a rewritten one continues it (a fiche table split across pages
    whose columns changed). A fiche starts at a banner row ("FICHE ACTION N° 7", "N° 7 |
    title"), a number row ("N° de fiche | 7") or, when there are none and no heading is
    right above, at each "Intitulé | …" row. Rows that are not labelled are steps: an
    operational header row opens a table kept as such, other rows become lines "step —
    Échéance : <last cell>"."""
    rows = [_cells(r) for r in table.rows or []]
    starts = {k: s for k, r in enumerate(rows) if (s := _start_of(r) or _number_row(r))}
    titled = {k for k, r in enumerate(rows) if len([c for c in r if c]) >= 2
              and (f := P.label_field(r[0])) is not None and f[0] == "title"}
    if not starts and (after_heading or continued or not titled):
        if not (continued or _is_key_value(rows)):
            return None
    elif not starts:  # no banner: each "Intitulé" row opens a fiche
        starts = {k: ("", "", "") for k in titled}
    out: list[Block] = []
    pending: tuple[str, str, str] | None = None
    ops: Block | None = None  # the operational table being filled
    for k, row in enumerate(rows):
        filled = [c for c in row if c]
        if k in starts:
            pending, ops = starts[k], None
            if pending[2] or k in titled:
                out.append(_start(table, *pending[:2], pending[2] or _value(row), "table"))
                pending = None
            continue
        if not filled:
            continue
        hit = P.label_field(row[0]) if row[0] else None
        if pending is not None:
            title = _value(row) if hit is not None and hit[0] == "title" else ""
            out.append(_start(table, *pending[:2], title, "table"))
            pending = None
            if title:
                continue
        if P.is_operational_header(row):
            ops = _synthetic(table, "table", "", rows=[row])
            ops.rows = [row]
            out.append(ops)
        elif hit is not None and len(filled) <= 2:
            ops = None
            value = "\n".join(x for x in (hit[1], *row[1:]) if x)
            out.extend(_field_blocks(table, hit[0], value))
        elif ops is not None:
            ops.rows.append(row)
        else:
            out.append(_synthetic(table, "paragraph", _step_line(filled)))
    for b in out:
        if b.kind == "table":
            b.text = "\n".join(" | ".join(r) for r in b.rows or [])
    return out


def _field_blocks(table: Block, name: str, value: str) -> list[Block]:
    """A field, and a table nested in its value cell (lines "a | b | c", as the DOCX
    reader flattens one) as a table of its own or as step lines."""
    lines = value.split("\n")
    nested = [ln.split(" | ") for ln in lines if " | " in ln]
    if len(nested) < 2:
        return [_field_block(table, name, value)]
    rest = "\n".join(ln for ln in lines if " | " not in ln)
    out = [_field_block(table, name, rest)]
    if P.is_operational_header(nested[0]):
        out.append(_synthetic(table, "table", "", rows=nested))
        out[-1].rows = nested
        out[-1].text = "\n".join(lines)
    else:
        out += [_synthetic(table, "paragraph", _step_line(cells)) for r in nested
                if (cells := [c for c in r if c.strip()])]
    return out


def _step_line(cells: list[str]) -> str:
    """A step row outside an operational table: its first cell, and its last cell as the
    échéance when it reads as one."""
    text = " ".join(cells[0].split())
    last = " ".join(cells[-1].split())
    if len(cells) >= 2 and len(last) <= MAX_ECHEANCE_CHARS and parse_echeance(last)[0]:
        return f"{text} — Échéance : {last}"
    return " ".join(" ".join(c.split()) for c in cells)


def _value(row: list[str]) -> str:
    hit = P.label_field(row[0]) if row[0] else None
    parts = ([hit[1]] if hit and hit[1] else []) + [c for c in row[1:] if c]
    return " ".join(" ".join(parts).split())


def _grid_roles(header: list[str]) -> dict[str, int] | None:
    roles: dict[str, int] = {}
    for j, cell in enumerate(header):
        hit = P.label_field(cell) if cell else None
        if hit is not None and not hit[1] and hit[0] not in roles:
            roles[hit[0]] = j
    if "title" not in roles and "objectifs_strategiques" in roles:
        roles["title"] = roles.pop("objectifs_strategiques")  # "Objectif" as action column
    others = GRID_FIELDS & set(roles)
    if "title" not in roles or len(others) < GRID_MIN_FIELD_COLUMNS:
        return None
    return roles


def _grid(table: Block) -> list[Block] | None:
    """A plan grid, one row per action: a fiche start and its fields for each row."""
    rows = [_cells(r) for r in table.rows or []]
    if len(rows) < 2:
        return None
    head_at = next((k for k, r in enumerate(rows[:3]) if _grid_roles(r) is not None), None)
    if head_at is None:
        return None
    roles = _grid_roles(rows[head_at])
    assert roles is not None
    header = rows[head_at]
    out: list[Block] = []
    carried: dict[str, str] = {}  # merged cells (axis) carry down
    for row in rows[head_at + 1:]:
        if row == header or not any(row):
            continue
        cell = {name: (row[j] if j < len(row) else "") for name, j in roles.items()}
        title = " ".join(cell["title"].split())
        if not title:
            continue
        for name in ("priority",):
            if cell.get(name):
                carried[name] = cell[name]
            elif name in carried:
                cell[name] = carried[name]
        out.append(_start(table, _number_label(cell.get("number", "")), "", title, "grid"))
        for name, value in cell.items():
            if name in ("title", "number") or not value:
                continue
            if name == "echeance" and "objectifs_operationnels" not in cell:
                out.append(_field_block(table, "objectifs_operationnels",
                                        f"{title} — Échéance : {' '.join(value.split())}"))
                continue
            out.append(_field_block(table, name, value))
    return out or None


def _number_label(text: str) -> str:
    """"7", "2.3" from a number cell ("7", "N° 7", "Action 2.3"); "" when none."""
    folded = fold(" ".join(text.split())).strip(" .")
    if folded and all(p.isdigit() for p in folded.split(".")):
        return folded
    m = P.NUMBER_CELL.match(folded)
    if m is not None:
        return m.group("num")
    h = P.match_heading(folded, allow_action=True)
    return h.num if h is not None else ""


def expand_tables(blocks: list[Block]) -> list[Block]:
    """Rewrite fiche tables and plan grids as fiche blocks; other blocks pass through."""
    out: list[Block] = []
    for block in blocks:
        expanded = None
        if block.kind == "table" and block.rows:
            after_heading = bool(out) and _is_fiche_heading(out[-1])
            continued = bool(out) and out[-1].style.get("synthetic") is True  # next page
            expanded = _key_value(block, after_heading, continued) or _grid(block)
        out.extend(expanded or [block])
    return out


def _is_fiche_heading(block: Block) -> bool:
    return block.kind != "table" and P.match_heading(
        fold(P.clean(block.text.split("\n", 1)[0])), allow_action=True) is not None
