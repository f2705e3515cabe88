"""Start-up paid only when needed (worker processes), and progress a person can follow."""

from __future__ import annotations

import io
import logging
import multiprocessing
import os
import time
from pathlib import Path

from flows.progress import RunProgress, format_duration
from flows.worker_pool import in_worker_process, start_early, worker_processes
from pipeline.config import Settings, default_store
from pipeline.ingest.sources import sources_from_folder


def test_worker_processes_start_with_the_first_document_to_read() -> None:
    with worker_processes(Settings(task_runner="process", workers=2)):
        assert multiprocessing.active_children() == []  # nothing read yet: no process
        assert in_worker_process(os.getpid) != os.getpid()
        assert 1 <= len(multiprocessing.active_children()) <= 2


def test_calls_started_early_give_their_result_to_the_run() -> None:
    with worker_processes(Settings(task_runner="process", workers=1)):
        start_early("doc", time.time)
        time.sleep(1.0)  # the early call ran meanwhile
        asked = time.time()
        assert in_worker_process(time.time, early_key="doc") < asked - 0.5
        assert in_worker_process(time.time, early_key="doc") >= asked  # taken once
        start_early("never asked", time.sleep, 0.2)
    # the run ended: what it never asked for was dropped with its worker processes


def test_ptsm_run_reads_its_documents_while_prefect_starts(sample_run) -> None:
    """The samples' digest test checks the rows; here, that they were read early."""
    assert "reading 5 documents while Prefect starts" in sample_run.stderr


def _log() -> tuple[logging.Logger, io.StringIO]:
    stream = io.StringIO()
    logger = logging.getLogger("test-progress")
    logger.handlers = [logging.StreamHandler(stream)]
    logger.setLevel(logging.INFO)
    logger.propagate = False
    return logger, stream


def test_progress_off_a_terminal_is_one_line_per_document() -> None:
    logger, stream = _log()
    progress = RunProgress([300, 100], logger, live=False)
    with progress.shown():
        progress.advance(300, 60, "big.pdf → 53 (120 passages)")
        progress.advance(100, None, "page.html → 35 (12 passages)")
    first, second = stream.getvalue().splitlines()
    assert first.startswith("big.pdf → 53 (120 passages) — 1/2 documents, ")
    assert "pages/s, about " in first and first.endswith(" left")  # 3/4 of the bytes done
    assert second.startswith("page.html → 35 (12 passages) — 2/2 documents, ")
    assert "left" not in second
    assert progress.pages == 60


def test_durations_read_naturally() -> None:
    assert [format_duration(s) for s in (4.4, 65, 3725)] == ["4 s", "1 min 05 s",
                                                             "1 h 02 min"]


def test_the_default_store_is_outside_the_inputs() -> None:
    assert str(default_store("data/curated")) == "data/store"
    assert str(default_store("file:///srv/ptsm/curated")) == "/srv/ptsm/store"
    remote = default_store("s3://bucket/ptsm?endpoint_override=127.0.0.1:9000")
    assert remote.parent.name == "ptsm"  # a folder of the user's cache
    assert default_store("s3://bucket/ptsm") != remote  # one store per output
    assert Settings(out="/x/curated").store == default_store("/x/curated")


def test_a_store_left_in_the_raw_folder_is_not_read_as_input(tmp_path: Path) -> None:
    (tmp_path / "plan.txt").write_text("Projet territorial de santé mentale")
    legacy = tmp_path / "store"  # where earlier versions kept it
    legacy.mkdir()
    (legacy / "fetch_log.jsonl").write_text("{}\n")
    (legacy / "0123abcd.txt").write_text("a stored copy")
    assert [s.id for s in sources_from_folder(tmp_path)] == ["plan.txt"]
