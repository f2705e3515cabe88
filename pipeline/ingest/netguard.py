"""What the pipeline may read: public network addresses and files under configured roots.

Guards against server-side request forgery (a source list or a redirect pointing at
`127.0.0.1`, a cloud metadata service such as `169.254.169.254`, or an intranet host)
and against file sources escaping their folders (`roots/../secret`, symlinks).
"""

from __future__ import annotations

import ipaddress
import socket
from collections.abc import Collection, Iterable
from dataclasses import dataclass, field
from pathlib import Path

from pipeline.ingest.credentials import scrub, strip_credentials

IPAddress = ipaddress.IPv4Address | ipaddress.IPv6Address

# Error types worth retrying later (the server or the network may recover); anything else
# (4xx, a refused address or scheme, a body too large) fails the same way every time.
RETRYABLE_ERROR_TYPES = frozenset({"timeout", "network", "dns", "http_408", "http_425",
                                   "http_429"})


class FetchError(Exception):
    """A source could not be fetched or read; `error_type` names the kind of failure.

    `retryable` says whether trying again later may succeed (5xx, timeouts, connection
    errors) or not (4xx, forbidden scheme/address/path, too large). Defaults from the type.
    """

    def __init__(self, message: str, error_type: str, retryable: bool | None = None, *,
                 url: str | None = None, status: int | None = None):
        message = scrub(message)  # the URLs in it without their credentials
        super().__init__(message)
        self.message = message
        self.error_type = error_type
        self.retryable = is_retryable(error_type) if retryable is None else retryable
        self.url = strip_credentials(url) if url else url
        self.status = status

    def __reduce__(self):  # keep attributes when pickled (Prefect states, Dask workers)
        return (_rebuild_fetch_error,
                (self.message, self.error_type, self.retryable, self.url, self.status))


def _rebuild_fetch_error(message: str, error_type: str, retryable: bool, url: str | None,
                         status: int | None) -> FetchError:
    return FetchError(message, error_type, retryable, url=url, status=status)


def is_retryable(error_type: str) -> bool:
    """True for transient failures: timeouts, network/DNS errors, HTTP 5xx, 408, 425, 429."""
    if error_type in RETRYABLE_ERROR_TYPES:
        return True
    return error_type.startswith("http_5")


@dataclass(frozen=True)
class AddressPolicy:
    """Which network destinations may be contacted.

    allow_private_networks: allow every non-public address (loopback, RFC 1918, link-local…).
    allowed_hosts: exceptions to the rule, as `host` or `host:port` (`[v6]:port` for IPv6);
        a host matches by its name in the URL or by any address it resolves to, e.g.
        {"127.0.0.1"} for tests or {"intranet.example:8080"} for an internal mirror.
    """

    allow_private_networks: bool = False
    allowed_hosts: frozenset[str] = field(default_factory=frozenset)

    @classmethod
    def of(cls, allow_private_networks: bool, allowed_hosts: Iterable[str]) -> AddressPolicy:
        return cls(allow_private_networks, frozenset(_normalise_host(h) for h in allowed_hosts))

    def is_allowed_host(self, host: str, port: int | None,
                        addresses: Iterable[IPAddress] = ()) -> bool:
        """True when `host` (or `host:port`, or one of its addresses) is explicitly allowed."""
        names = {_normalise_host(host), *(str(a) for a in addresses)}
        for name in names:
            if name in self.allowed_hosts:
                return True
            if port is not None and _host_port(name, port) in self.allowed_hosts:
                return True
        return False


def _normalise_host(host: str) -> str:
    host = host.strip().lower().rstrip(".")
    if host.startswith("[") and host.endswith("]"):  # bare "[::1]"
        host = host[1:-1]
    return host


def _host_port(host: str, port: int) -> str:
    return f"[{host}]:{port}" if ":" in host else f"{host}:{port}"


def blocked_reason(address: IPAddress) -> str | None:
    """Why `address` is not a public destination (None when it is publicly routable)."""
    if isinstance(address, ipaddress.IPv6Address):
        embedded = address.ipv4_mapped or address.sixtofour
        if embedded is not None:  # ::ffff:127.0.0.1, 2002:7f00:1::…
            reason = blocked_reason(embedded)
            return f"{reason} (embedded in {address})" if reason else None
    checks = (
        ("unspecified", address.is_unspecified),
        ("loopback", address.is_loopback),
        ("link-local", address.is_link_local),
        ("multicast", address.is_multicast),
        ("reserved", address.is_reserved),
        ("private", address.is_private),
        ("not globally routable", not address.is_global),
    )
    for reason, hit in checks:
        if hit:
            return f"{reason} address"
    return None


def resolve(host: str, port: int) -> list[IPAddress]:
    """Every address `host` resolves to (IPv4 and IPv6), in resolver order, without repeats."""
    try:
        infos = socket.getaddrinfo(_normalise_host(host), port, type=socket.SOCK_STREAM)
    except (socket.gaierror, UnicodeError) as exc:
        raise FetchError(f"cannot resolve host {host!r}: {exc}", "dns") from exc
    addresses: list[IPAddress] = []
    for _family, _type, _proto, _canon, sockaddr in infos:
        address = ipaddress.ip_address(str(sockaddr[0]).split("%", 1)[0])  # drop IPv6 zone
        if address not in addresses:
            addresses.append(address)
    if not addresses:
        raise FetchError(f"cannot resolve host {host!r}: no address", "dns")
    return addresses


def checked_addresses(host: str, port: int, policy: AddressPolicy,
                      context: str = "") -> list[IPAddress]:
    """Resolve `host` and return its addresses if contacting them is allowed.

    Refused (FetchError "private_address") when any address is non-public, unless the
    policy allows private networks or lists the host. Checking *all* addresses (not just
    the first) stops a name that resolves to both a public and a private address.
    `context` prefixes the message (e.g. "redirect from A to B").
    """
    addresses = resolve(host, port)
    if policy.allow_private_networks or policy.is_allowed_host(host, port, addresses):
        return addresses
    for address in addresses:
        reason = blocked_reason(address)
        if reason:
            shown = host if _normalise_host(host) == str(address) else f"{host} ({address})"
            prefix = f"{context}: " if context else ""
            raise FetchError(
                f"{prefix}refused to connect to {shown}: {reason}. Private networks are not "
                f"fetched unless allowed: run again with --allow-host {host}",
                "private_address",
            )
    return addresses


def check_file_source(path: Path, roots: Collection[Path]) -> Path:
    """The real path of `path` if it lies inside one of `roots` (after `..` and symlinks).

    Raises FetchError "forbidden_path" naming the path and the roots otherwise, or when no
    root is configured (nothing is readable by default).
    """
    resolved = Path(path).expanduser().resolve()
    real_roots = [Path(r).expanduser().resolve() for r in roots]
    if any(resolved == root or resolved.is_relative_to(root) for root in real_roots):
        return resolved
    shown = ", ".join(str(r) for r in real_roots) or "none configured"
    via = "" if str(resolved) == str(path) else f" (resolves to {resolved})"
    raise FetchError(
        f"{path}{via} is outside the allowed roots ({shown}); move the file under a root "
        f"or allow its folder with --allow-root {resolved.parent}",
        "forbidden_path",
    )
