"""Parse the Mayenne seed text into a small document model shared by the PDF and DOCX renderers.

The model is a flat list of elements (headings, paragraphs, bullets, tables, TOC lines,
page breaks, orientation switches). Inline text uses a tiny markup: an escaped-HTML subset
with ``<b>``, ``<i>``, ``<u>`` and ``<sup>`` tags; table cells use ``\\n`` for line breaks.

This is a test-data generator: knowledge of this particular seed (its section titles, its
conversion artefacts) is hard-coded on purpose.
"""

from __future__ import annotations

import html
import re
from dataclasses import dataclass, field

# ---------------------------------------------------------------- model


@dataclass
class Heading:
    level: int
    text: str
    page_break: bool = False


@dataclass
class Para:
    """A paragraph; ``style`` is one of body, label, field, caption, footnote, cover_title,
    cover_sub, cover_line, acronym."""

    text: str
    style: str = "body"


@dataclass
class Bullet:
    text: str
    glyph: str = "•"
    level: int = 1


@dataclass
class Table:
    """A table; ``kind`` is operational, summary, plan, planning or annex.

    ``header_rows`` rows are headers (repeated on page breaks); ``title_row`` marks a first
    row that spans the whole width (planning tables). ``spans`` holds merged header cells as
    ((col0, row0), (col1, row1)) pairs, as reportlab's SPAN command expects.
    """

    rows: list[list[str]]
    kind: str
    header_rows: int = 1
    title_row: bool = False
    spans: list[tuple[tuple[int, int], tuple[int, int]]] = field(default_factory=list)

    @property
    def n_cols(self) -> int:
        return max(len(r) for r in self.rows)


@dataclass
class TocEntry:
    text: str
    page: str
    level: int = 1


@dataclass
class PageBreak:
    pass


@dataclass
class Orientation:
    """Switch page orientation (starts a new page)."""

    landscape: bool


Element = Heading | Para | Bullet | Table | TocEntry | PageBreak | Orientation

# ---------------------------------------------------------------- inline markup

_AUTOLINK = re.compile(r"<(https?://[^>\s]+)>")
_SUP = re.compile(r"\^\{([^}]*)\}")
_BOLD_ITALIC = re.compile(r"\*\*\*(.+?)\*\*\*")
_BOLD = re.compile(r"\*\*(.+?)\*\*")


def inline(text: str) -> str:
    """Seed markdown-ish text (``**bold**``, ``^{sup}``, ``<url>``) to the model's markup."""
    text = _AUTOLINK.sub(r"\1", text)
    text = html.escape(text, quote=False)
    text = _SUP.sub(r"<sup>\1</sup>", text)
    text = _BOLD_ITALIC.sub(r"<b><i>\1</i></b>", text)
    text = _BOLD.sub(r"<b>\1</b>", text)
    return text.replace("**", "")


def plain(markup: str) -> str:
    """Model markup to plain text (tags removed, entities decoded)."""
    return html.unescape(re.sub(r"<[^>]+>", "", markup))


_TAG = re.compile(r"<(/?)([a-zA-Z]+)[^>]*>")
_NUMBERED = re.compile(r"(?<=[^\s-])\s+(?=\d{1,2}\)\s?[A-Za-zÀ-ÿ])")
_UL_ITEM = re.compile(r"\s*(?:(?<=\S)-\s(?=[A-ZÀ-Ý])|\s-\s|\s•\s|^-\s?|^•\s)")


def _split_numbered(text: str) -> str:
    """Put each ``1) … 2) …`` item of a cell on its own line."""
    return _NUMBERED.sub("\n", text)


