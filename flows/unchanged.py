"""What a run did (its summary and manifest), and the run where nothing changed.

No Prefect here: a run whose local sources are all unchanged since the published dataset
(same bytes, same code) is republished by :func:`republish_if_unchanged` before any
Prefect server, worker process or spaCy model is started. The dataset modules (pyarrow,
DuckDB) are imported by the functions that use them: a run that cannot be unchanged
(:func:`may_be_unchanged`) starts its server and workers without waiting for them.
"""

from __future__ import annotations

import logging
import platform
import time
import uuid
from dataclasses import dataclass, field
from datetime import UTC, datetime
from importlib.metadata import version
from typing import Any

from flows.early_start import ingest_local
from pipeline.config import PIPELINE_VERSION, Settings, code_fingerprint, dataset_fingerprint
from pipeline.dataset.lock import output_lock
from pipeline.dataset.outputs import describe, resolve_output
from pipeline.ingest.raw_store import Ingested, split_duplicates
from pipeline.ingest.sources import Source
from pipeline.ingest.watch import load_watches
from schemas.tables import SCHEMA_VERSION

LIBRARIES = ("pdfplumber", "pypdfium2", "python-docx", "lxml", "spacy", "rapidfuzz", "pyarrow",
             "prefect")


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
    new_documents: list[dict[str, Any]] = field(default_factory=list)  # since the last run
    gone: list[str] = field(default_factory=list)  # links gone from watched pages since the
    # last run (their documents stay, marked missing)
    warnings: list[str] = field(default_factory=list)
    seconds: float = 0.0
    unchanged_since: str | None = None  # nothing changed: the run that made the tables

    @property
    def exit_status(self) -> int:
        return 3 if self.quarantined else 0


def new_run_id() -> str:
    return datetime.now(UTC).strftime("%Y%m%dT%H%M%SZ-") + uuid.uuid4().hex[:6]


def elapsed(settings: Settings, started: float) -> float:
    """Seconds since the command started (`settings.started_at`), else since `started`."""
    return round(time.time() - (settings.started_at or started), 2)


def build_manifest(summary: RunSummary, settings: Settings, sources: list[Source],
                   flow_run_id: str | None = None) -> dict[str, Any]:
    """`flow_run_id`: the Prefect flow run that made the snapshot (None when nothing
    changed and the check needed no Prefect)."""
    return {
        "run_id": summary.run_id,
        "flow_run_id": flow_run_id,
        "finished_at": datetime.now(UTC).isoformat(timespec="seconds"),
        "seconds": summary.seconds,
        "pipeline_version": PIPELINE_VERSION,
        "schema_version": SCHEMA_VERSION,
        "python": platform.python_version(),
        "libraries": {name: version(name) for name in LIBRARIES},
        "sources": [s.id for s in sources],
        "sources_file": str(settings.sources_file) if settings.sources_file else None,
        "quarantined": len(summary.quarantined),
        "repaired": summary.repaired,
        "new_documents": summary.new_documents,
        "gone_from_watched_pages": summary.gone,
        "warnings": summary.warnings,
        "documents_processed": summary.n_processed,
        "documents_unchanged": summary.n_reused,
        "code_fingerprint": code_fingerprint(),
        "dataset_fingerprint": dataset_fingerprint(),
    }


def previous_if_unchanged(settings: Settings,
                          ingested: list[Ingested]) -> dict[str, Any] | None:
    """The manifest of the published dataset when this run's documents are exactly its
    current ones (same bytes, same code): nothing to read, extract or assemble again.
    Local outputs only."""
    from pipeline.dataset.history import unchanged_dataset

    output = resolve_output(settings.out)
    if not output.is_local or not output.local_path.is_symlink():  # remote, or a plain folder
        return None
    return unchanged_dataset(settings.out, {i.source_id: i.sha256 for i in ingested},
                             dataset_fingerprint(), SCHEMA_VERSION)


def republish(settings: Settings, sources: list[Source], run_id: str, started: float,
              previous: dict[str, Any], n_documents: int,
              log: logging.Logger | logging.LoggerAdapter,
              flow_run_id: str | None = None) -> RunSummary:
    """Publish the unchanged dataset as this run's snapshot (its files linked, not
    rewritten), with this run's manifest."""
    from pipeline.analytics.duckdb_views import build_duckdb
    from pipeline.dataset.publish import republish_unchanged

    summary = RunSummary(run_id=run_id, out=describe(settings.out), n_sources=len(sources),
                         counts=dict(previous["tables"]), n_reused=n_documents)
    summary.n_documents = summary.counts["documents"]
    summary.n_passages = summary.counts["passages"]
    summary.seconds = elapsed(settings, started)
    since = summary.unchanged_since = previous.get("unchanged_since") or previous["run_id"]
    republish_unchanged(settings.out, {**build_manifest(summary, settings, sources, flow_run_id),
                                       "unchanged_since": since, "tables": summary.counts},
                        finish=build_duckdb)
    log.info("nothing changed since run %s: %d documents republished without reading or "
             "extracting them, in %.1f s", since, n_documents, summary.seconds)
    return summary


def may_be_unchanged(settings: Settings, sources: list[Source]) -> bool:
    """Whether the nothing-changed check can apply at all: every source a local file, no
    watched page (only known by fetching), and a local output already published."""
    if any(s.is_remote for s in sources):
        return False
    if settings.sources_file is not None and load_watches(settings.sources_file):
        return False
    output = resolve_output(settings.out)
    return output.is_local and output.local_path.is_symlink()


def republish_if_unchanged(settings: Settings, sources: list[Source],
                           log: logging.Logger | logging.LoggerAdapter | None = None,
                           ingested: list[Ingested | None] | None = None
                           ) -> RunSummary | None:
    """When every source is a local file and none changed since the published dataset,
    republish it (no Prefect, no worker process, no model) and return the summary; else
    None, and the run goes on with the Prefect flow (which ingests the sources itself).
    `ingested`: the sources already ingested by the caller (:func:`ingest_local`)."""
    if not may_be_unchanged(settings, sources):
        return None
    started = time.time()
    ingested = ingest_local(settings, sources) if ingested is None else ingested
    if None in ingested:  # something to quarantine: a real run
        return None
    kept, duplicates = split_duplicates(ingested)
    if duplicates:
        return None
    with output_lock(settings.out):
        previous = previous_if_unchanged(settings, kept)
        if previous is None:
            return None
        return republish(settings, sources, new_run_id(), started, previous, len(kept),
                         log or logging.getLogger("ptsm"))
