"""The Prefect flow behind `ptsm run`: ingest → read+extract → assemble → publish."""

from __future__ import annotations

import time
from collections.abc import Callable
from contextlib import ExitStack
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import pyarrow as pa
from prefect import flow, get_run_logger, task
from prefect.cache_policies import NO_CACHE, CacheKeyFnPolicy
from prefect.futures import as_completed
from prefect.logging import get_logger
from prefect.runtime import flow_run, task_run
from prefect.settings import PREFECT_FLOWS_HEARTBEAT_FREQUENCY, temporary_settings
from prefect.utilities.annotations import quote

from flows.api_server import temporary_server
from flows.early_start import cache_key, early_key, key_storage
from flows.progress import RunProgress
from flows.runners import task_runner_for
from flows.unchanged import (
    RunSummary,
    build_manifest,
    elapsed,
    new_run_id,
    previous_if_unchanged,
    republish,
)
from flows.worker_pool import MODELS, in_worker_process, worker_processes
from pipeline.analytics.duckdb_views import build_duckdb
from pipeline.analytics.plans import mark_documents
from pipeline.analytics.profiles import build_profiles
from pipeline.config import SOURCES_FILE, Settings, code_fingerprint
from pipeline.dataset.assemble import Rows, collect_rows, to_tables
from pipeline.dataset.history import Rebuild, previous_rows
from pipeline.dataset.lock import output_lock
from pipeline.dataset.outputs import describe
from pipeline.dataset.publish import publish
from pipeline.dedup.passages import mark_repeats
from pipeline.ingest.fetch import FetchError
from pipeline.ingest.raw_store import Ingested, shown_uri, split_duplicates
from pipeline.ingest.sources import Source, resolve_sources
from pipeline.ingest.watch import (
    Discovery,
    Watch,
    Watched,
    add_discovered,
    discover,
    load_watches,
)
from pipeline.stages import (
    DocResult,
    crashed,
    describe_exception,
    ingest_stage,
    process_stage,
    quarantine_row,
)

INGEST_RETRIES = 2


def _retry_transient(_task: object, _task_run: object, state: Any) -> bool:
    """Retry only what may pass next time (timeouts, 5xx), never a 404 or a refusal."""
    return bool(getattr(state.result(raise_on_failure=False), "retryable", False))


@task(name="ingest", retries=INGEST_RETRIES, retry_delay_seconds=[1, 4],
      retry_condition_fn=_retry_transient)
def ingest_task(source: Source, settings: Settings) -> Ingested | dict[str, Any]:
    """Ingest one source; a transient failure is raised (Prefect tries again) until the
    last try, which returns it as a quarantine row (one line in the log, no traceback)."""
    try:
        return ingest_stage(source, settings)
    except FetchError as exc:
        if task_run.run_count <= INGEST_RETRIES:
            raise
        return quarantine_row(source, "ingest", exc.error_type,
                              f"{exc} (after {INGEST_RETRIES} retries)")


@task(name="read-and-extract", persist_result=True)
def process_task(ingested: Ingested, run_id: str) -> DocResult:
    """Read and extract one document; cached on its content hash and the code fingerprint."""
    result = in_worker_process(process_stage, ingested, early_key=early_key(ingested))
    result.run_id = run_id
    return result


def _content_key(fingerprint: str):
    def key(_ctx: object, params: dict[str, Any]) -> str:
        return cache_key(params["ingested"], fingerprint)
    return key


def _cached_process_task(settings: Settings):
    policy = CacheKeyFnPolicy(cache_key_fn=_content_key(code_fingerprint()))
    return process_task.with_options(
        cache_policy=policy.configure(key_storage=key_storage(settings)))


@flow(name="ptsm-run", log_prints=True)
def ptsm_run(settings: Settings) -> RunSummary:
    """Ingest every source, read and extract each document, publish the dataset."""
    with output_lock(settings.out):
        return _run_locked(settings)


def _run_locked(settings: Settings) -> RunSummary:
    started = time.time()
    run_id = new_run_id()
    logger = get_run_logger()
    watched = _discover(settings, resolve_sources(settings))
    sources = watched.sources
    logger.info("run %s: %d sources → %s", run_id, len(sources), describe(settings.out))

    ingested_futures = [ingest_task.submit(s, settings) for s in sources]
    ingested: list[Ingested] = []
    quarantine: list[dict[str, Any]] = list(watched.quarantine)
    for source, fut in zip(sources, ingested_futures, strict=True):
        value = _ingested_or_row(source, fut.result(raise_on_failure=False))
        (ingested if isinstance(value, Ingested) else quarantine).append(value)
    ingested, duplicates = split_duplicates(ingested)  # same bytes under two names
    quarantine.extend(duplicates)
    previous = None if quarantine else previous_if_unchanged(settings, ingested)
    if previous is not None:
        summary = republish(settings, sources, run_id, started, previous, len(ingested),
                            logger, flow_run.id)
        summary.warnings = watched.warnings
        return summary

    processor = _cached_process_task(settings)
    results = _read_and_extract(processor, ingested, run_id)
    repaired: list[str] = []
    known = {row["doc_id"] for row in previous_rows(settings.out, "documents")}
    tables = build_tables(results, quarantine, previous=settings.out,
                          source_ids=[s.id for s in sources] + watched.missing,
                          dedup=_dedup_in_task,
                          rebuild=lambda docs: _rebuild(processor, docs, run_id),
                          problems=repaired)
    for problem in repaired:
        logger.warning("previous dataset: %s", problem)
    summary = RunSummary(run_id=run_id, out=describe(settings.out), n_sources=len(sources),
                         repaired=repaired, gone=watched.gone_now, warnings=watched.warnings)
    summary.new_documents = new_documents(tables["documents"].to_pylist(), known)
    summary.counts = {name: t.num_rows for name, t in tables.items()}
    summary.n_documents = summary.counts["documents"]
    summary.n_passages = summary.counts["passages"]
    summary.n_processed = sum(r.run_id == run_id for r in results)
    summary.n_reused = len(results) - summary.n_processed
    summary.quarantined = tables["quarantine"].to_pylist()
    summary.seconds = elapsed(settings, started)
    publish(tables, settings.out,
            manifest=build_manifest(summary, settings, sources, flow_run.id),
            finish=build_duckdb)
    logger.info("published %d documents (%d processed, %d unchanged), %d passages in %.1f s",
                summary.n_documents, summary.n_processed, summary.n_reused, summary.n_passages,
                summary.seconds)
    return summary