def cell_markup(raw: str) -> str:
    """A seed table cell (may hold inline HTML) to model markup with ``\\n`` line breaks."""
    raw = raw.strip()
    if "<table" in raw:
        raw = _nested_table_lines(raw)
    out: list[str] = []
    in_list = False  # inside a <ul> (dash items), not an <ol> (numbered in the text)
    pos = 0
    for m in _TAG.finditer(raw):
        out.append(_cell_text(raw[pos : m.start()], in_list))
        closing, tag = m.group(1) == "/", m.group(2).lower()
        if tag in ("p", "li", "br", "tr"):
            out.append("\n")
        elif tag in ("ul", "ol"):
            in_list = tag == "ul" and not closing
            out.append("\n")
        elif tag in ("u", "i", "b"):
            out.append(f"<{'/' if closing else ''}{tag}>")
        pos = m.end()
    out.append(_cell_text(raw[pos:], in_list))
    text = "".join(out)
    lines = [re.sub(r"[ \t]+", " ", ln).strip() for ln in text.split("\n")]
    lines = [_split_numbered(ln) for ln in lines if plain(ln).strip()]
    return "\n".join(lines)


def _cell_text(text: str, in_list: bool) -> str:
    text = inline(text)
    if in_list:
        parts = [p.strip() for p in _UL_ITEM.split(text) if p.strip()]
        return "\n" + "\n".join(f"- {p}" for p in parts) + "\n"
    return text


def _nested_table_lines(raw: str) -> str:
    """Turn a nested ``<table>`` in a cell into ``a | b | c`` lines."""

    def table_to_lines(m: re.Match[str]) -> str:
        rows = re.findall(r"<tr>(.*?)</tr>", m.group(0), flags=re.S)
        lines = []
        for r in rows:
            cells = [c.strip() for c in re.findall(r"<t[hd]>(.*?)</t[hd]>", r, flags=re.S)]
            lines.append(" | ".join(c if c else "…" for c in cells))
        return "<br>" + "<br>".join(lines) + "<br>"

    return re.sub(r"<table.*?</table>", table_to_lines, raw, flags=re.S)


# ---------------------------------------------------------------- parser

LEVEL1 = {
    "introduction",
    "feuille de route 2019-2024",
    "plan pluriannuel d'actions 2019-2024 - prévisionnel",
    "plannings prévisionnels des actions retenues pour une mise en œuvre 2019-2020",
    "liste des acronymes",
    "annexes",
}
LANDSCAPE_SECTIONS = {
    "plan pluriannuel d'actions 2019-2024 - prévisionnel",
    "plannings prévisionnels des actions retenues pour une mise en œuvre 2019-2020",
}
INTRO_LEVEL2 = {
    "Rappel des différentes phases du Projet Territorial en Santé Mentale du Département de la "
    "Mayenne",
    "La phase de construction de la Feuille de route du PTSM 53",
    "Schéma – « mieux comprendre la feuille de route du PTSM 53 »",
    "Format des fiches actions du PTSM 53",
}
INTRO_PAGE_BREAK = {
    "La phase de construction de la Feuille de route du PTSM 53",
    "Format des fiches actions du PTSM 53",
}
LABELS = (
    "Les indicateurs :",
    "Liens avec d'autres travaux territoriaux :",
    "Liens avec d'autres travaux :",
    "Intervention de l'équipe mobile :",
    "Pour aller plus loin, l'articulation des enjeux du PTSM :",
)
FIELD = re.compile(
    r"^(Pilotes|Partenaires|Territoire cible|Territoire|Public cible|Public|"
    r"Liens avec d'autres travaux territoriaux)\s?:"
)
FICHE_HEADING = re.compile(r"^Fiche action n°\s?(\d+)( bis)? : ")
OBJ_DECRET = re.compile(r"^Objectif \d du décret : ")
OBJ_PLANNING = re.compile(r"^Objectif \d :$")
TOC_LINE = re.compile(r"^(.*?)\s*(?:\t|\s)(\d{1,3})$")
ACRONYM = re.compile(r"^([A-Z][A-Za-z]{1,7}) : (.+)$")

# conversion artefacts of the seed that are not document content
DROP_ROWS = {"--\t--\t--\t--"}
NESTED_TABLE_ROWS = {"Souhait d'informer", "(proche)", "(aide à domicile)"}


