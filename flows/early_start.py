"""Reading that starts before Prefect does: while the temporary Prefect server starts and
Prefect is imported, `ptsm run` ingests its local sources and hands the documents that
have no cached result to the worker processes. The flow's read-and-extract task of such
a document then takes that result instead of reading it again (Prefect-free module)."""

from __future__ import annotations

import dataclasses
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

from pipeline.config import Settings, code_fingerprint
from pipeline.ingest.raw_store import Ingested, ingest_source, split_duplicates
from pipeline.ingest.sources import Source

INGEST_THREADS = 4  # local files are read and hashed in parallel


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


def to_read_early(settings: Settings, sources: list[Source]) -> list[Ingested]:
    """The local sources ingested, without those whose result is cached (largest first,
    as the flow orders them); sources that fail to ingest are left to the flow, which
    quarantines them."""
    def ingest(source: Source) -> Ingested | None:
        try:
            return ingest_source(source, settings)
        except Exception:  # noqa: BLE001 - best effort: the flow ingests it again and quarantines
            return None

    local = [s for s in sources if not s.is_remote]
    with ThreadPoolExecutor(INGEST_THREADS) as pool:
        ingested = [i for i in pool.map(ingest, local) if i is not None]
    fingerprint, keys = code_fingerprint(), key_storage(settings)
    kept, _ = split_duplicates(ingested)  # the flow reads the first of the same bytes
    fresh = [i for i in kept if not (keys / cache_key(i, fingerprint)).exists()]
    return sorted(fresh, key=lambda i: i.size, reverse=True)
