"""DOCX reader (python-docx): the body in document order as headings, paragraphs, list
items, captions and tables.

- Headings: styles "Heading N" / "Titre N" (level N), "Title" / "Titre" (level 1), or an
  outline level set on the paragraph or its style.
- List items: numbering (``w:numPr``) on the paragraph or its style, or a style name
  containing "List"/"Liste"; ``style["depth"]`` from ``w:ilvl`` or the style's trailing
  number ("List Bullet 2" -> 1).
- Tables: one block each, rows of cell strings in document order (header first). Merged
  cells: a horizontal merge (``gridSpan``) gives its value **once** (python-docx's
  ``row.cells`` would repeat it), a vertical merge (``vMerge``) **repeats** the value of
  the first cell in every row it covers, so that each row stays complete (an objective
  row keeps its operator). Nested tables are flattened into their cell's text (one line
  per nested row, cells joined by " | ").
- Headers, footers, footnotes, comments and text boxes are left out; page is None (a
  DOCX has no reliable pages).

Before python-docx opens anything, the zip is checked: too large once uncompressed, or an
absurd compression ratio -> ReaderError "zip_bomb"; an XML part declaring a DOCTYPE or an
ENTITY -> ReaderError "xml_entity" (python-docx parses with ``resolve_entities=False``,
so nothing would be expanded anyway; such a part has no business in a DOCX).
"""

from __future__ import annotations

import re
import zipfile
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import docx
import lxml
from docx.document import Document as DocxDocument
from docx.enum.style import WD_STYLE_TYPE
from docx.opc.exceptions import PackageNotFoundError
from docx.styles.style import BaseStyle
from lxml import etree

from pipeline.readers.errors import ReaderError
from schemas.document import Block, Document, finalize_blocks

DOCX_MEDIA_TYPE = "application/vnd.openxmlformats-officedocument.wordprocessingml.document"

W = "http://schemas.openxmlformats.org/wordprocessingml/2006/main"
MC = "http://schemas.openxmlformats.org/markup-compatibility/2006"
_W = f"{{{W}}}"

_HEADING_STYLE = re.compile(r"^(?:heading|titre|überschrift|titolo|título)\s*(\d)$", re.I)
_TITLE_STYLE = re.compile(r"^(?:title|titre)$", re.I)
_LIST_STYLE = re.compile(r"list|liste", re.I)
_CAPTION_STYLE = re.compile(r"^(?:caption|légende|legende)$", re.I)
_TRAILING_NUMBER = re.compile(r"(\d+)\s*$")
_DOCTYPE = re.compile(rb"<!\s*(?:DOCTYPE|ENTITY)", re.I)


@dataclass(frozen=True)
class DocxSettings:
    """Safety limits of the DOCX reader."""

    # Refuse a DOCX whose entries add up to more than this once uncompressed.
    max_uncompressed_bytes: int = 200 * 1024 * 1024
    # Refuse an entry compressed more than this ratio (XML is ~10-30x; bombs 1000x+)...
    max_compression_ratio: float = 300.0
    # ...when it is at least this large uncompressed (tiny entries may compress a lot).
    ratio_min_bytes: int = 1024 * 1024
    # Refuse a zip with more entries than this.
    max_entries: int = 10_000
    # Bytes read at a time when scanning XML parts for DOCTYPE/ENTITY.
    scan_chunk_bytes: int = 1024 * 1024


# ---------------------------------------------------------------- zip guard


def check_docx_zip(path: Path, settings: DocxSettings | None = None) -> None:
    """Raise ReaderError unless `path` is a sane DOCX zip (see module docstring)."""
    settings = settings or DocxSettings()
    try:
        zf = zipfile.ZipFile(path)
    except (zipfile.BadZipFile, OSError) as exc:
        raise ReaderError(f"{path.name}: not a zip/DOCX ({exc})", "docx_syntax") from exc
    with zf:
        infos = zf.infolist()
        if len(infos) > settings.max_entries:
            raise ReaderError(f"{path.name}: {len(infos)} zip entries, more than "
                              f"{settings.max_entries}", "zip_bomb")
        total = sum(info.file_size for info in infos)
        if total > settings.max_uncompressed_bytes:
            raise ReaderError(f"{path.name}: {total} bytes once uncompressed, more than "
                              f"{settings.max_uncompressed_bytes}", "zip_bomb")
        for info in infos:
            ratio = info.file_size / max(info.compress_size, 1)
            if info.file_size >= settings.ratio_min_bytes and \
                    ratio > settings.max_compression_ratio:
                raise ReaderError(f"{path.name}: entry {info.filename} compressed "
                                  f"{ratio:.0f}x, more than {settings.max_compression_ratio:.0f}x",
                                  "zip_bomb")
        if "word/document.xml" not in zf.namelist():
            raise ReaderError(f"{path.name}: no word/document.xml, not a DOCX", "docx_syntax")
        budget = settings.max_uncompressed_bytes
        for info in infos:
            if info.filename.lower().endswith((".xml", ".rels")):
                budget -= _scan_xml_part(zf, info, path, budget, settings.scan_chunk_bytes)


