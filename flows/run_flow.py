"""The Prefect flow behind `ptsm run`: ingest → read+extract → assemble → publish."""

from __future__ import annotations

import platform
import time
import uuid
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import UTC, datetime
from importlib.metadata import version
from pathlib import Path
from typing import Any

import pyarrow as pa
from prefect import flow, get_run_logger, task
from prefect.cache_policies import CacheKeyFnPolicy
from prefect.logging import get_logger

from flows.api_server import temporary_server
from flows.runners import in_worker_process, task_runner_for, worker_processes
from pipeline.analytics.duckdb_views import build_duckdb
from pipeline.analytics.plans import mark_documents
from pipeline.analytics.profiles import build_profiles
from pipeline.config import (
    PIPELINE_VERSION,
    SOURCES_FILE,
    Settings,
    code_fingerprint,
    dataset_fingerprint,
)
from pipeline.dataset.assemble import Rows, collect_rows, to_tables
from pipeline.dataset.history import Rebuild, unchanged_dataset
from pipeline.dataset.lock import output_lock
from pipeline.dataset.outputs import describe, resolve_output
from pipeline.dataset.publish import publish, republish_unchanged
from pipeline.dedup.passages import mark_repeats
from pipeline.ingest.fetch import FetchError
from pipeline.ingest.raw_store import Ingested, shown_uri, split_duplicates
from pipeline.ingest.sources import Source, load_sources_file, sources_from_folder
from pipeline.stages import (
    DocResult,
    crashed,
    describe_exception,
    ingest_stage,
    process_stage,
    quarantine_row,
    warm_up,
)
from schemas.tables import SCHEMA_VERSION

INGEST_RETRIES = 2


@dataclass
class RunSummary:
    """What a run did, for the console and the manifest."""

    run_id: str
    out: str
    n_sources: int = 0
    n_documents: int = 0
    n_passages: int = 0
    n_processed: int = 0  # documents read and extracted in this run
    n_reused: int = 0  # unchanged documents whose cached result was reused
    counts: dict[str, int] = field(default_factory=dict)
    quarantined: list[dict[str, Any]] = field(default_factory=list)
    repaired: list[str] = field(default_factory=list)  # damaged files of the previous dataset
    seconds: float = 0.0

    @property
    def exit_status(self) -> int:
        return 3 if self.quarantined else 0


def resolve_sources(settings: Settings) -> list[Source]:
    """The sources of the run: the sources file if given (or present in the raw folder)."""
    if settings.sources_file is not None:
        return load_sources_file(settings.sources_file)
    return sources_from_folder(settings.raw_dir, exclude=(settings.store,))


def _retry_transient(_task: object, _task_run: object, state: Any) -> bool:
    """Retry only what may pass next time (timeouts, 5xx), never a 404 or a refusal."""
    return bool(getattr(state.result(raise_on_failure=False), "retryable", False))


@task(name="ingest", retries=INGEST_RETRIES, retry_delay_seconds=[1, 4],
      retry_condition_fn=_retry_transient)
def ingest_task(source: Source, settings: Settings) -> Ingested | dict[str, Any]:
    return ingest_stage(source, settings)


@task(name="read-and-extract", persist_result=True)
def process_task(ingested: Ingested, run_id: str) -> DocResult:
    """Read and extract one document; cached on its content hash and the code fingerprint."""
    result = in_worker_process(process_stage, ingested)
    result.run_id = run_id
    n = len(result.rows.get("passages", []))
    state = "quarantined" if result.quarantine else f"{n} passages"
    get_run_logger().info("%s → %s (%s)", ingested.source_id, result.department_code, state)
    return result


def _content_key(fingerprint: str):
    def key(_ctx: object, params: dict[str, Any]) -> str:
        return f"doc-{params['ingested'].sha256}-{fingerprint}"
    return key


def _cached_process_task(settings: Settings):
    policy = CacheKeyFnPolicy(cache_key_fn=_content_key(code_fingerprint()))
    return process_task.with_options(
        cache_policy=policy.configure(key_storage=settings.store / ".cache" / "keys"))


@flow(name="ptsm-run", log_prints=True)
def ptsm_run(settings: Settings) -> RunSummary:
    """Ingest every source, read and extract each document, publish the dataset."""
    with output_lock(settings.out):
        return _run_locked(settings)


