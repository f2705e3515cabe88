"""ptsm.duckdb: every table loads through the database file and the analyst views run."""

from __future__ import annotations

import json
import shutil
from pathlib import Path

import duckdb
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
    assert [t[2] for t in timeline] == ["Diagnosis launched", "Roadmap adopted", "PTSM approved"]
    assert timeline[0][0] == "Mayenne"
    top = con.execute("select organisation, n_fiches, department_codes "
                      "from partner_organisations limit 1").fetchone()
    assert top == ("UNAFAM", 3, ["35", "53"])
    issues = [r[0] for r in con.execute("select issue from data_quality_issues").fetchall()]
    assert issues == ["document partial", "quarantined at read (encrypted)"]
    meta = dict(con.execute("from _ptsm_meta").fetchall())
    assert meta["schema_version"] == "1" and Path(meta["dataset_path"]).is_absolute()


def test_each_publication_has_its_views_and_a_copy_can_be_repointed(tmp_path: Path) -> None:
    out = make_synthetic_dataset(tmp_path / "curated")
    rows = synthetic_rows()
    rows["fiches"] = rows["fiches"][:2]
    publish({name: to_arrow(name, r) for name, r in rows.items()}, out, {"schema_version": "1"},
            finish=build_duckdb)
    # publish builds the views of the new snapshot; out/ptsm.duckdb is the current one
    with duckdb.connect(str(out / "ptsm.duckdb"), read_only=True) as con:
        assert con.execute("select count(*) from fiches").fetchone()[0] == 2
    moved = Path(shutil.copytree(out.resolve(), tmp_path / "moved"))
    path = build_duckdb(moved)  # after a move or copy, rebuilding re-points the views
    with duckdb.connect(str(path), read_only=True) as con:
        assert con.execute("select count(*) from passages").fetchone()[0] == 16
        meta = dict(con.execute("from _ptsm_meta").fetchall())
    assert meta["dataset_path"] == str(moved.resolve())
    assert sorted(p.name for p in moved.iterdir() if p.name.startswith(".")) == []


def test_parquet_has_row_groups_dictionaries_and_statistics(dataset: Path) -> None:
    for path in [*dataset.glob("fiches/department_code=53/*.parquet"),
                 *dataset.glob("passage_clusters/*.parquet")]:
        meta = pq.ParquetFile(path).metadata
        assert meta.num_row_groups >= 1
        column = meta.row_group(0).column(0)
        assert column.statistics is not None and column.statistics.has_min_max
        assert any("DICTIONARY" in e for e in column.encodings), column.encodings