@dataclass
class _State:
    region: str = "cover"  # cover, toc, body, acronyms, annex, livret, livret_toc
    landscape: bool = False
    blank_run: int = 0
    fiche_seen: bool = False


def _toc_level(title: str) -> int:
    if FICHE_HEADING.match(title):
        return 3
    if OBJ_DECRET.match(title) or title in INTRO_LEVEL2:
        return 2
    return 1


def _toc_entry(line: str, level_of=_toc_level) -> TocEntry | None:
    line = line.replace("\t", " ").strip()
    m = TOC_LINE.match(line)
    if not m:
        return TocEntry(line, "", level_of(line))
    return TocEntry(m.group(1).strip(), m.group(2), level_of(m.group(1).strip()))


def _split_row(line: str) -> list[str]:
    return line.split("\t")


def _trim(row: list[str]) -> list[str]:
    while row and not row[-1].strip():
        row = row[:-1]
    return row


def _table_kind(first: list[str], second: list[str] | None, region: str) -> tuple[str, int, bool]:
    head = first[0].strip()
    if head.startswith("Objectifs opérationnels") and len(first) > 1 and "Opérateur" in first[1]:
        return "operational", 1, False
    if head.startswith("Objectifs du décret"):
        return "plan", 3, False
    if (
        second
        and second[0].startswith("Objectifs opérationnels")
        and len(second) > 1
        and ("PLANNING" in second[1])
    ):
        return "planning", 4, True
    if re.match(r"^(<p>)?Fiche action n°", head):
        return "summary", 0, False
    return "annex", 1 if head.isupper() or "Trim" in "".join(first) else 0, False


def _header_spans(rows: list[list[str]], first: int, n: int, width: int):
    """Merged cells of header rows ``first .. first+n-1``: a label spans the empty cells to
    its right (unless claimed from above) and the empty cells below it."""
    claimed: set[tuple[int, int]] = set()
    spans = []
    last = first + n - 1
    for r in range(first, first + n):
        row = rows[r]
        c = 0
        while c < width:
            if (r, c) in claimed or not row[c].strip():
                c += 1
                continue
            c1 = c
            while c1 + 1 < width and not row[c1 + 1].strip() and (r, c1 + 1) not in claimed:
                c1 += 1
            r1 = r
            while r1 + 1 <= last and all(
                not rows[r1 + 1][k].strip() and (r1 + 1, k) not in claimed for k in range(c, c1 + 1)
            ):
                r1 += 1
            for rr in range(r, r1 + 1):
                for cc in range(c, c1 + 1):
                    claimed.add((rr, cc))
            if c1 > c or r1 > r:
                spans.append(((c, r), (c1, r1)))
            c = c1 + 1
    return spans


def _finish_table(raw_rows: list[list[str]], region: str) -> Table:
    rows = [_trim(r) for r in raw_rows]
    rows = [r for r in rows if r]
    kind, header_rows, title_row = _table_kind(rows[0], rows[1] if len(rows) > 1 else None, region)
    if kind == "operational":
        rows = _fix_operational(rows)
    width = max(len(r) for r in rows)
    rows = [[cell_markup(c) for c in r] + [""] * (width - len(r)) for r in rows]
    table = Table(rows=rows, kind=kind, header_rows=header_rows, title_row=title_row)
    if kind in ("plan", "planning"):
        start = 1 if title_row else 0
        n = header_rows - start
        table.spans = _header_spans(rows, start, n, width)
        if title_row:
            table.spans.insert(0, ((0, 0), (width - 1, 0)))
            rows[0] = [rows[0][0]] + [""] * (width - 1)
    return table


def _fix_operational(rows: list[list[str]]) -> list[list[str]]:
    """Fiche 22's table: a nested table came out as extra cells and extra rows."""
    out = []
    for r in rows:
        if r[0].strip() in NESTED_TABLE_ROWS:
            continue
        if len(r) > 4:
            echeance = next((c for c in reversed(r) if c.strip()), "")
            r = r[:3] + [echeance if echeance not in r[:3] else ""]
        out.append(r)
    return out


