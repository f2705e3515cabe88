"""PDF reader: one small fixture per layout problem (tests/fixtures/pdf, made by
make_fixtures.py), then the real sample (data/raw/samples/ptsm53-feuille-de-route.pdf)."""

from __future__ import annotations

import random
import re
from pathlib import Path

import pytest

from pipeline.readers.errors import ReaderError
from pipeline.readers.pdf import PdfSettings, read_pdf
from pipeline.readers.pdf_blocks import (
    BlockSettings,
    furniture_key,
    is_page_number,
    numbered_list_lines,
    toc_entry,
)
from pipeline.readers.pdf_layout import (
    LayoutSettings,
    Line,
    Word,
    body_rows,
    group_rows,
    join_lines,
)
from schemas.document import Block, Document

FIX = Path(__file__).resolve().parent / "fixtures" / "pdf"
SAMPLE = Path(__file__).resolve().parents[1] / "data/raw/samples/ptsm53-feuille-de-route.pdf"
HEADER4 = ["Objectifs opérationnels", "Opérateur(s)", "Modalités de réalisation", "Echéance"]


def read(name: str, **kwargs) -> Document:
    return read_pdf(FIX / name, source_uri=f"file://{name}", doc_id="test", **kwargs)


def kinds(doc: Document, kind: str) -> list[Block]:
    return [b for b in doc.blocks if b.kind == kind]


def find(doc: Document, text: str) -> Block:
    return next(b for b in doc.blocks if text in b.text)


# ---------------------------------------------------------------- pure helpers


def test_join_lines_repairs_hyphenation_only_before_lowercase():
    assert join_lines(["l'accompa-", "gnement"]) == "l'accompagnement"
    assert join_lines(["Saint-", "Martin"]) == "Saint-Martin"
    assert join_lines(["2019 -", "2024"]) == "2019 - 2024"
    assert join_lines(["mots", "suivants"]) == "mots suivants"


@pytest.mark.parametrize("text", ["12", "Page 12", "12 / 80", "- 12 -", "page 3 sur 10", "– 7 –"])
def test_bare_page_numbers(text):
    assert is_page_number(text)


@pytest.mark.parametrize("text", ["2019-2024 Plan", "Fiche 12", "Objectif 3 :"])
def test_not_page_numbers(text):
    assert not is_page_number(text)


def test_furniture_key_replaces_digits():
    assert furniture_key("PTSM 53 –  Page 4") == furniture_key("PTSM 53 – Page 12")


def test_toc_entry_strips_leaders():
    assert toc_entry("Fiche action n°1 : Sensibiliser ........ 14") == (
        "Fiche action n°1 : Sensibiliser", 14)
    assert toc_entry("INTRODUCTION . . . . . . 6") == ("INTRODUCTION", 6)
    assert toc_entry("Un texte ordinaire de 2019.") is None


def test_numbered_lines_are_list_items_only_in_a_body_size_sequence():
    def line(text: str, size: float = 10.0, x0: float = 70.0) -> Line:
        return Line(text, x0, 400.0, 0.0, size, size, False)

    lines = [line("1) Créer"), line("2) Monter"), line("1. Introduction", 14.0),
             line("2. Contexte", 14.0), line("3. Un paragraphe seul", 10.0, x0=120.0)]
    assert numbered_list_lines(lines, 10.0, BlockSettings()) == {0, 1}


# ---------------------------------------------------------------- fixtures


def test_every_block_has_page_bbox_and_seq():
    doc = read("text_features.pdf")
    assert doc.n_pages == 1 and doc.status == "ok"
    assert [b.seq for b in doc.blocks] == list(range(len(doc.blocks)))
    for b in doc.blocks:
        assert b.page == 1 and b.bbox is not None and len(b.bbox) == 4
    assert doc.meta["parser"]["pdfplumber"]


