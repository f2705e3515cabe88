"""The web fetcher against a real HTTP server on 127.0.0.1, and the address/path guards."""

from __future__ import annotations

import ipaddress
import os
import pickle
import ssl
import time
from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest
from cryptography import x509
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import ec
from cryptography.x509.oid import NameOID
from http_server import (
    FailThen,
    File,
    Huge,
    Redirect,
    Slow,
    Status,
    TestServer,
    Trickle,
    serve_folder,
)

from pipeline.config import Settings
from pipeline.ingest.fetch import (
    FetchError,
    FetchSettings,
    FetchValidators,
    _GuardedBackend,
    check_file_source,
    fetch,
    fetch_settings_from,
)
from pipeline.ingest.netguard import AddressPolicy, blocked_reason, checked_addresses

PDF = b"%PDF-1.4\n% a tiny test document\n%%EOF\n"
LOCAL = FetchSettings(allowed_hosts=frozenset({"127.0.0.1"}), timeout_s=5, total_timeout_s=10)
LIMIT = 256 * 1024


@pytest.fixture
def site(tmp_path: Path) -> Iterator[TestServer]:
    folder = tmp_path / "site"
    folder.mkdir()
    (folder / "ptsm.pdf").write_bytes(PDF)
    (folder / "page.html").write_text("<html><body><h1>PTSM</h1></body></html>")
    routes = {
        "/flaky.pdf": FailThen(2, File("ptsm.pdf")),
        "/gone.pdf": Status(404),
        "/moved.pdf": Redirect("/ptsm.pdf", status=301),
        "/chain": Redirect("/moved.pdf"),
        "/loop": Redirect("/loop"),
        "/to-metadata": Redirect("http://169.254.169.254/latest/meta-data/"),
        "/to-intranet": Redirect("http://10.0.0.1/admin"),
        "/to-file": Redirect("file:///etc/passwd"),
        "/slow": Slow(3.0),
        "/trickle": Trickle(total=10_000, chunk=10, interval_s=0.05),
        "/huge": Huge(4 * LIMIT),
        "/huge-chunked": Huge(4 * LIMIT, chunked=True),
    }
    with serve_folder(folder, routes) as server:
        yield server


def refused(url: str, settings: FetchSettings = LOCAL, **kwargs) -> FetchError:
    with pytest.raises(FetchError) as info:
        fetch(url, settings, **kwargs)
    return info.value


# --- fetching and conditional requests ---------------------------------------------------

def test_fetch_ok_returns_content_and_validators(site: TestServer) -> None:
    result = fetch(site.url("ptsm.pdf"), LOCAL)
    assert result.status == 200 and result.content == PDF and not result.not_modified
    assert result.url == site.url("ptsm.pdf") and result.redirects == []
    assert result.etag and result.last_modified
    assert result.content_type == "application/pdf"
    assert 0 < result.elapsed_s < 5
    assert site.requests[-1].headers["User-Agent"].startswith("ptsm-pipeline/")


def test_second_fetch_with_validators_is_304(site: TestServer) -> None:
    first = fetch(site.url("ptsm.pdf"), LOCAL)
    second = fetch(site.url("ptsm.pdf"), LOCAL, previous=first.validators)
    assert second.not_modified and second.content is None and second.status == 304
    assert second.etag == first.etag and second.last_modified == first.last_modified
    sent = site.requests[-1].headers
    assert sent["If-None-Match"] == first.etag
    assert sent["If-Modified-Since"] == first.last_modified


def test_if_modified_since_alone_gives_304(site: TestServer) -> None:
    first = fetch(site.url("page.html"), LOCAL)
    second = fetch(site.url("page.html"), LOCAL, FetchValidators(last_modified=first.last_modified))
    assert second.not_modified


def test_changed_file_gives_new_content_and_etag(site: TestServer, tmp_path: Path) -> None:
    first = fetch(site.url("page.html"), LOCAL)
    # same second, same size: only the content hash (ETag) can tell the change
    (tmp_path / "site" / "page.html").write_text("<html><body><h1>PTSN</h1></body></html>")
    second = fetch(site.url("page.html"), LOCAL, previous=first.validators)
    assert not second.not_modified and second.status == 200
    assert second.content == b"<html><body><h1>PTSN</h1></body></html>"
    assert second.etag != first.etag
    site.set_content("/page.html", b"v3", "text/html")  # a route overrides the file
    third = fetch(site.url("page.html"), LOCAL, previous=second.validators)
    assert third.content == b"v3" and third.etag not in (first.etag, second.etag)


