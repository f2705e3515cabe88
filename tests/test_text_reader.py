"""Plain-text reader on the seed texts (copied in tests/fixtures/text/) and small files."""

from __future__ import annotations

from pathlib import Path

import pytest

from pipeline.readers.errors import ReaderError
from pipeline.readers.text import decode_bytes, read_text

TEXT = Path(__file__).resolve().parent / "fixtures" / "text"


def _read(path: Path):
    return read_text(path, source_uri=str(path), doc_id="t")


def test_seed000_one_block_per_line_and_dash_bullets_are_list_items():
    doc = _read(TEXT / "seed000.txt")
    lines = [ln for ln in (TEXT / "seed000.txt").read_text("utf-8").splitlines() if ln.strip()]
    assert len(doc.blocks) == len(lines)
    items = [b for b in doc.blocks if b.kind == "list_item"]
    assert len(items) == sum(ln.startswith("– ") for ln in lines)
    assert items[0].text.startswith("Un Comité de Pilotage Opérationnel")
    assert items[0].style["bullet"] == "–"
    assert all(b.page is None for b in doc.blocks)
    assert doc.meta["parser"] and doc.meta["encoding"] == "utf-8"


def test_seed001_indented_bullets_and_upper_case_heading():
    doc = _read(TEXT / "seed001.txt")
    items = [b.text for b in doc.blocks if b.kind == "list_item"]
    assert len(items) == 3 and items[0].startswith("La redynamisation")
    heading = next(b for b in doc.blocks if b.kind == "heading")
    assert heading.text.startswith("ARRETE ET PERSPECTIVES") and heading.level == 1
    assert doc.title == heading.text


def test_headings_are_conservative():
    doc = _read(TEXT / "seed002.txt")  # sentence-case step titles stay paragraphs
    assert not [b for b in doc.blocks if b.kind == "heading"]
    big = _read(TEXT / "seed004.txt")
    headings = [b.text for b in big.blocks if b.kind == "heading"]
    assert "LISTE DES ACRONYMES 74" in headings
    assert not any(":" in h or "," in h for h in headings)  # labels and name lists


def test_seed004_tab_runs_become_tables():
    doc = _read(TEXT / "seed004.txt")
    tables = [b for b in doc.blocks if b.kind == "table"]
    header = ["Objectifs opérationnels", "Opérateur(s)", "Modalités de réalisation", "Echéance"]
    fiche_tables = [t for t in tables if t.rows[0][:4] == header]
    assert len(fiche_tables) >= 25
    first = fiche_tables[0]
    assert first.rows[1][0] == "1)Créer un groupe pilote"
    assert first.rows[1][3] == "Second semestre 2020"
    assert all(len(row) == len(first.rows[0]) for row in first.rows)


def test_cp1252_fallback_and_crlf(tmp_path: Path):
    path = tmp_path / "ancien.txt"
    path.write_bytes("Échéance : 2021\r\n\r\n• Créer un groupe pilote\r\n".encode("cp1252"))
    doc = _read(path)
    assert doc.meta["encoding"] == "cp1252"
    assert [b.kind for b in doc.blocks] == ["paragraph", "list_item"]
    assert doc.blocks[0].text == "Échéance : 2021"
    assert doc.blocks[1].text == "Créer un groupe pilote"


def test_bad_bytes_never_crash():
    text, encoding, warnings = decode_bytes(b"caf\xc3\xa9 \x81\x8d", declared="utf-8")
    assert text.startswith("caf") and encoding and warnings


def test_empty_and_binary_files_are_refused(tmp_path: Path):
    empty = tmp_path / "vide.txt"
    empty.write_bytes(b"  \n")
    with pytest.raises(ReaderError) as err:
        _read(empty)
    assert err.value.error_type == "empty_file"
    binary = tmp_path / "bin.txt"
    binary.write_bytes(b"abc\x00\x01\x02" * 10)
    with pytest.raises(ReaderError) as err:
        _read(binary)
    assert err.value.error_type == "not_text"
