"""Crawling politely: robots.txt rules (urllib.robotparser) and a delay between two
requests to the same site.

robots.txt is fetched with the pipeline's fetcher (same address guard, limits and
User-Agent) and read as RFC 9309 says: a 4xx answer (no robots.txt) allows everything;
any other failure (5xx, network, a refused private address) means the site is not
contacted in this run: the fetch error is raised for every URL of the site, so the
caller reports the real cause.
"""

from __future__ import annotations

import threading
import time
from urllib.parse import urlsplit
from urllib.robotparser import RobotFileParser

from pipeline.ingest.fetch import FetchError, FetchSettings, fetch

ROBOTS_MAX_BYTES = 512 * 1024  # RFC 9309: at least 500 KiB must be parsed


def site_of(url: str) -> str:
    """`scheme://host[:port]` of `url`, lower-cased: what robots.txt and delays apply to."""
    parts = urlsplit(url)
    return f"{parts.scheme.lower()}://{parts.netloc.lower()}"


class HostPacer:
    """At least `delay` seconds between the starts of two requests to the same site, across
    the threads of this process (the ingest tasks of a run share it)."""

    def __init__(self) -> None:
        self._lock = threading.Lock()
        self._next: dict[str, float] = {}

    def wait(self, url: str, delay: float) -> float:
        """Sleep until `url`'s site may be contacted again; the seconds slept."""
        if delay <= 0:
            return 0.0
        site = site_of(url)
        with self._lock:  # reserve a slot, then sleep outside the lock
            now = time.monotonic()
            start = max(now, self._next.get(site, now))
            self._next[site] = start + delay
        if start > now:
            time.sleep(start - now)
        return start - now


PACER = HostPacer()


class RobotsRules:
    """robots.txt of each site, fetched once per instance (one per run and watch)."""

    def __init__(self, settings: FetchSettings, agent: str, pacer: HostPacer = PACER,
                 delay: float = 0.0):
        self.settings = FetchSettings(**{**settings.__dict__, "max_bytes": ROBOTS_MAX_BYTES})
        self.agent = agent
        self.pacer = pacer
        self.delay = delay
        self._parsers: dict[str, RobotFileParser | FetchError] = {}

    def parser(self, url: str) -> RobotFileParser:
        """The rules of `url`'s site; FetchError when the site may not be contacted."""
        site = site_of(url)
        if site not in self._parsers:
            try:
                self._parsers[site] = self._load(site)
            except FetchError as exc:
                self._parsers[site] = exc
        rules = self._parsers[site]
        if isinstance(rules, FetchError):  # its message names the robots.txt URL
            raise FetchError(rules.message, rules.error_type, rules.retryable, url=url,
                             status=rules.status)
        return rules

    def allowed(self, url: str) -> bool:
        return self.parser(url).can_fetch(self.agent, url)

    def crawl_delay(self, url: str) -> float:
        """The site's Crawl-delay for our agent (0 when none)."""
        value = self.parser(url).crawl_delay(self.agent)
        return float(value) if value else 0.0

    def _load(self, site: str) -> RobotFileParser:
        parser = RobotFileParser(f"{site}/robots.txt")
        self.pacer.wait(site, self.delay)
        try:
            result = fetch(f"{site}/robots.txt", self.settings)
        except FetchError as exc:
            if exc.status is None or not 400 <= exc.status < 500:
                raise
            parser.allow_all = True
            return parser
        parser.parse((result.content or b"").decode("utf-8", "replace").splitlines())
        return parser
