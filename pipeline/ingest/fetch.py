"""Fetch a web source safely and incrementally.

`fetch(url, settings, previous)` downloads one URL with httpx:

- only the allowed schemes (http, https);
- only public addresses (see `pipeline.ingest.netguard`), checked on every redirect hop and at
  connection time on the very address connected to (no DNS-rebinding window);
- redirects followed by hand, at most `max_redirects`;
- at most `max_bytes`, counted on the compressed bytes and on the decoded stream as it is
  decompressed (a gzip bomb stops at the limit), one level of `gzip` or `deflate`;
- bounded time: `timeout_s` per connect/read, and `total_timeout_s` for the whole fetch,
  connect, headers and body included (every socket operation ends by that deadline, so a
  server trickling its headers one byte at a time is cut at it);
- conditional requests: with the validators of the last fetch, a 304 gives
  `FetchResult(not_modified=True, content=None)`.

It does not retry: failures raise `FetchError` with `retryable` set for transient ones
(5xx, timeouts, network errors), and the caller (Prefect task retries) decides.
"""

from __future__ import annotations

import functools
import ssl
import time
import zlib
from collections.abc import Iterable
from dataclasses import dataclass, field

import httpcore
import httpx

from pipeline.config import PIPELINE_VERSION
from pipeline.ingest.netguard import AddressPolicy, FetchError, check_file_source, checked_addresses

__all__ = ["FetchError", "FetchResult", "FetchSettings", "FetchValidators", "check_file_source",
           "fetch", "fetch_settings_from"]

# Operators should replace "+contact" by a URL or e-mail where site owners can reach them.
DEFAULT_USER_AGENT = f"ptsm-pipeline/{PIPELINE_VERSION} (+contact)"
REDIRECT_STATUSES = frozenset({301, 302, 303, 307, 308})
ACCEPT_ENCODING = "gzip, deflate"  # decoded here, within max_bytes (_BoundedDecoder)


@dataclass(frozen=True)
class FetchSettings:
    """Limits and permissions of one fetch.

    timeout_s: connect / read / write timeout, seconds (each, not the total).
    total_timeout_s: bound on the whole fetch, redirects, headers and body included,
        seconds; past it the fetch fails with a "timeout" not worth retrying.
    max_bytes: largest accepted body, compressed and decompressed; larger is "too_large".
    max_redirects: redirect hops followed before "too_many_redirects".
    user_agent: User-Agent header; operators should put a contact URL or address in it.
    allowed_schemes: URL schemes that may be fetched (any other is "forbidden_scheme").
    allow_private_networks: allow loopback, private, link-local… addresses (off: SSRF guard).
    allowed_hosts: hosts (`host` or `host:port`) allowed even if private, e.g. {"127.0.0.1"}.
    """

    timeout_s: float = 30.0
    total_timeout_s: float = 300.0
    max_bytes: int = 100 * 1024 * 1024
    max_redirects: int = 5
    user_agent: str = DEFAULT_USER_AGENT
    allowed_schemes: frozenset[str] = frozenset({"http", "https"})
    allow_private_networks: bool = False
    allowed_hosts: frozenset[str] = field(default_factory=frozenset)

    def __post_init__(self) -> None:
        if self.timeout_s <= 0 or self.total_timeout_s <= 0:
            raise ValueError("timeouts must be positive")
        if self.max_bytes < 0 or self.max_redirects < 0:
            raise ValueError("max_bytes and max_redirects must be >= 0")
        # accept any iterable of strings (lists, sets) for the two collections
        object.__setattr__(self, "allowed_schemes",
                           frozenset(s.lower() for s in self.allowed_schemes))
        object.__setattr__(self, "allowed_hosts", frozenset(self.allowed_hosts))

    @property
    def address_policy(self) -> AddressPolicy:
        return AddressPolicy.of(self.allow_private_networks, self.allowed_hosts)


@dataclass(frozen=True)
class FetchValidators:
    """HTTP validators of the last successful fetch, sent back as a conditional request."""

    etag: str | None = None
    last_modified: str | None = None

    def __bool__(self) -> bool:
        return bool(self.etag or self.last_modified)


