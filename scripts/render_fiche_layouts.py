"""Render the fiche layout families b–e of issue 15 as PDF (reportlab) and DOCX (python-docx).

Usage: ``PYTHONPATH=. .venv/bin/python scripts/render_fiche_layouts.py``

Writes tests/fixtures/layouts/<plan>-<family>.{pdf,docx} for the Mayenne plan and an invented
plan (scripts/fiche_plans.py), and tests/fixtures/gold/fiches_invented.json. Families:

- b (table): one key/value table per fiche, banner row "FICHE ACTION N° 7" or the number in
  the first cell, steps with an inline "Échéance :" in one cell; tables span pages;
- b2 (Mayenne only): one table per fiche holding its 4-column operational grid, the other
  rows spanning the value columns, under "Objectif N du décret" sections;
- c (axis): numbering inside axes/priorities ("Action 2.3"), other field labels, a steps table;
- d (grid): only a landscape plan grid, one row per action;
- e (inline): a heading per fiche, steps as numbered or bulleted lines with the échéance inline.

Helvetica (not the samples' DejaVu), other margins and sizes: nothing may depend on fonts.
Deterministic output (reportlab ``invariant=1``, fixed zip timestamps).
"""

from __future__ import annotations

import datetime as dt
import io
import json
import sys
import zipfile
from dataclasses import dataclass, field
from pathlib import Path
from xml.sax.saxutils import escape

sys.path.insert(0, str(Path(__file__).resolve().parent))

from docx import Document  # noqa: E402
from docx.enum.section import WD_ORIENT  # noqa: E402
from docx.shared import Cm, Pt  # noqa: E402
from fiche_plans import FicheSpec, PlanSpec, gold, invented_plan, mayenne_plan  # noqa: E402
from reportlab import rl_config  # noqa: E402
from reportlab.lib import colors  # noqa: E402
from reportlab.lib.pagesizes import A4, landscape  # noqa: E402
from reportlab.lib.styles import ParagraphStyle  # noqa: E402
from reportlab.lib.units import cm  # noqa: E402
from reportlab.platypus import (  # noqa: E402
    LongTable,
    PageBreak,
    Paragraph,
    SimpleDocTemplate,
    Spacer,
    TableStyle,
)

ROOT = Path(__file__).resolve().parent.parent
OUT = ROOT / "tests" / "fixtures" / "layouts"
GOLD = ROOT / "tests" / "fixtures" / "gold"
ZIP_TIME = (2024, 3, 1, 10, 0, 0)


# ---------------------------------------------------------------- generic elements


@dataclass
class H:
    level: int
    text: str
    new_page: bool = False


@dataclass
class P:
    text: str
    label: str = ""  # bold label before the text


@dataclass
class L:
    text: str
    glyph: str = "•"


@dataclass
class T:
    rows: list[list[str]]
    widths: list[float]  # fractions of the text width
    banner: bool = False  # first row spans the whole width
    header: bool = False  # first row is a header, repeated on page breaks
    label_col: bool = False  # first column in bold
    spans: list[tuple[int, int]] = field(default_factory=list)  # (row, first col) spanning
    # to the last column (the banner row is row 0)


Element = H | P | L | T


def _people(items: list[str]) -> str:
    return ", ".join(items)


def _step_line(k: int, text: str, ech: str, style: str) -> str:
    numbered = text[:1].isdigit() or text.lower().startswith(("projet", "action"))
    head = text if numbered else f"{k}. {text}"
    if style == "paren":
        return f"{head} ({ech})" if ech else head
    return f"{head} — Échéance : {ech}" if ech else head


# ---------------------------------------------------------------- families


