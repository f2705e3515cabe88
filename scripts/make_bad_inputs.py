"""Make the corpus of bad inputs of tests/fixtures/bad/ (committed; re-run to refresh).

    .venv/bin/python scripts/make_bad_inputs.py            # the committed corpus (< 1 MB)
    .venv/bin/python scripts/make_bad_inputs.py --big DIR  # + the 50 MB HTML, into DIR

Every file is deterministic (reportlab ``invariant=1``, fixed zip timestamps, seeded
random bytes). `EXPECTED` says what the pipeline must make of each one: a quarantine row
with an error_type, or a document with a status; tests/test_bad_inputs.py checks it.
The 50 MB HTML is never committed: `make_big_html` writes it at test time.
"""

from __future__ import annotations

import argparse
import io
import random
import zipfile
from collections.abc import Callable
from pathlib import Path

from PIL import Image, ImageDraw
from reportlab.lib.pagesizes import A4
from reportlab.lib.pdfencrypt import StandardEncryption
from reportlab.lib.utils import ImageReader
from reportlab.pdfgen.canvas import Canvas

ROOT = Path(__file__).resolve().parent.parent
BAD = ROOT / "tests" / "fixtures" / "bad"
ZIP_TIME = (2024, 1, 1, 0, 0, 0)
BIG_HTML_BYTES = 50 * 1024 * 1024
ZIP_BOMB_BYTES = 256 * 1024 * 1024  # more than DocxSettings.max_uncompressed_bytes (200 MiB)
MANY_PAGES = 12  # the test runs with --max-pages 10

TEXT = [
    "Projet territorial de santé mentale du département de la Mayenne",
    "Le comité de pilotage du PTSM s'est réuni le 12 mars 2021.",
    "Fiche action n° 3 : améliorer l'accès aux soins psychiatriques.",
    "Échéance : second semestre 2022. Pilote : centre hospitalier de Laval.",
]

# What the pipeline must make of each file: ("quarantine", stage, error_type) or
# ("document", status, media_type). `duplicate_b.html` duplicates `duplicate_a.html`.
EXPECTED: dict[str, tuple[str, str, str]] = {
    "empty.pdf": ("quarantine", "ingest", "empty_file"),
    "truncated.pdf": ("quarantine", "read", "pdf_syntax"),
    "broken_xref.pdf": ("document", "partial", "application/pdf"),
    "header_only.pdf": ("quarantine", "read", "pdf_syntax"),
    "encrypted_password.pdf": ("quarantine", "read", "encrypted"),
    "encrypted_empty_password.pdf": ("document", "ok", "application/pdf"),
    "scanned_image_only.pdf": ("document", "ok", "application/pdf"),  # read by OCR
    "too_many_pages.pdf": ("quarantine", "ingest", "too_many_pages"),
    "pdf_named.html": ("document", "ok", "application/pdf"),
    "html_named.pdf": ("document", "ok", "text/html"),
    "zip_bomb.docx": ("quarantine", "read", "zip_bomb"),
    "xxe.docx": ("quarantine", "read", "xml_entity"),
    "truncated.docx": ("quarantine", "ingest", "unsupported_type"),
    "nested_cp1252_scripts.html": ("document", "partial", "text/html"),
    "binary.bin": ("quarantine", "ingest", "unsupported_type"),
    "duplicate_a.html": ("document", "ok", "text/html"),
    "duplicate_b.html": ("quarantine", "ingest", "duplicate_content"),
}
BIG_HTML = "big_nested_cp1252.html"
BIG_EXPECTED = ("quarantine", "read", "too_large")


# ---------------------------------------------------------------- PDFs


def _pdf(pages: list[list[str]], encrypt: StandardEncryption | None = None) -> bytes:
    buf = io.BytesIO()
    c = Canvas(buf, pagesize=A4, invariant=1, encrypt=encrypt)
    c.setTitle("PTSM de test")
    for lines in pages:
        y = 780
        for line in lines:
            c.setFont("Helvetica", 11)
            c.drawString(72, y, line)
            y -= 16
        c.showPage()
    c.save()
    return buf.getvalue()


def good_pdf() -> bytes:
    """A small, valid two-page PDF with French PTSM text."""
    return _pdf([TEXT, [f"Page deux. {TEXT[1]}", TEXT[3]]])


def truncated_pdf() -> bytes:
    """The first 40 % of a valid PDF: no xref, no trailer, cut inside the objects."""
    data = good_pdf()
    return data[: int(len(data) * 0.4)]


