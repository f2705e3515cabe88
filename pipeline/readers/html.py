"""HTML reader: the main content of a web page as headings, paragraphs, list items, tables.

lxml parses (chosen by measurement: see docs/html-reader-choice.md); the main-content
selection is ours, because off-the-shelf extractors drop list items and repeated blocks:

1. drop junk (scripts, styles, forms controls) and chrome: navigation, breadcrumb, cookie
   banner, share widgets, related links, site header/footer/sidebar, by tag, ARIA role
   and id/class keywords kept as data in :mod:`pipeline.readers.html_selectors`;
2. pick the container: ``<main>``, ``[role=main]``, the dominant ``<article>``, an element
   whose id/class says "content", else the densest text container;
3. walk it in document order: h1-h6 -> heading, p/pre/dt/dd -> paragraph, each ``<li>``
   -> list_item (nested lists flattened, ``style["depth"]``), table -> table (colspan and
   rowspan expanded, header rows first), caption/figcaption -> caption.

Repeated blocks (tabs + accordions carrying the same text) are all kept: dedup marks them
later, readers never delete text. Hidden elements are kept for the same reason (a closed
tab panel is content).
"""

from __future__ import annotations

import re
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import lxml
import lxml.html
from lxml import etree

from pipeline.readers import html_selectors as sel
from pipeline.readers.errors import ReaderError
from pipeline.readers.text import decode_bytes, read_bytes_checked
from schemas.document import Block, Document, finalize_blocks

HTML_MEDIA_TYPE = "text/html"

_META_CHARSET = re.compile(rb"""<meta[^>]+charset\s*=\s*["']?\s*([A-Za-z0-9_.:-]+)""", re.I)
_XML_DECL = re.compile(r"^\s*<\?xml[^>]*\?>", re.I)
_XML_ENCODING = re.compile(rb"""^\s*<\?xml[^>]*encoding\s*=\s*["']([A-Za-z0-9_.:-]+)""", re.I)
_SPACES = re.compile(r"\s+")
_TOKEN_SPLIT = re.compile(r"[\s_-]+")
PARSE_STOPPED = "the HTML parser stopped early"
# Control characters lxml accepts when parsing but refuses when the tree is edited.
_NOT_XML_CHARS = re.compile("[\x00-\x08\x0b\x0c\x0e-\x1f\ufffe\uffff]")


@dataclass(frozen=True)
class HtmlSettings:
    """Thresholds of the main-content selection (defaults suit agency and CMS pages)."""

    # An element holding more than this share of the page's text is never removed as
    # chrome by an id/class keyword (guards against <body class="has-sidebar">).
    max_chrome_text_share: float = 0.5
    # A semantic container (<main>, <article>...) is used when it holds at least this
    # share of the page's text left after chrome removal...
    min_main_text_share: float = 0.25
    # ...or at least this many characters.
    min_main_chars: int = 200
    # Density fallback: text runs shorter than this do not vote for their container.
    min_paragraph_chars: int = 25
    # Share of a paragraph's score given to its grandparent (the parent gets all of it).
    grandparent_weight: float = 0.5
    # Bytes scanned for a <meta charset> declaration.
    charset_scan_bytes: int = 4096
    # Larger files are refused (ReaderError "too_large"): no web page of a PTSM comes close.
    max_bytes: int = 20 * 1024 * 1024
    # Keyword lists (see html_selectors); overridable per run.
    chrome_keywords: tuple[str, ...] = sel.CHROME_KEYWORDS
    site_level_keywords: tuple[str, ...] = sel.SITE_LEVEL_KEYWORDS
    main_keywords: tuple[str, ...] = sel.MAIN_KEYWORDS


# ---------------------------------------------------------------- decoding and parsing


def declared_charset(data: bytes, scan_bytes: int = 4096) -> str | None:
    """The charset declared in an XML declaration or a <meta> of the first bytes."""
    head = data[:scan_bytes]
    match = _XML_ENCODING.match(head) or _META_CHARSET.search(head)
    return match.group(1).decode("ascii", "replace") if match else None


