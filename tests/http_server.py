"""A real HTTP server on 127.0.0.1 for tests: files from a folder plus scripted routes.

    from http_server import FailThen, Redirect, serve_folder

    with serve_folder(tmp_path, routes={"/flaky.pdf": FailThen(2, File("a.pdf"))}) as srv:
        url = srv.url("a.pdf")            # http://127.0.0.1:<port>/a.pdf
        ...                                # fetch it (allow "127.0.0.1" in FetchSettings)
        assert srv.hits["/a.pdf"] == 1     # requests per path (query string ignored)
        srv.requests[-1].headers["If-None-Match"]   # what the client sent
        srv.routes["/new"] = Static(b"...")          # add or change a route while running
        srv.set_content("/page.html", b"<html>v2")   # same, as a Static route

Files under the folder are served at their relative path with a strong ETag (hash of the
content, so rewriting a file on disk changes it) and Last-Modified (file mtime), and
conditional requests (If-None-Match, If-Modified-Since) get 304. A route takes precedence
over a file of the same path. Every route is a small object with `respond(handler)`:
Static, File, Status, Redirect, FailThen, Slow, Trickle, TrickleHeaders, Huge, Encoded (see
each docstring).
The server runs in a daemon thread, one thread per request, and stops on leaving `with`.
"""

from __future__ import annotations

import hashlib
import mimetypes
import ssl
import threading
import time
from collections import Counter
from collections.abc import Iterator, Mapping
from contextlib import contextmanager, suppress
from dataclasses import dataclass, field
from email.utils import formatdate, parsedate_to_datetime
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from urllib.parse import unquote, urlsplit

HOST = "127.0.0.1"


@dataclass(frozen=True)
class RequestRecord:
    """One request received: method, path (with query), headers."""

    method: str
    path: str
    headers: dict[str, str]


class Handler(BaseHTTPRequestHandler):
    """Dispatches to the route of the path, else to a file of the folder, else 404."""

    protocol_version = "HTTP/1.1"
    server: _Server

    def do_GET(self) -> None:
        path = urlsplit(self.path).path
        self.server.record(RequestRecord(self.command, self.path, dict(self.headers.items())),
                           path)
        route = self.server.routes.get(path)
        if route is None and self.server.folder is not None:
            route = File(unquote(path).lstrip("/"))
        # the client may give up (size limit, timeout): expected in tests
        with suppress(BrokenPipeError, ConnectionResetError):
            (route or Status(404)).respond(self)

    def send_body(self, status: int, body: bytes,
                  headers: Mapping[str, str] | None = None) -> None:
        """A complete response with Content-Length; the connection closes after it."""
        self.send_response(status)
        for name, value in (headers or {}).items():
            self.send_header(name, value)
        self.send_header("Content-Length", str(len(body)))
        self.send_header("Connection", "close")
        self.end_headers()
        if body:
            self.wfile.write(body)
        self.close_connection = True

    def send_validated(self, body: bytes, content_type: str, etag: str,
                       last_modified: float | None) -> None:
        """200 with ETag / Last-Modified, or 304 when the request's validators match."""
        headers = {"ETag": etag, "Content-Type": content_type}
        if last_modified is not None:
            headers["Last-Modified"] = formatdate(last_modified, usegmt=True)
        if not_modified(self.headers.get("If-None-Match"), self.headers.get("If-Modified-Since"),
                        etag, last_modified):
            self.send_body(304, b"", {k: v for k, v in headers.items() if k != "Content-Type"})
        else:
            self.send_body(200, body, headers)

    def log_message(self, format: str, *args: object) -> None:
        pass  # keep test output quiet


def etag_of(body: bytes) -> str:
    """Strong ETag derived from the content."""
    return '"' + hashlib.sha256(body).hexdigest()[:16] + '"'


