"""Fiche extraction: seed text, real PDF/DOCX samples, the variant rendering, edge layouts."""

from __future__ import annotations

import importlib
import json
import re
from pathlib import Path

import pandas as pd
import pytest

from evaluation.fiches import evaluate_fiches, main
from extractors.fiches import FicheExtraction, extract_fiches
from schemas.document import Block, Document, finalize_blocks

ROOT = Path(__file__).resolve().parents[1]
FIXTURES = Path(__file__).resolve().parent / "fixtures"
SEED = FIXTURES / "text" / "seed004.txt"
GOLD = json.loads((FIXTURES / "gold" / "fiches_mayenne.json").read_text(encoding="utf-8"))
SAMPLE_PDF = ROOT / "data" / "raw" / "samples" / "ptsm53-feuille-de-route.pdf"
SAMPLE_DOCX = ROOT / "data" / "raw" / "samples" / "ptsm53-feuille-de-route.docx"
VARIANT_PDF = FIXTURES / "variant" / "ptsm53-variant.pdf"
EXPECTED_PRIORITY = {n: p for p, numbers in {1: range(1, 5), 2: range(5, 16), 3: range(16, 19),
                                             4: range(19, 24), 5: range(24, 28),
                                             6: range(28, 31)}.items() for n in numbers}

# Scores pinned as floors: a regression fails CI (measured values in the comments).
SEED_FLOORS = {"number": 1.0, "title": 1.0, "priority": 1.0, "rows": 0.98,
               "echeance_text": 0.98, "echeance_dates": 0.98}  # measured: all 1.000
SAMPLE_FLOORS = {"number": 1.0, "title": 1.0, "priority": 1.0, "rows": 0.95,
                 "echeance_dates": 0.95}  # measured on the PDF: all 1.000
# Variant (no ruling lines, inline labels): measured rows 1.000, échéance dates 1.000 since
# the PDF reader anchors borderless tables on their header row (was 0.911 / 0.854).
VARIANT_FLOORS = {"number": 1.0, "title": 1.0, "priority": 1.0, "rows": 0.97,
                  "echeance_text": 0.95, "echeance_dates": 0.95}

_TOP = re.compile(r"^(Introduction|Feuille de route 20|Plan pluriannuel|Plannings prévisionnels|"
                  r"Liste des acronymes|Annexes$|Table des matières|Format des fiches)", re.I)


def seed_document(path: Path = SEED) -> Document:
    """The seed text as a Document: one block per line, tab-separated runs → table blocks."""
    blocks: list[Block] = []
    table: list[str] = []
    in_toc = False

    def flush() -> None:
        if table:
            blocks.append(Block("table", "", rows=[r.split("\t") for r in table]))
            table.clear()

    for line in path.read_text(encoding="utf-8").split("\n"):
        text = line.strip()
        if "\t" in line and not (in_toc and re.search(r"\t\d+\s*$", line)):
            table.append(line)
            continue
        flush()
        if not text:
            continue
        if text.startswith("Table des matières"):
            in_toc = True
        elif in_toc and text == "Introduction":
            in_toc = False
        elif in_toc and re.search(r"\s\d{1,3}$", text):
            page = int(text.rsplit(None, 1)[-1])
            blocks.append(Block("paragraph", text, toc_page=page))
            continue
        if re.match(r"^Fiche action n°\s*\d", text) or re.match(r"^Objectif \d du décret", text):
            blocks.append(Block("heading", text, level=2 if text.startswith("Fiche") else 1))
        elif _TOP.match(text):
            blocks.append(Block("heading", text, level=1))
        elif re.match(r"^(- |▪|✓)", text):
            blocks.append(Block("list_item", re.sub(r"^(- |▪|✓)\s*(✓\s*)?", "", text)))
        else:
            blocks.append(Block("paragraph", text))
    flush()
    return Document(doc_id="seed004", source_uri=str(path), media_type="text/plain",
                    blocks=finalize_blocks(blocks))


