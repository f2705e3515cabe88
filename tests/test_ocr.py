"""OCR of scanned pages: the per-page decision, the image operations, and a real scan read
through the same layout path as PDF words.

tests/fixtures/pdf/scanned_fiches.pdf is pages 11-12 of the sample feuille de route made
into a 1-bit 150 dpi scan (skewed, specks) by::

    python scripts/make_scans.py data/raw/samples/ptsm53-feuille-de-route.pdf \\
        tests/fixtures/pdf/scanned_fiches.pdf --pages 11-12 --noise 8 --seed 3 --angle 0.5 \\
        --bilevel

Only a few pages are OCR'd here (each costs about a second); the full scan is scored by
``benchmarks/eval_ocr.py``.
"""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pypdfium2 as pdfium
import pytest
from PIL import Image, ImageDraw

from extractors.fiches import extract_fiches
from pipeline.readers import ocr as ocr_module
from pipeline.readers.ocr import OcrPage, OcrResult, OcrSettings, text_layer_problem
from pipeline.readers.ocr_image import (
    ImageSettings,
    dark_mask,
    edges_from_rules,
    ruling_lines,
    skew_angle,
)
from pipeline.readers.pdf import read_pdf
from schemas.document import Document

FIX = Path(__file__).resolve().parent / "fixtures" / "pdf"
SCAN = FIX / "scanned_fiches.pdf"
HEADER4 = ["Objectifs opérationnels", "Opérateur(s)", "Modalités de réalisation", "Echéance"]

needs_tesseract = pytest.mark.skipif(ocr_module.TESSDATA is None,
                                     reason="Tesseract's French model is not installed")


@pytest.fixture(scope="module")
def ocr_cache(tmp_path_factory: pytest.TempPathFactory) -> Path:
    return tmp_path_factory.mktemp("ocr-cache")


@pytest.fixture(scope="module")
def scan(ocr_cache: Path) -> Document:
    return read_pdf(SCAN, source_uri="scan", doc_id="scan", cache_dir=ocr_cache)


# ---------------------------------------------------------------- the per-page decision


def _words(texts: list[str], font: str = "ABCDEF+Arial") -> list[dict]:
    return [{"text": t, "fontname": font} for t in texts]


SENTENCE = ("Le comité de pilotage du projet territorial de santé mentale s'est réuni le "
            "12 mars 2021 à Laval.")
GOOD = SENTENCE.split(" ")


def test_good_text_layer_is_never_ocrd() -> None:
    assert text_layer_problem(_words(GOOD), n_images=1) is None
    assert text_layer_problem([], n_images=0) is None  # an empty page: nothing to read


def test_missing_glyphless_and_garbage_text_layers() -> None:
    assert text_layer_problem([], n_images=1) == "no text layer"
    assert text_layer_problem(_words(GOOD, "GlyphLessFont"), n_images=1) == \
        "glyphless text layer"
    cid = [f"(cid:{n})(cid:{n + 1})(cid:{n + 2})" for n in range(30)]
    assert text_layer_problem(_words(cid), n_images=0) == "garbage text layer"
    private = ["\ue001\ue002\ue003" + chr(0xE010 + n) for n in range(20)]
    assert text_layer_problem(_words(private), n_images=0) == "garbage text layer"
    mangled = ["p#r$s", "Ã©t@b", "m¤n§t", "q}u{e", "s~a^n"] * 6
    assert text_layer_problem(_words(mangled), n_images=0) == "garbage text layer"
    toc = _words(["Fiche", "action", "n°1", ":", "Sensibiliser", "l'enfant"] + ["."] * 60
                 + ["12", "L'organisation", "d'un", "parcours", "2ème", "étape"])
    assert text_layer_problem(toc, n_images=0) is None  # dot leaders are not garbage


# ---------------------------------------------------------------- image operations


def _text_image(angle: float) -> np.ndarray:
    img = Image.new("L", (900, 700), 255)
    draw = ImageDraw.Draw(img)
    for row in range(20):
        draw.text((40, 30 + 30 * row), "Fiche action n 12 : parcours de soins " * 2, fill=0)
    return np.asarray(img.rotate(angle, resample=Image.Resampling.BICUBIC, fillcolor=255))


@pytest.mark.parametrize("angle", [0.6, -0.35, 1.2])
def test_skew_is_measured(angle: float) -> None:
    assert skew_angle(dark_mask(_text_image(angle)), ImageSettings()) == \
        pytest.approx(angle, abs=0.08)


def test_ruling_lines_make_table_cells() -> None:
    img = Image.new("L", (600, 300), 255)
    draw = ImageDraw.Draw(img)
    for y in (20, 100, 180, 260):
        draw.line([(20, y), (580, y)], fill=0, width=2)
    for x in (20, 200, 580):
        draw.line([(x, 20), (x, 260)], fill=0, width=2)
    draw.text((40, 50), "Pilote", fill=0)
    horizontal, vertical = ruling_lines(dark_mask(np.asarray(img)), 72, ImageSettings())
    assert len(horizontal) == 4 and len(vertical) == 3
    edges = edges_from_rules(horizontal, 72, "h") + edges_from_rules(vertical, 72, "v")
    page = OcrPage(OcrResult(600, 300, 72, 0, 0.0, [], edges), OcrSettings())
    (table,) = page.find_tables({"vertical_strategy": "lines",
                                 "horizontal_strategy": "lines"})
    assert len(table.rows) == 3 and len(table.rows[0].cells) == 2


