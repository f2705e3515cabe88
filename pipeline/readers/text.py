"""Plain-text reader: one block per non-empty line, bullets, tab tables, cautious headings.

Also home of :func:`decode_bytes`, the byte-to-text decoding shared with the HTML reader
(declared charset honoured, else UTF-8, else cp1252; never raises on bad bytes).
"""

from __future__ import annotations

import codecs
import re
import sys
from dataclasses import dataclass
from pathlib import Path

from pipeline.readers.errors import ReaderError
from schemas.document import Block, Document, finalize_blocks

TEXT_MEDIA_TYPE = "text/plain"

# Labels that WHATWG maps to windows-1252 (browsers never use strict latin-1).
_CP1252_ALIASES = frozenset({"latin1", "latin-1", "iso-8859-1", "iso8859-1", "iso_8859-1",
                             "l1", "us-ascii", "ascii", "windows-1252", "cp1252", "x-cp1252"})
_BOMS: tuple[tuple[bytes, str], ...] = (
    (codecs.BOM_UTF8, "utf-8-sig"),
    (codecs.BOM_UTF32_LE, "utf-32"),
    (codecs.BOM_UTF32_BE, "utf-32"),
    (codecs.BOM_UTF16_LE, "utf-16"),
    (codecs.BOM_UTF16_BE, "utf-16"),
)


@dataclass(frozen=True)
class TextSettings:
    """Rules of the plain-text reader (defaults suit agency text exports)."""

    # A heading candidate is at most this long (characters / words)...
    heading_max_chars: int = 90
    heading_max_words: int = 12
    # ...and, when in Title Case, this share of its words of 4+ letters are capitalised.
    title_case_min_share: float = 0.75
    # A run of at least this many consecutive tab-separated lines is a table.
    table_min_rows: int = 2


# Bullets that open a list item: dashes, bullets, squares, check marks, arrows.
BULLET_RE = re.compile(r"^(?P<indent>[ \t]*)(?P<bullet>[-–—•▪▫◦●○■□✓✔➢➤►*·])[ \t\u00a0]+(?=\S)")
_FINAL_PUNCT = tuple(".,;:!?…»)\"'")
# Label lines ("Pilotes : ...", "AAH : ..."), name lists and table-like lines are no headings.
_NOT_IN_HEADING = (":", ",", ";", "|", "\t", ". ")
_WORD_RE = re.compile(r"[^\W\d_][\w'’-]*")


def normalize_encoding(label: str | None) -> str | None:
    """Python codec name for a declared charset label; None when unknown."""
    if not label:
        return None
    label = label.strip().strip("\"'").lower()
    if label in _CP1252_ALIASES:
        return "cp1252"
    try:
        return codecs.lookup(label).name
    except LookupError:
        return None


def decode_bytes(data: bytes, declared: str | None = None) -> tuple[str, str, list[str]]:
    """Decode `data` into text: (text, encoding used, warnings).

    A byte-order mark wins, then the declared charset (when it decodes cleanly), then
    UTF-8, then cp1252. Undecodable bytes become U+FFFD with a warning, never an error.
    """
    warnings: list[str] = []
    for bom, encoding in _BOMS:
        if data.startswith(bom):
            return data.decode(encoding, errors="replace"), encoding, warnings
    codec = normalize_encoding(declared)
    if declared and codec is None:
        warnings.append(f"unknown declared charset {declared!r}: detected instead")
    candidates = [c for c in (codec, "utf-8", "cp1252") if c]
    for encoding in dict.fromkeys(candidates):
        try:
            return data.decode(encoding), encoding, warnings
        except UnicodeDecodeError:
            if encoding == codec:
                warnings.append(f"bytes do not decode as the declared {declared!r}")
    # cp1252 leaves five bytes undefined: keep everything else, mark those.
    fallback = codec or "cp1252"
    warnings.append(f"undecodable bytes replaced (decoded as {fallback})")
    return data.decode(fallback, errors="replace"), fallback, warnings


def read_bytes_checked(path: Path) -> bytes:
    """The bytes of `path`; ReaderError when missing or empty."""
    path = Path(path)
    if not path.is_file():
        raise ReaderError(f"{path}: no such file", "not_found")
    data = path.read_bytes()
    if not data.strip():
        raise ReaderError(f"{path.name}: empty file", "empty_file")
    return data


