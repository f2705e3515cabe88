"""`validate_dataset` on a valid synthetic dataset and on broken copies of it."""

from __future__ import annotations

import shutil
from datetime import date
from pathlib import Path

import pyarrow as pa
import pyarrow.compute as pc
import pyarrow.parquet as pq
import pytest
from fixtures.synthetic_dataset import make_synthetic_dataset

from pipeline.dataset.publish import read_table
from pipeline.dataset.validate import Problem, format_problems, validate_dataset


@pytest.fixture(scope="module")
def dataset(tmp_path_factory: pytest.TempPathFactory) -> Path:
    return make_synthetic_dataset(tmp_path_factory.mktemp("valid") / "curated")


@pytest.fixture
def copy(dataset: Path, tmp_path: Path) -> Path:
    return Path(shutil.copytree(dataset, tmp_path / "curated"))


def _rewrite(path: Path, column: str, row: int, value: object) -> None:
    """Replace one cell of one Parquet file, keeping the file's schema."""
    table = pq.read_table(path)
    values = table.column(column).to_pylist()
    values[row] = value
    idx = table.schema.get_field_index(column)
    field = table.schema.field(idx).with_nullable(True)  # lets a test write a null
    table = table.set_column(idx, field, pa.array(values, field.type))
    pq.write_table(table, path)


def _only(problems: list[Problem]) -> Problem:
    assert len(problems) == 1, format_problems(problems)
    return problems[0]


def test_synthetic_dataset_is_valid(dataset: Path) -> None:
    problems = validate_dataset(dataset)
    assert problems == [], format_problems(problems)
    assert format_problems(problems) == "valid: no problem found"


def test_published_samples_are_valid(sample_run) -> None:
    """The real `ptsm run` on the shipped samples (session fixture shared with end-to-end)."""
    assert sample_run.returncode in (0, 3), sample_run.stderr[-3000:]
    problems = validate_dataset(sample_run.out)
    assert problems == [], format_problems(problems)


def test_broken_foreign_key_names_table_column_and_row(copy: Path) -> None:
    part = copy / "fiches" / "department_code=35" / "part-0.parquet"
    _rewrite(part, "doc_id", 1, "deadbeefdeadbeef")
    problem = _only(validate_dataset(copy))
    assert (problem.table, problem.column, problem.key) == ("fiches", "doc_id", "f-35-02")
    assert problem.file == "fiches/department_code=35/part-0.parquet" and problem.file_row == 1
    # `row` points at the same row in the table as readers see it
    fiches = read_table(copy, "fiches")
    assert fiches.column("fiche_id")[problem.row].as_py() == "f-35-02"
    text = str(problem)
    assert text.startswith(f"fiches.doc_id row {problem.row} [f-35-02]")
    assert "'deadbeefdeadbeef' not found in documents.doc_id" in text


def test_unknown_event_type(copy: Path) -> None:
    part = copy / "governance_events" / "department_code=53" / "part-0.parquet"
    _rewrite(part, "event_type", 0, "ptsm_launched")
    problem = _only(validate_dataset(copy))
    assert (problem.table, problem.column, problem.key) == ("governance_events", "event_type",
                                                            "e-000")
    events = read_table(copy, "governance_events")
    assert events.column("event_type")[problem.row].as_py() == "ptsm_launched"
    assert "'ptsm_launched' is not in the vocabulary" in problem.message
    assert "diagnostic_launched" in problem.message  # says what is allowed


def test_duplicate_key_priority_date_and_nullable_parent(copy: Path) -> None:
    part53 = copy / "fiches" / "department_code=53" / "part-0.parquet"
    _rewrite(part53, "fiche_id", 1, "f-53-01")  # duplicate; also orphans f-53-02's link
    _rewrite(part53, "priority", 2, 7)
    events = copy / "governance_events" / "department_code=2A" / "part-0.parquet"
    _rewrite(events, "event_date", 0, date(1920, 2, 1))
    found = {(p.table, p.column, p.key): p.message for p in validate_dataset(copy)}
    assert "duplicate key 'f-53-01'" in found[("fiches", "fiche_id", "f-53-01")]
    assert "7 is not in the vocabulary" in found[("fiches", "priority", "f-53-03")]
    assert "1920-02-01 is outside the accepted years" in \
        found[("governance_events", "event_date", "e-005")]
    assert "'f-53-02' not found in fiches.fiche_id" in \
        found[("fiche_links", "target_fiche_id", "f-53-01/2")]
    objectives = [k for k in found if k[:2] == ("fiche_objectives", "fiche_id")]
    assert objectives == [("fiche_objectives", "fiche_id", "f-53-02/operationnel/0")]


def test_missing_column_wrong_type_and_missing_table(copy: Path) -> None:
    path = copy / "passage_clusters" / "part-0.parquet"
    table = pq.read_table(path).drop_columns(["n_documents"])
    table = table.set_column(table.schema.get_field_index("size"), "size",
                             pc.cast(table.column("size"), pa.string()))
    pq.write_table(table, path)
    shutil.rmtree(copy / "people")
    found = {(p.table, p.column): p.message for p in validate_dataset(copy)}
    assert "column is missing" in found[("passage_clusters", "n_documents")]
    assert "type string is not compatible with the contract type int64" in \
        found[("passage_clusters", "size")]
    assert "table folder" in found[("people", None)] and "is missing" in found[("people", None)]


def test_bad_department_code_and_required_null(copy: Path) -> None:
    path = copy / "quarantine" / "part-0.parquet"
    _rewrite(path, "stage", 0, None)
    bad = copy / "facts" / "department_code=200"
    shutil.copytree(copy / "facts" / "department_code=35", bad)
    found = {(p.table, p.column): p for p in validate_dataset(copy)}
    assert "is null but the contract requires a value" in found[("quarantine", "stage")].message
    problem = found[("facts", "department_code")]
    assert "'200' is not an INSEE département code" in problem.message
    assert problem.file == "facts/department_code=200/part-0.parquet"
    assert "duplicate key 'x-002'" in found[("facts", "fact_id")].message


def test_missing_folder_and_manifest(tmp_path: Path, copy: Path) -> None:
    assert "does not exist" in _only(validate_dataset(tmp_path / "nope")).message
    (copy / "_manifest.json").unlink()
    assert "_manifest.json is missing" in _only(validate_dataset(copy)).message


def test_rows_listed_are_capped(copy: Path) -> None:
    path = copy / "passages" / "department_code=53" / "part-0.parquet"
    table = pq.read_table(path)
    table = table.set_column(table.schema.get_field_index("kind"), "kind",
                             pa.array(["chapter"] * table.num_rows))
    pq.write_table(table, path)
    from pipeline.dataset.validate import ValidationSettings

    problems = validate_dataset(copy, ValidationSettings(max_rows_per_check=2))
    assert [p.row is None for p in problems] == [False, False, True]
    assert problems[-1].message == "... and 2 more row(s) with the same problem"