def parse_html(data: bytes, settings: HtmlSettings | None = None
               ) -> tuple[lxml.html.HtmlElement, str, list[str]]:
    """Decode and parse HTML bytes: (root element, encoding used, warnings)."""
    settings = settings or HtmlSettings()
    text, encoding, warnings = decode_bytes(data, declared_charset(data,
                                                                   settings.charset_scan_bytes))
    text = _NOT_XML_CHARS.sub("", _XML_DECL.sub("", text, count=1))
    parser = lxml.html.HTMLParser(remove_comments=True, remove_pis=True, no_network=True)
    try:
        root = lxml.html.document_fromstring(text, parser=parser)
    except (etree.ParserError, ValueError) as exc:
        raise ReaderError(f"unparsable HTML ({exc})", "html_syntax") from exc
    fatal = [e for e in parser.error_log if e.level_name == "FATAL"]
    if fatal:  # e.g. nesting deeper than libxml2's limit: what follows is not in the tree
        warnings.append(f"{PARSE_STOPPED} (line {fatal[0].line}: {fatal[0].message.strip()}); "
                        "the rest of the page was not read")
    return root, encoding, warnings


# ---------------------------------------------------------------- metadata


def _meta_content(root: lxml.html.HtmlElement, *names: str) -> str | None:
    for name in names:
        for attr in ("property", "name"):
            for node in root.xpath(f"//meta[@{attr}=$n]", n=name):
                value = _norm(node.get("content") or "")
                if value:
                    return value
    return None


def page_metadata(root: lxml.html.HtmlElement) -> dict[str, str | None]:
    """Title, canonical URL, site name, language and <base href> declared by the page."""
    title_node = root.find(".//title")
    title = _norm(title_node.text_content()) if title_node is not None else ""
    h1 = root.find(".//h1")
    canonical = None
    for link in root.xpath("//link[@href]"):
        if "canonical" in (link.get("rel") or "").lower().split():
            canonical = link.get("href").strip()
            break
    return {
        "title": title or _meta_content(root, "og:title")
        or (_norm(h1.text_content()) if h1 is not None else None) or None,
        "canonical_url": canonical or _meta_content(root, "og:url"),
        "site_name": _meta_content(root, "og:site_name"),
        "lang": (root.get("lang") or "").strip() or None,
        "base_href": next((b.get("href").strip() for b in root.xpath("//base[@href]")), None),
    }


# ---------------------------------------------------------------- chrome removal


def _tokens(node: lxml.html.HtmlElement) -> str:
    """' id and class tokens ' lower-cased, space-separated, padded for run matching."""
    raw = f"{node.get('id') or ''} {node.get('class') or ''}".lower()
    return " " + " ".join(t for t in _TOKEN_SPLIT.split(raw) if t) + " "


def _has_keyword(tokens: str, keywords: tuple[str, ...], prefix_min: int = 6) -> str | None:
    """The first keyword found as a run of whole tokens; keywords of `prefix_min`+ letters
    also match as a token prefix ("cookie" in "cookiebanner", "tarteaucitron" in
    "tarteaucitronroot")."""
    for keyword in keywords:
        needle = f" {keyword.replace('-', ' ')}"
        if f"{needle} " in tokens or (len(keyword) >= prefix_min and needle in tokens):
            return keyword
    return None


def _in_content_landmark(node: lxml.html.HtmlElement) -> bool:
    return any(a.tag in ("article", "main") or a.get("role") == "main"
               for a in node.iterancestors())


def _text_len(node: lxml.html.HtmlElement) -> int:
    return len(_SPACES.sub("", node.text_content()))


def _chrome_reason(node: lxml.html.HtmlElement, settings: HtmlSettings) -> str | None:
    """Why `node` is chrome (tag, role or keyword), or None."""
    tag = node.tag
    role = (node.get("role") or "").strip().lower()
    if tag in sel.CHROME_TAGS:
        return f"tag:{tag}"
    if role in sel.CHROME_ROLES:
        return f"role:{role}"
    site_level = tag in sel.SITE_LEVEL_TAGS or role in sel.SITE_LEVEL_ROLES
    if site_level and not _in_content_landmark(node):
        return f"tag:{tag}" if tag in sel.SITE_LEVEL_TAGS else f"role:{role}"
    if tag in ("html", "body", "main", "article") or role == "main":
        return None
    tokens = _tokens(node)
    if tokens.strip():
        keyword = _has_keyword(tokens, settings.chrome_keywords)
        if keyword is None and not _in_content_landmark(node):
            keyword = _has_keyword(tokens, settings.site_level_keywords)
        if keyword:
            return f"keyword:{keyword}"
    return None