@task(name="dedup", cache_policy=NO_CACHE)
def dedup_task(rows: Rows) -> Rows:
    """Mark repeated passages across the run (clusters, canonical, spans)."""
    return mark_repeats(rows)


def _dedup_in_task(rows: Rows) -> Rows:
    """`dedup_task` on the run's rows, quoted: Prefect does not walk every row looking
    for futures (that walk cost more than the dedup itself)."""
    return dedup_task(quote(rows))


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


def resolve_watches(settings: Settings) -> list[Watch]:
    """The watched pages of the sources file (none for a folder)."""
    return load_watches(settings.sources_file) if settings.sources_file is not None else []


@task(name="watch")
def discover_task(watch: Watch, settings: Settings) -> Discovery:
    found = discover(watch, settings)
    get_run_logger().info("watch %s: %d links to ingest, %d gone, %d page(s) read", watch.id,
                          len(found.sources), len(found.missing), found.pages_read)
    return found


def _discover(settings: Settings, sources: list[Source]) -> Watched:
    """The listed sources plus what the watched pages link to (warnings logged)."""
    watches = resolve_watches(settings)
    futures = [discover_task.submit(w, settings) for w in watches]
    discoveries = []
    for watch, future in zip(watches, futures, strict=True):
        found = future.result(raise_on_failure=False)
        if not isinstance(found, Discovery):  # a bug: the watch is reported, the run goes on
            found = Discovery(watch, quarantine=[quarantine_row(
                Source(watch.id, watch.uri), "watch", "watch_crash",
                f"watched page {watch.uri} ({watch.id}): unexpected {found!r}; please "
                "report this page")])
        discoveries.append(found)
    watched = add_discovered(sources, discoveries)
    for warning in watched.warnings:
        get_run_logger().warning(warning)
    return watched


NEW_DOCUMENT_FIELDS = ("doc_id", "source_id", "source_uri", "title", "department_code",
                       "version", "discovered_from", "link_text")


def new_documents(documents: list[dict[str, Any]], known: set[str]) -> list[dict[str, Any]]:
    """The current documents that the previous dataset did not have (a new source, or a
    new version of one), by source id."""
    rows = [{k: d.get(k) for k in NEW_DOCUMENT_FIELDS} for d in documents
            if d.get("is_current") and d["doc_id"] not in known]
    return sorted(rows, key=lambda r: str(r["source_id"]))


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


def _read_and_extract(processor: Any, ingested: list[Ingested],
                      run_id: str) -> list[DocResult]:
    """Each document read and extracted (or its cached result), with progress shown; the
    results in the order of `ingested` sorted largest first (deterministic)."""
    logger = get_run_logger()
    # largest first: the last documents to finish are small ones, the workers end together
    ingested = sorted(ingested, key=lambda i: i.size, reverse=True)
    futures = {processor.submit(i, run_id): i for i in ingested}
    results: dict[str, DocResult] = {}
    progress = RunProgress([i.size for i in ingested], logger)
    with progress.shown():
        for fut in as_completed(list(futures)):
            item = futures[fut]
            value = fut.result(raise_on_failure=False)
            if not isinstance(value, DocResult):  # an unreadable cache record, a dead worker
                logger.warning("%s: %s; processing again", item.source_id, value)
                again = processor.with_options(refresh_cache=True).submit(item, run_id)
                value = again.result(raise_on_failure=False)
                if not isinstance(value, DocResult):  # quarantined, not cached: next run
                    value = crashed(item, str(value))
                    value.run_id = run_id
            results[item.source_id] = value
            state = "quarantined" if value.quarantine else \
                f"{len(value.rows.get('passages', []))} passages"
            reused = "" if value.run_id == run_id else ", unchanged"
            progress.advance(item.size, value.pages,
                             f"{item.source_id} → {value.department_code} ({state}{reused})")
    return [results[i.source_id] for i in ingested]


def run(settings: Settings) -> RunSummary:
    """Run the flow with the task runner the settings ask for, on the Prefect server of
    `PREFECT_API_URL`, else on a temporary local one (flows.api_server). The worker
    processes start when the first document is to be read (not for cached results),
    unless the caller started them already (`ptsm run` does, while Prefect starts)."""
    server = temporary_server(settings.prefect_server_log)
    with worker_processes(settings, preload=MODELS), ExitStack() as stack:
        if server is not None:
            # heartbeats let a server mark a crashed flow run: the temporary server stops
            # with the run, and the flow's end waits up to a second for their thread
            stack.enter_context(temporary_settings({PREFECT_FLOWS_HEARTBEAT_FREQUENCY: None}))
            server.wait_until_healthy()
            get_logger("ptsm").info("temporary Prefect server %s (its log: %s)",
                                    server.api_url, server.log)
        return ptsm_run.with_options(task_runner=task_runner_for(settings))(settings)


__all__ = ["SOURCES_FILE", "RunSummary", "ptsm_run", "resolve_sources", "run"]