def family_b(plan: PlanSpec) -> list[Element]:
    """One key/value table per fiche (ANAP template)."""
    out: list[Element] = [H(1, plan.title), _intro(plan)]
    mayenne = plan.name == "mayenne"
    for f in plan.fiches:
        steps = "\n".join(_step_line(k, s.text, s.echeance, "inline" if mayenne else "paren")
                          for k, s in enumerate(f.steps, start=1))
        if mayenne:
            rows = [[f"FICHE ACTION N° {f.label}", ""],
                    ["Intitulé de l'action", f.title],
                    ["Priorité du décret", f.axis],
                    ["Porteur(s)", _people(f.pilotes)],
                    ["Partenaires associés", _people(f.partenaires)],
                    ["Objectifs stratégiques", "\n".join(f"- {o}" for o in f.objectifs)],
                    ["Actions à mettre en œuvre", steps],
                    ["Moyens", f.moyens],
                    ["Territoire / public", f"{f.territoire}\n{f.public}".strip()],
                    ["Indicateurs de suivi", f.indicateurs]]
            out.append(T(rows, [0.28, 0.72], banner=True, label_col=True))
        else:
            rows = [[f"Fiche n° {f.label}", f.title],
                    ["Axe stratégique", f.axis],
                    ["Responsable", _people(f.pilotes)],
                    ["Contributeurs", _people(f.partenaires)],
                    ["Description", "\n".join(f.objectifs)],
                    ["Étapes", steps],
                    ["Budget", f.moyens],
                    ["Bénéficiaires", f.public],
                    ["Critères d'évaluation", f.indicateurs]]
            out.append(T(rows, [0.25, 0.75], label_col=True))
        out.append(P(""))
    return out


def family_b2(plan: PlanSpec) -> list[Element]:
    """One table per fiche holding its operational grid (4 columns, key/value rows spanning
    the value columns), under "Objectif N du décret" sections; the banner gives the title."""
    out: list[Element] = [H(1, plan.title), _intro(plan)]
    for k, (axis, fiches) in enumerate(_axes(plan), start=1):
        out.append(H(1, f"Objectif {fiches[0].priority} du décret : {axis}", new_page=k > 1))
        for f in fiches:
            rows = [[f"Fiche action n° {f.label} : {f.title}", "", "", ""],
                    ["Pilote(s)", _people(f.pilotes), "", ""],
                    ["Partenaires", _people(f.partenaires), "", ""],
                    ["Objectifs stratégiques", "\n".join(f"- {o}" for o in f.objectifs), "", ""],
                    ["Objectifs opérationnels", "Opérateur(s)", "Modalités", "Échéance"]]
            rows += [[s.text, s.operateur, "", s.echeance] for s in f.steps]
            rows += [["Moyens", f.moyens, "", ""], ["Indicateurs", f.indicateurs, "", ""]]
            spans = [(0, len(rows[0]) - 1)] + [(r, 1) for r, row in enumerate(rows)
                                              if r and not any(row[2:])]
            out.append(T(rows, [0.34, 0.22, 0.26, 0.18], banner=True, label_col=True,
                         spans=spans))
            out.append(P(""))
    return out


def _axes(plan: PlanSpec) -> list[tuple[str, list[FicheSpec]]]:
    groups: list[tuple[str, list[FicheSpec]]] = []
    for f in plan.fiches:
        if not groups or groups[-1][0] != f.axis:
            groups.append((f.axis, []))
        groups[-1][1].append(f)
    return groups


def family_c(plan: PlanSpec) -> list[Element]:
    """Numbering inside axes or priorities, other labels, a steps table."""
    out: list[Element] = [H(1, plan.title), _intro(plan)]
    for k, (axis, fiches) in enumerate(_axes(plan), start=1):
        if plan.name == "mayenne":
            out.append(H(1, f"Priorité {fiches[0].priority} : {axis}", new_page=k > 1))
        else:
            out.append(H(1, f"Axe {k} – {axis}", new_page=k > 1))
        for j, f in enumerate(fiches, start=1):
            label = f"{fiches[0].priority}.{j}" if plan.name == "mayenne" else f.label
            out.append(H(2, f"Action {label} – {f.title}"))
            out.append(P(_people(f.pilotes), "Porteur de l'action :"))
            out.append(P(_people(f.partenaires), "Acteurs associés :"))
            out.append(P("", "Descriptif :"))
            out.extend(L(o, "–") for o in f.objectifs)
            out.append(P("", "Modalités de mise en œuvre"))
            rows = [["Étapes", "Porteur", "Échéancier"]]
            rows += [[s.text, s.operateur, s.echeance] for s in f.steps]
            out.append(T(rows, [0.55, 0.25, 0.20], header=True))
            if f.moyens:
                out.append(P(f.moyens, "Financement :"))
            if f.public:
                out.append(P(f.public, "Population :"))
            if f.indicateurs:
                out.append(P(f.indicateurs, "Modalités d'évaluation :"))
    return out


