"""`ptsm run --task-runner thread|dask`: a thread pool and a local Dask cluster of worker
processes give the same dataset as the default process pool."""

from __future__ import annotations

import os
from pathlib import Path

import pandas as pd
import pytest
from conftest import ROOT, Run, run_cli

from flows.api_server import profile_api_url, temporary_server
from flows.runners import task_runner_for
from flows.worker_pool import MODELS, WorkerCrashed, in_worker_process, worker_processes
from pipeline.config import Settings
from pipeline.ingest.raw_store import Ingested
from pipeline.stages import crashed

ID_COLUMNS = {
    "documents": "doc_id",
    "passages": "passage_id",
    "fiches": "fiche_id",
    "governance_events": "event_id",
}


@pytest.fixture(scope="module", params=["thread", "dask"])
def other_run(request: pytest.FixtureRequest, tmp_path_factory: pytest.TempPathFactory,
              prefect_home: Path) -> Run:
    """The samples run with two workers of another task runner, its own raw store and cache."""
    work = tmp_path_factory.mktemp(f"{request.param}-run")
    out = work / "curated"
    proc = run_cli("run", "--sources", str(ROOT / "data/raw/sources.toml"), "--out", str(out),
                   "--store", str(work / "store"), "--task-runner", request.param,
                   "--workers", "2", home=prefect_home)
    return Run(out=out, returncode=proc.returncode, stdout=proc.stdout, stderr=proc.stderr)


def test_task_runner_for_each_choice() -> None:
    from prefect.task_runners import ThreadPoolTaskRunner
    from prefect_dask import DaskTaskRunner

    for name in ("process", "thread"):  # tasks in threads; `process` reads in worker processes
        threads = task_runner_for(Settings(task_runner=name, workers=6))
        assert isinstance(threads, ThreadPoolTaskRunner) and threads._max_workers == 6
    assert task_runner_for(Settings(task_runner="thread", workers=1))._max_workers == 1
    local = task_runner_for(Settings(task_runner="dask", workers=2))
    assert isinstance(local, DaskTaskRunner) and local.address is None
    assert local.cluster_kwargs["n_workers"] == 2 and local.cluster_kwargs["processes"]
    remote = task_runner_for(Settings(task_runner="dask", dask_address="tcp://10.0.0.5:8786"))
    assert isinstance(remote, DaskTaskRunner) and remote.address == "tcp://10.0.0.5:8786"
    with pytest.raises(ValueError, match="unknown task runner"):
        task_runner_for(Settings(task_runner="ray"))


def test_worker_processes_run_the_calls_of_their_run() -> None:
    settings = Settings(task_runner="process", workers=2)
    with worker_processes(settings):
        pids = {in_worker_process(os.getpid) for _ in range(8)}
        assert os.getpid() not in pids and 1 <= len(pids) <= 2
        with worker_processes(settings):  # a run inside a run uses the same processes
            assert in_worker_process(os.getpid) in pids
    assert in_worker_process(os.getpid) == os.getpid()  # pool closed with the run
    with worker_processes(Settings(task_runner="thread")):
        assert in_worker_process(os.getpid) == os.getpid()


PRELOAD_PROBE = """
import os, sys
sys.path.insert(0, {root!r})
from flows.worker_pool import in_worker_process, worker_processes
from heavy_models import loaded_by
from pipeline.config import Settings

with worker_processes(Settings(task_runner="process", workers=2), preload="heavy_models"):
    print(sorted({{in_worker_process(loaded_by) for _ in range(6)}}))
"""
HEAVY_MODELS = """import os
LOADED_IN = os.getpid()  # where this module was imported


def loaded_by() -> tuple[int, int]:
    return LOADED_IN, os.getpid()
"""


