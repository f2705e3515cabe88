"""The foundation, end to end: the real flow on the shipped samples, read back for real."""

from __future__ import annotations

import json
import re

import duckdb
import pandas as pd
import pytest
from conftest import Run

PDF_ID = "ptsm53-feuille-de-route-pdf"


@pytest.fixture(scope="module")
def documents(sample_run: Run) -> pd.DataFrame:
    assert sample_run.returncode == 0, sample_run.stdout + sample_run.stderr
    return pd.read_parquet(sample_run.out / "documents")


@pytest.fixture(scope="module")
def passages(sample_run: Run) -> pd.DataFrame:
    return pd.read_parquet(sample_run.out / "passages")


def _doc_passages(documents: pd.DataFrame, passages: pd.DataFrame, source_id: str) -> pd.DataFrame:
    doc_id = documents.loc[documents.source_id == source_id, "doc_id"].item()
    return passages[passages.doc_id == doc_id].sort_values("seq")


def test_run_prints_a_summary(sample_run: Run) -> None:
    assert sample_run.returncode == 0, sample_run.stderr[-3000:]
    for label in ("documents", "passages", "time", "output"):
        assert re.search(rf"^\s+{label}\s", sample_run.stdout, re.M), sample_run.stdout
    manifest = json.loads((sample_run.out / "_manifest.json").read_text())
    assert manifest["tables"]["documents"] == 5
    assert manifest["schema_version"] == "1"


def test_one_document_per_sample_with_its_department(documents: pd.DataFrame) -> None:
    depts = dict(zip(documents.source_id, documents.department_code.astype(str), strict=True))
    assert depts == {
        "ptsm53-feuille-de-route-pdf": "53",
        "ptsm53-feuille-de-route-docx": "53",
        "ptsm35-composition-du-ptsm": "35",
        "ct-sante-idf-arrete-ptsm77": "77",
        "ptsm-methode-co-construction": "__unknown__",
    }
    assert set(documents.status) == {"ok"}
    assert documents.doc_id.is_unique


def test_tables_open_in_duckdb(sample_run: Run) -> None:
    con = duckdb.connect()
    pattern = str(sample_run.out / "passages" / "**" / "*.parquet")
    n, depts = con.execute(
        f"select count(*), count(distinct department_code) from "
        f"read_parquet('{pattern}', hive_partitioning=true)").fetchone()
    assert n > 500 and depts == 4


def test_pdf_has_no_running_header_footer_or_page_number(documents, passages) -> None:
    pdf = _doc_passages(documents, passages, PDF_ID)
    texts = pdf.text.str.strip()
    # the running header and footer the sample PDF draws on its 92 inner pages (the cover
    # page also says "Département de la Mayenne", as content)
    for furniture in ("PTSM 53 – Feuille de route 2019-2024", "Département de la Mayenne",
                      "Projet Territorial en Santé Mentale de la Mayenne"):
        assert (texts == furniture).sum() <= 1, furniture
    numbers = texts.str.extract(r"^(?:Page\s*)?(\d{1,3})(?:\s*/\s*\d{1,3})?$")[0].dropna()
    page_numbers = numbers[numbers.astype(int) == pdf.loc[numbers.index, "page"]]
    assert page_numbers.empty, pdf.loc[page_numbers.index, ["page", "text"]]


def _is_operational_header(row: list[str]) -> bool:
    """Objectifs opérationnels | Opérateur(s) | Modalités de réalisation | Echéance (variants)."""
    cells = [c.strip().lower() for c in row]
    starts = ("objectifs opérationnels", "opérateur", "modalités", "echéance")
    return len(cells) == 4 and all(c.startswith(s) for c, s in zip(cells, starts, strict=True))


def _operational_tables(df: pd.DataFrame) -> pd.DataFrame:
    tables = df[df.kind == "table"].copy()
    tables["rows"] = tables.rows_json.map(json.loads)
    return tables[tables.rows.map(lambda rows: _is_operational_header(rows[0]))]


@pytest.mark.parametrize("source_id", [PDF_ID, "ptsm53-feuille-de-route-docx"])
def test_every_fiche_has_its_operational_table(documents, passages, source_id) -> None:
    doc = _doc_passages(documents, passages, source_id)
    ops = _operational_tables(doc)
    # fiches 1-30 (+ "17 bis") each have one operational table block
    assert len(ops) >= 30
    fiche_headings = doc[(doc.kind == "heading")
                         & doc.text.str.match(r"Fiche action n°\s*\d+\s*:")]
    assert fiche_headings.text.str.extract(r"n°\s*(\d+)")[0].astype(int).nunique() == 30


def test_a_table_crossing_a_page_break_is_one_block(documents, passages) -> None:
    ops = _operational_tables(_doc_passages(documents, passages, PDF_ID))
    crossing = ops[ops.page_end.notna() & (ops.page_end > ops.page)]
    assert len(crossing) >= 1
    for rows in crossing.rows:  # the repeated header row was dropped on the join
        assert sum(_is_operational_header(r) for r in rows) == 1


@pytest.mark.parametrize("source_id", ["ptsm35-composition-du-ptsm", "ct-sante-idf-arrete-ptsm77",
                                       "ptsm-methode-co-construction"])
def test_html_passages_have_no_site_chrome(documents, passages, source_id) -> None:
    text = " ".join(_doc_passages(documents, passages, source_id).text).lower()
    for chrome in ("cookies", "mentions légales", "plan du site", "accepter"):
        assert chrome not in text, chrome