# ---------------------------------------------------------------- a real scan


@needs_tesseract
def test_scan_is_read_into_headings_paragraphs_and_tables(scan: Document) -> None:
    assert scan.meta["ocr_pages"] == [1, 2]
    assert scan.status == "ok", scan.warnings
    heads = [b.text for b in scan.blocks if b.kind == "heading"]
    assert any(h.startswith("Fiche action n°1 : Sensibiliser les professionnels") for h in heads)
    assert any(h.startswith("Fiche action n°2 : Recenser et faire connaître") for h in heads)
    tables = [b for b in scan.blocks if b.kind == "table"]
    assert [t.rows[0] for t in tables] == [HEADER4, HEADER4]
    assert tables[0].rows[1][0].endswith("Créer un groupe pilote")
    assert tables[0].rows[1][3] == "Second semestre 2020"


@needs_tesseract
def test_scan_blocks_say_they_come_from_ocr(scan: Document) -> None:
    assert all(b.style["ocr"] for b in scan.blocks)
    confidences = [b.style["ocr_confidence"] for b in scan.blocks]
    assert all(c is None or 0 <= c <= 100 for c in confidences)
    assert sorted(c for c in confidences if c is not None)[len(confidences) // 2] > 85


@needs_tesseract
def test_scan_gives_the_fiches(scan: Document) -> None:
    fiches = {f["number"]: f for f in extract_fiches(scan).fiches}
    assert set(fiches) == {1, 2}
    assert fiches[2]["title"] == "Recenser et faire connaître les outils de e-santé mentale"
    assert fiches[1]["title"] == ("Sensibiliser les professionnels au contact de l'enfant et de "
                                  "l'adolescent au repérage de la souffrance psychique")


@needs_tesseract
def test_ocr_results_are_cached_by_page_image(scan: Document, ocr_cache: Path,
                                              monkeypatch: pytest.MonkeyPatch) -> None:
    def no_tesseract(*args, **kwargs):
        raise AssertionError("the cached result should have been used")

    monkeypatch.setattr(ocr_module, "ocr_image", no_tesseract)
    again = read_pdf(SCAN, source_uri="scan", doc_id="scan", cache_dir=ocr_cache)
    assert [(b.kind, b.text) for b in again.blocks] == [(b.kind, b.text) for b in scan.blocks]


def test_born_digital_pages_are_never_ocrd(monkeypatch: pytest.MonkeyPatch) -> None:
    def no_tesseract(*args, **kwargs):
        raise AssertionError("a page with a good text layer was OCR'd")

    monkeypatch.setattr(ocr_module, "ocr_image", no_tesseract)
    doc = read_pdf(FIX / "text_features.pdf", source_uri="t", doc_id="t")
    assert doc.meta["ocr_pages"] == [] and doc.status == "ok"


def _image_pdf(path: Path, images: list[Image.Image]) -> Path:
    images[0].save(path, "PDF", resolution=150.0, save_all=True, append_images=images[1:])
    return path


@needs_tesseract
def test_sideways_scan_is_turned_upright(tmp_path: Path) -> None:
    page = pdfium.PdfDocument(str(SCAN))[1]
    image = page.render(scale=150 / 72, grayscale=True).to_pil().convert("L")
    path = _image_pdf(tmp_path / "sideways.pdf", [image.rotate(90, expand=True)])
    doc = read_pdf(path, source_uri="s", doc_id="s")
    assert any(b.text.startswith("Fiche action n°2") for b in doc.blocks)


@needs_tesseract
def test_blank_and_noise_pages_give_a_partial_document(tmp_path: Path) -> None:
    blank = Image.new("L", (620, 877), 255)
    noise = Image.fromarray(np.random.default_rng(1).integers(0, 256, (300, 420), np.uint8))
    path = _image_pdf(tmp_path / "unreadable.pdf", [blank, noise])
    doc = read_pdf(path, source_uri="u", doc_id="u")
    assert doc.status == "partial"
    assert doc.meta["ocr_pages"] == [1, 2]
    assert any(w.startswith("page 1:") and "no readable text" in w for w in doc.warnings)
    assert any(w.startswith("page 2:") for w in doc.warnings)


def test_without_tesseract_pages_are_flagged(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(ocr_module, "TESSDATA", None)
    doc = read_pdf(SCAN, source_uri="scan", doc_id="scan")
    assert doc.status == "partial" and doc.meta["ocr_pages"] == []
    assert doc.meta["needs_ocr_pages"] == [1, 2]
    assert "apt-get install -y tesseract-ocr tesseract-ocr-fra" in doc.warnings[0]