def test_the_worker_processes_start_with_the_models_loaded_once(tmp_path: Path) -> None:
    """The fork server imports the preload module once; every worker is forked from it."""
    import subprocess
    import sys

    (tmp_path / "heavy_models.py").write_text(HEAVY_MODELS)
    probe = PRELOAD_PROBE.format(root=str(ROOT))
    out = subprocess.run([sys.executable, "-c", probe], cwd=tmp_path, capture_output=True,
                         text=True, check=True, env={**os.environ, "PYTHONPATH": str(tmp_path)})
    pairs = eval(out.stdout.strip())  # [(loaded_in, worker pid), ...]
    assert len({loaded for loaded, _ in pairs}) == 1  # one load for all the workers
    assert all(loaded != worker for loaded, worker in pairs)  # not in the workers


def test_the_workers_models_are_out_of_the_garbage_collectors_reach() -> None:
    """The models loaded before the fork are frozen: a worker's collections skip them."""
    import gc

    with worker_processes(Settings(task_runner="process", workers=1), preload=MODELS):
        assert in_worker_process(gc.get_freeze_count) > 100_000


def test_a_dead_worker_process_is_reported_and_replaced() -> None:
    with worker_processes(Settings(task_runner="process", workers=2)):
        with pytest.raises(WorkerCrashed, match="a worker process died"):
            in_worker_process(os._exit, 3)  # what a crash in native code looks like
        assert in_worker_process(os.getpid) != os.getpid()  # new worker processes


def test_a_document_that_kills_its_worker_twice_is_quarantined() -> None:
    ingested = Ingested(source_id="bomb", source_uri="file:///x/bomb.pdf", raw_path="/x/b.pdf",
                        sha256="0" * 64, doc_id="d0", media_type="application/pdf", size=1,
                        fetched_at="2026-01-01T00:00:00+00:00")
    result = crashed(ingested, "a worker process died")
    (row,) = result.quarantine
    assert (row["source_id"], row["stage"], row["error_type"]) == ("bomb", "read",
                                                                    "worker_crash")
    assert "died twice" in row["message"] and "next run" in row["message"]
    assert result.rows["documents"][0]["status"] == "failed"


def test_dask_address_needs_the_dask_runner(tmp_path: Path) -> None:
    proc = run_cli("run", "--out", str(tmp_path / "out"), "--dask-address", "tcp://x:8786")
    assert proc.returncode == 2
    assert "--dask-address needs --task-runner dask" in proc.stderr


def test_each_runner_publishes_the_same_dataset(other_run: Run, sample_run: Run) -> None:
    assert other_run.returncode == sample_run.returncode, other_run.stderr[-3000:]
    assert "(5 read, 0 unchanged)" in other_run.stdout  # its own cache: really processed
    for table in sorted(p.name for p in sample_run.out.iterdir() if p.is_dir()):
        expected = pd.read_parquet(sample_run.out / table)
        got = pd.read_parquet(other_run.out / table)
        assert len(got) == len(expected), table
        if table in ID_COLUMNS:
            column = ID_COLUMNS[table]
            assert sorted(got[column]) == sorted(expected[column]), table


def test_a_prefect_profile_api_url_is_used_not_a_temporary_server(tmp_path: Path,
                                                                  monkeypatch) -> None:
    monkeypatch.delenv("PREFECT_API_URL", raising=False)
    monkeypatch.delenv("PREFECT_PROFILES_PATH", raising=False)
    monkeypatch.delenv("PREFECT_PROFILE", raising=False)
    monkeypatch.setenv("PREFECT_HOME", str(tmp_path))
    assert profile_api_url() is None  # no profiles file
    (tmp_path / "profiles.toml").write_text(
        'active = "team"\n[profiles.team]\nPREFECT_API_URL = "http://prefect.example:4200/api"\n'
        '[profiles.ephemeral]\n', encoding="utf-8")
    assert profile_api_url() == "http://prefect.example:4200/api"
    assert temporary_server(tmp_path / "server.log") is None
    monkeypatch.setenv("PREFECT_PROFILE", "ephemeral")
    assert profile_api_url() is None