def test_headings_levels_and_style():
    doc = read("text_features.pdf")
    h1, h2, h3 = (find(doc, t) for t in ("Chapitre premier", "Une section du chapitre",
                                         "Sous-titre en gras"))
    assert (h1.kind, h2.kind, h3.kind) == ("heading", "heading", "heading")
    assert h1.level < h2.level < h3.level
    assert h1.style == {"font_size": 18.0, "bold": True}
    para = find(doc, "Un paragraphe ordinaire après")
    assert para.kind == "paragraph"
    assert para.section_path == ["Chapitre premier", "Une section du chapitre",
                                 "Sous-titre en gras"]
    # a bold field label ending with ":" is not a heading
    assert find(doc, "Objectifs stratégiques").kind == "paragraph"


def test_title_from_metadata_else_first_top_heading():
    assert read("text_features.pdf").title == "Feuille de route de test"
    assert read("two_columns.pdf").title == "Deux colonnes : un essai de lecture"


def test_hyphenation_repaired_and_kept():
    text = find(read("text_features.pdf"), "Le projet").text
    assert "l'accompagnement des personnes" in text
    assert "Saint-Martin et de la" in text


def test_superscript_joined():
    assert "Transmis le 1er février 2019" in find(read("text_features.pdf"), "Transmis").text


def test_list_items_bullets_and_numbers():
    doc = read("text_features.pdf")
    items = kinds(doc, "list_item")
    by_bullet = {b.style["bullet"]: b for b in items}
    for glyph in ("▪", "✓", "•"):
        assert by_bullet[glyph].text == f"Un objectif introduit par la puce {glyph} sur une ligne"
    dash = by_bullet["–"]
    assert dash.text.endswith("sur une deuxième ligne de texte alignée après la puce")
    numbered = [b.text for b in items if b.style["bullet"] in ("1)", "2)", "3)")]
    assert numbered == ["1) Créer un groupe pilote", "2) Monter le projet", "3) Evaluer la session"]
    lone = find(doc, "1. Ce paragraphe commence")
    assert lone.kind == "paragraph"


def test_two_columns_read_left_then_right():
    doc = read("two_columns.pdf")
    texts = [b.text for b in doc.blocks]
    left = next(i for i, t in enumerate(texts) if t.startswith("Alpha commence"))
    right = next(i for i, t in enumerate(texts) if t.startswith("Omega ouvre"))
    final = next(i for i, t in enumerate(texts) if t.startswith("Une ligne finale"))
    assert left < right < final
    assert "Omega" not in texts[left] and "Alpha" not in texts[right]
    assert texts[left].endswith("Alpha termine ici son propos sur la gauche de la page.")


def test_running_headers_footers_and_page_numbers_removed():
    doc = read("furniture.pdf")
    text = doc.text
    assert "Projet territorial de santé mentale 99" not in text
    assert not any(is_page_number(b.text) for b in doc.blocks)
    assert not re.search(r"- 1\d -", text)
    # a body line repeated on every page is content, not furniture
    assert text.count("Cette phrase du corps revient") == 4
    removed = doc.meta["removed_furniture"]
    assert removed["header_lines"] + removed["page_numbers"] + removed["footer_lines"] >= 8


def test_toc_lines_keep_title_and_page():
    doc = read("toc.pdf")
    toc = [b for b in doc.blocks if b.toc]
    assert [(b.text, b.toc_page) for b in toc] == [
        ("INTRODUCTION", 6),
        ("Fiche action n°1 : Sensibiliser les professionnels", 14),
        ("Fiche action n°2 : Recenser et faire connaître les outils de e-santé mentale "
         "auprès des professionnels", 15),
        ("PLAN PLURIANNUEL D'ACTIONS", 62),
        ("PLANNINGS PREVISIONNELS DES ACTIONS RETENUES POUR UNE MISE EN ŒUVRE 2019-2020", 71),
    ]
    assert all(b.kind == "paragraph" and "...." not in b.text for b in toc)
    assert not find(doc, "Un paragraphe qui suit").toc


