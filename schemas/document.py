"""The Document IR: the seam between readers (formats) and extractors (PTSMs).

Every reader fills a :class:`Document` made of :class:`Block` items; every
extractor reads only this model. Provenance (page, bbox, style) travels with
each block.
"""

from __future__ import annotations

import hashlib
from dataclasses import asdict, dataclass, field
from enum import StrEnum
from typing import Any, Literal


class BlockKind(StrEnum):
    """What a block is; a `str`, so `block.kind == "table"` reads as it says."""

    HEADING = "heading"
    PARAGRAPH = "paragraph"
    LIST_ITEM = "list_item"
    TABLE = "table"
    CAPTION = "caption"


BLOCK_KINDS: tuple[str, ...] = tuple(k.value for k in BlockKind)
DocStatus = Literal["ok", "partial", "failed"]

BBox = tuple[float, float, float, float]


@dataclass
class Block:
    """One unit of layout: a heading, a paragraph, a list item, a table or a caption."""

    kind: BlockKind
    text: str
    level: int | None = None  # headings: 1 = top level
    page: int | None = None  # 1-based; None for HTML
    page_end: int | None = None  # last page for a block spanning pages (tables)
    bbox: BBox | None = None  # PDF points (x0, top, x1, bottom) on `page`
    style: dict[str, Any] = field(default_factory=dict)  # font_size, bold, ...
    rows: list[list[str]] | None = None  # tables: rows of cell strings, header first
    section_path: list[str] = field(default_factory=list)
    seq: int = 0
    toc_page: int | None = None  # a table-of-contents entry: the page it points to

    def __post_init__(self) -> None:
        if self.kind not in BLOCK_KINDS:
            raise ValueError(f"unknown block kind {self.kind!r}")
        self.kind = BlockKind(self.kind)
        if self.kind == "table" and self.rows is not None and not self.text:
            self.text = table_text(self.rows)


    @property
    def toc(self) -> bool:
        """True for a line of a table of contents."""
        return self.toc_page is not None


@dataclass
class Document:
    """A parsed document version."""

    doc_id: str
    source_uri: str
    media_type: str
    title: str | None = None
    n_pages: int | None = None
    blocks: list[Block] = field(default_factory=list)
    meta: dict[str, Any] = field(default_factory=dict)
    status: str = "ok"  # ok | partial | failed
    warnings: list[str] = field(default_factory=list)

    def to_dict(self) -> dict[str, Any]:
        return asdict(self)

    @property
    def text(self) -> str:
        return "\n".join(b.text for b in self.blocks)


def doc_id_for(sha256: str) -> str:
    """Deterministic document id from the content hash."""
    return sha256[:16]


def sha256_bytes(data: bytes) -> str:
    return hashlib.sha256(data).hexdigest()


def table_text(rows: list[list[str]]) -> str:
    """Plain-text rendering of a table: cells joined by ' | ', one row per line."""
    return "\n".join(" | ".join(c.strip() for c in row) for row in rows)


def finalize_blocks(blocks: list[Block]) -> list[Block]:
    """Number blocks in reading order and fill `section_path` from the headings above.

    Empty blocks are dropped. Heading levels nest: a heading of level n closes
    every open heading of level >= n.
    """
    out: list[Block] = []
    stack: list[tuple[int, str]] = []
    for block in blocks:
        if not block.text.strip() and not block.rows:
            continue
        if block.kind == "heading":
            level = block.level or 1
            while stack and stack[-1][0] >= level:
                stack.pop()
            block.section_path = [t for _, t in stack]
            stack.append((level, block.text.strip()))
        else:
            block.section_path = [t for _, t in stack]
        block.seq = len(out)
        out.append(block)
    return out
