"""Render the seed document model to a Word file with python-docx.

Built-in styles (Title, Heading 1-4, List Bullet, List Bullet 2, Table Grid), real Word
tables with merged header cells, a header and a footer with a PAGE field, landscape
sections for the wide tables. Zip timestamps and core properties are fixed so that re-runs
give the same bytes.
"""

from __future__ import annotations

import datetime as dt
import io
import re
import zipfile
from pathlib import Path

from docx import Document
from docx.enum.section import WD_ORIENT, WD_SECTION
from docx.enum.text import WD_ALIGN_PARAGRAPH, WD_TAB_ALIGNMENT, WD_TAB_LEADER
from docx.oxml import OxmlElement
from docx.oxml.ns import qn
from docx.shared import Cm, Pt
from seed_model import Bullet, Element, Heading, Orientation, Para, Table, TocEntry, plain
from seed_model import PageBreak as ModelPageBreak

HEADER_TEXT = "PTSM 53 – Feuille de route 2019-2024"
FOOTER_TEXT = "Projet Territorial en Santé Mentale de la Mayenne – Page "
FIXED_TIME = dt.datetime(2019, 2, 1, 9, 0, 0)
ZIP_TIME = (2019, 2, 1, 9, 0, 0)

_TOKEN = re.compile(r"(<[^>]+>)")


def add_runs(par, markup: str, size: float | None = None, bold: bool = False) -> None:
    """Append model markup (``<b> <i> <u> <sup>``, ``\\n``) to a paragraph as runs."""
    state = {"b": bold, "i": False, "u": False, "sup": False}
    for tok in _TOKEN.split(markup):
        if not tok:
            continue
        m = re.fullmatch(r"<(/?)(b|i|u|sup)>", tok)
        if m:
            state[m.group(2)] = m.group(1) != "/"
            continue
        text = plain(tok)
        parts = text.split("\n")
        for k, part in enumerate(parts):
            if k:
                par.add_run().add_break()
            if not part:
                continue
            run = par.add_run(part)
            run.bold = state["b"] or None
            run.italic = state["i"] or None
            run.underline = state["u"] or None
            if state["sup"]:
                run.font.superscript = True
            if size:
                run.font.size = Pt(size)


def _page_field(par) -> None:
    run = par.add_run()
    for kind, text in (("begin", None), (None, " PAGE "), ("end", None)):
        if kind:
            el = OxmlElement("w:fldChar")
            el.set(qn("w:fldCharType"), kind)
        else:
            el = OxmlElement("w:instrText")
            el.set(qn("xml:space"), "preserve")
            el.text = text
        run._r.append(el)


def _setup_section(section, landscape: bool) -> None:
    w, h = Cm(21.0), Cm(29.7)
    section.orientation = WD_ORIENT.LANDSCAPE if landscape else WD_ORIENT.PORTRAIT
    section.page_width, section.page_height = (h, w) if landscape else (w, h)
    for side in ("left_margin", "right_margin", "top_margin", "bottom_margin"):
        setattr(section, side, Cm(2.0))


def _header_footer(section) -> None:
    section.different_first_page_header_footer = True
    hp = section.header.paragraphs[0]
    hp.text = HEADER_TEXT
    fp = section.footer.paragraphs[0]
    fp.text = FOOTER_TEXT
    fp.alignment = WD_ALIGN_PARAGRAPH.RIGHT
    _page_field(fp)


def _table(doc, t: Table, landscape: bool) -> None:
    n = t.n_cols
    table = doc.add_table(rows=len(t.rows), cols=n)
    table.style = doc.styles["Table Grid"]
    size = 6.5 if t.kind in ("plan", "planning") else 8.5
    for r, row in enumerate(t.rows):
        for c, text in enumerate(row):
            if not text:
                continue
            par = table.cell(r, c).paragraphs[0]
            add_runs(par, text, size=size, bold=r < t.header_rows)
    for (c0, r0), (c1, r1) in t.spans:
        keep = table.cell(r0, c0).text
        merged = table.cell(r0, c0).merge(table.cell(r1, c1))
        if merged.text != keep:  # merging concatenates empty paragraphs: keep the label
            for p in merged.paragraphs[1:]:
                p._p.getparent().remove(p._p)
    for r in range(min(t.header_rows, len(t.rows))):
        tr_pr = table.rows[r]._tr.get_or_add_trPr()
        el = OxmlElement("w:tblHeader")
        el.set(qn("w:val"), "true")
        tr_pr.append(el)
    doc.add_paragraph()