def test_table_continued_with_repeated_header_and_split_row():
    doc = read("table_continued.pdf")
    tables = kinds(doc, "table")
    assert len(tables) == 3
    big = tables[0]
    assert big.rows[0] == HEADER4
    assert (big.page, big.page_end, big.style["pages"]) == (1, 2, [1, 2])
    assert sum(1 for r in big.rows if r == HEADER4) == 1  # repeated header dropped
    split = next(r for r in big.rows if r[0].startswith("9) Objectif coupé"))
    assert split == ["9) Objectif coupé par le saut de page", "",
                     "Début de la modalité neuf suite de la modalité neuf",
                     "Second semestre 2020"]
    assert big.rows[-1] == ["10) Dernier objectif", "ARS", "Modalité dix", "2021"]
    assert big.bbox[1] > 100  # bbox of the first part (page 1)
    # the paragraph after the table on page 2 and a second fiche's table are separate
    second = tables[1]
    assert second.page == 2 and second.page_end is None
    assert second.section_path[-1] == "Fiche action n°2 : Un autre tableau"
    # page 3 starts with a 2-column table: different columns, not a continuation
    assert tables[2].page == 3 and tables[2].rows[0] == ["Sigle", "Signification"]
    assert doc.text.count("Moyens nécessaires") == 1


def test_table_chain_over_three_pages_without_repeated_header():
    doc = read("table_chain.pdf")
    (table,) = kinds(doc, "table")
    assert table.style["pages"] == [1, 2, 3] and table.page_end == 3
    assert table.rows[0] == ["Sigle", "Signification"]
    body = table.rows[1:]
    assert [r[0] for r in body] == [f"S{i:02d}" for i in range(1, len(body) + 1)]
    assert len(body) == 29 * 3 + 2
    assert not any(is_page_number(b.text) for b in doc.blocks)


def test_table_text_not_duplicated_as_paragraphs():
    doc = read("table_continued.pdf")
    assert not any("Objectif numéro" in b.text for b in doc.blocks if b.kind != "table")


def test_unruled_table_found_and_paragraphs_left_alone():
    doc = read("unruled_table.pdf")
    (table,) = kinds(doc, "table")
    assert table.style["strategy"] in ("text", "header")
    assert table.rows == [["Indicateur", "Valeur", "Année"],
                          ["Nombre de fiches actions", "30", "2019"],
                          ["Groupes de travail", "6", "2018"],
                          ["Participants", "250", "2018"],
                          ["Durée du projet (ans)", "5", "2019"]]
    paras = kinds(doc, "paragraph")
    assert [p.text[:20] for p in paras] == ["Ce paragraphe ordina", "Un dernier paragraph"]
    assert not any("Participants" in p.text for p in paras)
    assert [b.kind for b in doc.blocks] == ["heading", "paragraph", "table", "paragraph"]


def test_no_text_table_on_ordinary_text():
    for name in ("text_features.pdf", "two_columns.pdf", "toc.pdf", "furniture.pdf"):
        assert not kinds(read(name), "table"), name


def test_landscape_table_joined():
    doc = read("landscape_table.pdf")
    (table,) = kinds(doc, "table")
    assert table.rows[0] == ["Action", "2019", "2020", "2021", "2022", "Pilote"]
    assert table.style["pages"] == [1, 2]
    assert [r[0] for r in table.rows[1:]] == [f"Fiche action n°{i}" for i in range(1, 24)]
    assert "Plan pluriannuel" not in [b.text for b in doc.blocks]  # running header


def test_image_only_page_ocrd_and_flagged_when_unreadable():
    doc = read("scanned.pdf")  # page 2: a tiny bitmap-font image, too coarse for OCR
    assert doc.status == "partial"
    assert doc.meta["needs_ocr_pages"] == [2]
    assert any(w.startswith("page 2: no text layer") for w in doc.warnings)
    assert doc.blocks[0].text == "Une page avec du texte."


# ---------------------------------------------------------------- errors


def test_encrypted_pdf_raises():
    with pytest.raises(ReaderError) as err:
        read("encrypted.pdf")
    assert err.value.error_type == "encrypted"


def test_empty_file_raises(tmp_path):
    empty = tmp_path / "empty.pdf"
    empty.write_bytes(b"")
    with pytest.raises(ReaderError) as err:
        read_pdf(empty, source_uri="x", doc_id="x")
    assert err.value.error_type == "empty_file"


@pytest.mark.parametrize("fraction", [0.2, 0.6, 0.99])
def test_truncated_pdf_raises(tmp_path, fraction):
    data = (FIX / "table_continued.pdf").read_bytes()
    cut = tmp_path / "cut.pdf"
    cut.write_bytes(data[: int(len(data) * fraction)])
    with pytest.raises(ReaderError) as err:
        read_pdf(cut, source_uri="x", doc_id="x")
    assert err.value.error_type == "pdf_syntax"


