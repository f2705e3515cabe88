"""`export_dataset`: CSV for French Excel (BOM, ';'), XLSX with one sheet per table."""

from __future__ import annotations

from pathlib import Path

import openpyxl
import pandas as pd
import pyarrow as pa
import pytest
from fixtures.synthetic_dataset import make_synthetic_dataset

from pipeline.analytics.export import ExportSettings, export_dataset, sheet_name, write_xlsx
from schemas.tables import SCHEMAS, TABLES


@pytest.fixture(scope="module")
def dataset(tmp_path_factory: pytest.TempPathFactory) -> Path:
    return make_synthetic_dataset(tmp_path_factory.mktemp("export") / "curated")


def test_csv_round_trips_through_pandas_with_accents(dataset: Path, tmp_path: Path) -> None:
    paths = export_dataset(dataset, "csv", dest=tmp_path / "csv")
    assert [p.name for p in paths] == [f"{t}.csv" for t in TABLES] + ["dictionnaire.csv"]
    labels = pd.read_csv(tmp_path / "csv" / "dictionnaire.csv", encoding="utf-8-sig")
    assert len(labels) == sum(len(SCHEMAS[t].names) for t in TABLES)
    assert labels.set_index(["table", "colonne"]).loc[("fiches", "pilotes"), "libelle"] \
        == "Pilotes"
    raw = (tmp_path / "csv" / "fiches.csv").read_bytes()
    assert raw.startswith(b"\xef\xbb\xbf")  # BOM: Excel reads UTF-8
    fiches = pd.read_csv(tmp_path / "csv" / "fiches.csv", encoding="utf-8-sig",
                         dtype={"department_code": str})
    assert list(fiches.columns) == SCHEMAS["fiches"].names
    row = fiches.set_index("fiche_id").loc["f-35-01"]
    assert row.title == "Améliorer l'accès aux soins n° 1"
    assert row.partenaires == "Centre hospitalier Guillaume Régnier | UNAFAM"
    assert row.department_code == "35" and row.priority == 1
    assert fiches.set_index("fiche_id").loc["f-2A-01"].department_code == "2A"
    events = pd.read_csv(tmp_path / "csv" / "governance_events.csv", encoding="utf-8-sig",
                         dtype=str).set_index("event_id")
    assert events.loc["e-001", "event_date"] == "2019-12-10"  # ISO dates
    assert events.loc["e-001", "date_text"] == "10 décembre 2019"
    documents = pd.read_csv(tmp_path / "csv" / "documents.csv", encoding="utf-8-sig")
    assert documents.ingested_at.iloc[0] == "2024-03-01T12:00:00+00:00"


def test_csv_with_semicolons_for_french_excel(dataset: Path, tmp_path: Path) -> None:
    export_dataset(dataset, "csv", dest=tmp_path, sep=";")
    text = (tmp_path / "facts.csv").read_text(encoding="utf-8-sig")
    assert text.splitlines()[0].startswith("fact_id;doc_id;department_code;metric;value")
    assert ";5,0;" in text  # decimal comma goes with the ';' separator
    facts = pd.read_csv(tmp_path / "facts.csv", sep=";", decimal=",", encoding="utf-8-sig")
    assert sorted(facts.value) == [4.0, 5.0]
    quarantine = pd.read_csv(tmp_path / "quarantine.csv", sep=";", encoding="utf-8-sig")
    assert quarantine.message[0] == "PDF chiffré : fournir une version sans mot de passe."


def test_xlsx_has_one_sheet_per_table(dataset: Path) -> None:
    [path] = export_dataset(dataset, "xlsx")
    # outside the snapshots: the next run neither hides nor deletes it
    assert path == dataset.parent.absolute() / "exports" / "ptsm.xlsx"
    workbook = openpyxl.load_workbook(path)
    assert workbook.sheetnames == ["dictionnaire", *TABLES]
    assert [c.value for c in workbook["dictionnaire"][1]] == \
        ["table", "libelle_table", "colonne", "libelle"]
    fiches = workbook["fiches"]
    header = [c.value for c in fiches[1]]
    assert header == SCHEMAS["fiches"].names and fiches.max_row == 10
    rows = {r[0]: dict(zip(header, r, strict=True))
            for r in fiches.iter_rows(min_row=2, values_only=True)}
    assert rows["f-53-01"]["partenaires"] == \
        "Centre hospitalier de Laval; UNAFAM; Conseil départemental"
    assert rows["f-53-04"]["priority"] is None and rows["f-53-02"]["priority"] == 2
    events = workbook["governance_events"]
    assert events.cell(2, 5).value.year in (2018, 2019, 2020, 2021)  # a real date cell


def test_personal_names_can_be_dropped(dataset: Path, tmp_path: Path) -> None:
    export_dataset(dataset, "csv", dest=tmp_path, drop_personal_names=True)
    people = pd.read_csv(tmp_path / "people.csv", encoding="utf-8-sig")
    assert "name" not in people.columns and people.role[0] == "coordinatrice"
    entities = pd.read_csv(tmp_path / "entities.csv", encoding="utf-8-sig")
    assert "Hélène" not in (tmp_path / "entities.csv").read_text(encoding="utf-8-sig")
    assert entities.text.notna().sum() == 1


def test_sheet_names_and_excel_limits(tmp_path: Path) -> None:
    used: set[str] = set()
    assert sheet_name("a" * 40, used) == "a" * 31
    assert sheet_name("a" * 40, used) == "a" * 29 + "~2"
    assert sheet_name("x/y:z", used) == "x_y_z"
    table = pa.table({"text": ["é" * 40_000, "ok\x07"], "n": [1, 2]})
    path = write_xlsx({"big": table}, tmp_path / "t.xlsx",
                      ExportSettings(xlsx_max_rows=1))
    workbook = openpyxl.load_workbook(path)
    assert workbook.sheetnames == ["big", "big (2)"]
    assert len(workbook["big"]["A2"].value) == 32_767
    assert workbook["big (2)"]["A2"].value == "ok"


def test_bad_arguments(dataset: Path) -> None:
    with pytest.raises(ValueError, match="unknown export format"):
        export_dataset(dataset, "json")
    with pytest.raises(ValueError, match="separator"):
        export_dataset(dataset, "csv", sep=";;")