def render_docx(elements: list[Element], path: Path) -> None:
    """Write the DOCX (deterministic bytes)."""
    doc = Document()
    normal = doc.styles["Normal"]
    normal.font.name = "Calibri"
    normal.font.size = Pt(10)
    section = doc.sections[0]
    _setup_section(section, False)
    _header_footer(section)
    landscape = False
    first_break = True
    for el in elements:
        if isinstance(el, ModelPageBreak):
            doc.add_page_break()
            first_break = False
        elif isinstance(el, Orientation):
            sec = doc.add_section(WD_SECTION.NEW_PAGE)
            _setup_section(sec, el.landscape)
            sec.different_first_page_header_footer = False
            landscape = el.landscape
        elif isinstance(el, Heading):
            h = doc.add_heading(level=min(el.level, 4))
            add_runs(h, el.text)
            if el.page_break:
                h.paragraph_format.page_break_before = True
        elif isinstance(el, TocEntry):
            p = doc.add_paragraph()
            p.paragraph_format.left_indent = Cm(0.5 * (el.level - 1))
            tab_stops = p.paragraph_format.tab_stops
            tab_stops.add_tab_stop(Cm(17), WD_TAB_ALIGNMENT.RIGHT, WD_TAB_LEADER.DOTS)
            add_runs(p, el.text + (f"\t{el.page}" if el.page else ""), size=9, bold=el.level == 1)
        elif isinstance(el, Bullet):
            style = "List Bullet 2" if el.level > 1 else "List Bullet"
            add_runs(doc.add_paragraph(style=style), el.text)
        elif isinstance(el, Para):
            _para(doc, el, first_break)
        elif isinstance(el, Table):
            _table(doc, el, landscape)
    core = doc.core_properties
    core.title = "Projet territorial en santé mentale – Mayenne – Feuille de route 2019-2024"
    core.author = "Groupe projet PTSM 53"
    core.last_modified_by = "Groupe projet PTSM 53"
    core.created = FIXED_TIME
    core.modified = FIXED_TIME
    core.revision = 1
    buf = io.BytesIO()
    doc.save(buf)
    path.write_bytes(_fixed_zip(buf.getvalue()))


def _para(doc, el: Para, on_cover: bool) -> None:
    if el.style == "cover_title":
        p = doc.add_paragraph(style="Title")
        p.alignment = WD_ALIGN_PARAGRAPH.CENTER
        add_runs(p, el.text)
        return
    p = doc.add_paragraph(style="Caption" if el.style == "caption" else None)
    size = {"cover_sub": 16, "cover_line": 11, "footnote": 7.5, "toc_title": 16}.get(el.style)
    bold = el.style in ("cover_sub", "label", "toc_title")
    if el.style in ("cover_sub", "cover_line"):
        p.alignment = WD_ALIGN_PARAGRAPH.CENTER
    add_runs(p, el.text, size=size, bold=bold)


def _fixed_zip(data: bytes) -> bytes:
    """Rewrite the package with fixed entry timestamps (python-docx stamps the current time)."""
    src = zipfile.ZipFile(io.BytesIO(data))
    out = io.BytesIO()
    with zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED) as dst:
        for info in src.infolist():
            zi = zipfile.ZipInfo(info.filename, date_time=ZIP_TIME)
            zi.compress_type = zipfile.ZIP_DEFLATED
            zi.external_attr = info.external_attr
            dst.writestr(zi, src.read(info.filename))
    return out.getvalue()