def _merge_continuation(table: Table, line: str) -> None:
    """A row split by a page break: cells starting with an empty first cell continue the
    previous row."""
    cells = [cell_markup(c) for c in _split_row(line)]
    last = table.rows[-1]
    for i, c in enumerate(cells[: len(last)]):
        if c:
            last[i] = f"{last[i]}\n{c}" if last[i] else c


def _continue_table(table: Table, lines: list[str], i: int) -> int:
    """Rows after a page break: a first row with an empty first cell continues the last row;
    the following rows are appended. Returns the index of the next line to read."""
    if lines[i].startswith("\t"):
        _merge_continuation(table, lines[i])
        i += 1
    width = table.n_cols
    while i < len(lines) and "\t" in lines[i]:
        if lines[i] not in DROP_ROWS:
            row = _trim(_split_row(lines[i]))
            fixed = _fix_operational([row]) if table.kind == "operational" else [row]
            for r in fixed:
                table.rows.append([cell_markup(c) for c in r] + [""] * (width - len(r)))
        i += 1
    return i


def parse_mayenne(text: str) -> list[Element]:
    """Parse seed 004 (the Mayenne feuille de route) into model elements."""
    lines = text.split("\n")
    out: list[Element] = []
    st = _State()
    i = 0
    while i < len(lines):
        line = lines[i].rstrip("\r")
        stripped = line.strip()
        if not stripped or stripped == "\u00a0":
            st.blank_run += 1
            i += 1
            continue
        blanks, st.blank_run = st.blank_run, 0

        # ---- tables (tab-separated lines) outside the TOCs
        if "\t" in line and st.region not in ("toc", "livret_toc"):
            if line in DROP_ROWS:
                i += 1
                continue
            prev = out[-1] if out else None
            if (
                blanks
                and isinstance(prev, Table)
                and prev.kind in ("operational", "summary")
                and (line.startswith("\t") or not line.startswith("Fiche action"))
            ):
                i = _continue_table(prev, lines, i)
                continue
            raw_rows = []
            while i < len(lines) and "\t" in lines[i]:
                if lines[i] not in DROP_ROWS:
                    raw_rows.append(_split_row(lines[i]))
                i += 1
            out.append(_finish_table(raw_rows, st.region))
            continue

        i += 1
        low = stripped.lower()

        # ---- cover
        if st.region == "cover":
            if stripped == "Table des matières":
                st.region = "toc"
                out.append(PageBreak())
                out.append(Para(inline(stripped), "toc_title"))
                continue
            text = inline(re.sub(r"\s+", " ", stripped))
            style = "cover_line"
            if stripped.startswith("PROJET TERRITORIAL"):
                style = "cover_title"
            elif stripped.startswith("Département") or stripped in (
                "Feuille de route",
                "2019-2024",
            ):
                style = "cover_sub"
            out.append(Para(text, style))
            continue

        # ---- table of contents
        if st.region == "toc":
            if low == "introduction":
                st.region = "body"
            else:
                entry = _toc_entry(stripped)
                if entry:
                    out.append(entry)
                continue
        if st.region == "livret_toc":
            if stripped.startswith("Partie 1 :") and "\t" not in line and blanks >= 2:
                st.region = "livret"
            else:
                out.append(_toc_entry(line, lambda t: 2 if t.startswith("Objectif") else 1))
                continue

        # ---- level-1 sections
        if low in LEVEL1:
            land = low in LANDSCAPE_SECTIONS
            if land != st.landscape:
                out.append(Orientation(land))
                st.landscape = land
                out.append(Heading(1, inline(stripped)))
            else:
                out.append(Heading(1, inline(stripped), page_break=True))
            if low == "liste des acronymes":
                st.region = "acronyms"
            elif low == "annexes":
                st.region = "annex"
            continue

        if st.region == "acronyms":
            m = ACRONYM.match(stripped)
            if m:
                out.append(Para(f"<b>{m.group(1)}</b> : {inline(m.group(2))}", "acronym"))
                continue

        if st.region in ("annex", "livret") and _annex_line(out, st, stripped, blanks):
            continue

        # ---- headings of the body
        if stripped in INTRO_LEVEL2:
            out.append(Heading(2, inline(stripped), page_break=stripped in INTRO_PAGE_BREAK))
            continue
        if OBJ_DECRET.match(stripped):
            level = 3 if st.region == "livret" else 2
            after_l1 = isinstance(out[-1], Heading) and out[-1].level == 1
            out.append(Heading(level, inline(stripped), page_break=not after_l1))
            continue
        m = FICHE_HEADING.match(stripped)
        if m and m.group(1) != "0" and st.region == "body" and not st.landscape:
            bis = bool(m.group(2))
            out.append(Heading(3, inline(stripped), page_break=not bis))
            continue
        if OBJ_PLANNING.match(stripped):
            out.append(Heading(3 if st.region == "livret" else 2, inline(stripped)))
            continue
        if re.match(r"^La phase de [A-ZÉŒ ]{4,}", stripped):
            out.append(Heading(3, inline(stripped)))
            continue
        if re.match(r"^Phase de [A-ZÉŒ ]{4,}", stripped):
            out.append(Heading(4, inline(stripped)))
            continue

        # ---- bullets
        bm = re.match(r"^(\s*)(?:- )?(✓|▪|•) (.*)$", line)
        if bm:
            indent, glyph, rest = bm.groups()
            level = 2 if (glyph == "✓" and line.lstrip().startswith("- ")) else 1
            out.append(Bullet(inline(rest), glyph, level))
            continue
        bm = re.match(r"^(\s*)- (.*)$", line)
        if bm:
            out.append(Bullet(inline(bm.group(2)), "-", 1))
            continue

        # ---- paragraphs
        if stripped in LABELS:
            out.append(Para(inline(stripped), "label"))
        elif stripped.startswith("Figure "):
            out.append(Para(inline(stripped), "caption"))
        elif stripped.startswith("¹"):
            out.append(Para(inline(stripped), "footnote"))
        elif stripped.startswith("Fiche action n°0 :"):
            out.append(Para(f"<b>{inline(stripped)}</b>", "body"))
        elif st.region == "body" and FIELD.match(stripped):
            label, _, value = stripped.partition(":")
            out.append(Para(f"<b>{inline(label.strip())} :</b>{inline(value)}", "field"))
        else:
            out.append(Para(inline(stripped)))
    return out