@pytest.fixture(scope="module")
def seed() -> FicheExtraction:
    return extract_fiches(seed_document())


def _scores(result: FicheExtraction) -> dict:
    return evaluate_fiches(pd.DataFrame(result.fiches), pd.DataFrame(result.objectives), GOLD)


def _check_floors(scores: dict, floors: dict) -> None:
    for name, floor in floors.items():
        assert scores[name]["recall"] >= floor, (name, scores[name])
        if name in ("number", "title", "priority"):
            assert scores[name]["precision"] >= floor, (name, scores[name])


def _check_done_when(result: FicheExtraction, floors: dict, titles: bool = True) -> None:
    numbers = [f["number"] for f in result.fiches]
    assert sorted(numbers) == list(range(1, 31))
    gold_titles = {f["number"]: f["title"] for f in GOLD["fiches"]}
    for fiche in result.fiches:
        assert fiche["priority"] == EXPECTED_PRIORITY[fiche["number"]], fiche["number"]
        if titles:
            assert fiche["title"] == gold_titles[fiche["number"]]
    _check_floors(_scores(result), floors)


# --- seed text ---------------------------------------------------------------------------

def test_seed_thirty_fiches_with_titles_and_priorities(seed: FicheExtraction) -> None:
    _check_done_when(seed, SEED_FLOORS)


def test_seed_priorities_of_objective_3_come_from_the_toc(seed: FicheExtraction) -> None:
    by_number = {f["number"]: f for f in seed.fiches}
    for n in (16, 17, 18):
        assert by_number[n]["priority_source"] == "toc"
        assert "Objectif 3" in by_number[n]["priority_evidence"]
        assert by_number[n]["axis_label"].startswith("Objectif 3 du décret")
    assert by_number[5]["priority_source"] == "section"


def test_seed_no_fiche_from_toc_summaries_plans_or_annexes(seed: FicheExtraction) -> None:
    doc = seed_document()
    plan = next(b.seq for b in doc.blocks if b.text.startswith("Plan pluriannuel"))
    starts = [f["seq_start"] for f in seed.fiches]
    assert len(set(starts)) == 30 and max(starts) < plan
    for seq in starts:
        block = doc.blocks[seq]
        assert block.kind != "table" and not block.toc
        assert block.text.startswith("Fiche action n°")


def test_seed_bis_subfiche_belongs_to_its_parent(seed: FicheExtraction) -> None:
    f17 = next(f for f in seed.fiches if f["number"] == 17)
    assert "Développer des téléconsultations pour des soins somatiques" in f17["title_variants"]
    assert f17["number_label"] == "17"
    rows = [o for o in seed.objectives if o["number"] == 17 and o["kind"] == "operationnel"]
    assert len(rows) == 5


def test_seed_cross_references_are_links_not_fiches(seed: FicheExtraction) -> None:
    links = {(link["number"], link["target_number"]) for link in seed.links}
    assert {(17, 19), (18, 17), (16, 26)} <= links


def test_seed_fields(seed: FicheExtraction) -> None:
    f1 = next(f for f in seed.fiches if f["number"] == 1)
    assert f1["pilotes"] == [] and f1["pilotes_undefined"] is True
    assert f1["partenaires_undefined"] is True
    assert len(f1["objectifs_strategiques"]) == 4
    assert f1["moyens"] == "moyens humains"
    assert f1["territoire"] == "échelle locale, CLS/CLSM"
    assert f1["public_cible"].startswith("pour les professionnels")
    assert "sondage" in f1["indicateurs"]
    f2 = next(f for f in seed.fiches if f["number"] == 2)
    assert "Baromètre" in f2["liens"]
    strategic = [o for o in seed.objectives if o["number"] == 1 and o["kind"] == "strategique"]
    assert [o["seq"] for o in strategic] == [1, 2, 3, 4]


def test_seed_nested_table_rows_are_not_objectives(seed: FicheExtraction) -> None:
    rows = [o for o in seed.objectives if o["number"] == 22 and o["kind"] == "operationnel"]
    assert [o["echeance_text"] for o in rows] == ["2019", "2019 second semestre",
                                                  "2019 second semestre", "2020", "2019"]