@dataclass(frozen=True)
class FetchResult:
    """Outcome of a successful fetch (2xx with content, or 304 with `content=None`).

    url: final URL (after redirects); redirects: the URLs that answered with a redirect,
    in order (empty when none; `redirects[0]` is then the requested URL).
    etag / last_modified: the response's validators (on 304, those of `previous` when the
    server does not repeat them), to keep for the next conditional fetch.
    """

    url: str
    status: int
    content: bytes | None
    etag: str | None
    last_modified: str | None
    content_type: str | None
    not_modified: bool
    redirects: list[str]
    elapsed_s: float

    @property
    def validators(self) -> FetchValidators:
        return FetchValidators(self.etag, self.last_modified)


def fetch_settings_from(settings: object, **overrides: object) -> FetchSettings:
    """FetchSettings from a run's `pipeline.config.Settings` (same limits), plus overrides.

    Reads `max_bytes`, `http_timeout_s`, `http_total_timeout_s`, and, when the run
    settings have them, `allow_private_networks` and `allowed_hosts`.
    """
    values: dict[str, object] = {
        "max_bytes": getattr(settings, "max_bytes", FetchSettings.max_bytes),
        "timeout_s": getattr(settings, "http_timeout_s", FetchSettings.timeout_s),
        "total_timeout_s": getattr(settings, "http_total_timeout_s",
                                   FetchSettings.total_timeout_s),
        "allow_private_networks": getattr(settings, "allow_private_networks", False),
        "allowed_hosts": frozenset(getattr(settings, "allowed_hosts", ()) or ()),
    }
    values.update(overrides)
    return FetchSettings(**values)  # type: ignore[arg-type]


def fetch(url: str, settings: FetchSettings,
          previous: FetchValidators | None = None) -> FetchResult:
    """GET `url` within `settings`; raise FetchError (with `.retryable`) on any failure."""
    started = time.monotonic()
    deadline = started + settings.total_timeout_s
    headers = _request_headers(settings, previous)
    redirects: list[str] = []
    current = _parse_url(url, settings, url)
    with _client(settings, deadline) as client:
        while True:
            context = f"redirect from {redirects[-1]} to {current}" if redirects else str(current)
            timeout = _timeout(settings, deadline, url)
            try:
                request = client.build_request("GET", current, headers=headers, timeout=timeout)
                response = client.send(request, stream=True)
            except FetchError as exc:
                raise _with_context(exc, context, url) from exc
            except httpx.HTTPError as exc:
                raise _transport_error(exc, context, url, settings, deadline) from exc
            try:
                if response.status_code in REDIRECT_STATUSES and "location" in response.headers:
                    target = _redirect_target(response, current, redirects, settings, url)
                    redirects.append(str(current))
                    current = target
                    continue
                if response.status_code == 304 and previous:
                    return _result(response, current, None, redirects, started, previous)
                if not 200 <= response.status_code < 300:
                    raise _status_error(response, current, redirects, url)
                content = _read_body(response, settings, deadline, context, url)
                return _result(response, current, content, redirects, started, previous)
            finally:
                response.close()


def _parse_url(raw: str | httpx.URL, settings: FetchSettings, requested: str,
               context: str = "") -> httpx.URL:
    where = context or str(raw)
    try:
        url = httpx.URL(raw)
    except (httpx.InvalidURL, TypeError, ValueError) as exc:
        raise FetchError(f"{where}: invalid URL ({exc})", "invalid_url", url=requested) from exc
    if url.scheme.lower() not in settings.allowed_schemes:
        allowed = ", ".join(sorted(settings.allowed_schemes))
        raise FetchError(f"{where}: scheme {url.scheme!r} is not allowed (only {allowed})",
                         "forbidden_scheme", url=requested)
    if not url.host:
        raise FetchError(f"{where}: invalid URL (no host)", "invalid_url", url=requested)
    return url