def test_not_a_pdf_raises(tmp_path):
    fake = tmp_path / "fake.pdf"
    fake.write_text("<html>not a pdf</html>")
    with pytest.raises(ReaderError) as err:
        read_pdf(fake, source_uri="x", doc_id="x")
    assert err.value.error_type == "pdf_syntax"


def test_too_many_pages_raises():
    with pytest.raises(ReaderError) as err:
        read("table_chain.pdf", settings=PdfSettings(max_pages=2))
    assert err.value.error_type == "too_many_pages"


def test_settings_are_validated():
    with pytest.raises(ValueError):
        PdfSettings(header_band=1.5)


# ---------------------------------------------------------------- the real sample

needs_sample = pytest.mark.skipif(not SAMPLE.exists(),
                                  reason=f"sample PDF not rendered yet: {SAMPLE}")


@pytest.fixture(scope="module")
def sample() -> Document:
    return read_pdf(SAMPLE, source_uri="file://ptsm53.pdf", doc_id="ptsm53")


@needs_sample
def test_sample_basics(sample):
    assert sample.status == "ok" and sample.n_pages and sample.n_pages > 80
    assert "Mayenne" in sample.title
    assert sample.meta["removed_furniture"]["header_lines"] >= sample.n_pages - 2


@needs_sample
def test_sample_has_no_furniture(sample):
    for b in sample.blocks:
        in_band = b.bbox[1] < 0.08 * 842 or b.bbox[3] > 0.92 * 842
        assert not (in_band and is_page_number(b.text)), b
        if b.kind != "table":
            assert "Feuille de route 2019-2024 Département" not in b.text, b
            assert not re.search(r"Mentale de la Mayenne Page \d+", b.text), b


@needs_sample
def test_sample_fiche_headings(sample):
    heads = [b.text for b in kinds(sample, "heading")]
    numbers = {int(m.group(1)) for h in heads
               if (m := re.match(r"Fiche action n°(\d+)( bis)? : ", h))}
    assert numbers == set(range(1, 31))
    assert any(h.startswith("Fiche action n°17 bis : ") for h in heads)


@needs_sample
def test_sample_operational_tables_are_single_blocks(sample):
    ops = [b for b in kinds(sample, "table")
           if b.rows and b.rows[0][0].startswith("Objectifs opérationnels")
           and len(b.rows[0]) == 4
           and any(s.startswith("Fiche action n°") for s in b.section_path)]
    # one per fiche: 1-30 and 17 bis, except 17, whose section holds only 17 bis's heading
    assert len(ops) == 30
    fiche_of = {}
    for t in ops:
        fiche = next(s for s in reversed(t.section_path) if s.startswith("Fiche action n°"))
        assert fiche not in fiche_of, f"two operational tables under {fiche}"
        fiche_of[fiche] = t
        assert t.rows[0][1].startswith("Opérateur") and t.rows[0][3] == "Echéance"
        assert all(_norm(r) != _norm(t.rows[0]) for r in t.rows[1:]), "header repeated"
    numbers = {re.match(r"Fiche action n°(\d+( bis)?)", f).group(1) for f in fiche_of}
    assert numbers == {str(n) for n in range(1, 31) if n != 17} | {"17 bis"}
    spanning = sorted(tuple(t.style["pages"]) for t in ops if len(t.style["pages"]) > 1)
    assert len(spanning) >= 4
    for pages in spanning:
        assert list(pages) == list(range(pages[0], pages[-1] + 1))


@needs_sample
def test_sample_tables_crossing_pages_are_joined(sample):
    tables = kinds(sample, "table")
    # no table may be followed, at the top of the next page, by a part with the same header
    for a, b in zip(tables, tables[1:], strict=False):
        if b.page == (a.page_end or a.page) + 1 and b.bbox[1] < 150:
            assert _norm(b.rows[0]) != _norm(a.rows[0]), (a.seq, b.seq)


