"""The committed sample inputs (rendered by scripts/render_samples.py) are what they claim."""

from __future__ import annotations

import re
from pathlib import Path

import docx
import pdfplumber
import pytest
from selectolax.lexbor import LexborHTMLParser

ROOT = Path(__file__).resolve().parent.parent
SAMPLES = ROOT / "data" / "raw" / "samples"
SEEDS = ROOT / "scripts" / "seeds"
PDF = SAMPLES / "ptsm53-feuille-de-route.pdf"
DOCX = SAMPLES / "ptsm53-feuille-de-route.docx"
VARIANT = ROOT / "tests" / "fixtures" / "variant" / "ptsm53-variant.pdf"
HTML = {
    "000_e1345697ca92cb41.txt": SAMPLES / "ptsm35-composition-du-ptsm.html",
    "001_64674333845bad9d.txt": SAMPLES / "ct-sante-idf-arrete-ptsm77.html",
    "002_11d7c87225259de2.txt": SAMPLES / "ptsm-methode-co-construction.html",
}


def _fiche_page(doc, number: int):
    """The page where fiche ``number`` starts (not a TOC page)."""
    head = f"Fiche action n°{number} : "
    return next(
        p
        for p in doc.pages
        if head in p.extract_text() and "Objectifs stratégiques" in p.extract_text()
    )


def _norm(text: str) -> str:
    return re.sub(r"\s+", " ", text.replace("\u00a0", " ")).strip()


def test_files_exist() -> None:
    for path in [PDF, DOCX, VARIANT, *HTML.values(), ROOT / "data/raw/sources.toml"]:
        assert path.exists() and path.stat().st_size > 1000, path


def test_sources_toml_lists_the_samples_without_department_hints() -> None:
    import tomllib

    data = tomllib.loads((ROOT / "data/raw/sources.toml").read_text(encoding="utf-8"))
    uris = {s["uri"] for s in data["source"]}
    assert len(uris) == 5
    for uri in uris:
        assert (ROOT / "data/raw" / uri).exists()
    assert all("department" not in s for s in data["source"])


@pytest.fixture(scope="module")
def pdf():
    with pdfplumber.open(PDF) as doc:
        yield doc


def test_pdf_page_count(pdf) -> None:
    assert 70 <= len(pdf.pages) <= 110


def test_pdf_cover_text_and_superscript(pdf) -> None:
    text = pdf.pages[0].extract_text()
    assert "Département de la Mayenne" in text
    assert "Adoptée le 25 janvier 2019 par le Comité de Pilotage" in text
    assert "Transmis à l'Agence Régionale de Santé des Pays de la Loire le 1" in text
    sizes = {round(c["size"], 1) for c in pdf.pages[0].chars if c["text"] in "er"}
    assert len(sizes) > 1  # "er" of "1er" is smaller than the body text


def test_pdf_fiche_page_has_ruled_operational_table(pdf) -> None:
    page = _fiche_page(pdf, 7)
    tables = page.extract_tables()
    assert tables and tables[0][0][:2] == ["Objectifs opérationnels", "Opérateur(s)"]
    assert any("Créer un groupe pilote" in (row[0] or "") for row in tables[0])


def test_pdf_text_accents_and_bullets(pdf) -> None:
    text = "\n".join(pdf.pages[i].extract_text() for i in range(10, 13))
    assert "Objectifs stratégiques" in text and "repérage" in text
    assert "✓" in text and "▪" in text
    assert "**" not in text and "<p>" not in text


def test_pdf_has_running_header_and_landscape_pages(pdf) -> None:
    headers = [p.extract_text().split("\n")[0] for p in pdf.pages[1:6]]
    assert all(h.startswith("PTSM 53 – Feuille de route 2019-2024") for h in headers)
    assert any(p.width > p.height for p in pdf.pages)


def test_variant_pdf_has_no_ruled_tables_and_inline_labels() -> None:
    with pdfplumber.open(VARIANT) as doc:
        page = _fiche_page(doc, 7)
        assert not page.find_tables()
        assert "Pilotes : à définir" in page.extract_text()
        assert len(doc.pages) < 90


def test_docx_has_headings_tables_and_footer() -> None:
    d = docx.Document(str(DOCX))
    headings = [p.text for p in d.paragraphs if p.style.name.startswith("Heading")]
    assert any(h.startswith("Fiche action n°30 :") for h in headings)
    assert any(p.style.name == "List Bullet" for p in d.paragraphs)
    assert len(d.tables) > 50
    assert d.tables[2].rows[0].cells[0].text.startswith("Objectifs opérationnels")
    assert "PTSM 53" in d.sections[0].header.paragraphs[0].text
    assert any(s.page_width > s.page_height for s in d.sections)


@pytest.mark.parametrize("seed", sorted(HTML))
def test_html_page_structure(seed: str) -> None:
    path = HTML[seed]
    tree = LexborHTMLParser(path.read_text(encoding="utf-8"))
    main = tree.css_first("main")
    assert main is not None and tree.css_first("main article h1") is not None
    assert 6 <= len(tree.css("nav a")) <= 10
    assert (
        tree.css_first("footer") is not None
        and "Mentions légales" in tree.css_first("footer").text()
    )
    assert "Nous utilisons des cookies" in tree.css_first("#cookie-banner").text()
    assert "cookies" not in main.text()
    assert main.css("ul li")
    main_text = _norm(main.text(separator=" "))
    for line in (SEEDS / seed).read_text(encoding="utf-8").split("\n"):
        line = _norm(re.sub(r"^\s*[–•]\s+", "", line))
        if line:
            assert line in main_text, line


def test_ptsm35_page_repeats_blocks_and_has_canonical() -> None:
    text = HTML["000_e1345697ca92cb41.txt"].read_text(encoding="utf-8")
    assert text.count("De ce diagnostic ont émergé 74 pistes") == 2
    assert '<link rel="canonical" href="https://ptsm35.fr/composition-du-ptsm-35">' in text