def remove_chrome(root: lxml.html.HtmlElement, settings: HtmlSettings) -> dict[str, int]:
    """Remove junk and chrome elements in place; counts of removals by reason."""
    removed: dict[str, int] = {}
    for node in list(root.iter()):
        if not isinstance(node.tag, str):
            _drop(node)
            continue
        if node.tag in sel.JUNK_TAGS:
            _drop(node)
    body = root.find("body")
    total = _text_len(body if body is not None else root) or 1
    # Walk top-down so a removed subtree is not visited again.
    stack = [body if body is not None else root]
    while stack:
        node = stack.pop()
        for child in list(node):
            if not isinstance(child.tag, str):
                continue
            reason = _chrome_reason(child, settings)
            if reason and reason.startswith("keyword:") and (
                    _text_len(child) / total > settings.max_chrome_text_share):
                reason = None
            if reason:
                removed[reason] = removed.get(reason, 0) + 1
                _drop(child)
            else:
                stack.append(child)
    return removed


def _drop(node: lxml.html.HtmlElement) -> None:
    """Remove `node` and its subtree, keeping its tail text."""
    parent = node.getparent()
    if parent is None:
        return
    node.drop_tree()


# ---------------------------------------------------------------- main content selection


def _non_link_len(node: lxml.html.HtmlElement) -> int:
    links = sum(_text_len(a) for a in node.iter("a"))
    return max(_text_len(node) - links, 0)


def select_main(root: lxml.html.HtmlElement, settings: HtmlSettings
                ) -> tuple[lxml.html.HtmlElement, str]:
    """The main-content container and how it was found (main, article, keyword, density)."""
    body = root.find("body")
    body = body if body is not None else root
    total = _text_len(body)

    def big_enough(node: lxml.html.HtmlElement) -> bool:
        size = _text_len(node)
        return size >= settings.min_main_chars or (total and size / total
                                                   >= settings.min_main_text_share)

    for xpath in sel.MAIN_SELECTORS:
        nodes = [n for n in root.xpath(xpath) if big_enough(n)]
        if not nodes:
            continue
        if len(nodes) == 1:
            return nodes[0], xpath.strip("/")
        # Several <article> (a listing): their nearest common container.
        return _common_ancestor(nodes), xpath.strip("/") + "+"
    keyed = [n for n in body.iter() if isinstance(n.tag, str) and n.tag in ("div", "section")
             and _has_keyword(_tokens(n), settings.main_keywords) and big_enough(n)]
    if keyed:
        # The innermost keyword container that still holds most of the keyed text.
        best = max(keyed, key=_non_link_len)
        return best, "keyword"
    return _densest(body, settings), "density"


def _common_ancestor(nodes: list[lxml.html.HtmlElement]) -> lxml.html.HtmlElement:
    paths = [[n, *n.iterancestors()][::-1] for n in nodes]
    common = paths[0][0]
    for level in zip(*paths, strict=False):
        if all(n is level[0] for n in level):
            common = level[0]
        else:
            break
    return common


def _densest(body: lxml.html.HtmlElement, settings: HtmlSettings) -> lxml.html.HtmlElement:
    """Readability-style vote: each text run scores its parent and grandparent."""
    scores: dict[lxml.html.HtmlElement, float] = {}
    for node in body.iter("p", "li", "pre", "td", "dd", "blockquote", "h2", "h3", "h4"):
        size = _non_link_len(node)
        if size < settings.min_paragraph_chars:
            continue
        parent = node.getparent()
        if node.tag == "li" and parent is not None:
            parent = parent.getparent()  # a list votes for the list's container
        if parent is None:
            continue
        scores[parent] = scores.get(parent, 0.0) + size
        grand = parent.getparent()
        if grand is not None:
            scores[grand] = scores.get(grand, 0.0) + size * settings.grandparent_weight
    if not scores:
        return body
    return max(scores, key=lambda n: scores[n])