def _annex_line(out: list[Element], st: _State, stripped: str, blanks: int) -> bool:
    """Headings and cover lines of the annexes; True when the line was consumed."""
    if stripped.startswith("Annexe n°") and blanks >= 2:
        out.append(Heading(2, inline(stripped), page_break=True))
        return True
    if stripped == "Projet Territorial en Santé Mentale 53":
        st.region = "livret"
        out.append(PageBreak())
        out.append(Para(inline(stripped), "cover_title"))
        return True
    if st.region == "livret" and stripped in (
        "Livret synthétique du",
        "projet",
        "JANVIER 2019",
        "PAR LE GROUPE PROJET",
    ):
        out.append(Para(inline(stripped), "cover_sub"))
        return True
    if st.region == "livret" and stripped == "Sommaire":
        st.region = "livret_toc"
        out.append(PageBreak())
        out.append(Para(inline(stripped), "toc_title"))
        return True
    if stripped.startswith("Partie 1 :") or stripped.startswith("Partie 2 :"):
        part2 = stripped.startswith("Partie 2 :")
        if part2 and not st.landscape:
            out.append(Orientation(True))
            st.landscape = True
            out.append(Heading(2, inline(stripped)))
        else:
            out.append(Heading(2, inline(stripped), page_break=True))
        return True
    return False
