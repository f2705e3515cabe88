"""The real type of a file, sniffed from its bytes (names and servers lie)."""

from __future__ import annotations

import io
import zipfile

PDF = "application/pdf"
DOCX = "application/vnd.openxmlformats-officedocument.wordprocessingml.document"
HTML = "text/html"
TEXT = "text/plain"
EXTENSIONS = {PDF: "pdf", DOCX: "docx", HTML: "html", TEXT: "txt"}


def sniff_media_type(data: bytes) -> str | None:
    """Return the media type of `data`, or None when it is none we read."""
    head = data[:2048].lstrip()
    if data[:1024].find(b"%PDF-") != -1:
        return PDF
    if data[:4] == b"PK\x03\x04":
        try:
            with zipfile.ZipFile(io.BytesIO(data)) as zf:
                if "word/document.xml" in zf.namelist():
                    return DOCX
        except zipfile.BadZipFile:
            return None
        return None
    lowered = head.lower()
    if lowered.startswith(b"\xef\xbb\xbf"):
        lowered = lowered[3:]
    if lowered.startswith((b"<!doctype html", b"<html")) or (
        lowered.startswith(b"<") and (b"<html" in lowered or b"<body" in lowered)
    ):
        return HTML
    if _looks_like_text(data):
        return TEXT
    return None


def pdf_page_count(data: bytes) -> int | None:
    """The page count a PDF declares in its page tree root (/Count), read with pdfminer
    without parsing the pages; None when it cannot be read (encrypted, broken: the reader
    will say why)."""
    from pdfminer.pdfdocument import PDFDocument
    from pdfminer.pdfparser import PDFParser
    from pdfminer.pdftypes import resolve1

    try:
        document = PDFDocument(PDFParser(io.BytesIO(data)))
        count = resolve1(resolve1(document.catalog.get("Pages")).get("Count"))
    except Exception:  # any parse failure: not our call to make here
        return None
    return count if isinstance(count, int) and count >= 0 else None


def _looks_like_text(data: bytes) -> bool:
    sample = data[:65536]
    if not sample or b"\x00" in sample:
        return False
    for encoding in ("utf-8", "cp1252"):
        try:
            text = sample.decode(encoding)
        except UnicodeDecodeError:
            continue
        printable = sum(ch.isprintable() or ch in "\n\r\t" for ch in text)
        return printable / max(len(text), 1) > 0.95
    return False