# ---------------------------------------------------------------- text rendering


def _norm(text: str) -> str:
    return _SPACES.sub(" ", text).strip()


def raw_text(node: lxml.html.HtmlElement, skip: frozenset[str] = frozenset(),
             with_self: bool = True) -> str:
    """Unnormalised text of `node` (its own text and its children's, plus its tail when
    `with_self` is False); block boundaries and <br> become "\n"; `skip` tags left out."""
    parts: list[str] = []

    def walk(el: lxml.html.HtmlElement) -> None:
        if el.text:
            parts.append(el.text)
        for child in el:
            if isinstance(child.tag, str) and child.tag not in skip:
                if child.tag == "br":
                    parts.append("\n")
                elif child.tag in sel.BLOCK_TAGS:
                    parts.append("\n")
                    walk(child)
                    parts.append("\n")
                else:
                    walk(child)
            if child.tail:
                parts.append(child.tail)

    walk(node)
    return "".join(parts)


def _lines(raw: str) -> str:
    """Spaces collapsed within each line, empty lines dropped."""
    return "\n".join(line for line in (_norm(part) for part in raw.split("\n")) if line)


def render_text(node: lxml.html.HtmlElement, skip: frozenset[str] = frozenset()) -> str:
    """The visible text of `node`: block boundaries and <br> become line breaks, spaces
    collapsed within a line; descendants whose tag is in `skip` are left out."""
    return _lines(raw_text(node, skip))


def _is_bold(node: lxml.html.HtmlElement) -> bool:
    """True when every visible character of `node` sits inside <b>/<strong>."""
    total = _text_len(node)
    if not total:
        return False
    bold = sum(_text_len(b) for b in node.iter(*sel.BOLD_TAGS)
               if not any(a.tag in sel.BOLD_TAGS for a in b.iterancestors()))
    return bold >= total


# ---------------------------------------------------------------- tables


def _span(cell: lxml.html.HtmlElement, attr: str) -> int:
    try:
        return max(1, min(int((cell.get(attr) or "1").strip() or 1), 1000))
    except ValueError:
        return 1


def _own_rows(table: lxml.html.HtmlElement) -> list[lxml.html.HtmlElement]:
    """Rows of `table` itself (not of nested tables): thead rows, body rows, tfoot rows."""
    head, body, foot = [], [], []
    for child in table:
        if child.tag == "tr":
            body.append(child)
        elif child.tag in ("thead", "tbody", "tfoot"):
            rows = [r for r in child if r.tag == "tr"]
            {"thead": head, "tbody": body, "tfoot": foot}[child.tag].extend(rows)
    return head + body + foot


def table_rows(table: lxml.html.HtmlElement) -> list[list[str]]:
    """Rows of cell strings; colspan/rowspan expanded (the merged value repeated in every
    grid position it covers); nested tables flattened into their cell's text."""
    grid: list[list[str | None]] = []
    pending: dict[tuple[int, int], str] = {}  # (row, col) filled by a rowspan above
    for r, row in enumerate(_own_rows(table)):
        out: list[str | None] = []
        col = 0
        cells = [c for c in row if c.tag in ("td", "th")]
        for cell in cells:
            while (r, col) in pending:
                out.append(pending.pop((r, col)))
                col += 1
            text = render_text(cell)
            colspan, rowspan = _span(cell, "colspan"), _span(cell, "rowspan")
            for c in range(colspan):
                out.append(text)
                for extra in range(1, rowspan):
                    pending[(r + extra, col + c)] = text
            col += colspan
        while (r, col) in pending:
            out.append(pending.pop((r, col)))
            col += 1
        grid.append(out)
    width = max((len(row) for row in grid), default=0)
    rows = [[c or "" for c in row] + [""] * (width - len(row)) for row in grid]
    return [row for row in rows if any(cell.strip() for cell in row)]


def _is_layout_table(table: lxml.html.HtmlElement, rows: list[list[str]]) -> bool:
    role = (table.get("role") or "").lower()
    return role in ("presentation", "none") or all(len(row) <= 1 for row in rows)


# ---------------------------------------------------------------- block walk