# ---------------------------------------------------------------- line classification


def _is_tabular(line: str) -> bool:
    return "\t" in line.strip("\t ") and bool(line.strip())


def _looks_like_heading(line: str, next_line: str | None, settings: TextSettings) -> int | None:
    """Heading level (1 upper case, 2 Title Case) of a line, or None. Conservative."""
    text = line.strip()
    if next_line is None or not next_line.strip() or BULLET_RE.match(text):
        return None
    if len(text) > settings.heading_max_chars or text.endswith(_FINAL_PUNCT):
        return None
    if any(mark in text for mark in _NOT_IN_HEADING):
        return None
    words = _WORD_RE.findall(text)
    if not words or len(text.split()) > settings.heading_max_words:
        return None
    if not text[0].isupper() and not text[0].isdigit():
        return None
    letters = [c for c in text if c.isalpha()]
    if len(letters) >= 4 and all(c.isupper() for c in letters):
        return 1
    long_words = [w for w in words if len(w) >= 4]
    if len(long_words) >= 2:
        capitalised = sum(w[0].isupper() for w in long_words)
        if capitalised / len(long_words) >= settings.title_case_min_share:
            return 2
    return None


def _table_block(lines: list[str]) -> Block:
    rows = [[cell.strip() for cell in line.strip("\n").split("\t")] for line in lines]
    width = max(len(row) for row in rows)
    rows = [row + [""] * (width - len(row)) for row in rows]
    return Block(kind="table", text="", rows=rows)


def text_to_blocks(text: str, settings: TextSettings | None = None) -> list[Block]:
    """Blocks of a plain text (not finalized): one per non-empty line, tables per tab run."""
    settings = settings or TextSettings()
    lines = text.replace("\r\n", "\n").replace("\r", "\n").split("\n")
    blocks: list[Block] = []
    i = 0
    while i < len(lines):
        line = lines[i]
        if not line.strip():
            i += 1
            continue
        if _is_tabular(line):
            j = i
            while j < len(lines) and _is_tabular(lines[j]):
                j += 1
            if j - i >= settings.table_min_rows:
                blocks.append(_table_block(lines[i:j]))
                i = j
                continue
        bullet = BULLET_RE.match(line)
        if bullet:
            indent = bullet.group("indent").expandtabs(4)
            blocks.append(Block(kind="list_item", text=_clean(line[bullet.end():]),
                                style={"bullet": bullet.group("bullet"),
                                       "depth": len(indent) // 4}))
        else:
            following = next((ln for ln in lines[i + 1:] if ln.strip()), None)
            previous_blank = i == 0 or not lines[i - 1].strip()
            level = _looks_like_heading(line, following, settings) if previous_blank else None
            kind = "heading" if level else "paragraph"
            blocks.append(Block(kind=kind, text=_clean(line), level=level))
        i += 1
    return blocks


def _clean(line: str) -> str:
    return re.sub(r"[ \t\u00a0]+", " ", line).strip()


def read_text(path: Path, *, source_uri: str, doc_id: str,
              settings: TextSettings | None = None) -> Document:
    """Read a plain-text file into a Document (UTF-8, cp1252 fallback; page=None)."""
    data = read_bytes_checked(Path(path))
    if b"\x00" in data[:65536] and not data.startswith((codecs.BOM_UTF16_LE,
                                                        codecs.BOM_UTF16_BE)):
        raise ReaderError(f"{Path(path).name}: binary data, not text", "not_text")
    text, encoding, warnings = decode_bytes(data)
    blocks = finalize_blocks(text_to_blocks(text, settings))
    title = next((b.text for b in blocks if b.kind == "heading"), None)
    doc = Document(doc_id=doc_id, source_uri=source_uri, media_type=TEXT_MEDIA_TYPE,
                   title=title, blocks=blocks, warnings=warnings)
    doc.meta.update({
        "parser": {"pipeline.readers.text": "1", "python": sys.version.split()[0]},
        "encoding": encoding,
    })
    if not blocks:
        doc.status = "partial"
        doc.warnings.append("no text found")
    return doc