def family_d(plan: PlanSpec) -> list[Element]:
    """Only a plan grid, one row per action (landscape)."""
    out: list[Element] = [H(1, plan.title), P("Tableau de synthèse du plan d'actions")]
    if plan.name == "mayenne":
        rows = [["Priorité", "N°", "Action", "Pilote", "Partenaires", "Étapes et calendrier",
                 "Indicateurs"]]
        for f in plan.fiches:
            steps = "\n".join(_step_line(k, s.text, s.echeance, "paren")
                              for k, s in enumerate(f.steps, start=1))
            rows.append([f.axis, f.label, f.title, _people(f.pilotes), _people(f.partenaires),
                         steps, f.indicateurs])
        widths = [0.15, 0.04, 0.17, 0.10, 0.10, 0.29, 0.15]
    else:
        rows = [["Axe", "N°", "Action", "Pilote", "Partenaires", "Calendrier", "Indicateurs"]]
        for f in plan.fiches:
            span = f"{f.steps[0].echeance} – {f.steps[-1].echeance}"
            rows.append([f"Axe {f.label.split('.')[0]} – {f.axis}", f.label, f.title,
                         _people(f.pilotes), _people(f.partenaires), span, f.indicateurs])
        widths = [0.18, 0.05, 0.22, 0.13, 0.15, 0.12, 0.15]
    out.append(T(rows, widths, header=True))
    return out


def family_e(plan: PlanSpec) -> list[Element]:
    """A heading per fiche; steps as numbered or bulleted lines with the échéance inline."""
    out: list[Element] = [H(1, plan.title), _intro(plan)]
    mayenne = plan.name == "mayenne"
    for k, (axis, fiches) in enumerate(_axes(plan), start=1):
        head = (f"Objectif {fiches[0].priority} du décret : {axis}" if mayenne
                else f"Priorité {k} : {axis}")
        out.append(H(1, head, new_page=k > 1))
        for f in fiches:
            out.append(H(2, f"Fiche action n° {f.label} : {f.title}" if mayenne
                         else f"Fiche-projet {f.number} : {f.title}"))
            out.append(P(_people(f.pilotes), "Pilotes :" if mayenne else "Référent :"))
            out.append(P(_people(f.partenaires), "Partenaires :"))
            out.append(P("", "Objectifs :"))
            out.extend(L(o) for o in f.objectifs)
            out.append(P("", "Actions à mettre en œuvre :" if mayenne else "Étapes :"))
            for j, s in enumerate(f.steps, start=1):
                if mayenne:
                    out.append(P(_step_line(j, s.text, s.echeance, "inline")))
                else:
                    out.append(L(_step_line(j, s.text, s.echeance, "paren")
                                 .split(". ", 1)[-1], "–"))
            if f.moyens:
                out.append(P(f.moyens, "Moyens :"))
            if f.indicateurs:
                out.append(P(f.indicateurs, "Indicateurs :"))
    return out


def _intro(plan: PlanSpec) -> P:
    return P(f"Ce document présente les {len(plan.fiches)} actions retenues par le comité de "
             "pilotage, avec leurs porteurs, leurs partenaires et leur calendrier.")


FAMILIES = {"b": family_b, "b2": family_b2, "c": family_c, "d": family_d, "e": family_e}