def _run_locked(settings: Settings) -> RunSummary:
    started = time.perf_counter()
    run_id = datetime.now(UTC).strftime("%Y%m%dT%H%M%SZ-") + uuid.uuid4().hex[:6]
    logger = get_run_logger()
    sources = resolve_sources(settings)
    logger.info("run %s: %d sources → %s", run_id, len(sources), describe(settings.out))

    ingested_futures = [ingest_task.submit(s, settings) for s in sources]
    ingested: list[Ingested] = []
    quarantine: list[dict[str, Any]] = []
    for source, fut in zip(sources, ingested_futures, strict=True):
        value = _ingested_or_row(source, fut.result(raise_on_failure=False))
        (ingested if isinstance(value, Ingested) else quarantine).append(value)
    ingested, duplicates = split_duplicates(ingested)  # same bytes under two names
    quarantine.extend(duplicates)
    previous = None if quarantine else _unchanged_dataset(settings, ingested)
    if previous is not None:
        return _republish(settings, sources, run_id, started, previous, len(ingested))

    processor = _cached_process_task(settings)
    results = []
    # largest first: the last documents to finish are small ones, the workers end together
    ingested.sort(key=lambda i: i.size, reverse=True)
    futures = [processor.submit(i, run_id) for i in ingested]
    for item, fut in zip(ingested, futures, strict=True):
        value = fut.result(raise_on_failure=False)
        if not isinstance(value, DocResult):  # an unreadable cache record, a dead worker
            logger.warning("%s: %s; processing again", item.source_id, value)
            again = processor.with_options(refresh_cache=True).submit(item, run_id)
            value = again.result(raise_on_failure=False)
            if not isinstance(value, DocResult):  # quarantined, not cached: tried next run
                value = crashed(item, str(value))
                value.run_id = run_id
        results.append(value)
    repaired: list[str] = []
    tables = build_tables(results, quarantine, previous=settings.out,
                          source_ids=[s.id for s in sources], dedup=dedup_task,
                          rebuild=lambda docs: _rebuild(processor, docs, run_id),
                          problems=repaired)
    for problem in repaired:
        logger.warning("previous dataset: %s", problem)
    summary = RunSummary(run_id=run_id, out=describe(settings.out), n_sources=len(sources),
                         repaired=repaired)
    summary.counts = {name: t.num_rows for name, t in tables.items()}
    summary.n_documents = summary.counts["documents"]
    summary.n_passages = summary.counts["passages"]
    summary.n_processed = sum(r.run_id == run_id for r in results)
    summary.n_reused = len(results) - summary.n_processed
    summary.quarantined = tables["quarantine"].to_pylist()
    summary.seconds = round(time.perf_counter() - started, 2)
    publish(tables, settings.out, manifest=_manifest(summary, settings, sources),
            finish=build_duckdb)
    logger.info("published %d documents (%d processed, %d unchanged), %d passages in %.1f s",
                summary.n_documents, summary.n_processed, summary.n_reused, summary.n_passages,
                summary.seconds)
    return summary


@task(name="dedup")
def dedup_task(rows: Rows) -> Rows:
    """Mark repeated passages across the run (clusters, canonical, spans)."""
    return mark_repeats(rows)


def build_tables(results: list[DocResult], quarantine: list[dict[str, Any]],
                 previous: str | None = None, source_ids: list[str] | None = None,
                 dedup: Callable[[Rows], Rows] = mark_repeats, rebuild: Rebuild | None = None,
                 problems: list[str] | None = None) -> dict[str, pa.Table]:
    """The run's stages after extraction: collect rows (with history: `rebuild` and
    `problems` as in `collect_rows`), dedup, plans, profiles."""
    rows = collect_rows(results, quarantine, previous=previous, source_ids=source_ids,
                        rebuild=rebuild, problems=problems)
    rows = dedup(rows)
    mark_documents(rows)  # one plan counted once: plan_id, is_primary
    rows["ptsm_profiles"] = build_profiles(rows)
    return to_tables(rows)


def _ingested_or_row(source: Source, value: object) -> Ingested | dict[str, Any]:
    """What an ingest task ended with, as an Ingested or a quarantine row (never an
    exception: the quarantine table only receives rows)."""
    if isinstance(value, Ingested | dict):
        return value
    if isinstance(value, FetchError):  # still failing after the retries
        return quarantine_row(source, "ingest", value.error_type,
                              f"{value} (after {INGEST_RETRIES} retries)")
    if isinstance(value, BaseException):  # failed outside the stage (orchestration)
        return quarantine_row(source, "ingest", "ingest_crash",
                              describe_exception(shown_uri(source), value))
    return quarantine_row(source, "ingest", "ingest_crash",
                          f"{shown_uri(source)}: the ingest task ended without a result "
                          f"({type(value).__name__})")