def test_empty_validators_send_no_conditional_headers(site: TestServer) -> None:
    fetch(site.url("ptsm.pdf"), LOCAL, previous=FetchValidators())
    sent = site.requests[-1].headers
    assert "If-None-Match" not in sent and "If-Modified-Since" not in sent


# --- HTTP errors: retryable or not ---------------------------------------------------------

def test_404_is_not_retryable(site: TestServer) -> None:
    error = refused(site.url("gone.pdf"))
    assert error.error_type == "http_404" and error.status == 404 and not error.retryable
    assert site.url("gone.pdf") in str(error)
    assert refused(site.url("nowhere.pdf")).error_type == "http_404"


def test_500_is_retryable_then_succeeds(site: TestServer) -> None:
    for _ in range(2):
        error = refused(site.url("flaky.pdf"))
        assert error.error_type == "http_500" and error.retryable
    assert fetch(site.url("flaky.pdf"), LOCAL).content == PDF
    assert site.hits["/flaky.pdf"] == 3


def test_error_survives_pickling() -> None:  # Prefect/Dask move exceptions across processes
    error = pickle.loads(pickle.dumps(FetchError("boom", "http_503", url="http://x/", status=503)))
    assert (error.error_type, error.retryable, error.url, error.status) == (
        "http_503", True, "http://x/", 503)


# --- redirects ------------------------------------------------------------------------------

def test_redirects_followed_and_recorded(site: TestServer) -> None:
    result = fetch(site.url("chain"), LOCAL)
    assert result.content == PDF and result.url == site.url("ptsm.pdf")
    assert result.redirects == [site.url("chain"), site.url("moved.pdf")]


def test_too_many_redirects(site: TestServer) -> None:
    error = refused(site.url("loop"))
    assert error.error_type == "too_many_redirects" and not error.retryable
    assert site.hits["/loop"] == LOCAL.max_redirects + 1
    no_redirects = FetchSettings(allowed_hosts=frozenset({"127.0.0.1"}), max_redirects=0)
    assert refused(site.url("moved.pdf"), no_redirects).error_type == "too_many_redirects"


@pytest.mark.parametrize("route, target, reason", [
    ("to-metadata", "http://169.254.169.254/latest/meta-data/", "link-local"),
    ("to-intranet", "http://10.0.0.1/admin", "private"),
])
def test_redirect_to_private_address_refused(site: TestServer, route: str, target: str,
                                             reason: str) -> None:
    started = time.monotonic()
    error = refused(site.url(route))
    assert error.error_type == "private_address" and not error.retryable
    message = str(error)
    assert f"redirect from {site.url(route)} to {target}" in message
    assert reason in message
    assert time.monotonic() - started < 2  # refused before any connection attempt


def test_redirect_to_file_scheme_refused(site: TestServer) -> None:
    error = refused(site.url("to-file"))
    assert error.error_type == "forbidden_scheme"
    assert site.url("to-file") in str(error) and "file:///etc/passwd" in str(error)


# --- addresses and schemes -------------------------------------------------------------------

def test_loopback_refused_without_allow_list(site: TestServer) -> None:
    error = refused(site.url("ptsm.pdf"), FetchSettings(timeout_s=5))
    assert error.error_type == "private_address" and "loopback" in str(error)
    assert not error.retryable
    assert site.hits["/ptsm.pdf"] == 0  # never connected
    by_name = refused(f"http://localhost:{site.port}/ptsm.pdf", FetchSettings(timeout_s=5))
    assert by_name.error_type == "private_address"


def test_allow_list_by_host_port_and_private_switch(site: TestServer) -> None:
    exact = FetchSettings(allowed_hosts=frozenset({f"127.0.0.1:{site.port}"}))
    assert fetch(site.url("ptsm.pdf"), exact).content == PDF
    other_port = FetchSettings(allowed_hosts=frozenset({"127.0.0.1:1"}))
    assert refused(site.url("ptsm.pdf"), other_port).error_type == "private_address"
    everything = FetchSettings(allow_private_networks=True)
    assert fetch(site.url("ptsm.pdf"), everything).content == PDF


