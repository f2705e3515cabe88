"""HTML reader on the shipped web pages (data/raw/samples) and small fixture pages."""

from __future__ import annotations

import re
from collections import Counter
from pathlib import Path

import pytest

from pipeline.readers.errors import ReaderError
from pipeline.readers.html import read_html

ROOT = Path(__file__).resolve().parents[1]
SAMPLES = ROOT / "data" / "raw" / "samples"
FIXTURES = Path(__file__).resolve().parent / "fixtures"
_BULLET = re.compile(r"^\s*[-–—•▪✓·*]\s+")

PAGES = {
    "000": SAMPLES / "ptsm35-composition-du-ptsm.html",
    "001": SAMPLES / "ct-sante-idf-arrete-ptsm77.html",
    "002": SAMPLES / "ptsm-methode-co-construction.html",
}
# Text of the navigation, breadcrumb, cookie banner, related links and footer of the pages.
CHROME = ["Nous utilisons des cookies", "Accepter", "Refuser", "Mentions légales",
          "Plan du site", "Accessibilité", "Articles liés", "Tous droits réservés", "©",
          "Fil d’Ariane", "Accueil", "Agenda", "Partager"]


def _norm(text: str) -> str:
    return " ".join(_BULLET.sub("", text).split())


def _read(path: Path):
    return read_html(path, source_uri=str(path), doc_id="h")


@pytest.mark.parametrize("seed", sorted(PAGES))
def test_every_seed_line_is_found_with_its_repeats(seed: str):
    doc = _read(PAGES[seed])
    lines = [_norm(line) for b in doc.blocks for line in b.text.split("\n")]
    lines.append(_norm(doc.title or ""))  # seed 001 opens with the page <title>
    wanted = Counter(_norm(ln) for ln in
                     (FIXTURES / "text" / f"seed{seed}.txt").read_text("utf-8").splitlines())
    wanted.pop("", None)
    missing = {text: n for text, n in wanted.items()
               if sum(text in line for line in lines) < n}
    assert not missing


@pytest.mark.parametrize("seed", sorted(PAGES))
def test_no_chrome_text(seed: str):
    doc = _read(PAGES[seed])
    for block in doc.blocks:
        for marker in CHROME:
            assert marker not in block.text, (marker, block.text)
    assert {"tag:header", "tag:footer", "tag:aside", "keyword:breadcrumb",
            "role:dialog"} <= set(doc.meta["removed_chrome"])


def test_repeated_tab_and_accordion_blocks_are_both_kept():
    doc = _read(PAGES["000"])
    texts = Counter(b.text for b in doc.blocks)
    assert texts["23 actions ont ainsi été retenues pour ce premier PTSM 35."] == 2
    assert texts["Les 2 Conseils Locaux de Santé Mentale (CLSM)"] == 2
    items = [b for b in doc.blocks if b.kind == "list_item"]
    assert len(items) == 2 * 3 + 1 + 2 * (4 + 3 + 3)  # every <li> of the article
    tabs = [b.text for b in doc.blocks if b.style.get("role") == "tab"]
    assert tabs.count("Du diagnostic aux 23 actions") == 2  # tab label + summary


def test_headings_levels_and_sections():
    doc = _read(PAGES["000"])
    headings = [(b.level, b.text) for b in doc.blocks if b.kind == "heading"]
    assert headings[:2] == [(1, "Composition du PTSM 35"), (2, "Historique du PTSM 35")]
    assert (3, "Où en sommes-nous maintenant ?") in headings
    last = doc.blocks[-1]
    assert last.section_path == ["Composition du PTSM 35", "Gouvernance et organisation"]
    assert all(b.page is None for b in doc.blocks)


def test_metadata():
    doc = _read(PAGES["001"])
    assert doc.title.startswith("ARRETE ET PERSPECTIVES DU PROJET TERRITORIAL")
    assert doc.meta["canonical_url"].startswith("http://ct.sante-iledefrance.fr/actualites")
    assert doc.meta["site_name"] == "Conseils territoriaux de santé d'Île-de-France"
    assert doc.meta["lang"] == "fr" and doc.meta["main_container"] == "main"
    assert "lxml" in doc.meta["parser"]
    items = [b.text for b in doc.blocks if b.kind == "list_item"]
    assert len(items) == 3 and items[2].startswith("Un appui concret")
    doc = _read(PAGES["002"])
    assert doc.meta["canonical_url"] is None and doc.title.startswith("La co-construction")


