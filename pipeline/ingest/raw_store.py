"""Ingest: bring a source's bytes into the content-addressed raw store."""

from __future__ import annotations

import json
import os
import uuid
from dataclasses import asdict, dataclass
from datetime import UTC, datetime
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

from pipeline.config import PIPELINE_VERSION, Settings
from pipeline.ingest.credentials import scrub, strip_credentials
from pipeline.ingest.fetch import (
    FetchError,
    FetchValidators,
    check_file_source,
    fetch,
    fetch_settings_from,
)
from pipeline.ingest.politeness import PACER
from pipeline.ingest.sniff import EXTENSIONS, PDF, pdf_page_count, sniff_media_type
from pipeline.ingest.sources import FETCH_LOG, Source, SourcesError
from pipeline.ingest.state_file import load_state, save_state
from schemas.document import doc_id_for, sha256_bytes


class IngestError(Exception):
    """A source could not be brought in; `error_type` names the kind of failure."""

    def __init__(self, message: str, error_type: str = "ingest_error", sha256: str | None = None):
        super().__init__(scrub(message))
        self.error_type = error_type
        self.sha256 = sha256


class StoreError(SourcesError):
    """The raw store (or another folder the run writes) cannot be written: a configuration
    error (exit status 2), said in one line before anything starts."""


def check_writable(folder: Path, what: str) -> None:
    """Raise StoreError unless files can be created in `folder` (created if missing)."""
    try:
        folder.mkdir(parents=True, exist_ok=True)
        probe = folder / f".ptsm-write-test-{os.getpid()}"
        probe.write_bytes(b"")
        probe.unlink()
    except OSError as exc:
        raise StoreError(f"{what} {folder} cannot be written ({exc.strerror or exc}); "
                         "give a writable folder") from exc


@dataclass(frozen=True)
class Ingested:
    """A source's bytes in the raw store."""

    source_id: str
    source_uri: str
    raw_path: str
    sha256: str
    doc_id: str
    media_type: str
    size: int
    fetched_at: str
    department_hint: str | None = None
    public_url: str | None = None
    discovered_from: str | None = None  # the watched page that links to it
    link_text: str | None = None


def ingest_source(source: Source, settings: Settings) -> Ingested:
    """Read or fetch `source`, check it, and store it under its sha256.

    A retryable network failure (timeout, 5xx) is raised as FetchError so that the
    orchestrator can retry; every other failure is an IngestError. URLs are stored and
    logged without their credentials (the fetch itself uses them).
    """
    if "\0" in source.uri:
        raise IngestError(f"{shown_uri(source)}: the URI contains a NUL byte (\\x00); "
                          "correct it in the sources list", "invalid_uri")
    state_path = _state_path(settings.store, source.id)
    previous = load_state(state_path)
    if source.is_remote:
        data, validators = _fetch(source, settings, previous)
        if data is None:  # 304 Not Modified: the stored copy is current
            data = Path(previous["raw_path"]).read_bytes()
    else:
        data, validators = _read_local(source, settings), {}
    sha = sha256_bytes(data)
    if not data:
        raise IngestError(f"{source.uri}: empty file", "empty_file", sha)
    media_type = sniff_media_type(data)
    if media_type is None:
        raise IngestError(
            f"{source.uri}: not a PDF, DOCX, HTML or text file (unrecognised content)",
            "unsupported_type",
            sha,
        )
    if media_type == PDF:
        _check_page_count(source, data, settings.max_pdf_pages, sha)
    store = settings.store
    store.mkdir(parents=True, exist_ok=True)
    raw_path = store / f"{sha}.{EXTENSIONS[media_type]}"
    if not raw_path.exists():
        # a name of its own: copies of the same bytes may be ingested at the same time
        tmp = raw_path.with_suffix(f"{raw_path.suffix}.{uuid.uuid4().hex[:8]}.part")
        tmp.write_bytes(data)
        tmp.replace(raw_path)
    ingested = Ingested(
        source_id=source.id,
        source_uri=strip_credentials(source.url or source.uri),
        raw_path=str(raw_path),
        sha256=sha,
        doc_id=doc_id_for(sha),
        media_type=media_type,
        size=len(data),
        fetched_at=datetime.now(UTC).isoformat(timespec="seconds"),
        department_hint=source.department,
        public_url=strip_credentials(source.url) if source.url else None,
        discovered_from=source.discovered_from,
        link_text=source.link_text,
    )
    save_state(state_path, {**validators, "raw_path": str(raw_path), "sha256": sha})
    _log_fetch(store, ingested)
    return ingested


