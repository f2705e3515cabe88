"""DOCX reader on the shipped Mayenne sample and on DOCX files built here with python-docx."""

from __future__ import annotations

import re
import zipfile
from pathlib import Path

import docx
import pytest

from pipeline.readers.docx import DocxSettings, read_docx
from pipeline.readers.errors import ReaderError

ROOT = Path(__file__).resolve().parents[1]
SAMPLE = ROOT / "data" / "raw" / "samples" / "ptsm53-feuille-de-route.docx"
FICHE_HEADER = ["Objectifs opérationnels", "Opérateur(s)", "Modalités de réalisation", "Echéance"]


def _read(path: Path, settings: DocxSettings | None = None):
    return read_docx(path, source_uri=str(path), doc_id="d", settings=settings)


@pytest.fixture(scope="module")
def sample():
    return _read(SAMPLE)


def test_sample_fiche_headings_have_a_level(sample):
    fiches = [b for b in sample.blocks
              if b.kind == "heading" and re.match(r"Fiche action n°\d+", b.text)]
    numbers = {int(re.match(r"Fiche action n°(\d+)", b.text).group(1)) for b in fiches}
    assert numbers == set(range(1, 31))
    assert {b.level for b in fiches} == {3}
    assert fiches[0].section_path[0] == "Feuille de route 2019-2024"
    assert sample.title.startswith("Projet territorial en santé mentale")


def test_sample_fiche_tables_four_column_header(sample):
    tables = [b for b in sample.blocks if b.kind == "table" and b.rows[0] == FICHE_HEADER]
    assert len(tables) >= 25
    first = tables[0]
    assert first.section_path[-1].startswith("Fiche action n°1 :")
    assert first.rows[1] == [
        "1)Créer un groupe pilote", "",
        first.rows[1][2], "Second semestre 2020"]
    assert first.rows[1][2].startswith("Identifier la population concernée")
    assert all(len(row) == 4 for t in tables for row in t.rows)
    assert "Objectifs opérationnels | Opérateur(s)" in first.text


def test_sample_order_lists_and_no_header_footer(sample):
    kinds = {b.kind for b in sample.blocks}
    assert kinds == {"heading", "paragraph", "list_item", "table", "caption"}
    depths = {b.style["depth"] for b in sample.blocks if b.kind == "list_item"}
    assert depths == {0, 1}
    with zipfile.ZipFile(SAMPLE) as zf:
        furniture = [t for name in ("word/header1.xml", "word/footer1.xml")
                     for t in re.findall(r"<w:t[^>]*>([^<]{6,})</w:t>",
                                         zf.read(name).decode("utf-8"))]
    assert furniture
    assert not [t for t in furniture if any(t in b.text for b in sample.blocks)]
    assert all(b.page is None for b in sample.blocks)
    assert sample.meta["parser"]["python-docx"]
    seqs = [b.seq for b in sample.blocks]
    assert seqs == list(range(len(seqs)))


@pytest.fixture()
def built(tmp_path: Path) -> Path:
    """A DOCX with headings, bullets, merged cells, a nested table, header and footer."""
    d = docx.Document()
    d.core_properties.title = ""
    d.sections[0].header.paragraphs[0].text = "EN-TÊTE CONFIDENTIEL"
    d.sections[0].footer.paragraphs[0].text = "PIED DE PAGE 1/1"
    d.add_heading("Feuille de route", level=0)
    d.add_heading("Fiche action n°7 : Développer des cellules de veille", level=2)
    d.add_paragraph("Pilotes : ").add_run("UNAFAM").bold = True
    d.add_paragraph("Premier objectif", style="List Bullet")
    d.add_paragraph("Sous-objectif", style="List Bullet 2")
    d.add_paragraph("Deuxième objectif", style="List Number")
    table = d.add_table(rows=4, cols=4)
    for cell, text in zip(table.rows[0].cells, FICHE_HEADER, strict=True):
        cell.text = text
    table.cell(1, 0).text = "1) Créer un groupe"
    table.cell(1, 1).text = "CH Laval"
    table.cell(1, 2).text = "Réunir les acteurs"
    table.cell(1, 3).text = "2020"
    table.cell(2, 0).text = "2) Diffuser"
    table.cell(2, 2).text = "Plaquette"
    table.cell(2, 3).text = "2021"
    table.cell(1, 1).merge(table.cell(2, 1))  # vertical merge: operator of both rows
    merged = table.cell(3, 0).merge(table.cell(3, 3))  # horizontal merge over the row
    merged.text = "Indicateurs : nombre de réunions"
    nested = table.cell(2, 2).add_table(rows=1, cols=2)
    nested.cell(0, 0).text = "volet A"
    nested.cell(0, 1).text = "volet B"
    d.add_paragraph("Après le tableau.")
    path = tmp_path / "built.docx"
    d.save(str(path))
    return path


