"""The list of sources of a run: a `sources.toml` file or every file of a folder."""

from __future__ import annotations

import os
import tomllib
from collections.abc import Iterable
from dataclasses import dataclass
from pathlib import Path

from rapidfuzz import process
from rapidfuzz.distance import OSA

from pipeline.config import CATALOGUE_DIR, SOURCES_FILE, Settings
from pipeline.ingest.credentials import strip_credentials

SOURCE_KEYS = ("id", "uri", "url", "department", "title", "note")  # of a [[source]]
TOP_LEVEL_KEYS = ("source", "watch")  # [[source]] entries; [[watch]] pages
FETCH_LOG = "fetch_log.jsonl"  # the log of a raw store (pipeline/ingest/raw_store.py)


class SourcesError(Exception):
    """The sources list itself is unusable (a usage/configuration error, exit status 2)."""


def check_keys(keys: Iterable[str], known: Iterable[str], where: str) -> None:
    """SourcesError naming the first unknown key, with the closest known one not used yet
    (typos and swapped letters: 'uir' → 'uri')."""
    keys, known = list(keys), list(known)
    for key in keys:
        if key not in known:
            unused = [k for k in known if k not in keys] or known
            close = process.extractOne(key, unused, scorer=OSA.normalized_similarity,
                                       score_cutoff=0.5)
            hint = f" (did you mean {close[0]!r}?)" if close else ""
            raise SourcesError(f"{where}: unknown key {key!r}{hint}; "
                               f"known keys: {', '.join(known)}")


@dataclass(frozen=True)
class Source:
    """One input: a URL or a local path, with an optional département hint."""

    id: str
    uri: str  # http(s)://…, file://… or an absolute local path
    department: str | None = None
    url: str | None = None  # public URL the local copy represents (informative)
    title: str | None = None
    discovered_from: str | None = None  # the watched page that links to it (pipeline.ingest.watch)
    link_text: str | None = None  # the text of that link
    crawl_delay_s: float = 0.0  # seconds between two requests to its site

    @property
    def is_remote(self) -> bool:
        return self.uri.startswith(("http://", "https://"))

    @property
    def local_path(self) -> Path:
        return Path(self.uri.removeprefix("file://"))


def load_sources_file(path: Path) -> list[Source]:
    """Parse a sources.toml (format in DESIGN.md); relative paths are relative to the file."""
    try:
        data = tomllib.loads(path.read_text(encoding="utf-8"))
    except FileNotFoundError as exc:
        raise SourcesError(f"sources file not found: {path}") from exc
    except tomllib.TOMLDecodeError as exc:
        raise SourcesError(f"{path}: invalid TOML: {exc}") from exc
    except UnicodeDecodeError as exc:
        raise SourcesError(f"{path}: not UTF-8 text (byte {exc.start}); save it as UTF-8"
                           ) from exc
    except OSError as exc:
        raise SourcesError(f"sources file unreadable: {path} ({exc.strerror or exc})") from exc
    check_keys(data, TOP_LEVEL_KEYS, str(path))
    entries = data.get("source", [])
    if not isinstance(entries, list) or not (entries or data.get("watch")):
        raise SourcesError(f"{path}: no [[source]] nor [[watch]] entries")
    sources: list[Source] = []
    seen: set[str] = set()
    for i, entry in enumerate(entries, 1):
        if not isinstance(entry, dict):
            raise SourcesError(f"{path}: source #{i} is not a [[source]] table")
        check_keys(entry, SOURCE_KEYS, f"{path}: source #{i}")
        if not entry.get("uri"):
            raise SourcesError(f"{path}: source #{i} has no 'uri'")
        uri = str(entry["uri"])
        if "://" not in uri and not Path(uri).is_absolute():
            uri = _absolute(path.parent / uri)
        sid = str(entry.get("id") or Path(strip_credentials(uri)).name)
        if sid in seen:
            raise SourcesError(f"{path}: duplicate source id {sid!r}")
        seen.add(sid)
        dept = entry.get("department")
        sources.append(
            Source(
                id=sid,
                uri=uri,
                department=str(dept) if dept not in (None, "") else None,
                url=_text(entry.get("url")),
                title=_text(entry.get("title")),
            )
        )
    return sources


def _absolute(path: Path) -> str:
    """`path` resolved; a path no file system accepts (a NUL byte) is kept as written, for
    ingest to quarantine that source alone."""
    try:
        return str(path.resolve())
    except (OSError, ValueError):
        return os.path.abspath(path)


def _text(value: object) -> str | None:
    return None if value in (None, "") else str(value)


def sources_from_folder(folder: Path, *, exclude: tuple[Path, ...] = ()) -> list[Source]:
    """Every regular file under `folder` (sorted), except sources.toml, hidden files,
    `exclude`, and raw stores (folders with a `fetch_log.jsonl`: earlier versions kept the
    store in `<raw>/store`)."""
    if not folder.is_dir():
        raise SourcesError(f"raw folder not found: {folder}")
    stores = [log.parent for log in folder.rglob(FETCH_LOG)]
    excluded = [e.resolve() for e in (*exclude, *stores)]
    sources = []
    for path in sorted(folder.rglob("*")):
        rel = path.relative_to(folder)
        if not path.is_file() or path.name == SOURCES_FILE:
            continue
        if any(part.startswith(".") for part in rel.parts):
            continue
        if any(path.resolve().is_relative_to(e) for e in excluded):
            continue
        sources.append(Source(id=str(rel), uri=str(path.resolve())))
    if not sources:
        raise SourcesError(f"no input files in {folder}")
    return sources


def resolve_sources(settings: Settings) -> list[Source]:
    """The sources of a run: its sources file if given, else every file of its raw folder."""
    if settings.sources_file is not None:
        return load_sources_file(settings.sources_file)
    return sources_from_folder(settings.raw_dir,
                               exclude=(settings.store, settings.raw_dir / CATALOGUE_DIR))