# ---------------------------------------------------------------- PDF


def _pdf_styles() -> dict[str, ParagraphStyle]:
    base = ParagraphStyle("b", fontName="Helvetica", fontSize=9.5, leading=12, spaceAfter=4)
    return {
        "body": base,
        "cell": ParagraphStyle("c", parent=base, fontSize=8.5, leading=10.5, spaceAfter=0),
        "cellb": ParagraphStyle("cb", parent=base, fontName="Helvetica-Bold", fontSize=8.5,
                                leading=10.5, spaceAfter=0),
        "h1": ParagraphStyle("h1", parent=base, fontName="Helvetica-Bold", fontSize=15,
                             leading=19, spaceBefore=6, spaceAfter=10,
                             textColor=colors.HexColor("#7A1F3D")),
        "h2": ParagraphStyle("h2", parent=base, fontName="Helvetica-Bold", fontSize=12,
                             leading=15, spaceBefore=10, spaceAfter=6),
        "bullet": ParagraphStyle("l", parent=base, leftIndent=16, bulletIndent=4),
    }


def _markup(text: str) -> str:
    return escape(text).replace("\n", "<br/>")


def render_pdf(elements: list[Element], path: Path, wide: bool) -> None:
    rl_config.invariant = 1
    size = landscape(A4) if wide else A4
    doc = SimpleDocTemplate(str(path), pagesize=size, leftMargin=1.8 * cm, rightMargin=1.8 * cm,
                            topMargin=2.2 * cm, bottomMargin=2 * cm, invariant=1,
                            title=path.stem, author="render_fiche_layouts", creator="LibreOffice")
    st = _pdf_styles()
    avail = size[0] - 3.6 * cm
    story = []
    for el in elements:
        if isinstance(el, H):
            if el.new_page:
                story.append(PageBreak())
            story.append(Paragraph(_markup(el.text), st[f"h{min(el.level, 2)}"]))
        elif isinstance(el, P):
            if not el.text and not el.label:
                story.append(Spacer(1, 10))
                continue
            text = _markup(el.text)
            if el.label:
                text = f"<b>{escape(el.label)}</b> {text}"
            story.append(Paragraph(text, st["body"]))
        elif isinstance(el, L):
            story.append(Paragraph(_markup(el.text), st["bullet"], bulletText=el.glyph))
        else:
            story.append(_pdf_table(el, avail, st))
    doc.build(story, onFirstPage=_footer, onLaterPages=_footer)


def _footer(canv, doc) -> None:
    canv.saveState()
    canv.setFont("Helvetica", 7.5)
    canv.drawRightString(doc.pagesize[0] - 1.8 * cm, 1.1 * cm, f"page {canv.getPageNumber()}")
    canv.restoreState()


def _pdf_table(t: T, avail: float, st: dict[str, ParagraphStyle]) -> LongTable:
    data = []
    for r, row in enumerate(t.rows):
        cells = []
        for c, text in enumerate(row):
            bold = (t.banner and r == 0) or (t.header and r == 0) or (t.label_col and c == 0)
            cells.append(Paragraph(_markup(text), st["cellb" if bold else "cell"]) if text else "")
        data.append(cells)
    table = LongTable(data, colWidths=[avail * w for w in t.widths],
                      repeatRows=1 if t.header else 0, hAlign="LEFT", splitByRow=1)
    cmds = [("GRID", (0, 0), (-1, -1), 0.6, colors.HexColor("#333333")),
            ("VALIGN", (0, 0), (-1, -1), "TOP"),
            ("TOPPADDING", (0, 0), (-1, -1), 3), ("BOTTOMPADDING", (0, 0), (-1, -1), 4)]
    if t.banner:
        cmds += [("SPAN", (0, 0), (-1, 0)),
                 ("BACKGROUND", (0, 0), (-1, 0), colors.HexColor("#F2D7E0"))]
    cmds += [("SPAN", (col, row), (-1, row)) for row, col in t.spans if row]
    if t.header:
        cmds.append(("BACKGROUND", (0, 0), (-1, 0), colors.HexColor("#E4E4E4")))
    table.setStyle(TableStyle(cmds))
    return table


