"""ptsm.duckdb: every table loads through the database file, the analyst views run, and a
copied or moved dataset (or the database file alone) still answers every view."""

from __future__ import annotations

import json
import shutil
from pathlib import Path

import duckdb
import pandas as pd
import pyarrow.parquet as pq
import pytest
from fixtures.synthetic_dataset import make_synthetic_dataset, synthetic_rows

from pipeline.analytics.duckdb_views import ANALYST_VIEWS, DUCKDB_FILE, build_duckdb
from pipeline.dataset.publish import publish, to_arrow
from schemas.tables import SCHEMAS, TABLES


@pytest.fixture(scope="module")
def dataset(tmp_path_factory: pytest.TempPathFactory) -> Path:
    out = make_synthetic_dataset(tmp_path_factory.mktemp("duck") / "curated")
    assert build_duckdb(out) == out.resolve() / DUCKDB_FILE
    return out


@pytest.fixture
def con(dataset: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch):
    monkeypatch.chdir(tmp_path)  # the views must not depend on the working directory
    with duckdb.connect(str(dataset / DUCKDB_FILE), read_only=True) as connection:
        yield connection


def test_every_table_loads_through_the_database(dataset: Path, con) -> None:
    counts = json.loads((dataset / "_manifest.json").read_text())["tables"]
    for table in TABLES:
        n = con.execute(f'select count(*) from "{table}"').fetchone()[0]
        assert n == counts[table], table
        assert n > 0 or table not in synthetic_rows(), table
        columns = [r[0] for r in con.execute(f'describe "{table}"').fetchall()]
        assert columns == SCHEMAS[table].names, table  # contract order, nothing lost
    types = dict(con.execute("select column_name, data_type from information_schema.columns "
                             "where table_name = 'fiches'").fetchall())
    assert types["department_code"] == "VARCHAR" and types["partenaires"] == "VARCHAR[]"
    assert con.execute("select count(*) from documents where department_code = '2A'"
                       ).fetchone()[0] == 1


def test_published_samples_load_through_duckdb(sample_run, tmp_path: Path) -> None:
    """The real `ptsm run` output (session fixture shared with the end-to-end tests)."""
    out = Path(shutil.copytree(sample_run.out, tmp_path / "curated"))
    counts = json.loads((out / "_manifest.json").read_text())["tables"]
    with duckdb.connect(str(build_duckdb(out)), read_only=True) as con:
        for table in TABLES:
            assert con.execute(f'select count(*) from "{table}"').fetchone()[0] == \
                counts[table], table
        for view in ANALYST_VIEWS:
            con.execute(f'select * from "{view}"').fetchall()
        depts = {r[0] for r in con.execute("select department_code from departments").fetchall()}
        assert {"35", "53", "77"} <= depts


def test_analyst_views(con) -> None:
    for view in ANALYST_VIEWS:
        con.execute(f'select * from "{view}"').fetchall()
    per_priority = con.execute(
        "select department_code, priority, n_fiches from fiches_per_priority").fetchall()
    assert ("53", 2, 2) in per_priority and ("53", None, 1) in per_priority
    coverage = con.execute("select department_code, count(*), sum(covered::int), "
                           "round(sum(share), 6) from priority_coverage group by 1 order by 1"
                           ).fetchall()
    assert coverage == [("2A", 6, 2, 1.0), ("35", 6, 3, 1.0), ("53", 6, 2, 1.0)]
    timeline = con.execute("select department_name, event_date, event_label "
                           "from milestones_timeline where department_code = '53'").fetchall()
    assert [t[2] for t in timeline] == ["Diagnostic lancé", "Feuille de route adoptée",
                                        "PTSM arrêté par l'ARS"]
    assert timeline[0][0] == "Mayenne"
    top = con.execute("select organisation, n_fiches, department_codes "
                      "from partner_organisations limit 1").fetchone()
    assert top == ("UNAFAM", 3, ["35", "53"])
    issues = [r[0] for r in con.execute("select issue from data_quality_issues").fetchall()]
    assert issues == ["document lu en partie", "quarantaine (étape read, encrypted)"]
    overview = dict(con.execute("select department_code, stage_label from department_overview"
                                ).fetchall())
    assert overview["53"] == "PTSM arrêté par l'ARS"
    assert overview["35"] == "Contrat territorial signé"
    assert overview["__unknown__"] == "Aucune étape datée"
    meta = dict(con.execute("from _ptsm_meta").fetchall())
    assert meta["schema_version"] == "1" and Path(meta["dataset_path"]).is_absolute()