def not_modified(if_none_match: str | None, if_modified_since: str | None, etag: str,
                 last_modified: float | None) -> bool:
    """RFC 9110 evaluation: If-None-Match wins; If-Modified-Since only without it."""
    if if_none_match is not None:
        tags = {t.strip().removeprefix("W/") for t in if_none_match.split(",")}
        return "*" in tags or etag.removeprefix("W/") in tags
    if if_modified_since is not None and last_modified is not None:
        try:
            since = parsedate_to_datetime(if_modified_since).timestamp()
        except (TypeError, ValueError):
            return False
        return int(last_modified) <= since
    return False


@dataclass
class Static:
    """Fixed bytes with a content ETag and a Last-Modified set when created (or changed)."""

    body: bytes
    content_type: str = "application/octet-stream"
    last_modified: float = field(default_factory=time.time)

    def respond(self, h: Handler) -> None:
        h.send_validated(self.body, self.content_type, etag_of(self.body), self.last_modified)


@dataclass
class File:
    """A file of the served folder (path relative to it); 404 if missing or outside it."""

    relative: str

    def respond(self, h: Handler) -> None:
        folder = h.server.folder
        path = (folder / self.relative).resolve() if folder else None
        if path is None or not path.is_relative_to(folder) or not path.is_file():
            Status(404).respond(h)
            return
        body = path.read_bytes()
        content_type = mimetypes.guess_type(path.name)[0] or "application/octet-stream"
        h.send_validated(body, content_type, etag_of(body), path.stat().st_mtime)


@dataclass
class Status:
    """A bare status (404, 410, 500…) with a short body."""

    status: int
    body: bytes = b""

    def respond(self, h: Handler) -> None:
        h.send_body(self.status, self.body or f"status {self.status}\n".encode(),
                    {"Content-Type": "text/plain"})


@dataclass
class Redirect:
    """A redirect to `location` (absolute URL, or a path on this server)."""

    location: str
    status: int = 302

    def respond(self, h: Handler) -> None:
        h.send_body(self.status, b"", {"Location": self.location})


@dataclass
class FailThen:
    """Answers `status` (500) to the first `failures` requests, then delegates to `then`."""

    failures: int
    then: object  # a route
    status: int = 500
    calls: int = 0
    _lock: threading.Lock = field(default_factory=threading.Lock, repr=False)

    def respond(self, h: Handler) -> None:
        with self._lock:
            self.calls += 1
            failing = self.calls <= self.failures
        if failing:
            Status(self.status).respond(h)
        else:
            self.then.respond(h)  # type: ignore[attr-defined]


@dataclass
class Slow:
    """Waits `delay_s` before answering with `then` (a client read timeout fires first)."""

    delay_s: float
    then: object = field(default_factory=lambda: Static(b"late"))

    def respond(self, h: Handler) -> None:
        if not h.server.stopping.wait(self.delay_s):
            self.then.respond(h)  # type: ignore[attr-defined]


@dataclass
class Trickle:
    """Sends `total` bytes in `chunk`-byte pieces every `interval_s`: never idle, never done
    in time (for a total-time bound rather than a read timeout)."""

    total: int = 10_000
    chunk: int = 10
    interval_s: float = 0.05

    def respond(self, h: Handler) -> None:
        h.send_response(200)
        h.send_header("Content-Length", str(self.total))
        h.send_header("Connection", "close")
        h.end_headers()
        h.close_connection = True
        sent = 0
        while sent < self.total and not h.server.stopping.wait(self.interval_s):
            piece = b"x" * min(self.chunk, self.total - sent)
            h.wfile.write(piece)
            h.wfile.flush()
            sent += len(piece)


@dataclass
class TrickleHeaders:
    """Sends its status line, then header bytes one at a time every `interval_s`, for ever
    (until the client gives up or the server stops): only a total deadline ends it."""

    interval_s: float = 0.05

    def respond(self, h: Handler) -> None:
        h.close_connection = True
        h.wfile.write(b"HTTP/1.1 200 OK\r\nX-Padding: ")
        while not h.server.stopping.wait(self.interval_s):
            h.wfile.write(b"a")
            h.wfile.flush()