@pytest.mark.parametrize("url", ["file:///etc/passwd", "ftp://example.org/ptsm.pdf",
                                 "gopher://127.0.0.1:70/", "javascript:alert(1)"])
def test_other_schemes_refused(url: str) -> None:
    error = refused(url, FetchSettings(allow_private_networks=True))
    assert error.error_type == "forbidden_scheme" and not error.retryable
    assert url.split(":")[0] in str(error)


@pytest.mark.parametrize("address, reason", [
    ("127.0.0.1", "loopback"), ("10.1.2.3", "private"), ("172.16.0.1", "private"),
    ("192.168.1.1", "private"), ("169.254.169.254", "link-local"), ("0.0.0.0", "unspecified"),
    ("224.0.0.1", "multicast"), ("240.0.0.1", "reserved"), ("100.64.0.1", "not globally"),
    ("::1", "loopback"), ("::", "unspecified"), ("fe80::1", "link-local"),
    ("fc00::1", "private"), ("ff02::1", "multicast"), ("::ffff:127.0.0.1", "loopback"),
    ("2002:7f00:1::1", "loopback"), ("::ffff:169.254.169.254", "link-local"),
])
def test_non_public_addresses_blocked(address: str, reason: str) -> None:
    assert reason in (blocked_reason(ipaddress.ip_address(address)) or "")


@pytest.mark.parametrize("address", ["8.8.8.8", "193.51.24.1", "2001:4860:4860::8888",
                                     "::ffff:8.8.8.8"])
def test_public_addresses_pass(address: str) -> None:
    assert blocked_reason(ipaddress.ip_address(address)) is None
    assert checked_addresses(address, 443, AddressPolicy()) == [ipaddress.ip_address(address)]


@pytest.mark.parametrize("url", ["http://[::1]:9/", "http://0.0.0.0:9/", "http://2130706433:9/",
                                 "http://0x7f.1:9/", "http://[::ffff:7f00:1]:9/"])
def test_disguised_loopback_urls_refused(url: str) -> None:
    assert refused(url, FetchSettings(timeout_s=2)).error_type == "private_address"


def test_guard_applies_at_connection_time() -> None:
    """The backend itself refuses, whatever name the connection pool hands it."""
    backend = _GuardedBackend(AddressPolicy())
    with pytest.raises(FetchError) as info:
        backend.connect_tcp("localhost", 80, timeout=1)
    assert info.value.error_type == "private_address"


# --- size and time limits ---------------------------------------------------------------------

@pytest.mark.parametrize("route", ["huge", "huge-chunked"])
def test_size_limit(site: TestServer, route: str) -> None:
    limited = FetchSettings(allowed_hosts=frozenset({"127.0.0.1"}), max_bytes=LIMIT)
    error = refused(site.url(route), limited)
    assert error.error_type == "too_large" and not error.retryable
    assert str(LIMIT) in str(error)
    assert fetch(site.url("ptsm.pdf"), limited).content == PDF


def test_read_timeout_on_slow_route(site: TestServer) -> None:
    quick = FetchSettings(allowed_hosts=frozenset({"127.0.0.1"}), timeout_s=0.3)
    started = time.monotonic()
    error = refused(site.url("slow"), quick)
    assert error.error_type == "timeout" and error.retryable
    assert time.monotonic() - started < 1.5


def test_total_time_bound_on_trickling_route(site: TestServer) -> None:
    bounded = FetchSettings(allowed_hosts=frozenset({"127.0.0.1"}), timeout_s=5,
                            total_timeout_s=0.5)
    started = time.monotonic()
    error = refused(site.url("trickle"), bounded)
    assert error.error_type == "timeout" and not error.retryable  # it would take as long
    assert time.monotonic() - started < 1.5


def test_connection_refused_is_retryable_network_error() -> None:
    with serve_folder() as server:
        url = server.url("x")
    error = refused(url)  # server stopped: nothing listens on that port any more
    assert error.error_type == "network" and error.retryable


# --- settings ----------------------------------------------------------------------------------