def _rebuild(processor: Any, documents: list[dict[str, Any]], run_id: str) -> list[DocResult]:
    """The per-document results of earlier documents (rows of a damaged previous snapshot):
    cached results where Prefect has them, else the raw file read again."""
    results = []
    for row in documents:
        if not row.get("raw_path") or not Path(row["raw_path"]).is_file():
            continue
        ingested = Ingested(
            source_id=row["source_id"], source_uri=row["source_uri"], raw_path=row["raw_path"],
            sha256=row["sha256"], doc_id=row["doc_id"], media_type=row["media_type"],
            size=Path(row["raw_path"]).stat().st_size,
            fetched_at=row["ingested_at"].isoformat() if row.get("ingested_at") else
            datetime.now(UTC).isoformat(timespec="seconds"))
        value = processor.submit(ingested, run_id).result(raise_on_failure=False)
        if isinstance(value, DocResult) and not value.quarantine:
            results.append(value)
    return results


def _unchanged_dataset(settings: Settings, ingested: list[Ingested]) -> dict[str, Any] | None:
    """The manifest of the published dataset when this run's documents are exactly its
    current ones (same bytes, same code): nothing to read, extract or assemble again.
    Local outputs only."""
    output = resolve_output(settings.out)
    if not output.is_local or not output.local_path.is_symlink():  # remote, or a plain folder
        return None
    return unchanged_dataset(settings.out, {i.source_id: i.sha256 for i in ingested},
                             dataset_fingerprint(), SCHEMA_VERSION)


def _republish(settings: Settings, sources: list[Source], run_id: str, started: float,
               previous: dict[str, Any], n_documents: int) -> RunSummary:
    """Publish the unchanged dataset as this run's snapshot (its files linked, not
    rewritten), with this run's manifest."""
    summary = RunSummary(run_id=run_id, out=describe(settings.out), n_sources=len(sources),
                         counts=dict(previous["tables"]), n_reused=n_documents)
    summary.n_documents = summary.counts["documents"]
    summary.n_passages = summary.counts["passages"]
    summary.seconds = round(time.perf_counter() - started, 2)
    since = previous.get("unchanged_since") or previous["run_id"]
    republish_unchanged(settings.out, {**_manifest(summary, settings, sources),
                                       "unchanged_since": since, "tables": summary.counts},
                         finish=build_duckdb)
    get_run_logger().info("nothing changed since run %s: %d documents republished without "
                          "reading or extracting them, in %.1f s", since, n_documents,
                          summary.seconds)
    return summary


def run(settings: Settings) -> RunSummary:
    """Run the flow with the task runner the settings ask for, on the Prefect server of
    `PREFECT_API_URL`, else on a temporary local one (flows.api_server)."""
    server = temporary_server(settings.prefect_server_log)
    with worker_processes(settings, warm_up=warm_up):  # they start while the server does
        if server is not None:
            server.wait_until_healthy()
            get_logger("ptsm").info("temporary Prefect server %s (its log: %s)",
                                    server.api_url, server.log)
        return ptsm_run.with_options(task_runner=task_runner_for(settings))(settings)


def _manifest(summary: RunSummary, settings: Settings, sources: list[Source]) -> dict[str, Any]:
    libs = ["pdfplumber", "pypdfium2", "python-docx", "lxml", "spacy", "rapidfuzz", "pyarrow",
            "prefect"]
    return {
        "run_id": summary.run_id,
        "finished_at": datetime.now(UTC).isoformat(timespec="seconds"),
        "seconds": summary.seconds,
        "pipeline_version": PIPELINE_VERSION,
        "schema_version": SCHEMA_VERSION,
        "python": platform.python_version(),
        "libraries": {name: version(name) for name in libs},
        "sources": [s.id for s in sources],
        "sources_file": str(settings.sources_file) if settings.sources_file else None,
        "quarantined": len(summary.quarantined),
        "repaired": summary.repaired,
        "documents_processed": summary.n_processed,
        "documents_unchanged": summary.n_reused,
        "code_fingerprint": code_fingerprint(),
        "dataset_fingerprint": dataset_fingerprint(),
    }


__all__ = ["SOURCES_FILE", "RunSummary", "ptsm_run", "resolve_sources", "run"]