def test_a_copied_dataset_answers_every_view(tmp_path: Path,
                                              monkeypatch: pytest.MonkeyPatch) -> None:
    out = make_synthetic_dataset(tmp_path / "curated")
    rows = synthetic_rows()
    rows["fiches"] = rows["fiches"][:2]
    publish({name: to_arrow(name, r) for name, r in rows.items()}, out, {"schema_version": "1"},
            finish=build_duckdb)
    # publish builds the database of the new snapshot; out/ptsm.duckdb is the current one
    with duckdb.connect(str(out / "ptsm.duckdb"), read_only=True) as con:
        assert con.execute("select count(*) from fiches").fetchone()[0] == 2
        expected = {v: con.execute(f'select count(*) from "{v}"').fetchone()[0]
                    for v in [*TABLES, *ANALYST_VIEWS]}
    copy = Path(shutil.copytree(out, tmp_path / "elsewhere" / "copie", symlinks=False))
    shutil.rmtree(tmp_path / ".curated.snapshots")  # the original is gone
    (tmp_path / "curated").unlink()
    alone = tmp_path / "alone"
    alone.mkdir()
    shutil.copy(copy / DUCKDB_FILE, alone / DUCKDB_FILE)  # even the file on its own
    monkeypatch.chdir(tmp_path / "elsewhere")
    for path in (copy / DUCKDB_FILE, alone / DUCKDB_FILE):
        with duckdb.connect(str(path), read_only=True) as con:
            for view, n in expected.items():
                assert con.execute(f'select count(*) from "{view}"').fetchone()[0] == n, view
            assert con.execute("select count(*) from passages").fetchone()[0] == 16
    assert sorted(p.name for p in copy.iterdir() if p.name.startswith(".")) == []


def test_an_older_dataset_without_the_new_columns_still_opens(tmp_path: Path) -> None:
    out = make_synthetic_dataset(tmp_path / "curated").resolve()
    for path in (out / "documents").rglob("*.parquet"):  # as published before plan_id
        table = pq.read_table(path)
        pq.write_table(table.drop_columns([c for c in ("plan_id", "is_primary")
                                           if c in table.column_names]), path)
    with duckdb.connect(str(build_duckdb(out)), read_only=True) as con:
        assert con.execute("select count(*) from documents where plan_id is null"
                           ).fetchone()[0] == 4
        assert con.execute("select sum(n_fiches) from department_overview").fetchone()[0] == 9


def test_nullable_integers_load_as_integers_in_pandas(dataset: Path) -> None:
    fiches = pd.read_parquet(dataset / "fiches")
    assert str(fiches.priority.dtype) == "Int64" and fiches.priority.isna().sum() == 1
    assert fiches.priority.dropna().tolist()[0] in range(1, 7)
    profiles = pd.read_parquet(dataset / "ptsm_profiles")
    assert str(profiles.period_start_year.dtype) == "Int64"
    assert str(pd.read_parquet(dataset / "documents").is_current.dtype) == "boolean"


def test_parquet_has_row_groups_dictionaries_and_statistics(dataset: Path) -> None:
    for path in [*dataset.glob("fiches/department_code=53/*.parquet"),
                 *dataset.glob("passage_clusters/*.parquet")]:
        meta = pq.ParquetFile(path).metadata
        assert meta.num_row_groups >= 1
        column = meta.row_group(0).column(0)
        assert column.statistics is not None and column.statistics.has_min_max
        assert any("DICTIONARY" in e for e in column.encodings), column.encodings
