"""Render the seed document model to a PDF with reportlab (platypus).

Two layouts are provided: :data:`AGENCY_LAYOUT` (ruled tables, fiches on new pages, cover,
running header and footer) and :data:`VARIANT_LAYOUT` (no ruling lines, inline bold field
labels, fiches flowing one after another, narrow margins, other header/footer).
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from pathlib import Path

from reportlab import rl_config
from reportlab.lib import colors
from reportlab.lib.enums import TA_CENTER, TA_LEFT
from reportlab.lib.pagesizes import A4, landscape
from reportlab.lib.styles import ParagraphStyle
from reportlab.lib.units import cm
from reportlab.pdfbase import pdfmetrics
from reportlab.pdfbase.ttfonts import TTFont
from reportlab.platypus import (
    BaseDocTemplate,
    CondPageBreak,
    Flowable,
    Frame,
    KeepTogether,
    LongTable,
    NextPageTemplate,
    PageBreak,
    PageTemplate,
    Paragraph,
    Spacer,
    TableStyle,
)
from seed_model import (
    Bullet,
    Element,
    Heading,
    Orientation,
    Para,
    Table,
    TocEntry,
    plain,
)
from seed_model import PageBreak as ModelPageBreak

FONT_DIRS = (
    Path("/usr/share/fonts/truetype/dejavu"),
    Path("/usr/share/fonts/dejavu"),
    Path("/usr/share/fonts/TTF"),
    Path("/Library/Fonts"),
)
FONT_FILES = {
    "DejaVuSans": "DejaVuSans.ttf",
    "DejaVuSans-Bold": "DejaVuSans-Bold.ttf",
    "DejaVuSans-Oblique": "DejaVuSans-Oblique.ttf",
    "DejaVuSans-BoldOblique": "DejaVuSans-BoldOblique.ttf",
}
FONT = "DejaVuSans"


@dataclass(frozen=True)
class Layout:
    """Page and typography settings of one rendering."""

    body_size: float = 10.0  # body font size (pt)
    table_size: float = 8.5  # operational / summary table cells
    wide_table_size: float = 5.6  # plan and planning tables (landscape)
    margin: float = 2.2 * cm
    grid: bool = True  # ruled tables
    fiche_new_page: bool = True
    inline_labels: bool = False  # "Pilotes :" etc. as inline bold labels, no field bullets
    cover: bool = True
    header_text: str = "PTSM 53 – Feuille de route 2019-2024"
    header_right: str = "Département de la Mayenne"
    footer_left: str = "Projet Territorial en Santé Mentale de la Mayenne"
    footer_format: str = "Page {page}"
    footer_centered: bool = False
    title: str = "Projet territorial en santé mentale – Département de la Mayenne – "
    "Feuille de route 2019-2024"


AGENCY_LAYOUT = Layout()
VARIANT_LAYOUT = Layout(
    body_size=8.5,
    table_size=7.5,
    wide_table_size=5.2,
    margin=1.1 * cm,
    grid=False,
    fiche_new_page=False,
    inline_labels=True,
    cover=False,
    header_text="Feuille de route du PTSM – version de travail",
    header_right="",
    footer_left="",
    footer_format="– {page} –",
    footer_centered=True,
)


def register_fonts() -> None:
    """Register DejaVu Sans (embedded TTF subsets: accents, ✓ and ▪ extract as Unicode)."""
    if FONT in pdfmetrics.getRegisteredFontNames():
        return
    for name, filename in FONT_FILES.items():
        path = next((d / filename for d in FONT_DIRS if (d / filename).exists()), None)
        if path is None:
            raise FileNotFoundError(
                f"{filename} not found in {', '.join(map(str, FONT_DIRS))}: "
                "install the DejaVu fonts (apt-get install fonts-dejavu-core)"
            )
        pdfmetrics.registerFont(TTFont(name, str(path)))
    pdfmetrics.registerFontFamily(
        FONT,
        normal="DejaVuSans",
        bold="DejaVuSans-Bold",
        italic="DejaVuSans-Oblique",
        boldItalic="DejaVuSans-BoldOblique",
    )


# ---------------------------------------------------------------- styles


def _styles(lay: Layout) -> dict[str, ParagraphStyle]:
    s = lay.body_size
    base = ParagraphStyle("body", fontName=FONT, fontSize=s, leading=s * 1.3, spaceAfter=s * 0.5)
    return {
        "body": base,
        "field": ParagraphStyle("field", parent=base),
        "label": ParagraphStyle(
            "label",
            parent=base,
            keepWithNext=1,
            fontName="DejaVuSans-Bold",
            fontSize=s * 1.1,
            leading=s * 1.4,
            spaceBefore=s * 0.6,
        ),
        "caption": ParagraphStyle(
            "caption",
            parent=base,
            fontName="DejaVuSans-Oblique",
            fontSize=s * 0.85,
            alignment=TA_CENTER,
        ),
        "footnote": ParagraphStyle("footnote", parent=base, fontSize=s * 0.75, leading=s * 0.95),
        "acronym": ParagraphStyle("acronym", parent=base, spaceAfter=s * 0.2),
        "cover_title": ParagraphStyle(
            "cover_title",
            parent=base,
            fontName="DejaVuSans-Bold",
            fontSize=s * 2.2,
            leading=s * 2.8,
            alignment=TA_CENTER,
            spaceBefore=s * 4,
            spaceAfter=s * 1.5,
        ),
        "cover_sub": ParagraphStyle(
            "cover_sub",
            parent=base,
            fontName="DejaVuSans-Bold",
            fontSize=s * 1.6,
            leading=s * 2.1,
            alignment=TA_CENTER,
            spaceAfter=s * 1.2,
        ),
        "cover_line": ParagraphStyle(
            "cover_line",
            parent=base,
            fontSize=s * 1.1,
            leading=s * 1.6,
            alignment=TA_CENTER,
            spaceAfter=s,
        ),
        "toc_title": ParagraphStyle(
            "toc_title",
            parent=base,
            fontName="DejaVuSans-Bold",
            fontSize=s * 1.6,
            leading=s * 2,
            spaceAfter=s * 1.2,
        ),
        "toc": ParagraphStyle(
            "toc", parent=base, fontSize=s * 0.9, leading=s * 1.15, spaceAfter=s * 0.25
        ),
        "h1": ParagraphStyle(
            "h1",
            parent=base,
            keepWithNext=1,
            fontName="DejaVuSans-Bold",
            fontSize=s * 1.8,
            leading=s * 2.2,
            spaceBefore=s * 0.5,
            spaceAfter=s * 1.2,
            textColor=colors.HexColor("#1F4E79"),
        ),
        "h2": ParagraphStyle(
            "h2",
            parent=base,
            keepWithNext=1,
            fontName="DejaVuSans-Bold",
            fontSize=s * 1.35,
            leading=s * 1.7,
            spaceBefore=s * 0.8,
            spaceAfter=s * 0.8,
            textColor=colors.HexColor("#2E75B6"),
        ),
        "h3": ParagraphStyle(
            "h3",
            parent=base,
            keepWithNext=1,
            fontName="DejaVuSans-Bold",
            fontSize=s * 1.2,
            leading=s * 1.5,
            spaceBefore=s * 0.6,
            spaceAfter=s * 0.7,
        ),
        "h4": ParagraphStyle(
            "h4",
            parent=base,
            keepWithNext=1,
            fontName="DejaVuSans-BoldOblique",
            fontSize=s * 1.05,
            leading=s * 1.4,
            spaceBefore=s * 0.4,
        ),
        "bullet": ParagraphStyle(
            "bullet",
            parent=base,
            leftIndent=s * 1.8,
            bulletIndent=s * 0.4,
            spaceAfter=s * 0.25,
            bulletFontName=FONT,
        ),
        "bullet2": ParagraphStyle(
            "bullet2",
            parent=base,
            leftIndent=s * 3.6,
            bulletIndent=s * 2.2,
            spaceAfter=s * 0.2,
            bulletFontName=FONT,
        ),
    }


def _cell_style(size: float, bold: bool = False) -> ParagraphStyle:
    return ParagraphStyle(
        f"cell{size}{bold}",
        fontName="DejaVuSans-Bold" if bold else FONT,
        fontSize=size,
        leading=size * 1.22,
        alignment=TA_LEFT,
    )


def rl_markup(markup: str, size: float = 10.0) -> str:
    """Model markup to reportlab paragraph markup; superscripts are raised by a third of
    ``size`` at 65 % of it, as word processors do (so they stay on the text line)."""
    sup = f'<super rise="{size * 0.33:.2f}" size="{size * 0.65:.2f}">'
    text = markup.replace("<sup>", sup).replace("</sup>", "</super>")
    text = re.sub(r"(https?://[^\s<]+)", r'<link href="\1" color="blue"><u>\1</u></link>', text)
    return text.replace("\n", "<br/>")


# ---------------------------------------------------------------- flowables


class TocLine(Flowable):
    """A table-of-contents line: title, dot leaders and a right-aligned page number."""

    def __init__(self, text: str, page: str, style: ParagraphStyle, indent: float) -> None:
        super().__init__()
        self.page = page
        self.style = style
        self.indent = indent
        self.para = Paragraph(rl_markup(text), style)

    def wrap(self, aw: float, ah: float) -> tuple[float, float]:
        self.aw = aw
        w, h = self.para.wrap(aw - self.indent - 36, ah)
        self.height = h
        return aw, h

    def getSpaceAfter(self) -> float:  # noqa: N802 (reportlab API)
        return self.style.spaceAfter

    def draw(self) -> None:
        c = self.canv
        self.para.drawOn(c, self.indent, 0)
        if not self.page:
            return
        lines = self.para.blPara.lines
        last = lines[-1]
        extra = last[0] if isinstance(last, tuple) else last.extraSpace
        text_end = self.indent + (self.aw - self.indent - 36) - extra
        y = self.height - self.style.fontSize - (len(lines) - 1) * self.style.leading
        size = self.style.fontSize
        c.setFont(FONT, size)
        num_w = pdfmetrics.stringWidth(self.page, FONT, size)
        c.drawString(self.aw - num_w, y, self.page)
        dot_w = pdfmetrics.stringWidth(" .", FONT, size)
        n = int((self.aw - num_w - 4 - text_end - 4) / dot_w)
        if n > 0:
            c.drawString(self.aw - num_w - 4 - n * dot_w, y, " ." * n)


# ---------------------------------------------------------------- tables


def _table(t: Table, lay: Layout, avail_w: float) -> LongTable:
    wide = t.kind in ("plan", "planning")
    size = lay.wide_table_size if wide else lay.table_size
    widths = _col_widths(t, avail_w)
    head_style, cell_style = _cell_style(size, bold=True), _cell_style(size)
    data = []
    for r, row in enumerate(t.rows):
        is_head = r < t.header_rows or (t.kind == "summary" and False)
        style = head_style if is_head else cell_style
        data.append([Paragraph(rl_markup(c), style) if c else "" for c in row])
    tbl = LongTable(data, colWidths=widths, repeatRows=t.header_rows, hAlign="LEFT")
    cmds: list[tuple] = [
        ("VALIGN", (0, 0), (-1, -1), "TOP"),
        ("LEFTPADDING", (0, 0), (-1, -1), 3 if wide else 4),
        ("RIGHTPADDING", (0, 0), (-1, -1), 3 if wide else 4),
        ("TOPPADDING", (0, 0), (-1, -1), 2 if wide else 3),
        ("BOTTOMPADDING", (0, 0), (-1, -1), 2 if wide else 3),
    ]
    if lay.grid:
        cmds.append(("GRID", (0, 0), (-1, -1), 0.5, colors.black))
        if t.header_rows:
            cmds.append(("BACKGROUND", (0, 0), (-1, t.header_rows - 1), colors.HexColor("#D9E2F3")))
        if t.kind == "summary":
            cmds.append(("BACKGROUND", (0, 0), (0, -1), colors.HexColor("#DEEAF6")))
    else:
        cmds.append(("RIGHTPADDING", (0, 0), (-1, -1), 10))
    for start, end in t.spans:
        cmds.append(("SPAN", start, end))
    tbl.setStyle(TableStyle(cmds))
    return tbl


def _col_widths(t: Table, avail: float) -> list[float]:
    n = t.n_cols
    if t.kind == "operational" and n == 4:
        return [avail * f for f in (0.30, 0.15, 0.38, 0.17)]
    if t.kind == "summary" and n == 3:
        return [avail * f for f in (0.16, 0.34, 0.50)]
    if t.kind == "plan" and n == 19:
        fracs = [0.10, 0.12, 0.14] + [0.034] * 12 + [0.05] * 3 + [0.082]
        return [avail * f for f in fracs]
    if t.kind in ("plan", "planning"):
        fixed = [avail * 0.20]
        rest = (avail - sum(fixed)) / (n - len(fixed))
        return fixed + [rest] * (n - len(fixed))
    return [avail / n] * n


# ---------------------------------------------------------------- page decoration


def _decorate(lay: Layout, with_header: bool):
    def on_page(canv, doc) -> None:
        if not with_header:
            return
        w, h = canv._pagesize
        m = lay.margin
        canv.saveState()
        canv.setFont(FONT, 8)
        canv.setFillColor(colors.HexColor("#404040"))
        canv.drawString(m, h - m * 0.55, lay.header_text)
        if lay.header_right:
            canv.drawRightString(w - m, h - m * 0.55, lay.header_right)
        if lay.grid:
            canv.setLineWidth(0.4)
            canv.line(m, h - m * 0.55 - 4, w - m, h - m * 0.55 - 4)
        footer = lay.footer_format.format(page=canv.getPageNumber())
        if lay.footer_centered:
            canv.drawCentredString(w / 2, m * 0.45, footer)
        else:
            canv.drawRightString(w - m, m * 0.45, footer)
        if lay.footer_left:
            canv.drawString(m, m * 0.45, lay.footer_left)
        canv.restoreState()

    return on_page


def _doc(path: Path, lay: Layout) -> BaseDocTemplate:
    m = lay.margin
    doc = BaseDocTemplate(
        str(path),
        pagesize=A4,
        leftMargin=m,
        rightMargin=m,
        topMargin=m,
        bottomMargin=m,
        title=lay.title,
        author="ARS Pays de la Loire – DT53 / Groupe projet PTSM 53",
        subject="Projet territorial en santé mentale – Feuille de route",
        creator="Microsoft Word",
        invariant=1,
    )
    pw, ph = A4
    lw, lh = landscape(A4)
    portrait_frame = Frame(m, m, pw - 2 * m, ph - 2 * m, id="p")
    landscape_frame = Frame(m, m, lw - 2 * m, lh - 2 * m, id="l")
    doc.addPageTemplates(
        [
            PageTemplate(
                "cover",
                [Frame(m, m, pw - 2 * m, ph - 2 * m, id="c")],
                onPage=_decorate(lay, False),
                pagesize=A4,
            ),
            PageTemplate("portrait", [portrait_frame], onPage=_decorate(lay, True), pagesize=A4),
            PageTemplate(
                "landscape", [landscape_frame], onPage=_decorate(lay, True), pagesize=landscape(A4)
            ),
        ]
    )
    return doc


# ---------------------------------------------------------------- story


_FIELD_BULLET = re.compile(
    r"^(?:<b>)?(?:<i>)?(?:Objectifs stratégiques|Moyens nécessaires|Territoire et)"
)


def build_story(elements: list[Element], lay: Layout) -> list[Flowable]:
    """Model elements to platypus flowables."""
    st = _styles(lay)
    pw = A4[0] - 2 * lay.margin
    lw = landscape(A4)[0] - 2 * lay.margin
    avail = pw
    story: list[Flowable] = []
    if not lay.cover:
        story.append(NextPageTemplate("portrait"))
    else:
        story.append(Spacer(1, 3 * cm))
    pending_label: str | None = None
    first_toc = True
    for el in elements:
        if pending_label is not None and not (isinstance(el, Para) and el.style == "body"):
            story.append(Paragraph(f"<b>{pending_label}</b>", st["body"]))
            pending_label = None
        if isinstance(el, ModelPageBreak):
            if lay.cover and first_toc:
                story.append(NextPageTemplate("portrait"))
                first_toc = False
            story.append(PageBreak() if lay.cover else CondPageBreak(4 * cm))
        elif isinstance(el, Orientation):
            story.append(NextPageTemplate("landscape" if el.landscape else "portrait"))
            story.append(PageBreak())
            avail = lw if el.landscape else pw
        elif isinstance(el, Heading):
            is_fiche = el.level == 3 and plain(el.text).startswith("Fiche action")
            if el.page_break and (lay.fiche_new_page or not is_fiche):
                story.append(PageBreak())
            elif is_fiche:
                story.append(CondPageBreak(5 * cm))
            story.append(Paragraph(rl_markup(el.text), st[f"h{min(el.level, 4)}"]))
        elif isinstance(el, TocEntry):
            style = st["toc"]
            if el.level == 1:
                style = ParagraphStyle("toc1", parent=style, fontName="DejaVuSans-Bold")
            story.append(TocLine(el.text, el.page, style, indent=(el.level - 1) * 12))
        elif isinstance(el, Bullet):
            text = el.text
            if lay.inline_labels and _FIELD_BULLET.match(text):
                story.append(Paragraph(rl_markup(text), st["body"]))
                continue
            style = st["bullet2"] if el.level > 1 else st["bullet"]
            story.append(Paragraph(rl_markup(text), style, bulletText=el.glyph))
        elif isinstance(el, Para):
            if lay.inline_labels and el.style == "label":
                pending_label = rl_markup(el.text)
                continue
            style = st.get(el.style, st["body"])
            text = rl_markup(el.text, style.fontSize)
            if pending_label is not None:
                text = f"<b>{pending_label}</b> {text}"
                pending_label = None
            story.append(Paragraph(text, style))
        elif isinstance(el, Table):
            tbl = _table(el, lay, avail)
            if el.kind == "annex" and len(el.rows) <= 2:
                story.append(KeepTogether([tbl, Spacer(1, 6)]))
            else:
                story += [Spacer(1, lay.body_size * 0.3), tbl, Spacer(1, lay.body_size)]
    return story


def render_pdf(elements: list[Element], path: Path, lay: Layout = AGENCY_LAYOUT) -> int:
    """Write the PDF; returns its page count."""
    rl_config.invariant = 1
    register_fonts()
    doc = _doc(path, lay)
    story = build_story(elements, lay)
    if not lay.cover:
        doc.pageTemplates = doc.pageTemplates[1:]
    doc.build(story)
    return doc.page
