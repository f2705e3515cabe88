"""Reading that starts before Prefect does: while the temporary Prefect server starts and
Prefect is imported, `ptsm run` hands the local documents that have no cached result
(ingested once, for the nothing-changed check and here) to the worker processes. The
flow's read-and-extract task of such a document then takes that result instead of reading
it again (Prefect-free module)."""

from __future__ import annotations

import dataclasses
from pathlib import Path

from pipeline.config import Settings, code_fingerprint
from pipeline.ingest.raw_store import Ingested, split_duplicates


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
    """Of the local sources `ingested` (:func:`flows.unchanged.ingest_local`; None for
    those that failed, left to the flow, which quarantines them), those whose result is
    not cached, largest first as the flow orders them."""
    # the flow reads the first source of the same bytes
    kept, _ = split_duplicates([i for i in ingested if i is not None])
    fingerprint, keys = code_fingerprint(), key_storage(settings)
    fresh = [i for i in kept if not (keys / cache_key(i, fingerprint)).exists()]
    return sorted(fresh, key=lambda i: i.size, reverse=True)
