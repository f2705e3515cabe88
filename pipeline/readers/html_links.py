"""The links of a web page's main content (not its menu or footer), resolved and typed.

The main content is the HTML reader's (:func:`pipeline.readers.html.main_content`): the
same chrome removal and container selection, so a watched page's navigation, footer and
"related links" never become sources. A link's kind is told from its `type` attribute,
its path's extension, then the words of its text ("Télécharger (PDF, 2 Mo)"); a download
URL with none of these (`/media/123/download`) is a "file" of unknown format.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from pathlib import PurePosixPath
from urllib.parse import urldefrag, urljoin, urlsplit

from pipeline.readers.html import HtmlSettings, main_content

# Kinds of linked documents; "file" is a download whose format the link does not tell.
KINDS = ("pdf", "docx", "html", "file", "other")
TYPE_KINDS = {"application/pdf": "pdf", "text/html": "html", "application/xhtml+xml": "html",
              "application/vnd.openxmlformats-officedocument.wordprocessingml.document": "docx"}
EXTENSION_KINDS = {".pdf": "pdf", ".docx": "docx", ".html": "html", ".htm": "html",
                   ".php": "html", ".asp": "html", ".aspx": "html", ".jsp": "html",
                   ".shtml": "html", ".xhtml": "html"}
# Words of a link's text or title that announce its format.
TEXT_KINDS = ((re.compile(r"\bpdf\b", re.I), "pdf"),
              (re.compile(r"\b(docx|word)\b", re.I), "docx"))
# Path segments or query words of download URLs without an extension.
DOWNLOAD_HINTS = re.compile(r"/(download|telecharger|media|medias|fichiers?|files?|"
                            r"documents?|uploads?|pj)(/|$)|[?&](download|inline)\b", re.I)
SCHEMES = ("http", "https")
_SPACES = re.compile(r"\s+")


@dataclass(frozen=True)
class Link:
    """A link of the main content: absolute URL (no fragment), its text, its kind."""

    url: str
    text: str
    kind: str  # one of KINDS


def link_kind(url: str, text: str = "", type_attr: str = "") -> str:
    """The kind of the document `url` points to (see KINDS)."""
    declared = TYPE_KINDS.get(type_attr.split(";")[0].strip().lower())
    if declared:
        return declared
    suffix = PurePosixPath(urlsplit(url).path).suffix.lower()
    if suffix in EXTENSION_KINDS:
        return EXTENSION_KINDS[suffix]
    if suffix and not suffix[1:].isdigit():  # .jpg, .zip, .xlsx, .odt…; not "/page.2"
        return "other"
    for pattern, kind in TEXT_KINDS:
        if pattern.search(text):
            return kind
    return "file" if DOWNLOAD_HINTS.search(url) else "html"


def main_content_links(data: bytes, page_url: str,
                       settings: HtmlSettings | None = None) -> list[Link]:
    """The http(s) links of the page's main content, in document order, each URL once
    (the first non-empty text kept), without links back to the page itself."""
    page = main_content(data, settings)
    base = urljoin(page_url, page.meta.get("base_href") or "")
    self_url = urldefrag(page_url).url
    links: dict[str, Link] = {}
    for anchor in page.container.iter("a"):
        href = (anchor.get("href") or "").strip()
        if not href:
            continue
        url = urldefrag(urljoin(base, href)).url
        if urlsplit(url).scheme.lower() not in SCHEMES or url == self_url:
            continue
        text = _SPACES.sub(" ", anchor.text_content()).strip() or \
            (anchor.get("title") or anchor.get("aria-label") or "").strip()
        if url in links:
            if not links[url].text and text:
                links[url] = Link(url, text, links[url].kind)
            continue
        links[url] = Link(url, text, link_kind(url, f"{text} {anchor.get('title') or ''}",
                                              anchor.get("type") or ""))
    return list(links.values())