# ---------------------------------------------------------------- DOCX


def render_docx(elements: list[Element], path: Path, wide: bool) -> None:
    doc = Document()
    section = doc.sections[0]
    if wide:
        section.orientation = WD_ORIENT.LANDSCAPE
        section.page_width, section.page_height = section.page_height, section.page_width
    section.left_margin = section.right_margin = Cm(1.8)
    doc.styles["Normal"].font.name = "Calibri"
    doc.styles["Normal"].font.size = Pt(10)
    for el in elements:
        if isinstance(el, H):
            if el.new_page:
                doc.add_page_break()
            doc.add_heading(el.text, level=el.level)
        elif isinstance(el, P):
            par = doc.add_paragraph()
            if el.label:
                par.add_run(el.label).bold = True
                if el.text:
                    par.add_run(" ")
            if el.text:
                par.add_run(el.text)
        elif isinstance(el, L):
            doc.add_paragraph(el.text, style="List Bullet")
        else:
            _docx_table(doc, el)
    core = doc.core_properties
    core.author, core.title = "render_fiche_layouts", path.stem
    core.created = core.modified = dt.datetime(2024, 3, 1, 10, 0, 0)
    buf = io.BytesIO()
    doc.save(buf)
    path.write_bytes(_fixed_zip(buf.getvalue()))


def _docx_table(doc, t: T) -> None:
    table = doc.add_table(rows=len(t.rows), cols=len(t.widths))
    table.style = "Table Grid"
    for r, row in enumerate(t.rows):
        for c, text in enumerate(row):
            cell = table.cell(r, c)
            lines = text.split("\n")
            par = cell.paragraphs[0]
            bold = (t.banner and r == 0) or (t.header and r == 0) or (t.label_col and c == 0)
            for k, line in enumerate(lines):
                if k:
                    par = cell.add_paragraph()
                par.add_run(line).bold = bold or None
    for row, col in ([(0, 0)] if t.banner else []) + [sp for sp in t.spans if sp[0]]:
        first = table.cell(row, col)
        lines = [p.text for p in first.paragraphs]
        merged = first.merge(table.cell(row, len(t.widths) - 1))
        for par in merged.paragraphs[1:]:
            par._element.getparent().remove(par._element)
        merged.paragraphs[0].text = ""
        for k, line in enumerate(x for x in lines if x):
            par = merged.paragraphs[0] if k == 0 else merged.add_paragraph()
            par.add_run(line).bold = (row == 0 and t.banner) or None
    doc.add_paragraph()


def _fixed_zip(data: bytes) -> bytes:
    src = zipfile.ZipFile(io.BytesIO(data))
    out = io.BytesIO()
    with zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED) as dst:
        for info in sorted(src.infolist(), key=lambda i: i.filename):
            zi = zipfile.ZipInfo(info.filename, date_time=ZIP_TIME)
            zi.compress_type = zipfile.ZIP_DEFLATED
            dst.writestr(zi, src.read(info.filename))
    return out.getvalue()


def main() -> int:
    OUT.mkdir(parents=True, exist_ok=True)
    plans = [mayenne_plan(), invented_plan()]
    for plan in plans:
        for family, build in FAMILIES.items():
            if family == "b2" and plan.name != "mayenne":
                continue
            elements = build(plan)
            stem = OUT / f"{plan.name}-{family}"
            render_pdf(elements, stem.with_suffix(".pdf"), wide=family == "d")
            render_docx(elements, stem.with_suffix(".docx"), wide=family == "d")
            print(f"{stem.name}: pdf + docx")
    (GOLD / "fiches_invented.json").write_text(
        json.dumps(gold(plans[1]), ensure_ascii=False, indent=1) + "\n", encoding="utf-8")
    return 0


if __name__ == "__main__":
    sys.exit(main())