def _request_headers(settings: FetchSettings,
                     previous: FetchValidators | None) -> dict[str, str]:
    headers = {"User-Agent": settings.user_agent, "Accept": "*/*",
               "Accept-Encoding": ACCEPT_ENCODING}
    if previous and previous.etag:
        headers["If-None-Match"] = previous.etag
    if previous and previous.last_modified:
        headers["If-Modified-Since"] = previous.last_modified
    return headers


def _timeout(settings: FetchSettings, deadline: float, requested: str) -> httpx.Timeout:
    remaining = deadline - time.monotonic()
    if remaining <= 0:
        raise _deadline_error(settings, requested, requested)
    return httpx.Timeout(min(settings.timeout_s, remaining))


def _deadline_error(settings: FetchSettings, context: str, requested: str) -> FetchError:
    """The whole fetch took longer than allowed: not retried (it would take as long)."""
    return FetchError(f"{context}: not finished within {settings.total_timeout_s:g} s (the "
                      "time allowed for one download); the server is too slow or stalling",
                      "timeout", retryable=False, url=requested)


def _redirect_target(response: httpx.Response, current: httpx.URL, redirects: list[str],
                     settings: FetchSettings, requested: str) -> httpx.URL:
    if len(redirects) >= settings.max_redirects:
        chain = " -> ".join([*redirects, str(current)])
        raise FetchError(f"{requested}: more than {settings.max_redirects} redirects ({chain})",
                         "too_many_redirects", url=requested)
    location = response.headers["location"]
    try:
        target = current.join(location)
    except (httpx.InvalidURL, ValueError) as exc:
        raise FetchError(f"redirect from {current} to invalid URL {location!r}: {exc}",
                         "invalid_url", url=requested) from exc
    shown = location if "://" in location else target  # as the server wrote it if absolute
    return _parse_url(target, settings, requested, f"redirect from {current} to {shown}")


def _read_body(response: httpx.Response, settings: FetchSettings, deadline: float,
               context: str, requested: str) -> bytes:
    """The body, decoded here: both the bytes received and the decoded bytes are counted
    against `max_bytes` as they come, so nothing larger is ever held in memory."""
    declared = response.headers.get("content-length", "")
    if declared.isdigit() and int(declared) > settings.max_bytes:
        raise FetchError(f"{context}: {declared} bytes announced, more than the limit of "
                         f"{settings.max_bytes}", "too_large", url=requested)
    decoder = _BoundedDecoder.for_encoding(response.headers.get("content-encoding", ""),
                                           context, requested)
    chunks: list[bytes] = []
    received = decoded = 0

    def too_large(what: str) -> FetchError:
        return FetchError(f"{context}: more than the limit of {settings.max_bytes} bytes "
                          f"{what}", "too_large", url=requested)

    try:
        for raw in response.iter_raw():
            received += len(raw)
            if received > settings.max_bytes:
                raise too_large("received")
            chunk = decoder.decode(raw, settings.max_bytes - decoded)
            decoded += len(chunk)
            if decoded > settings.max_bytes:
                raise too_large("once decompressed")
            if time.monotonic() > deadline:
                raise _deadline_error(settings, context, requested)
            chunks.append(chunk)
    except httpx.HTTPError as exc:
        raise _transport_error(exc, context, requested, settings, deadline) from exc
    return b"".join(chunks)