def _scan_xml_part(zf: zipfile.ZipFile, info: zipfile.ZipInfo, path: Path, budget: int,
                   chunk_bytes: int) -> int:
    """Stream one XML part: ReaderError on DOCTYPE/ENTITY or when it inflates past the
    remaining budget (declared sizes can lie). Returns the bytes read."""
    read = 0
    tail = b""
    try:
        with zf.open(info) as fh:
            while chunk := fh.read(chunk_bytes):
                read += len(chunk)
                if read > budget:
                    raise ReaderError(f"{path.name}: {info.filename} inflates past the "
                                      "uncompressed-size limit", "zip_bomb")
                if _DOCTYPE.search(tail + chunk):
                    raise ReaderError(f"{path.name}: {info.filename} declares a DOCTYPE or "
                                      "an ENTITY", "xml_entity")
                tail = chunk[-16:]
    except (zipfile.BadZipFile, OSError, EOFError, ValueError) as exc:
        raise ReaderError(f"{path.name}: corrupt zip entry {info.filename} ({exc})",
                          "docx_syntax") from exc
    return read


# ---------------------------------------------------------------- styles


def _style_chain(style: BaseStyle | None) -> Iterator[BaseStyle]:
    seen = 0
    while style is not None and seen < 20:
        yield style
        style = getattr(style, "base_style", None)
        seen += 1


def _ppr_val(ppr: etree._Element | None, tag: str) -> str | None:
    if ppr is None:
        return None
    node = ppr.find(f"{_W}{tag}")
    return node.get(f"{_W}val") if node is not None else None


def _style_ppr(style: BaseStyle) -> etree._Element | None:
    return style.element.find(f"{_W}pPr")


class _StyleInfo:
    """What a paragraph style says: heading level, list, caption, bold (cached by id)."""

    def __init__(self, style: BaseStyle | None) -> None:
        chain = list(_style_chain(style))
        names = [s.name or "" for s in chain]
        self.name = names[0] if names else "Normal"
        self.heading_level: int | None = None
        for name in names:
            if m := _HEADING_STYLE.match(name.strip()):
                self.heading_level = max(1, int(m.group(1)))
                break
            if _TITLE_STYLE.match(name.strip()):
                self.heading_level = 1
                break
        if self.heading_level is None:
            for s in chain:
                outline = _ppr_val(_style_ppr(s), "outlineLvl")
                if outline is not None and outline.isdigit() and int(outline) < 9:
                    self.heading_level = int(outline) + 1
                    break
        self.is_caption = any(_CAPTION_STYLE.match(n.strip()) for n in names)
        numbered = any(
            (ppr := _style_ppr(s)) is not None and ppr.find(f"{_W}numPr") is not None
            for s in chain)
        self.is_list = numbered or any(_LIST_STYLE.search(n) for n in names)
        m = _TRAILING_NUMBER.search(self.name) if self.is_list else None
        self.list_depth = max(int(m.group(1)) - 1, 0) if m else 0
        self.bold = any(getattr(s, "font", None) is not None and s.font.bold for s in chain)


# ---------------------------------------------------------------- text


def paragraph_text(p: etree._Element) -> str:
    """Visible text of a <w:p>: runs, hyperlinks, fields, tracked insertions; tabs as
    "\\t", breaks as "\\n"; deleted text, text boxes and fallbacks left out."""
    parts: list[str] = []
    for node in p.iter(f"{_W}t", f"{_W}tab", f"{_W}br", f"{_W}cr", f"{_W}noBreakHyphen"):
        if _under(node, p, (f"{_W}txbxContent", f"{{{MC}}}Fallback", f"{_W}pPr")):
            continue
        tag = node.tag
        if tag == f"{_W}t":
            parts.append(node.text or "")
        elif tag == f"{_W}tab":
            if node.getparent() is not None and node.getparent().tag == f"{_W}r":
                parts.append("\t")
        elif tag in (f"{_W}br", f"{_W}cr"):
            parts.append("\n")
        elif tag == f"{_W}noBreakHyphen":
            parts.append("-")
    return "".join(parts)