def test_built_docx(built: Path):
    doc = _read(built)
    kinds = [(b.kind, b.level, b.text) for b in doc.blocks if b.kind != "table"]
    assert kinds[:6] == [
        ("heading", 1, "Feuille de route"),
        ("heading", 2, "Fiche action n°7 : Développer des cellules de veille"),
        ("paragraph", None, "Pilotes : UNAFAM"),
        ("list_item", None, "Premier objectif"),
        ("list_item", None, "Sous-objectif"),
        ("list_item", None, "Deuxième objectif"),
    ]
    assert [b.style["depth"] for b in doc.blocks if b.kind == "list_item"] == [0, 1, 0]
    table = next(b for b in doc.blocks if b.kind == "table")
    assert table.rows == [
        FICHE_HEADER,
        ["1) Créer un groupe", "CH Laval", "Réunir les acteurs", "2020"],
        ["2) Diffuser", "CH Laval", "Plaquette\nvolet A | volet B", "2021"],
        ["Indicateurs : nombre de réunions"],  # horizontal merge: once
    ]
    assert doc.blocks[-1].text == "Après le tableau."
    assert doc.blocks.index(table) == len(doc.blocks) - 2  # tables interleaved in order
    assert "EN-TÊTE" not in doc.text and "PIED DE PAGE" not in doc.text
    assert doc.title == "Feuille de route"  # no core title: first heading


def _rewrite(src: Path, dst: Path, part: str, transform) -> Path:
    with zipfile.ZipFile(src) as zin, zipfile.ZipFile(dst, "w", zipfile.ZIP_DEFLATED) as zout:
        for info in zin.infolist():
            data = zin.read(info.filename)
            zout.writestr(info.filename, transform(data) if info.filename == part else data)
    return dst


def test_xml_entity_is_refused(built: Path, tmp_path: Path):
    def inject(data: bytes) -> bytes:
        decl = b'<!DOCTYPE w:document [<!ENTITY xxe SYSTEM "file:///etc/passwd">]>'
        return data.replace(b"?>", b"?>" + decl, 1)

    evil = _rewrite(built, tmp_path / "xxe.docx", "word/document.xml", inject)
    with pytest.raises(ReaderError) as err:
        _read(evil)
    assert err.value.error_type == "xml_entity"


def test_zip_bomb_is_refused_before_parsing(built: Path, tmp_path: Path):
    bomb = tmp_path / "bomb.docx"
    with zipfile.ZipFile(built) as zin, zipfile.ZipFile(bomb, "w", zipfile.ZIP_DEFLATED) as z:
        for info in zin.infolist():
            z.writestr(info.filename, zin.read(info.filename))
        z.writestr("word/media/padding.bin", b"\0" * (8 * 1024 * 1024))  # ~1000x
    with pytest.raises(ReaderError) as err:
        _read(bomb)
    assert err.value.error_type == "zip_bomb"
    with pytest.raises(ReaderError) as err:
        _read(built, DocxSettings(max_uncompressed_bytes=10_000))
    assert err.value.error_type == "zip_bomb"


def test_not_a_docx(tmp_path: Path):
    fake = tmp_path / "fake.docx"
    fake.write_bytes(b"PK\x03\x04 not really a zip")
    with pytest.raises(ReaderError) as err:
        _read(fake)
    assert err.value.error_type == "docx_syntax"
    other = tmp_path / "other.docx"
    with zipfile.ZipFile(other, "w") as z:
        z.writestr("hello.txt", "bonjour")
    with pytest.raises(ReaderError) as err:
        _read(other)
    assert err.value.error_type == "docx_syntax"