@dataclass
class Encoded:
    """`body` sent as is with `Content-Encoding: encoding` (e.g. a pre-compressed bomb)."""

    body: bytes
    encoding: str = "gzip"

    def respond(self, h: Handler) -> None:
        h.send_body(200, self.body, {"Content-Type": "text/html",
                                     "Content-Encoding": self.encoding})


@dataclass
class Huge:
    """`size` bytes of zeros, announced by Content-Length, or chunked with no length."""

    size: int
    chunked: bool = False
    block: int = 64 * 1024

    def respond(self, h: Handler) -> None:
        h.send_response(200)
        h.send_header("Content-Type", "application/octet-stream")
        if self.chunked:
            h.send_header("Transfer-Encoding", "chunked")
        else:
            h.send_header("Content-Length", str(self.size))
        h.send_header("Connection", "close")
        h.end_headers()
        h.close_connection = True
        sent = 0
        while sent < self.size and not h.server.stopping.is_set():
            piece = b"\0" * min(self.block, self.size - sent)
            h.wfile.write(b"%x\r\n%s\r\n" % (len(piece), piece) if self.chunked else piece)
            sent += len(piece)
        if self.chunked:
            h.wfile.write(b"0\r\n\r\n")


class _Server(ThreadingHTTPServer):
    daemon_threads = True

    def __init__(self, folder: Path | None, routes: Mapping[str, object]):
        super().__init__((HOST, 0), Handler)
        self.folder = folder.resolve() if folder is not None else None
        self.routes: dict[str, object] = dict(routes)
        self.hits: Counter[str] = Counter()
        self.requests: list[RequestRecord] = []
        self.stopping = threading.Event()
        self._lock = threading.Lock()

    def record(self, request: RequestRecord, path: str) -> None:
        with self._lock:
            self.hits[path] += 1
            self.requests.append(request)


@dataclass
class TestServer:
    """Handle on a running server (what `serve_folder` yields)."""

    __test__ = False  # not a pytest test class

    base_url: str
    _server: _Server

    @property
    def hits(self) -> Counter[str]:
        """Requests received per path ("/a.pdf"), query strings ignored."""
        return self._server.hits

    @property
    def requests(self) -> list[RequestRecord]:
        return self._server.requests

    @property
    def routes(self) -> dict[str, object]:
        """Scripted routes by path; may be changed while the server runs."""
        return self._server.routes

    @property
    def port(self) -> int:
        return self._server.server_address[1]

    def url(self, path: str) -> str:
        """Absolute URL of `path` on this server ("a.pdf" or "/a.pdf")."""
        return f"{self.base_url}/{path.lstrip('/')}"

    def set_content(self, path: str, body: bytes,
                    content_type: str = "application/octet-stream") -> None:
        """Serve `body` at `path` from now on (new ETag and Last-Modified)."""
        self.routes["/" + path.lstrip("/")] = Static(body, content_type)


@contextmanager
def serve_folder(folder: Path | None = None, routes: Mapping[str, object] | None = None,
                 tls: ssl.SSLContext | None = None) -> Iterator[TestServer]:
    """Run a server on 127.0.0.1 (free port) serving `folder` and `routes` for the block.

    With `tls` (a server-side SSLContext holding a certificate), it speaks HTTPS.
    """
    server = _Server(folder, routes or {})
    if tls is not None:
        server.socket = tls.wrap_socket(server.socket, server_side=True)
    thread = threading.Thread(target=server.serve_forever, kwargs={"poll_interval": 0.05},
                              name="test-http-server", daemon=True)
    thread.start()
    try:
        scheme = "https" if tls is not None else "http"
        yield TestServer(f"{scheme}://{HOST}:{server.server_address[1]}", server)
    finally:
        server.stopping.set()
        server.shutdown()
        server.server_close()
        thread.join(timeout=5)
