"""Reading that starts before Prefect does: while the temporary Prefect server starts and
Prefect is imported, `ptsm run` hands the local documents that have no cached result
(ingested once, for the nothing-changed check and here) to the worker processes. The
flow's read-and-extract task of such a document then takes that result instead of reading
it again (Prefect-free module).

All of it happens in a thread (:func:`start_reading_early`): starting the worker
processes waits for their fork server to load the models, seconds in which the command
imports Prefect."""

from __future__ import annotations

import dataclasses
import logging
import sys
import threading
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

from pipeline.config import Settings, code_fingerprint
from pipeline.ingest.raw_store import Ingested, ingest_source, split_duplicates
from pipeline.ingest.sources import Source

READ_THREADS = 4  # local files are read and hashed in parallel


def cache_key(ingested: Ingested, fingerprint: str) -> str:
    """The key of a document's cached result: its bytes and the code that reads them."""
    return f"doc-{ingested.sha256}-{fingerprint}"


def key_storage(settings: Settings) -> Path:
    """Where Prefect keeps the cache keys of the read-and-extract task."""
    return settings.store / ".cache" / "keys"


def early_key(ingested: Ingested) -> Ingested:
    """What identifies the same document in the early start and in the flow (ingested a
    few seconds apart: everything but the time)."""
    return dataclasses.replace(ingested, fetched_at="")


def to_read_early(settings: Settings, ingested: list[Ingested | None]) -> list[Ingested]:
    """Of the local sources `ingested` (:func:`ingest_local`; None for
    those that failed, left to the flow, which quarantines them), those whose result is
    not cached, largest first as the flow orders them."""
    # the flow reads the first source of the same bytes
    kept, _ = split_duplicates([i for i in ingested if i is not None])
    fingerprint, keys = code_fingerprint(), key_storage(settings)
    fresh = [i for i in kept if not (keys / cache_key(i, fingerprint)).exists()]
    return sorted(fresh, key=lambda i: i.size, reverse=True)


def ingest_local(settings: Settings, sources: list[Source]) -> list[Ingested | None]:
    """Each (local) source ingested, read and hashed in parallel; None for a source that
    fails (the flow ingests it again and quarantines it)."""
    def ingest(source: Source) -> Ingested | None:
        try:
            return ingest_source(source, settings)
        except Exception:  # noqa: BLE001 - the flow's own ingest reports it
            return None

    with ThreadPoolExecutor(READ_THREADS) as pool:
        return list(pool.map(ingest, sources))


def start_reading_early(settings: Settings, sources: list[Source],
                        to_read: list[Ingested] | None = None) -> threading.Thread:
    """In a thread: ingest the local `sources` and pick those without a cached result
    (unless the caller did: `to_read`, :func:`to_read_early`), start the worker processes
    and hand them these documents. Join it before the flow asks for results
    (:func:`flows.worker_pool.in_worker_process`)."""
    from flows.worker_pool import start_early

    # imported here, not in the thread: two threads importing overlapping modules at once
    # (this one and the caller importing Prefect) may meet a half-initialised module
    from pipeline.stages import process_stage

    def start() -> None:
        try:
            early = (to_read_early(settings, ingest_local(settings, sources))
                     if to_read is None else to_read)
            if early:
                print(f"reading {len(early)} document{'s' * (len(early) > 1)} while Prefect "
                      "starts", file=sys.stderr)
            for doc in early:
                start_early(early_key(doc), process_stage, doc)
        except Exception:  # the flow reads the documents itself
            logging.getLogger("ptsm").exception("the early start failed")

    thread = threading.Thread(target=start, name="ptsm-early-start", daemon=True)
    thread.start()
    return thread