# --- small layouts (one fixture per rule) ------------------------------------------------

def _doc(*blocks: Block) -> Document:
    return Document(doc_id="t", source_uri="t", media_type="text/plain",
                    blocks=finalize_blocks(list(blocks)))


OPS_TABLE = [["Objectifs opérationnels", "Opérateur(s)", "Modalités", "Echéance"],
             ["1) Créer un groupe", "ARS", "Réunions", "2019"],
             ["2) Déployer", "", "Partout", "Second semestre 2020"]]


def test_bold_paragraph_heading_with_inline_labels() -> None:
    doc = _doc(Block("paragraph", "Objectif 2 du décret : parcours", style={"bold": True}),
               Block("paragraph", "FICHE ACTION 3 – Ouvrir un lieu", style={"bold": True}),
               Block("paragraph", "Pilote(s) : CH de Laval, UNAFAM"),
               Block("paragraph", "Partenaires : à définir"),
               Block("table", "", rows=OPS_TABLE),
               Block("paragraph", "Indicateurs : nombre de réunions"))
    result = extract_fiches(doc)
    assert [(f["number"], f["title"], f["priority"]) for f in result.fiches] == [
        (3, "Ouvrir un lieu", 2)]
    fiche = result.fiches[0]
    assert fiche["pilotes"] == ["CH de Laval", "UNAFAM"] and fiche["partenaires_undefined"]
    rows = [o for o in result.objectives if o["kind"] == "operationnel"]
    assert [o["echeance_text"] for o in rows] == ["2019", "Second semestre 2020"]
    assert rows[0]["operateur"] == "ARS"


def test_table_continued_on_next_page_and_multiline_cells() -> None:
    doc = _doc(Block("heading", "Fiche-action 12 : Agir", level=2),
               Block("paragraph", "Pilotes : X"),
               Block("table", "", rows=OPS_TABLE),
               Block("table", "", rows=[["", "", "suite des modalités", ""],
                                        ["3) Évaluer\nl'action", "", "Bilan", "2021-2022"]]))
    result = extract_fiches(doc)
    rows = [o for o in result.objectives if o["kind"] == "operationnel"]
    assert [o["text"] for o in rows] == ["1) Créer un groupe", "2) Déployer", "3) Évaluer l'action"]
    assert rows[1]["modalites"] == "Partout suite des modalités"


def test_toc_and_summary_lines_without_toc_style_make_no_fiche() -> None:
    doc = _doc(Block("heading", "Sommaire", level=1),
               Block("paragraph", "Fiche action n°1 : Agir ........ 4"),
               Block("paragraph", "Fiche action n°2 : Réagir 6"),
               Block("heading", "Objectif 4 du décret : crise", level=1),
               Block("paragraph", "Fiche action n°1 Agir vite"),
               Block("paragraph", "Fiche action n°2 Réagir"),
               Block("heading", "Fiche action n°1 : Agir", level=2),
               Block("paragraph", "Pilotes : à définir"),
               Block("paragraph", "Partenaires : à définir"),
               Block("paragraph", "Liens avec d'autres travaux : Lien avec la Fiche action n°2"),
               Block("paragraph", "Fiche action n°2 : voir plus haut"),
               Block("heading", "Annexes", level=1),
               Block("heading", "Fiche action n°2 : Réagir", level=2),
               Block("paragraph", "Pilotes : X"),
               Block("paragraph", "Partenaires : Y"))
    result = extract_fiches(doc)
    assert [(f["number"], f["priority"]) for f in result.fiches] == [(1, 4)]
    assert result.fiches[0]["title_variants"] == ["Agir vite"]
    assert [(link["number"], link["target_number"]) for link in result.links] == [(1, 2), (1, 2)]