def _has_block_descendant(node: lxml.html.HtmlElement) -> bool:
    return any(isinstance(d.tag, str) and d.tag in sel.BLOCK_TAGS for d in node.iterdescendants())


def iter_blocks(node: lxml.html.HtmlElement, depth: int = 0) -> Iterator[Block]:
    """Blocks of a container in document order (not finalized)."""
    inline: list[str] = []

    def flush() -> Iterator[Block]:
        text = _lines("".join(inline))
        inline.clear()
        if text:
            yield Block(kind="paragraph", text=text)

    if node.text:
        inline.append(node.text)
    for child in node:
        if not isinstance(child.tag, str):
            pass
        elif child.tag == "br":
            inline.append("\n")
        elif child.tag in sel.BLOCK_TAGS or _has_block_descendant(child):
            yield from flush()
            yield from _element_blocks(child, depth)
        else:
            inline.append(raw_text(child))
        if child.tail:
            inline.append(child.tail)
    yield from flush()


def _element_blocks(el: lxml.html.HtmlElement, depth: int) -> Iterator[Block]:
    tag = el.tag
    role = (el.get("role") or "").lower()
    if tag in sel.HEADING_TAGS or (role == "heading" and el.get("aria-level", "").isdigit()):
        level = sel.HEADING_TAGS.get(tag) or int(el.get("aria-level"))
        yield Block(kind="heading", text=_norm(render_text(el)), level=level,
                    style={"tag": tag})
    elif tag in sel.LIST_TAGS:
        yield from _list_blocks(el, depth)
    elif tag == "li":  # a stray <li> outside any list
        yield from _list_item_blocks(el, depth)
    elif tag == "table":
        yield from _table_blocks(el, depth)
    elif tag in sel.CAPTION_TAGS:
        yield Block(kind="caption", text=render_text(el), style={"tag": tag})
    elif tag in sel.PARAGRAPH_TAGS and not _has_nested_structure(el):
        text = render_text(el)
        style = {"tag": tag}
        if _is_bold(el):
            style["bold"] = True
        yield Block(kind="paragraph", text=text, style=style)
    elif tag == "summary" or role == "tab":
        yield Block(kind="paragraph", text=render_text(el), style={"tag": tag, "role": "tab"})
    elif tag == "hr":
        return
    else:
        yield from iter_blocks(el, depth)


def _has_nested_structure(el: lxml.html.HtmlElement) -> bool:
    return any(isinstance(d.tag, str) and (d.tag in sel.LIST_TAGS or d.tag == "table"
                                           or d.tag in sel.HEADING_TAGS)
               for d in el.iterdescendants())


def _list_blocks(lst: lxml.html.HtmlElement, depth: int) -> Iterator[Block]:
    for child in lst:
        if not isinstance(child.tag, str):
            continue
        if child.tag == "li":
            yield from _list_item_blocks(child, depth)
        elif child.tag in sel.LIST_TAGS:
            yield from _list_blocks(child, depth + 1)
        else:
            yield from _element_blocks(child, depth)
    # Text directly inside <ul> (broken markup) is rare; ignored by design.


def _list_item_blocks(li: lxml.html.HtmlElement, depth: int) -> Iterator[Block]:
    """One list_item for the <li> text (its nested lists and tables left out), then the
    nested lists one level deeper, then its tables. A tab label (``role="tab"``, in a
    ``role="tablist"``) is a paragraph, as an accordion's <summary>."""
    parent = li.getparent()
    if "tab" in ((li.get("role") or "").lower(),
                 (parent.get("role") or "").lower().replace("tablist", "tab")
                 if parent is not None else ""):
        yield Block(kind="paragraph", text=render_text(li), style={"tag": "li", "role": "tab"})
        return
    text = render_text(li, skip=sel.LIST_TAGS | {"table"}).replace("\n", " ")
    style: dict = {"depth": depth, "list": parent.tag if parent is not None else "ul"}
    if _is_bold(li):
        style["bold"] = True
    yield Block(kind="list_item", text=_norm(text), style=style)
    for d in li.iterdescendants():
        if d.tag in sel.LIST_TAGS and not _inside(d, sel.LIST_TAGS | {"table"}, li):
            yield from _list_blocks(d, depth + 1)
        elif d.tag == "table" and not _inside(d, sel.LIST_TAGS | {"table"}, li):
            yield from _table_blocks(d, depth + 1)


