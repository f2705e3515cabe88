"""Readers turn raw files into the Document IR; they know formats, not PTSMs."""

from __future__ import annotations

from pathlib import Path

from pipeline.ingest.sniff import DOCX, HTML, PDF, TEXT
from pipeline.readers import compiled
from pipeline.readers.errors import ReaderError
from schemas.document import Document

compiled.install()  # the PDF layout modules compiled by mypyc, when built for these sources


def read_document(path: Path, media_type: str, *, source_uri: str, doc_id: str,
                  cache_dir: Path | None = None) -> Document:
    """Read `path` with the reader of its (sniffed) media type (`cache_dir`: where the PDF
    reader caches OCR results, the raw store's cache)."""
    if media_type == PDF:
        from pipeline.readers.pdf import read_pdf as reader
    elif media_type == DOCX:
        from pipeline.readers.docx import read_docx as reader
    elif media_type == HTML:
        from pipeline.readers.html import read_html as reader
    elif media_type == TEXT:
        from pipeline.readers.text import read_text as reader
    else:
        raise ReaderError(f"no reader for media type {media_type!r}", "unsupported_type")
    if media_type == PDF:
        doc = reader(path, source_uri=source_uri, doc_id=doc_id, cache_dir=cache_dir)
    else:
        doc = reader(path, source_uri=source_uri, doc_id=doc_id)
    doc.media_type = media_type
    return doc


__all__ = ["ReaderError", "read_document"]
