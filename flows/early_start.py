"""Reading that starts before Prefect does: while the temporary Prefect server starts and
Prefect is imported, `ptsm run` ingests its local sources and hands the documents that
have no cached result to the worker processes. The flow's read-and-extract task of such
a document then takes that result instead of reading it again (Prefect-free module)."""

from __future__ import annotations

import dataclasses
from pathlib import Path

from flows.unchanged import ingest_local
from pipeline.config import Settings, code_fingerprint
from pipeline.ingest.raw_store import Ingested, split_duplicates
from pipeline.ingest.sources import Source


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
    local = [s for s in sources if not s.is_remote]
    ingested = [i for i in ingest_local(settings, local) if i is not None]
    kept, _ = split_duplicates(ingested)  # the flow reads the first of the same bytes
    fingerprint, keys = code_fingerprint(), key_storage(settings)
    fresh = [i for i in kept if not (keys / cache_key(i, fingerprint)).exists()]
    return sorted(fresh, key=lambda i: i.size, reverse=True)