class _BoundedDecoder:
    """Decompresses one content coding (gzip, deflate or none) without ever producing
    more than the caller's remaining budget (plus one byte, to tell it was exceeded)."""

    def __init__(self, wbits: int | None, context: str, requested: str):
        self.wbits = wbits
        self.engine = zlib.decompressobj(wbits) if wbits is not None else None
        self.started = False
        self.where = (context, requested)

    @classmethod
    def for_encoding(cls, header: str, context: str, requested: str) -> _BoundedDecoder:
        codings = [c.strip().lower() for c in header.split(",")
                   if c.strip() and c.strip().lower() != "identity"]
        if len(codings) > 1:
            raise FetchError(f"{context}: Content-Encoding {header!r}: only one level of "
                             "compression is accepted", "unsupported_encoding", url=requested)
        wbits = {"gzip": 16 + zlib.MAX_WBITS, "x-gzip": 16 + zlib.MAX_WBITS,
                 "deflate": zlib.MAX_WBITS, None: None}.get(codings[0] if codings else None, 0)
        if wbits == 0:
            raise FetchError(f"{context}: Content-Encoding {header!r} is not supported "
                             f"(accepted: {ACCEPT_ENCODING})", "unsupported_encoding",
                             url=requested)
        return cls(wbits, context, requested)

    def decode(self, data: bytes, budget: int) -> bytes:
        if self.engine is None:
            return data
        try:
            if not self.started and self.wbits == zlib.MAX_WBITS:  # raw deflate too
                self.started = True
                if data and (data[0] & 0x0F) != 8:
                    self.engine = zlib.decompressobj(-zlib.MAX_WBITS)
            out = self.engine.decompress(data, budget + 1)
            while self.engine.unconsumed_tail and len(out) <= budget:
                out += self.engine.decompress(self.engine.unconsumed_tail,
                                              budget + 1 - len(out))
        except zlib.error as exc:
            context, requested = self.where
            raise FetchError(f"{context}: undecodable compressed body ({exc})", "decoding",
                             url=requested) from exc
        return out


def _result(response: httpx.Response, url: httpx.URL, content: bytes | None,
            redirects: list[str], started: float,
            previous: FetchValidators | None) -> FetchResult:
    not_modified = content is None
    etag = response.headers.get("etag")
    last_modified = response.headers.get("last-modified")
    if not_modified and previous:
        etag = etag or previous.etag
        last_modified = last_modified or previous.last_modified
    return FetchResult(
        url=str(url), status=response.status_code, content=content, etag=etag,
        last_modified=last_modified, content_type=response.headers.get("content-type"),
        not_modified=not_modified, redirects=list(redirects),
        elapsed_s=round(time.monotonic() - started, 6),
    )


def _status_error(response: httpx.Response, url: httpx.URL, redirects: list[str],
                  requested: str) -> FetchError:
    code = response.status_code
    via = f" (redirected from {redirects[0]})" if redirects else ""
    reason = f" {response.reason_phrase}" if response.reason_phrase else ""
    hint = ("the server failed; retry later" if code >= 500 else
            "check the URL in the sources list" if code in (404, 410) else
            "the server refused the request")
    return FetchError(f"{url}{via}: HTTP {code}{reason} ({hint})", f"http_{code}",
                      url=requested, status=code)


def _transport_error(exc: httpx.HTTPError, context: str, requested: str,
                     settings: FetchSettings | None = None,
                     deadline: float | None = None) -> FetchError:
    detail = f"{type(exc).__name__}: {exc}" if str(exc) else type(exc).__name__
    if settings is not None and deadline is not None and time.monotonic() >= deadline:
        return _deadline_error(settings, context, requested)
    if isinstance(exc, httpx.TimeoutException):
        return FetchError(f"{context}: timed out ({detail})", "timeout", url=requested)
    if isinstance(exc, httpx.DecodingError):
        return FetchError(f"{context}: undecodable body ({detail})", "decoding", url=requested)
    if isinstance(exc, httpx.ConnectError) and _caused_by(exc, ssl.SSLCertVerificationError):
        return FetchError(f"{context}: TLS certificate not trusted ({detail})", "tls",
                          url=requested)
    if isinstance(exc, (httpx.InvalidURL, httpx.UnsupportedProtocol)):
        return FetchError(f"{context}: invalid URL ({detail})", "invalid_url", url=requested)
    return FetchError(f"{context}: network error ({detail})", "network", url=requested)


def _caused_by(exc: BaseException, kind: type[BaseException]) -> bool:
    seen: BaseException | None = exc
    while seen is not None:
        if isinstance(seen, kind):
            return True
        seen = seen.__cause__ or seen.__context__
    return False


def _with_context(exc: FetchError, context: str, requested: str) -> FetchError:
    """The guard's error, prefixed with the URL (and redirect) being fetched."""
    return FetchError(f"{context}: {exc.message}", exc.error_type, exc.retryable,
                      url=requested, status=exc.status)