def test_page_without_main_density_selection_and_structures():
    doc = _read(FIXTURES / "html" / "agency_no_main.html")
    assert doc.meta["main_container"] == "density"
    assert doc.meta["canonical_url"] == "https://www.ars.test/ptsm-territoire-test"
    text = doc.text
    for chrome in ("traceurs", "Aller au contenu", "Rechercher", "Vous êtes ici",
                   "Dans cette rubrique", "Partager", "Sur le même sujet", "1 rue de la Santé",
                   "ne doit pas apparaître", "Votre ARS"):
        assert chrome not in text
    items = [(b.style["depth"], b.text) for b in doc.blocks if b.kind == "list_item"]
    assert items[:3] == [(0, "Axe 1 : repérage précoce"),
                         (1, "Former les professionnels de premier recours"),
                         (1, "Créer une équipe mobile pour adolescents")]
    assert (0, "Axe 3 : accès aux soins somatiques") in items
    assert (0, "Feuille de route 2021-2026 (PDF, 1 Mo)") in items  # link-only items kept
    table = next(b for b in doc.blocks if b.kind == "table")
    assert table.rows == [
        ["Action", "Pilote", "Échéance", "Échéance"],
        ["Équipe mobile", "Centre hospitalier", "2022", "2023"],
        ["Formation", "Centre hospitalier", "2021", "2024"],
        ["Annuaire\nvolet 1\nvolet 2", "GEM", "2025", "2025"],
    ]
    captions = [b.text for b in doc.blocks if b.kind == "caption"]
    assert captions == ["Calendrier de mise en œuvre", "Carte des secteurs de psychiatrie"]
    loose = next(b for b in doc.blocks if b.text.startswith("Texte libre"))
    assert loose.text == ("Texte libre dans un encadré, sans paragraphe, avec un lien vers le "
                          "document.\nDeuxième ligne de l’encadré.")
    bold = next(b for b in doc.blocks if b.text.startswith("Le PTSM du Territoire"))
    assert "bold" not in bold.style


PAGE = ("<html><head>{meta}<title>Échéances</title></head><body><main><h1>Échéances</h1>"
        "<p>Deuxième semestre 2020 : évaluation à mi-parcours du projet.</p>"
        "<ul><li>Créer un groupe pilote</li><li>Réaliser un état des lieux</li></ul>"
        "</main></body></html>")


@pytest.mark.parametrize("meta, expected", [
    ('<meta charset="windows-1252">', "cp1252"),
    ('<meta http-equiv="Content-Type" content="text/html; charset=ISO-8859-1">', "cp1252"),
    ("", "cp1252"),  # undeclared: UTF-8 fails, cp1252 fallback
])
def test_cp1252_pages(tmp_path: Path, meta: str, expected: str):
    path = tmp_path / "page.html"
    path.write_bytes(PAGE.format(meta=meta).encode("cp1252"))
    doc = _read(path)
    assert doc.meta["encoding"] == expected
    assert doc.blocks[1].text.startswith("Deuxième semestre 2020 : évaluation")


def test_declared_charset_wrong_and_bad_bytes_never_crash(tmp_path: Path):
    path = tmp_path / "page.html"
    path.write_bytes(PAGE.format(meta='<meta charset="utf-8">').encode("utf-8")
                     .replace(b"pilote", b"pilote \x81\xff"))
    doc = _read(path)
    assert doc.warnings and doc.blocks[2].text.startswith("Créer un groupe pilote")
    bom = tmp_path / "bom.html"
    bom.write_bytes(b"\xef\xbb\xbf" + PAGE.format(meta='<meta charset="iso-8859-1">')
                    .encode("utf-8"))
    assert _read(bom).blocks[0].text == "Échéances"  # the BOM wins over the declaration


def test_malformed_markup_and_xml_declaration(tmp_path: Path):
    path = tmp_path / "broken.html"
    path.write_text('<?xml version="1.0" encoding="utf-8"?><html><body><article>'
                    "<h2>Titre<p>Premier paragraphe<p>Second <b>paragraphe</b>"
                    "<ul><li>un<li>deux<ul><li>deux bis</ul><li>trois</ul>"
                    "<table><tr><td>a<td>b<tr><td colspan=3>c</table>", encoding="utf-8")
    doc = _read(path)
    kinds = [(b.kind, b.text) for b in doc.blocks]
    assert ("list_item", "deux bis") in kinds and ("list_item", "trois") in kinds
    assert any(text.startswith("Premier paragraphe") for _, text in kinds)
    table = next(b for b in doc.blocks if b.kind == "table")
    assert table.rows == [["a", "b", ""], ["c", "c", "c"]]


def test_unreadable_inputs(tmp_path: Path):
    with pytest.raises(ReaderError) as err:
        _read(tmp_path / "absent.html")
    assert err.value.error_type == "not_found"
    empty = tmp_path / "empty.html"
    empty.write_bytes(b"")
    with pytest.raises(ReaderError) as err:
        _read(empty)
    assert err.value.error_type == "empty_file"
    blank = tmp_path / "blank.html"
    blank.write_bytes(b"<html><body><nav><a href='/'>Accueil</a></nav></body></html>")
    doc = _read(blank)
    assert doc.blocks == [] and doc.status == "partial" and doc.warnings