def broken_xref_pdf() -> bytes:
    """A valid PDF whose xref offsets and startxref all point to the wrong bytes."""
    data = good_pdf()
    head, sep, tail = data.rpartition(b"xref\n")
    lines = tail.split(b"\n")
    for i, line in enumerate(lines):
        if len(line) == 18 and line.endswith((b" n", b" f")):  # "0000000015 00000 n"
            lines[i] = b"%010d" % (int(line[:10]) + 7) + line[10:]
    broken = head + sep + b"\n".join(lines)
    return broken.replace(b"startxref\n", b"startxref\n1", 1)  # 1234 -> 11234: past the end


def encrypted_pdf(user_password: str) -> bytes:
    enc = StandardEncryption(user_password, ownerPassword="proprietaire", canPrint=0)
    return _pdf([TEXT], encrypt=enc)


def scanned_pdf() -> bytes:
    """One page that is only an image of text (no text layer): read by OCR."""
    img = Image.new("L", (1200, 400), 255)
    draw = ImageDraw.Draw(img)
    for i, line in enumerate(TEXT):
        draw.text((20, 20 + 60 * i), line.encode("latin-1", "replace").decode("latin-1"),
                  fill=0)
    png = io.BytesIO()
    img.save(png, format="PNG")
    png.seek(0)
    buf = io.BytesIO()
    c = Canvas(buf, pagesize=A4, invariant=1)
    c.drawImage(ImageReader(png), 40, 450, width=515, height=172)
    c.showPage()
    c.save()
    return buf.getvalue()


def many_pages_pdf() -> bytes:
    return _pdf([[f"Page {n}", TEXT[n % len(TEXT)]] for n in range(1, MANY_PAGES + 1)])


# ---------------------------------------------------------------- DOCX


CONTENT_TYPES = (
    '<?xml version="1.0" encoding="UTF-8" standalone="yes"?>\n'
    '<Types xmlns="http://schemas.openxmlformats.org/package/2006/content-types">'
    '<Default Extension="rels" ContentType="application/vnd.openxmlformats-package.'
    'relationships+xml"/><Default Extension="xml" ContentType="application/xml"/>'
    '<Override PartName="/word/document.xml" ContentType="application/vnd.openxmlformats-'
    'officedocument.wordprocessingml.document.main+xml"/></Types>')
RELS = (
    '<?xml version="1.0" encoding="UTF-8" standalone="yes"?>\n'
    '<Relationships xmlns="http://schemas.openxmlformats.org/package/2006/relationships">'
    '<Relationship Id="rId1" Type="http://schemas.openxmlformats.org/officeDocument/2006/'
    'relationships/officeDocument" Target="word/document.xml"/></Relationships>')
W_NS = "http://schemas.openxmlformats.org/wordprocessingml/2006/main"


def _document_xml(body: str, doctype: str = "") -> str:
    return (f'<?xml version="1.0" encoding="UTF-8" standalone="yes"?>\n{doctype}'
            f'<w:document xmlns:w="{W_NS}"><w:body>{body}</w:body></w:document>')


def _paragraphs(lines: list[str]) -> str:
    return "".join(f"<w:p><w:r><w:t>{line}</w:t></w:r></w:p>" for line in lines)


def _docx(parts: dict[str, str | bytes], compression: int = zipfile.ZIP_DEFLATED) -> bytes:
    buf = io.BytesIO()
    with zipfile.ZipFile(buf, "w", compression) as zf:
        for name, data in parts.items():
            zf.writestr(zipfile.ZipInfo(name, ZIP_TIME), data, compress_type=compression)
    return buf.getvalue()


def good_docx_parts() -> dict[str, str | bytes]:
    return {"[Content_Types].xml": CONTENT_TYPES, "_rels/.rels": RELS,
            "word/document.xml": _document_xml(_paragraphs(TEXT))}