def shown_uri(source: Source) -> str:
    """The source's URI as stored, logged and published: no credentials, no NUL byte."""
    return strip_credentials(source.uri).replace("\0", "\\x00")


def _check_page_count(source: Source, data: bytes, limit: int, sha: str) -> None:
    pages = pdf_page_count(data)
    if pages is not None and pages > limit:
        raise IngestError(f"{source.uri}: PDF of {pages} pages, more than the limit of {limit} "
                          "(raise it with --max-pages if the document is genuine)",
                          "too_many_pages", sha)


def split_duplicates(ingested: list[Ingested]) -> tuple[list[Ingested], list[dict[str, Any]]]:
    """Keep the first source of each content (sha256); the others become quarantine rows
    of error_type "duplicate_content" naming the source that is kept."""
    first: dict[str, Ingested] = {}
    kept: list[Ingested] = []
    duplicates: list[dict[str, Any]] = []
    for item in ingested:
        if item.sha256 not in first:
            first[item.sha256] = item
            kept.append(item)
            continue
        original = first[item.sha256]
        duplicates.append({
            "source_id": item.source_id, "source_uri": item.source_uri, "sha256": item.sha256,
            "stage": "ingest", "error_type": "duplicate_content",
            "message": (f"{item.source_uri}: same content (sha256 {item.sha256[:12]}…) as "
                        f"{original.source_uri}; the document is published once, under "
                        f"{original.source_id}"),
            "seen_at": datetime.now(UTC),
        })
    return kept, duplicates


def _read_local(source: Source, settings: Settings) -> bytes:
    if source.uri.startswith("file://") and urlsplit(source.uri).netloc not in ("", "localhost"):
        raise IngestError(f"{shown_uri(source)}: a file:// URI names no host; write "
                          "file:///absolute/path", "invalid_uri")
    try:
        path = check_file_source(source.local_path, settings.allowed_roots)
    except FetchError as exc:
        raise IngestError(str(exc), exc.error_type) from exc
    if not path.is_file():
        raise IngestError(f"{source.uri}: file not found", "not_found")
    size = path.stat().st_size
    if size > settings.max_bytes:
        raise IngestError(
            f"{source.uri}: {size} bytes, more than the limit of {settings.max_bytes}", "too_large"
        )
    return path.read_bytes()


def _fetch(source: Source, settings: Settings,
           previous: dict[str, Any]) -> tuple[bytes | None, dict[str, Any]]:
    """GET the source (conditional when we hold its bytes); None when not modified."""
    have_copy = bool(previous.get("raw_path")) and Path(previous["raw_path"]).is_file()
    validators = (FetchValidators(etag=previous.get("etag"),
                                  last_modified=previous.get("last_modified"))
                  if have_copy else None)
    PACER.wait(source.uri, source.crawl_delay_s)
    try:
        result = fetch(source.uri, fetch_settings_from(settings), validators)
    except FetchError as exc:
        if exc.retryable:
            raise
        raise IngestError(str(exc), exc.error_type) from exc
    state = {"etag": result.etag, "last_modified": result.last_modified,
             "url": strip_credentials(result.url)}
    return (None if result.not_modified else result.content), state


def _state_path(store: Path, source_id: str) -> Path:
    return store / "state" / f"{sha256_bytes(source_id.encode())[:16]}.json"


def _log_fetch(store: Path, ingested: Ingested) -> None:
    entry = {**asdict(ingested), "pipeline_version": PIPELINE_VERSION}
    with (store / FETCH_LOG).open("a", encoding="utf-8") as log:
        log.write(json.dumps(entry, ensure_ascii=False) + "\n")