def test_action_numbering_family_and_content_priority() -> None:
    doc = _doc(Block("heading", "Action 2.1 – Prévenir le suicide après une crise", level=2),
               Block("paragraph", "Pilote : ARS"),
               Block("paragraph", "Objectifs stratégiques :"),
               Block("list_item", "Réduire les passages aux urgences"),
               Block("heading", "Action n°4 : Former les employeurs", level=2),
               Block("paragraph", "Pilote : CPAM"),
               Block("paragraph", "Moyens : aucun"))
    result = extract_fiches(doc)
    assert [(f["number"], f["number_label"]) for f in result.fiches] == [(1, "2.1"), (4, "4")]
    assert result.fiches[0]["priority"] == 4 and result.fiches[0]["priority_source"] == "content"
    assert "crise" in result.fiches[0]["priority_evidence"]


def test_field_table_layout() -> None:
    doc = _doc(Block("heading", "Fiche n°3 : Outiller", level=2),
               Block("table", "", rows=[["Pilote", "GEM"], ["Partenaires", "CD53; ARS"],
                                        ["Échéance", "2020"]]))
    fiche = extract_fiches(doc).fiches[0]
    assert fiche["pilotes"] == ["GEM"] and fiche["partenaires"] == ["CD53", "ARS"]


# --- evaluation command ------------------------------------------------------------------

def test_evaluation_main_reads_published_tables(tmp_path: Path, seed: FicheExtraction,
                                                capsys: pytest.CaptureFixture[str]) -> None:
    fiches = pd.DataFrame(seed.fiches)
    fiches["doc_id"], fiches["department_code"] = "seed004", "53"
    fiches["fiche_id"] = "f" + fiches["number"].astype(str)
    objectives = pd.DataFrame(seed.objectives)
    objectives["fiche_id"] = "f" + objectives["number"].astype(str)
    objectives = objectives.drop(columns=["number"])
    (tmp_path / "fiches").mkdir()
    (tmp_path / "fiche_objectives").mkdir()
    fiches[["fiche_id", "doc_id", "department_code", "number", "title", "priority"]].to_parquet(
        tmp_path / "fiches" / "part-0.parquet")
    objectives[["fiche_id", "kind", "seq", "text", "echeance_text", "echeance_start",
                "echeance_end"]].to_parquet(tmp_path / "fiche_objectives" / "part-0.parquet")
    gold_path = FIXTURES / "gold" / "fiches_mayenne.json"
    assert main(["--out", str(tmp_path), "--gold", str(gold_path)]) == 0
    out = capsys.readouterr().out
    assert "document seed004" in out
    assert re.search(r"rows\s+1\.000\s+1\.000", out)


# --- real samples through the real readers -----------------------------------------------

def _reader(module: str, name: str):
    try:
        return getattr(importlib.import_module(module), name)
    except (ImportError, AttributeError):
        pytest.skip(f"{module}.{name} not available yet (reader being written)")


def _read(path: Path, module: str, name: str) -> Document:
    if not path.exists():
        pytest.skip(f"{path.relative_to(ROOT)} not rendered yet")
    return _reader(module, name)(path, source_uri=str(path), doc_id=path.stem)


@pytest.fixture(scope="module")
def sample_pdf() -> FicheExtraction:
    return extract_fiches(_read(SAMPLE_PDF, "pipeline.readers.pdf", "read_pdf"))


@pytest.fixture(scope="module")
def sample_docx() -> FicheExtraction:
    return extract_fiches(_read(SAMPLE_DOCX, "pipeline.readers.docx", "read_docx"))


def test_sample_pdf(sample_pdf: FicheExtraction) -> None:
    _check_done_when(sample_pdf, SAMPLE_FLOORS)
    assert all(f["page_start"] is not None for f in sample_pdf.fiches)


def test_sample_docx(sample_docx: FicheExtraction) -> None:
    _check_done_when(sample_docx, SAMPLE_FLOORS)


def test_variant_pdf() -> None:
    result = extract_fiches(_read(VARIANT_PDF, "pipeline.readers.pdf", "read_pdf"))
    _check_done_when(result, VARIANT_FLOORS)