def _under(node: etree._Element, stop: etree._Element, tags: tuple[str, ...]) -> bool:
    """True when `node` or an ancestor below `stop` has one of `tags`."""
    current = node
    while current is not None and current is not stop:
        if current.tag in tags:
            return True
        current = current.getparent()
    return False


def _clean(text: str) -> str:
    lines = (re.sub(r"[ \u00a0]+", " ", line).strip(" ") for line in text.split("\n"))
    return "\n".join(line for line in lines if line.strip())


def _all_runs_bold(p: etree._Element, style_bold: bool) -> bool:
    """True when every run carrying text is bold (direct formatting or paragraph style)."""
    seen = False
    for r in p.iter(f"{_W}r"):
        text = "".join(t.text or "" for t in r.iter(f"{_W}t"))
        if not text.strip():
            continue
        seen = True
        rpr = r.find(f"{_W}rPr")
        b = rpr.find(f"{_W}b") if rpr is not None else None
        if b is not None:
            if b.get(f"{_W}val", "true").lower() in ("0", "false", "off"):
                return False
        elif not style_bold:
            return False
    return seen


# ---------------------------------------------------------------- tables


def _cell_text(tc: etree._Element) -> str:
    lines: list[str] = []
    for child in _content_children(tc):
        if child.tag == f"{_W}p":
            lines.append(_clean(paragraph_text(child)))
        elif child.tag == f"{_W}tbl":
            for row in table_rows(child):
                lines.append(" | ".join(c.replace("\n", " ") for c in row if c))
    return "\n".join(line for line in lines if line)


def _content_children(el: etree._Element) -> Iterator[etree._Element]:
    """Children of a body/cell, with content controls (<w:sdt>) and custom XML unwrapped."""
    for child in el:
        if child.tag in (f"{_W}sdt", f"{_W}customXml"):
            content = child.find(f"{_W}sdtContent") if child.tag == f"{_W}sdt" else child
            if content is not None:
                yield from _content_children(content)
        else:
            yield child


def _row_cells(tr: etree._Element) -> Iterator[etree._Element]:
    for child in tr:
        if child.tag == f"{_W}tc":
            yield child
        elif child.tag in (f"{_W}sdt", f"{_W}customXml"):
            content = child.find(f"{_W}sdtContent") if child.tag == f"{_W}sdt" else child
            if content is not None:
                yield from (c for c in content if c.tag == f"{_W}tc")


def _int_val(node: etree._Element | None, default: int) -> int:
    if node is None:
        return default
    try:
        return max(1, int(node.get(f"{_W}val", default)))
    except ValueError:
        return default


def table_rows(tbl: etree._Element) -> list[list[str]]:
    """Rows of cell strings: horizontal merges once, vertical merges repeated."""
    rows: list[list[str]] = []
    above: dict[int, str] = {}  # grid column -> text of the cell that starts there
    for tr in _content_children(tbl):
        if tr.tag != f"{_W}tr":
            continue
        trpr = tr.find(f"{_W}trPr")
        before = trpr.find(f"{_W}gridBefore") if trpr is not None else None
        col = _int_val(before, 1) if before is not None else 0
        row: list[str] = []
        current: dict[int, str] = {}
        for tc in _row_cells(tr):
            tcpr = tc.find(f"{_W}tcPr")
            span = _int_val(tcpr.find(f"{_W}gridSpan") if tcpr is not None else None, 1)
            vmerge = tcpr.find(f"{_W}vMerge") if tcpr is not None else None
            if vmerge is not None and vmerge.get(f"{_W}val", "continue") == "continue":
                text = above.get(col, "")
            else:
                text = _cell_text(tc)
            row.append(text)
            current[col] = text
            col += span
        above = current
        if any(cell.strip() for cell in row):
            rows.append(row)
    return rows


def _header_rows(tbl: etree._Element) -> int:
    count = 0
    for tr in tbl.findall(f"{_W}tr"):
        trpr = tr.find(f"{_W}trPr")
        if trpr is None or trpr.find(f"{_W}tblHeader") is None:
            break
        count += 1
    return count


# ---------------------------------------------------------------- body walk