def test_settings_defaults_and_run_settings() -> None:
    defaults = FetchSettings()
    assert (defaults.timeout_s, defaults.max_bytes, defaults.max_redirects) == (
        30.0, 100 * 1024 * 1024, 5)
    assert defaults.allowed_schemes == {"http", "https"} and not defaults.allow_private_networks
    derived = fetch_settings_from(Settings(max_bytes=1000, http_timeout_s=7.0),
                                  allowed_hosts={"127.0.0.1"})
    assert (derived.max_bytes, derived.timeout_s, derived.allowed_hosts) == (
        1000, 7.0, {"127.0.0.1"})
    with pytest.raises(ValueError):
        FetchSettings(timeout_s=0)


# --- file sources -----------------------------------------------------------------------------

def test_file_source_inside_root_accepted(tmp_path: Path) -> None:
    root = tmp_path / "raw"
    (root / "sub").mkdir(parents=True)
    doc = root / "sub" / "ptsm.pdf"
    doc.write_bytes(PDF)
    assert check_file_source(doc, [root]) == doc.resolve()
    assert check_file_source(root / "sub" / ".." / "sub" / "ptsm.pdf", [root]) == doc.resolve()


def test_file_source_dotdot_escape_refused(tmp_path: Path) -> None:
    root = tmp_path / "raw"
    root.mkdir()
    (tmp_path / "secret").write_text("token")
    with pytest.raises(FetchError) as info:
        check_file_source(root / ".." / "secret", [root])
    error = info.value
    assert error.error_type == "forbidden_path" and not error.retryable
    assert "secret" in str(error) and str(root.resolve()) in str(error)


def test_file_source_symlink_escape_refused(tmp_path: Path) -> None:
    root = tmp_path / "raw"
    root.mkdir()
    secret = tmp_path / "secret.pdf"
    secret.write_bytes(PDF)
    link = root / "innocent.pdf"
    os.symlink(secret, link)
    with pytest.raises(FetchError) as info:
        check_file_source(link, [root])
    assert info.value.error_type == "forbidden_path"
    assert str(link) in str(info.value) and str(secret.resolve()) in str(info.value)
    linked_root = tmp_path / "alias"
    os.symlink(root, linked_root)  # a root reached through a symlink still works
    (root / "ok.pdf").write_bytes(PDF)
    assert check_file_source(linked_root / "ok.pdf", [linked_root]) == (root / "ok.pdf").resolve()


def test_file_source_without_roots_refused(tmp_path: Path) -> None:
    with pytest.raises(FetchError, match="none configured"):
        check_file_source(tmp_path / "a.pdf", [])


# --- TLS -------------------------------------------------------------------------------------

def self_signed_tls(folder: Path) -> ssl.SSLContext:
    """Server context with a fresh self-signed certificate for 127.0.0.1."""
    key = ec.generate_private_key(ec.SECP256R1())
    name = x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, "127.0.0.1")])
    now = datetime.now(UTC)
    cert = (x509.CertificateBuilder().subject_name(name).issuer_name(name)
            .public_key(key.public_key()).serial_number(x509.random_serial_number())
            .not_valid_before(now - timedelta(minutes=5)).not_valid_after(now + timedelta(days=1))
            .add_extension(x509.SubjectAlternativeName(
                [x509.IPAddress(ipaddress.ip_address("127.0.0.1"))]), critical=False)
            .sign(key, hashes.SHA256()))
    cert_file, key_file = folder / "cert.pem", folder / "key.pem"
    cert_file.write_bytes(cert.public_bytes(serialization.Encoding.PEM))
    key_file.write_bytes(key.private_bytes(serialization.Encoding.PEM,
                                           serialization.PrivateFormat.PKCS8,
                                           serialization.NoEncryption()))
    context = ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER)
    context.load_cert_chain(cert_file, key_file)
    return context


def test_https_goes_through_the_guard_and_verifies_certificates(tmp_path: Path) -> None:
    (tmp_path / "a.pdf").write_bytes(PDF)
    with serve_folder(tmp_path, tls=self_signed_tls(tmp_path)) as server:
        assert server.base_url.startswith("https://")
        error = refused(server.url("a.pdf"), FetchSettings(timeout_s=5))
        assert error.error_type == "private_address"  # guarded before any handshake
        error = refused(server.url("a.pdf"))  # allowed host, but an untrusted certificate
        assert error.error_type == "tls" and not error.retryable
        assert "certificate" in str(error)