def zip_bomb_docx() -> bytes:
    """A DOCX with a 256 MiB entry of zeros, bzip2-compressed to a few hundred bytes."""
    buf = io.BytesIO()
    with zipfile.ZipFile(buf, "w", zipfile.ZIP_BZIP2) as zf:
        for name, data in good_docx_parts().items():
            zf.writestr(zipfile.ZipInfo(name, ZIP_TIME), data,
                        compress_type=zipfile.ZIP_DEFLATED)
        info = zipfile.ZipInfo("word/media/zeros.bin", ZIP_TIME)
        info.compress_type = zipfile.ZIP_BZIP2
        chunk = bytes(1024 * 1024)
        with zf.open(info, "w", force_zip64=True) as fh:
            for _ in range(ZIP_BOMB_BYTES // len(chunk)):
                fh.write(chunk)
    return buf.getvalue()


def xxe_docx() -> bytes:
    """word/document.xml declares an external entity reading /etc/passwd."""
    doctype = '<!DOCTYPE w:document [<!ENTITY xxe SYSTEM "file:///etc/passwd">]>\n'
    parts = good_docx_parts()
    parts["word/document.xml"] = _document_xml(_paragraphs([*TEXT, "&xxe;"]), doctype)
    return _docx(parts)


def truncated_docx() -> bytes:
    """The first half of a DOCX: the zip's central directory is gone."""
    data = _docx(good_docx_parts())
    return data[: len(data) // 2]


# ---------------------------------------------------------------- HTML and others


def good_html(title: str = "PTSM de la Mayenne") -> bytes:
    body = "".join(f"<p>{line}</p>" for line in TEXT)
    return (f'<!DOCTYPE html><html lang="fr"><head><meta charset="utf-8"><title>{title}'
            f"</title></head><body><main><h1>{title}</h1>{body}</main></body></html>"
            ).encode()


def nested_html(depth: int = 3000, repeat: int = 1) -> bytes:
    """HTML in Windows-1252 without any charset, with scripts, nested `depth` divs deep."""
    script = "<script>var x = '<p>pas du contenu</p>'; document.write(x);</script>"
    paragraphs = "".join(f"<p>{line}</p>{script}" for line in TEXT) * repeat
    opening = "<div class='niveau'>" * depth
    closing = "</div>" * depth
    page = (f"<html><head><title>PTSM – département de la Mayenne</title>{script}</head>"
            f"<body><main><h1>Feuille de route</h1>{paragraphs}{opening}<p>Au fond : {TEXT[2]}"
            f"</p>{closing}{paragraphs}</main></body></html>")
    return page.encode("cp1252")


def make_big_html(path: Path, size: int = BIG_HTML_BYTES) -> Path:
    """Write the ~`size`-byte HTML (deep nesting, cp1252, no charset, scripts) to `path`."""
    unit = nested_html(depth=200)
    head, _, rest = unit.partition(b"<body>")
    body = rest.rsplit(b"</body>", 1)[0]
    with path.open("wb") as fh:
        fh.write(head + b"<body>")
        written = len(head) + 6
        while written < size:
            fh.write(body)
            written += len(body)
        fh.write(b"</body></html>")
    return path


def binary() -> bytes:
    rng = random.Random(1)
    return b"\x7fELF\x02\x01\x01\x00" + bytes(rng.getrandbits(8) for _ in range(4096))


MAKERS: dict[str, Callable[[], bytes]] = {
    "empty.pdf": lambda: b"",
    "truncated.pdf": truncated_pdf,
    "broken_xref.pdf": broken_xref_pdf,
    "header_only.pdf": lambda: b"%PDF-1.7\n%\xe2\xe3\xcf\xd3\n1 0 obj\n<< /Type /Catalog",
    "encrypted_password.pdf": lambda: encrypted_pdf("secret"),
    "encrypted_empty_password.pdf": lambda: encrypted_pdf(""),
    "scanned_image_only.pdf": scanned_pdf,
    "too_many_pages.pdf": many_pages_pdf,
    "pdf_named.html": good_pdf,
    "html_named.pdf": lambda: good_html("Une page HTML nommée .pdf"),
    "zip_bomb.docx": zip_bomb_docx,
    "xxe.docx": xxe_docx,
    "truncated.docx": truncated_docx,
    "nested_cp1252_scripts.html": nested_html,
    "binary.bin": binary,
    "duplicate_a.html": lambda: good_html("Deux fois le même document"),
    "duplicate_b.html": lambda: good_html("Deux fois le même document"),
}
assert set(MAKERS) == set(EXPECTED)


def make_corpus(folder: Path = BAD) -> list[Path]:
    """Write every committed bad input into `folder`; return their paths."""
    folder.mkdir(parents=True, exist_ok=True)
    paths = []
    for name, make in MAKERS.items():
        path = folder / name
        path.write_bytes(make())
        paths.append(path)
    return paths


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--out", type=Path, default=BAD, help="corpus folder")
    parser.add_argument("--big", type=Path, help="also write the 50 MB HTML into this folder")
    args = parser.parse_args()
    paths = make_corpus(args.out)
    if args.big:
        args.big.mkdir(parents=True, exist_ok=True)
        paths.append(make_big_html(args.big / BIG_HTML))
    for path in paths:
        print(f"{path.stat().st_size:>10}  {path}")
    print(f"{sum(p.stat().st_size for p in paths):>10}  total")


if __name__ == "__main__":
    main()
