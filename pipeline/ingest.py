"""Ingest: bring a source's bytes into the content-addressed raw store."""

from __future__ import annotations

import json
from dataclasses import asdict, dataclass
from datetime import UTC, datetime
from pathlib import Path

import httpx

from pipeline.config import PIPELINE_VERSION, Settings
from pipeline.document import doc_id_for, sha256_bytes
from pipeline.sniff import EXTENSIONS, sniff_media_type
from pipeline.sources import Source


class IngestError(Exception):
    """A source could not be brought in; `error_type` names the kind of failure."""

    def __init__(self, message: str, error_type: str = "ingest_error", sha256: str | None = None):
        super().__init__(message)
        self.error_type = error_type
        self.sha256 = sha256


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


def ingest_source(source: Source, settings: Settings) -> Ingested:
    """Read or fetch `source`, check it, and store it under its sha256."""
    data = _fetch(source, settings) if source.is_remote else _read_local(source, settings)
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
    store = settings.store
    store.mkdir(parents=True, exist_ok=True)
    raw_path = store / f"{sha}.{EXTENSIONS[media_type]}"
    if not raw_path.exists():
        tmp = raw_path.with_suffix(raw_path.suffix + ".part")
        tmp.write_bytes(data)
        tmp.replace(raw_path)
    ingested = Ingested(
        source_id=source.id,
        source_uri=source.url or source.uri,
        raw_path=str(raw_path),
        sha256=sha,
        doc_id=doc_id_for(sha),
        media_type=media_type,
        size=len(data),
        fetched_at=datetime.now(UTC).isoformat(timespec="seconds"),
        department_hint=source.department,
        public_url=source.url,
    )
    _log_fetch(store, ingested)
    return ingested


def _read_local(source: Source, settings: Settings) -> bytes:
    path = source.local_path
    if settings.allowed_roots:
        resolved = path.resolve()
        if not any(resolved.is_relative_to(r.resolve()) for r in settings.allowed_roots):
            raise IngestError(
                f"{source.uri}: outside the allowed roots "
                f"({', '.join(str(r) for r in settings.allowed_roots)})",
                "forbidden_path",
            )
    if not path.is_file():
        raise IngestError(f"{source.uri}: file not found", "not_found")
    size = path.stat().st_size
    if size > settings.max_bytes:
        raise IngestError(
            f"{source.uri}: {size} bytes, more than the limit of {settings.max_bytes}", "too_large"
        )
    return path.read_bytes()


def _fetch(source: Source, settings: Settings) -> bytes:
    try:
        with httpx.Client(timeout=settings.http_timeout_s, follow_redirects=True,
                          max_redirects=5) as client, client.stream("GET", source.uri) as resp:
            if resp.status_code >= 400:
                code = resp.status_code
                raise IngestError(f"{source.uri}: HTTP {code}", f"http_{code}")
            chunks, total = [], 0
            for chunk in resp.iter_bytes():
                total += len(chunk)
                if total > settings.max_bytes:
                    raise IngestError(
                        f"{source.uri}: more than {settings.max_bytes} bytes", "too_large"
                    )
                chunks.append(chunk)
            return b"".join(chunks)
    except httpx.HTTPError as exc:
        raise IngestError(f"{source.uri}: {type(exc).__name__}: {exc}", "fetch_error") from exc


def _log_fetch(store: Path, ingested: Ingested) -> None:
    entry = {**asdict(ingested), "pipeline_version": PIPELINE_VERSION}
    with (store / "fetch_log.jsonl").open("a", encoding="utf-8") as log:
        log.write(json.dumps(entry, ensure_ascii=False) + "\n")