def iter_body_blocks(document: DocxDocument) -> Iterator[Block]:
    """Blocks of the document body in order (paragraphs and tables interleaved)."""
    styles: dict[str | None, _StyleInfo] = {}
    by_id = {s.style_id: s for s in document.styles}
    default = document.styles.default(WD_STYLE_TYPE.PARAGRAPH)

    def info_for(p: etree._Element) -> _StyleInfo:
        style_id = _ppr_val(p.find(f"{_W}pPr"), "pStyle")
        if style_id not in styles:
            styles[style_id] = _StyleInfo(by_id.get(style_id, default) if style_id else default)
        return styles[style_id]

    for child in _content_children(document.element.body):
        if child.tag == f"{_W}p":
            block = _paragraph_block(child, info_for(child))
            if block is not None:
                yield block
        elif child.tag == f"{_W}tbl":
            rows = table_rows(child)
            if rows:
                yield Block(kind="table", text="", rows=rows,
                            style={"header_rows": _header_rows(child)})


def _paragraph_block(p: etree._Element, info: _StyleInfo) -> Block | None:
    text = _clean(paragraph_text(p))
    if not text:
        return None
    ppr = p.find(f"{_W}pPr")
    style: dict = {"style_name": info.name}
    if _all_runs_bold(p, info.bold):
        style["bold"] = True
    outline = _ppr_val(ppr, "outlineLvl")
    level = info.heading_level
    if outline is not None and outline.isdigit() and int(outline) < 9:
        level = int(outline) + 1
    if level is not None:
        return Block(kind="heading", text=text.replace("\n", " "), level=level, style=style)
    if info.is_caption:
        return Block(kind="caption", text=text, style=style)
    numpr = ppr.find(f"{_W}numPr") if ppr is not None else None
    num_id = _ppr_val(numpr, "numId") if numpr is not None else None
    if (numpr is not None and num_id != "0") or (info.is_list and num_id != "0"):
        ilvl = _ppr_val(numpr, "ilvl") if numpr is not None else None
        style["depth"] = int(ilvl) if ilvl and ilvl.isdigit() else info.list_depth
        return Block(kind="list_item", text=text, style=style)
    return Block(kind="paragraph", text=text, style=style)


# ---------------------------------------------------------------- entry point


def _core_title(document: DocxDocument) -> str:
    """The title of the core properties; "" when absent or when that part is broken (a
    wrong content type makes python-docx raise AttributeError: the body is still good)."""
    try:
        return (document.core_properties.title or "").strip()
    except Exception:  # only the metadata is lost
        return ""


def read_docx(path: Path, *, source_uri: str, doc_id: str,
              settings: DocxSettings | None = None) -> Document:
    """Read a DOCX into a Document (body only, page=None).

    Raises ReaderError: "not_found", "empty_file", "docx_syntax" (not a DOCX / broken),
    "zip_bomb" (see DocxSettings), "xml_entity" (a part declares a DOCTYPE/ENTITY).
    """
    settings = settings or DocxSettings()
    path = Path(path)
    if not path.is_file():
        raise ReaderError(f"{path}: no such file", "not_found")
    if path.stat().st_size == 0:
        raise ReaderError(f"{path.name}: empty file", "empty_file")
    try:
        check_docx_zip(path, settings)
    except ReaderError:
        raise
    except Exception as exc:  # zlib.error and friends from a corrupt deflate stream
        raise ReaderError(f"{path.name}: corrupt zip ({exc})", "docx_syntax") from exc
    try:
        document = docx.Document(str(path))
    except Exception as exc:  # python-docx raises many types on a broken package
        raise ReaderError(f"{path.name}: broken DOCX package ({type(exc).__name__}: {exc})",
                          "docx_syntax") from exc
    try:
        blocks = finalize_blocks(list(iter_body_blocks(document)))
        core_title = _core_title(document)
    except (PackageNotFoundError, KeyError, ValueError, etree.XMLSyntaxError,
            zipfile.BadZipFile) as exc:
        raise ReaderError(f"{path.name}: broken DOCX ({exc})", "docx_syntax") from exc
    title = core_title or next((b.text for b in blocks if b.kind == "heading"), None)
    doc = Document(doc_id=doc_id, source_uri=source_uri, media_type=DOCX_MEDIA_TYPE,
                   title=title, blocks=blocks)
    doc.meta["parser"] = {"python-docx": docx.__version__, "lxml": lxml.__version__}
    if not blocks:
        doc.status = "partial"
        doc.warnings.append("no text in the document body")
    return doc