def _inside(node: lxml.html.HtmlElement, tags: frozenset[str] | set[str],
            stop: lxml.html.HtmlElement) -> bool:
    """True when an ancestor of `node` below `stop` has a tag in `tags`."""
    for ancestor in node.iterancestors():
        if ancestor is stop:
            return False
        if ancestor.tag in tags:
            return True
    return False


def _table_blocks(table: lxml.html.HtmlElement, depth: int) -> Iterator[Block]:
    rows = table_rows(table)
    caption = table.find("caption")
    if caption is not None and render_text(caption):
        yield Block(kind="caption", text=render_text(caption), style={"tag": "caption"})
    if not rows:
        return
    if _is_layout_table(table, rows):
        for row in _own_rows(table):
            for cell in row:
                if cell.tag in ("td", "th"):
                    yield from iter_blocks(cell, depth)
        return
    header = bool(table.xpath("./thead/tr | ./tr[1][th and not(td)]"
                              " | ./tbody[1]/tr[1][th and not(td)]"))
    yield Block(kind="table", text="", rows=rows, style={"header_row": header})


# ---------------------------------------------------------------- entry point


@dataclass
class MainContent:
    """A parsed page and its main-content container (chrome already removed from `root`)."""

    root: lxml.html.HtmlElement
    container: lxml.html.HtmlElement
    how: str  # how the container was found (see select_main)
    encoding: str
    warnings: list[str]
    meta: dict[str, str | None]  # page_metadata, read before chrome removal
    removed: dict[str, int]  # chrome removed, by reason


def main_content(data: bytes, settings: HtmlSettings | None = None) -> MainContent:
    """Parse HTML bytes, remove the chrome and select the main content (steps 1-2)."""
    settings = settings or HtmlSettings()
    root, encoding, warnings = parse_html(data, settings)
    meta = page_metadata(root)
    removed = remove_chrome(root, settings)
    container, how = select_main(root, settings)
    return MainContent(root, container, how, encoding, warnings, meta, removed)


def html_to_document(data: bytes, *, source_uri: str, doc_id: str,
                     settings: HtmlSettings | None = None) -> Document:
    """Parse HTML bytes into a Document (main content only, page=None)."""
    settings = settings or HtmlSettings()
    page = main_content(data, settings)
    encoding, warnings, meta = page.encoding, page.warnings, page.meta
    removed, container, how = page.removed, page.container, page.how
    blocks = finalize_blocks(list(iter_blocks(container)))
    doc = Document(doc_id=doc_id, source_uri=source_uri, media_type=HTML_MEDIA_TYPE,
                   title=meta["title"] or next((b.text for b in blocks if b.kind == "heading"),
                                               None),
                   blocks=blocks, warnings=warnings)
    doc.meta.update({
        "parser": {"lxml": lxml.__version__, "libxml2": ".".join(map(str, etree.LIBXML_VERSION))},
        "encoding": encoding,
        "canonical_url": meta["canonical_url"],
        "site_name": meta["site_name"],
        "lang": meta["lang"],
        "main_container": how,
        "removed_chrome": removed,
    })
    if not blocks:
        doc.status = "partial"
        doc.warnings.append("no main content found")
    if any(w.startswith(PARSE_STOPPED) for w in warnings):
        doc.status = "partial"
    return doc


def read_html(path: Path, *, source_uri: str, doc_id: str,
              settings: HtmlSettings | None = None) -> Document:
    """Read an HTML file into a Document (main content only, page=None).

    Raises ReaderError when the file is missing, empty or cannot be parsed at all;
    bad bytes never raise (replaced, with a warning).
    """
    limit = (settings or HtmlSettings()).max_bytes
    size = Path(path).stat().st_size if Path(path).is_file() else 0
    if size > limit:
        raise ReaderError(f"{Path(path).name}: HTML of {size} bytes, more than the limit of "
                          f"{limit} (HtmlSettings.max_bytes); not a web page to read", "too_large")
    data = read_bytes_checked(Path(path))
    return html_to_document(data, source_uri=source_uri, doc_id=doc_id, settings=settings)
