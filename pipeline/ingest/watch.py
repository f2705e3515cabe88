"""Watched pages: the documents a web page links to become sources, new ones found by
themselves at each run.

A `[[watch]]` entry of sources.toml (keys in `Watch`) names a page. Each run fetches it
(conditional request: a 304 reads the copy kept from the last run), takes the links of its
main content (`pipeline.readers.html_links`: not the menu or the footer), keeps those of
the kinds to `follow` that match `match` (and stay on the page's site with `same_site`),
follows HTML links further up to `depth`, and returns each link as a `Source` whose id is
derived from its URL (`link_source_id`). robots.txt is obeyed, requests to one site are
spaced by `delay_s` (or the site's Crawl-delay), at most `max_links` links are taken from
one page (a warning says when more were found). Every rule of the fetcher applies (address
guard, limits). What was found is remembered in `<store>/watch/`: a link that disappears
from the page is reported as missing (its last document stays in the dataset, marked
`source_status = missing`); when the page cannot be read, the links found before are
fetched again as they are.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field, fields
from datetime import UTC, datetime
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

from pipeline.config import Settings
from pipeline.ingest.fetch import (
    FetchError,
    FetchSettings,
    FetchValidators,
    fetch,
    fetch_settings_from,
)
from pipeline.ingest.politeness import PACER, HostPacer, RobotsRules
from pipeline.ingest.sources import Source, SourcesError
from pipeline.ingest.state_file import load_state, save_state
from pipeline.readers.errors import ReaderError
from pipeline.readers.html_links import Link, main_content_links
from schemas.document import sha256_bytes

FOLLOWABLE = ("pdf", "docx", "html")  # kinds a watch may follow
MAX_DEPTH = 3
STAGE = "watch"  # quarantine.stage of a watched page or link that could not be used


@dataclass(frozen=True)
class Watch:
    """A `[[watch]]` entry: a page whose linked documents are ingested.

    id: name of the watch (unique in the file). uri: the page (http or https).
    follow: kinds of linked documents to ingest (pdf, docx, html); a download link whose
        format is unknown (`/media/123/download`) is followed when pdf or docx is.
    match: optional regular expression (case-insensitive) the link's text or URL must match.
    depth: 0 = the page alone is ingested; 1 = the documents it links to; 2 = also those
        linked from the HTML pages it links to; … (at most MAX_DEPTH).
    same_site: only links to the page's own host.
    department: optional département hint for what it finds.
    delay_s: seconds between two requests to one site (the site's Crawl-delay if longer).
    max_links: links taken from one page at most (more: the first ones, and a warning).
    max_pages: pages read for their links at most (depth >= 2).
    note: free text for people (where the URL comes from, when it was checked).
    """

    id: str
    uri: str
    follow: tuple[str, ...] = FOLLOWABLE
    match: str | None = None
    depth: int = 1
    same_site: bool = True
    department: str | None = None
    delay_s: float = 1.0
    max_links: int = 300
    max_pages: int = 20
    note: str | None = None

    def wants(self, link: Link) -> bool:
        """True when `link` is of a followed kind and matches `match`."""
        kind_ok = link.kind in self.follow or (
            link.kind == "file" and bool({"pdf", "docx"} & set(self.follow)))
        return kind_ok and (self.match is None or bool(
            re.search(self.match, f"{link.text} {link.url}", re.I)))


WATCH_KEYS = tuple(f.name for f in fields(Watch))


def load_watches(path: Path) -> list[Watch]:
    """The `[[watch]]` entries of a sources file (none: empty list); SourcesError naming
    the entry and the key when one is invalid."""
    import tomllib

    try:
        data = tomllib.loads(path.read_text(encoding="utf-8"))
    except (OSError, tomllib.TOMLDecodeError) as exc:
        raise SourcesError(f"{path}: {exc}") from exc
    entries = data.get("watch", [])
    if not isinstance(entries, list):
        raise SourcesError(f"{path}: 'watch' must be an array of tables ([[watch]])")
    watches: list[Watch] = []
    for i, entry in enumerate(entries, 1):
        watch = parse_watch(entry, f"{path}: watch #{i}")
        if any(w.id == watch.id for w in watches):
            raise SourcesError(f"{path}: duplicate watch id {watch.id!r}")
        watches.append(watch)
    return watches


def parse_watch(entry: object, where: str) -> Watch:
    """A `Watch` from one TOML table, every key checked."""
    if not isinstance(entry, dict):
        raise SourcesError(f"{where}: not a table")
    unknown = sorted(set(entry) - set(WATCH_KEYS))
    if unknown:
        raise SourcesError(f"{where}: unknown key(s) {', '.join(unknown)} "
                           f"(allowed: {', '.join(WATCH_KEYS)})")
    uri = entry.get("uri")
    if not isinstance(uri, str) or urlsplit(uri).scheme not in ("http", "https") \
            or not urlsplit(uri).netloc:
        raise SourcesError(f"{where}: 'uri' must be an http(s) URL, not {uri!r}")
    where = f"{where} ({uri})"
    values: dict[str, Any] = {"uri": uri, "id": str(entry.get("id") or link_source_id(uri))}
    follow = entry.get("follow", list(FOLLOWABLE))
    if isinstance(follow, str):
        follow = [follow]
    if not isinstance(follow, list) or not follow or any(k not in FOLLOWABLE for k in follow):
        raise SourcesError(f"{where}: 'follow' must list kinds among "
                           f"{', '.join(FOLLOWABLE)}, not {follow!r}")
    values["follow"] = tuple(follow)
    if entry.get("match") not in (None, ""):
        try:
            re.compile(str(entry["match"]))
        except re.error as exc:
            raise SourcesError(f"{where}: 'match' is not a valid regular expression "
                               f"({exc})") from exc
        values["match"] = str(entry["match"])
    for key, low, high in (("depth", 0, MAX_DEPTH), ("max_links", 1, None),
                           ("max_pages", 1, None)):
        if key in entry:
            value = entry[key]
            if not isinstance(value, int) or isinstance(value, bool) or value < low or (
                    high is not None and value > high):
                bound = f"{low}-{high}" if high is not None else f">= {low}"
                raise SourcesError(f"{where}: '{key}' must be an integer {bound}, not {value!r}")
            values[key] = value
    if "delay_s" in entry:
        value = entry["delay_s"]
        if not isinstance(value, int | float) or isinstance(value, bool) or value < 0:
            raise SourcesError(f"{where}: 'delay_s' must be a number of seconds >= 0")
        values["delay_s"] = float(value)
    if "same_site" in entry:
        if not isinstance(entry["same_site"], bool):
            raise SourcesError(f"{where}: 'same_site' must be true or false")
        values["same_site"] = entry["same_site"]
    for key in ("department", "note"):
        if entry.get(key) not in (None, ""):
            values[key] = str(entry[key])
    return Watch(**values)


def link_source_id(url: str) -> str:
    """The source id of a discovered URL: host, path and query, without scheme or fragment
    (the same URL found by two watches is one source)."""
    parts = urlsplit(url)
    query = f"?{parts.query}" if parts.query else ""
    return f"{parts.netloc.lower()}{parts.path or '/'}{query}"


@dataclass
class Discovery:
    """What one watch found in this run."""

    watch: Watch
    sources: list[Source] = field(default_factory=list)  # to ingest
    missing: list[str] = field(default_factory=list)  # source ids gone from the page
    gone_now: list[str] = field(default_factory=list)  # ... of which gone since the last run
    quarantine: list[dict[str, Any]] = field(default_factory=list)  # pages/links refused
    warnings: list[str] = field(default_factory=list)
    pages_read: int = 0


def discover(watch: Watch, settings: Settings, pacer: HostPacer = PACER) -> Discovery:
    """Read the watched page (and, with depth >= 2, the pages it links to) and return the
    sources to ingest, the links gone since the last run, and what was refused. Never
    raises on a network failure: an unreadable page is a quarantine row."""
    found = Discovery(watch)
    if watch.depth == 0:
        found.sources.append(_source(watch, watch.uri, None, watch.uri, watch.delay_s))
        return found
    fetch_settings = fetch_settings_from(settings)
    state_path = settings.store / "watch" / f"{sha256_bytes(watch.id.encode())[:16]}.json"
    state = load_state(state_path)
    crawl = _Crawl(watch, settings, fetch_settings, state, pacer, found)
    crawl.run()
    known: dict[str, dict[str, Any]] = state.get("links", {})
    now = datetime.now(UTC).isoformat(timespec="seconds")
    for url, info in known.items():
        if url in crawl.links:
            continue
        if info.get("found_on") in crawl.unread_pages and not info.get("gone_since"):
            # its page could not be read: the link is fetched as it was
            crawl.links[url] = (info.get("text") or "", info["found_on"])
        elif not info.get("gone_since"):
            info["gone_since"] = now
    links = {}
    for url, (text, page) in crawl.links.items():
        delay = max(watch.delay_s, crawl.robots_delay(url))
        found.sources.append(_source(watch, url, text, page, delay))
        links[url] = {"source_id": link_source_id(url), "text": text, "found_on": page,
                      "first_seen": known.get(url, {}).get("first_seen", now)}
    gone = {u: i for u, i in known.items() if u not in links}
    found.missing = sorted(i.get("source_id", link_source_id(u)) for u, i in gone.items())
    found.gone_now = sorted(i.get("source_id", link_source_id(u)) for u, i in gone.items()
                            if i.get("gone_since") == now)
    save_state(state_path, {"watch": watch.uri, "pages": state.get("pages", {}),
                             "links": {**gone, **links}})
    return found


def _source(watch: Watch, url: str, text: str | None, page: str, delay: float) -> Source:
    return Source(id=link_source_id(url), uri=url, department=watch.department,
                  discovered_from=page, link_text=text or None, crawl_delay_s=delay)


class _Crawl:
    """One breadth-first reading of a watched page and of the pages it links to."""

    def __init__(self, watch: Watch, settings: Settings, fetch_settings: FetchSettings,
                 state: dict[str, Any], pacer: HostPacer, found: Discovery):
        self.watch, self.settings, self.fetch_settings = watch, settings, fetch_settings
        self.pages: dict[str, dict[str, Any]] = state.setdefault("pages", {})
        self.pacer, self.found = pacer, found
        self.robots = RobotsRules(fetch_settings, fetch_settings.user_agent, pacer,
                                  watch.delay_s)
        self.links: dict[str, tuple[str, str]] = {}  # url -> (link text, page found on)
        self.unread_pages: set[str] = set()
        self.site = _site_key(watch.uri)

    def run(self) -> None:
        frontier = [self.watch.uri]
        for level in range(self.watch.depth):
            following: list[str] = []
            for page in frontier:
                if self.found.pages_read >= self.watch.max_pages:
                    self.found.warnings.append(
                        f"watch {self.watch.id}: stopped after {self.watch.max_pages} pages "
                        "(max_pages); the pages left were not read")
                    return
                for link in self._read(page, is_watched=level == 0):
                    if link.kind == "html" and level + 1 < self.watch.depth:
                        following.append(link.url)
            frontier = following

    def robots_delay(self, url: str) -> float:
        try:
            return self.robots.crawl_delay(url)
        except FetchError:
            return 0.0

    def _read(self, page: str, is_watched: bool) -> list[Link]:
        """The links taken from `page` (recorded in self.links)."""
        body, final_url = self._fetch_page(page, is_watched)
        if body is None:
            return []
        self.found.pages_read += 1
        try:
            links = main_content_links(body, final_url)
        except ReaderError as exc:
            message = f"watched page {page} ({self.watch.id}) not read: {exc}"
            if is_watched:
                self._refuse(page, exc.error_type, message)
            else:
                self.found.warnings.append(message)
            return []
        wanted = [link for link in links
                  if link.url not in self.links and link.url != self.watch.uri
                  and self.watch.wants(link) and self._on_site(link.url)]
        if len(wanted) > self.watch.max_links:
            self.found.warnings.append(
                f"watch {self.watch.id}: {page} has {len(wanted)} links to follow; only the "
                f"first {self.watch.max_links} are taken (raise max_links to take more)")
            wanted = wanted[:self.watch.max_links]
        taken, disallowed = [], 0
        for link in wanted:
            try:
                allowed = self.robots.allowed(link.url)
            except FetchError as exc:
                self._refuse(link.url, exc.error_type,
                             f"link {link.text or link.url!r} on {page}: {exc.message}")
                continue
            if not allowed:
                disallowed += 1
                continue
            self.links[link.url] = (link.text, page)
            taken.append(link)
        if disallowed:
            self.found.warnings.append(f"watch {self.watch.id}: {disallowed} link(s) on {page} "
                                       "not followed: robots.txt disallows them")
        return taken

    def _fetch_page(self, page: str, is_watched: bool) -> tuple[bytes | None, str]:
        """The page's bytes (conditional request: a 304 reads the copy kept) and final URL;
        (None, page) when it cannot be read (quarantined, or a warning below the top)."""
        try:
            if not self.robots.allowed(page):
                raise FetchError(f"{page}: robots.txt disallows it", "robots_disallowed")
            kept = self.pages.get(page, {})
            copy = Path(kept["copy"]) if kept.get("copy") else None
            have_copy = copy is not None and copy.is_file()
            validators = FetchValidators(kept.get("etag"), kept.get("last_modified"))
            self.pacer.wait(page, max(self.watch.delay_s, self.robots_delay(page)))
            result = fetch(page, self.fetch_settings, validators if have_copy else None)
        except FetchError as exc:
            self.unread_pages.add(page)
            message = (f"watched page {page} ({self.watch.id}) not read: {exc.message}; the "
                       "links found there before are fetched again as they are")
            if is_watched:
                self._refuse(page, exc.error_type, message)
            else:
                self.found.warnings.append(message)
            return None, page
        if result.not_modified and copy is not None:
            return copy.read_bytes(), kept.get("url") or page
        data = result.content or b""
        copy = self.settings.store / "watch" / "pages" / f"{sha256_bytes(data)}.html"
        copy.parent.mkdir(parents=True, exist_ok=True)
        copy.write_bytes(data)
        self.pages[page] = {"etag": result.etag, "last_modified": result.last_modified,
                            "url": result.url, "copy": str(copy)}
        return data, result.url

    def _on_site(self, url: str) -> bool:
        return not self.watch.same_site or _site_key(url) == self.site

    def _refuse(self, uri: str, error_type: str, message: str) -> None:
        self.found.quarantine.append({
            "source_id": link_source_id(uri) if uri != self.watch.uri else self.watch.id,
            "source_uri": uri, "sha256": None, "stage": STAGE, "error_type": error_type,
            "message": message, "seen_at": datetime.now(UTC)})


def _site_key(url: str) -> str:
    """Host and port, lower-cased, without a leading "www." (www.x.fr and x.fr are one site)."""
    return urlsplit(url).netloc.lower().removeprefix("www.")


@dataclass
class Watched:
    """The sources of a run once its watched pages are read."""

    sources: list[Source]  # the listed sources, then each discovered link once
    missing: list[str]  # ids of links gone from their pages: their documents stay, missing
    gone_now: list[str]  # ... of which gone since the last run
    quarantine: list[dict[str, Any]]  # pages and links that could not be used
    warnings: list[str]


def add_discovered(sources: list[Source], discoveries: list[Discovery]) -> Watched:
    """The listed sources, then each discovered link once (a URL already listed, or found
    by an earlier watch, is not added again), with what the watches reported."""
    merged = list(sources)
    ids = {s.id for s in sources}
    uris = {s.uri for s in sources} | {s.url for s in sources if s.url}
    for discovery in discoveries:
        for source in discovery.sources:
            if source.id not in ids and source.uri not in uris:
                merged.append(source)
                ids.add(source.id)
                uris.add(source.uri)
    return Watched(
        sources=merged,
        missing=sorted({m for d in discoveries for m in d.missing} - ids),
        gone_now=sorted({m for d in discoveries for m in d.gone_now} - ids),
        quarantine=[q for d in discoveries for q in d.quarantine],
        warnings=[w for d in discoveries for w in d.warnings])