def _client(settings: FetchSettings, deadline: float | None = None) -> httpx.Client:
    """A client whose connections are vetted and, with `deadline` (a `time.monotonic()`
    instant), end by it whatever the server does."""
    return httpx.Client(transport=_GuardedTransport(settings.address_policy, deadline),
                        follow_redirects=False, trust_env=False,
                        timeout=httpx.Timeout(settings.timeout_s))


class _GuardedBackend(httpcore.SyncBackend):
    """httpcore network backend that resolves, checks, then connects to a vetted address.

    Checking at connection time, on the address actually connected to, closes the
    window where DNS could answer a public address to a first check and a private one
    to the connection (DNS rebinding). TLS still verifies the certificate against the
    host name (httpcore passes the URL host as SNI / server_hostname).
    """

    def __init__(self, policy: AddressPolicy, deadline: float | None = None):
        super().__init__()
        self.policy = policy
        self.deadline = deadline

    def connect_tcp(self, host: str, port: int, timeout: float | None = None,
                    local_address: str | None = None,
                    socket_options: Iterable | None = None) -> httpcore.NetworkStream:
        addresses = checked_addresses(host, port, self.policy)
        error: Exception | None = None
        for address in addresses:
            try:
                limit = _until(self.deadline, timeout, httpcore.ConnectTimeout)
                stream = super().connect_tcp(str(address), port, limit, local_address,
                                             socket_options)
                return _DeadlineStream(stream, self.deadline) if self.deadline else stream
            except (httpcore.ConnectError, httpcore.ConnectTimeout) as exc:
                error = exc
        assert error is not None  # checked_addresses never returns an empty list
        raise error


def _until(deadline: float | None, timeout: float | None,
           error: type[Exception] = httpcore.ReadTimeout) -> float | None:
    """`timeout` shortened to what is left before `deadline`; `error` once it has passed."""
    if deadline is None:
        return timeout
    left = deadline - time.monotonic()
    if left <= 0:
        raise error("the total time allowed for the fetch has passed")
    return left if timeout is None else min(timeout, left)


class _DeadlineStream(httpcore.NetworkStream):
    """A connection whose every read, write and TLS handshake ends by the fetch's deadline
    (httpcore's timeouts are per operation: a byte every few seconds never trips them)."""

    def __init__(self, stream: httpcore.NetworkStream, deadline: float):
        self.stream = stream
        self.deadline = deadline

    def read(self, max_bytes: int, timeout: float | None = None) -> bytes:
        return self.stream.read(max_bytes, _until(self.deadline, timeout))

    def write(self, buffer: bytes, timeout: float | None = None) -> None:
        self.stream.write(buffer, _until(self.deadline, timeout, httpcore.WriteTimeout))

    def close(self) -> None:
        self.stream.close()

    def start_tls(self, ssl_context: ssl.SSLContext, server_hostname: str | None = None,
                  timeout: float | None = None) -> httpcore.NetworkStream:
        timeout = _until(self.deadline, timeout, httpcore.ConnectTimeout)
        return _DeadlineStream(self.stream.start_tls(ssl_context, server_hostname, timeout),
                               self.deadline)

    def get_extra_info(self, info: str) -> object:
        return self.stream.get_extra_info(info)


@functools.cache
def _ssl_context() -> ssl.SSLContext:
    """Certificate-verifying TLS context (certifi CA bundle), built once: loading is slow."""
    return httpx.create_ssl_context(trust_env=False)


class _GuardedTransport(httpx.HTTPTransport):
    """httpx transport whose connections go through `_GuardedBackend`, with no proxy."""

    def __init__(self, policy: AddressPolicy, deadline: float | None = None):
        super().__init__(verify=_ssl_context(), trust_env=False)
        # httpx has no public hook for the network backend: swap in an equivalent pool.
        self._pool = httpcore.ConnectionPool(
            ssl_context=_ssl_context(),
            max_connections=4, max_keepalive_connections=2, keepalive_expiry=5.0,
            network_backend=_GuardedBackend(policy, deadline),
        )