@needs_sample
def test_sample_toc_and_superscript(sample):
    toc = [b for b in sample.blocks if b.toc]
    assert len(toc) >= 30
    fiche1 = next(b for b in toc if b.text.startswith("Fiche action n°1 :"))
    assert fiche1.toc_page == 14
    assert not any(re.search(r"\. \. \.|\.\.\.\.", b.text) for b in toc)
    assert "1er février 2019" in sample.text


def _norm(row: list[str]) -> list[str]:
    return [" ".join(c.split()).casefold() for c in row]


def _line(top: float, cells: list[tuple[float, str]], size: float = 7.5) -> list:
    from pipeline.readers.pdf_layout import Word

    words = []
    for x, text in cells:
        for token in text.split():
            width = 4.0 * len(token)
            words.append(Word(token, x, x + width, top, top + size, size, False))
            x += width + 2.0
    return words


def test_borderless_table_anchored_on_its_header_row() -> None:
    """Rows padded apart, cells wrapped on close lines, an empty column, text after."""
    from pipeline.readers.pdf_layout import LayoutSettings
    from pipeline.readers.pdf_tables import TableSettings, header_tables

    words = (_line(100, [(40, "Étapes"), (200, "Porteur"), (300, "Échéance")])
             + _line(116, [(40, "1) Créer un"), (200, "ARS"), (300, "2021")])
             + _line(125, [(40, "groupe pilote")])
             + _line(141, [(40, "2) Diffuser"), (300, "second semestre")])
             + _line(150, [(300, "2022")])
             + _line(190, [(30, "Moyens nécessaires : aucun")], size=8.5))
    (table,) = header_tables(words, 1, 600, 800, TableSettings(), LayoutSettings())
    assert table.strategy == "header"
    assert table.rows == [["Étapes", "Porteur", "Échéance"],
                          ["1) Créer un groupe pilote", "ARS", "2021"],
                          ["2) Diffuser", "", "second semestre 2022"]]


def test_group_rows_of_one_line_as_the_general_clustering() -> None:
    """Words on one line of one font (the shortcut: sorted by x0, ties in word order) group
    as when one word of the line is a little taller (the general clustering)."""
    settings = LayoutSettings()
    xs = [300.0, 10.0, 150.0, 10.0, 80.0]
    line = [Word(f"w{i}", x, x + 20, 100.0, 110.0, 10.0, False) for i, x in enumerate(xs)]
    taller = [*line[:-1], Word("w4", 80.0, 100.0, 99.99, 110.0, 10.0, False)]
    assert [[w.text for w in r] for r in group_rows(line, settings)] == \
        [[w.text for w in r] for r in group_rows(taller, settings)] == \
        [["w1", "w3", "w4", "w2", "w0"]]
    # an upside-down box (bottom above top) overlaps nothing: one row per word
    flipped = [Word(w.text, w.x0, w.x1, 110.0, 100.0, 10.0, False) for w in line]
    assert len(group_rows(flipped, settings)) == len(flipped)


def page_body(words: list[Word], body_top: float, body_bottom: float) -> list[Word]:
    """The words whose center lies between the header and footer bands."""
    return [w for w in words if body_top <= (w.top + w.bottom) / 2 <= body_bottom]


def test_body_rows_from_the_page_rows_as_grouped_alone() -> None:
    """The body's rows taken from the page's rows are group_rows of the body words."""
    settings = LayoutSettings()
    rnd = random.Random(3)
    for _ in range(300):
        words = []
        for i in range(rnd.randint(0, 30)):
            top = rnd.choice([10.0, 12.0, 50.0, 300.0, 745.0, 748.0, rnd.uniform(0, 790)])
            size = rnd.choice([8.0, 10.0, 12.0])
            x = rnd.uniform(0, 500)
            words.append(Word(f"w{i}", x, x + 30, top, top + size, size, False))
        body = page_body(words, 60.0, 740.0)
        above = sum(1 for w in words if (w.top + w.bottom) / 2 < 60.0)
        below = sum(1 for w in words if (w.top + w.bottom) / 2 > 740.0)
        rows = group_rows(words, settings)
        assert body_rows(body, words, rows, above, below, settings) == \
            group_rows(body, settings)
