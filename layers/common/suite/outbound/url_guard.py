"""SSRF guard for outbound HTTP: URL validation against an allowlist policy, and connect-time address pinning.

Two layers, both needed:

1. ``validate_url`` checks the *text* of a URL against a ``UrlPolicy`` (scheme, host, port, path prefix) and
   rejects every spelling trick we know of: userinfo, backslashes, fragments, IDN/punycode, trailing dots,
   local names and IP literals in any notation. It parses the URL twice, with ``urllib3.util.parse_url`` (what
   requests uses to decide where to connect) and with ``urllib.parse.urlsplit``, and refuses when the two
   disagree. The caller must send ``SafeUrl.url``, the URL rebuilt from the validated parts.

2. ``PinnedHTTPAdapter`` (a requests adapter) resolves the host once per connection, refuses the connection
   when *any* resolved address is not public, and connects the socket to one of the checked addresses. The
   hostname is kept for SNI, certificate verification and the Host header. This defeats DNS rebinding (a name
   that answers a public address to the check and a private one to the connect).

Operator configuration is trusted, user input is not: ``UrlPolicy.for_base_url`` turns a configured provider
base URL on a loopback/private/local host (a fake provider on 127.0.0.1 in tests, moto on localhost) into a
*trusted origin* (``scheme://host:port``) that may be private. Nothing else is.
"""

from __future__ import annotations

import ipaddress
import re
import socket
import sys
from collections.abc import Iterable
from dataclasses import dataclass
from typing import Any, ClassVar
from urllib.parse import urlsplit

from requests.adapters import DEFAULT_POOLBLOCK, HTTPAdapter
from urllib3.connection import HTTPConnection, HTTPSConnection
from urllib3.connectionpool import HTTPConnectionPool, HTTPSConnectionPool
from urllib3.exceptions import ConnectTimeoutError, LocationParseError, NameResolutionError, NewConnectionError
from urllib3.poolmanager import PoolManager
from urllib3.util import parse_url
from urllib3.util.connection import allowed_gai_family
from urllib3.util.timeout import Timeout

__all__ = [
    "BlockedAddressError",
    "PinnedHTTPAdapter",
    "SafeUrl",
    "UnsafeUrlError",
    "UrlPolicy",
    "is_public_ip",
    "origin",
    "validate_url",
]

MAX_URL_LENGTH = 2048
DEFAULT_PORTS = {"http": 80, "https": 443}

IPAddress = ipaddress.IPv4Address | ipaddress.IPv6Address


class UnsafeUrlError(ValueError):
    """The URL (or the address it resolves to) is not allowed. The message is a short, safe-to-show reason."""


class BlockedAddressError(UnsafeUrlError):
    """Raised at connect time: the host resolved to an address that is not public (or a proxy was configured)."""


# ---------------------------------------------------------------------------------------------------------------
# Policy and result types
# ---------------------------------------------------------------------------------------------------------------


def origin(scheme: str, host: str, port: int | None) -> str:
    """Canonical ``scheme://host:port`` string (lowercase, IPv6 in brackets, explicit port)."""
    scheme = scheme.lower()
    bare = host.lower().strip("[]")
    if port is None:
        port = DEFAULT_PORTS.get(scheme, 0)
    host_part = f"[{bare}]" if ":" in bare else bare
    return f"{scheme}://{host_part}:{port}"


@dataclass(frozen=True)
class UrlPolicy:
    """What an outbound URL may look like.

    * ``allowed_schemes`` – lowercase schemes.
    * ``allowed_ports`` – allowed effective ports; ``None`` means only the scheme's default port.
    * ``allowed_hosts`` – exact lowercase host names; ``None`` means any *public* host.
    * ``path_prefixes`` – plain string prefixes of the path (end them with ``/`` for segment semantics); empty
      means any path.
    * ``trusted_origins`` – ``scheme://host:port`` origins from operator configuration that may be
      private/loopback (see ``for_base_url``). They skip only the "is it public?" checks, not the others.
    """

    allowed_schemes: frozenset[str] = frozenset({"https"})
    allowed_ports: frozenset[int] | None = frozenset({443})
    allowed_hosts: frozenset[str] | None = None
    path_prefixes: tuple[str, ...] = ()
    trusted_origins: frozenset[str] = frozenset()

    def __post_init__(self) -> None:
        # Accept any iterable from callers, store normalised immutable values.
        object.__setattr__(self, "allowed_schemes", frozenset(s.lower() for s in self.allowed_schemes))
        if self.allowed_ports is not None:
            object.__setattr__(self, "allowed_ports", frozenset(int(p) for p in self.allowed_ports))
        if self.allowed_hosts is not None:
            object.__setattr__(self, "allowed_hosts", frozenset(h.lower() for h in self.allowed_hosts))
        if isinstance(self.path_prefixes, str):
            raise TypeError("path_prefixes must be a tuple of strings, not a string")
        object.__setattr__(self, "path_prefixes", tuple(self.path_prefixes))
        object.__setattr__(self, "trusted_origins", frozenset(_normalise_origin(o) for o in self.trusted_origins))

    @classmethod
    def for_base_url(cls, base_url: str, path_prefixes: Iterable[str] = ()) -> UrlPolicy:
        """A policy allowing exactly the scheme, host and port of a configured provider base URL.

        ``path_prefixes`` (if any) restrict the path; the base URL's own path is not used as a prefix. If the
        base URL's host is an IP literal, ``localhost``/``*.localhost``/``*.local``/``*.internal`` or a single
        label (``moto``), the origin becomes trusted: the operator configured it on purpose, so it may be
        private/loopback. Only that exact origin is trusted; user-supplied URLs are still checked normally.
        """
        parts = _parse(base_url)
        if parts.scheme not in DEFAULT_PORTS:
            raise UnsafeUrlError("base URL scheme must be http or https")
        if parts.query:
            raise UnsafeUrlError("base URL must not carry a query string")
        trusted: frozenset[str] = frozenset()
        if parts.ip is not None or _is_local_name(parts.host) or "." not in parts.host:
            trusted = frozenset({origin(parts.scheme, parts.host, parts.port)})
        return cls(
            allowed_schemes=frozenset({parts.scheme}),
            allowed_ports=frozenset({parts.port}),
            allowed_hosts=frozenset({parts.host}),
            path_prefixes=tuple(path_prefixes),
            trusted_origins=trusted,
        )


@dataclass(frozen=True)
class SafeUrl:
    """A validated URL. ``url`` is rebuilt from the validated parts: send that, never the original string."""

    url: str
    scheme: str
    host: str  # lowercase; IPv6 without brackets
    port: int  # effective port (the default port when the URL had none)
    path: str  # always starts with "/"
    query: str  # without the "?"; empty when absent

    @property
    def origin(self) -> str:
        return origin(self.scheme, self.host, self.port)


# ---------------------------------------------------------------------------------------------------------------
# IP classification
# ---------------------------------------------------------------------------------------------------------------

_NON_PUBLIC_V4 = tuple(
    ipaddress.IPv4Network(n)
    for n in (
        "0.0.0.0/8",  # "this network"
        "10.0.0.0/8",
        "100.64.0.0/10",  # CGNAT
        "127.0.0.0/8",
        "169.254.0.0/16",  # link-local, incl. the EC2/ECS metadata endpoints
        "172.16.0.0/12",
        "192.0.0.0/24",  # IETF protocol assignments
        "192.0.2.0/24",  # TEST-NET-1
        "192.88.99.0/24",  # deprecated 6to4 relay anycast
        "192.168.0.0/16",
        "198.18.0.0/15",  # benchmarking
        "198.51.100.0/24",  # TEST-NET-2
        "203.0.113.0/24",  # TEST-NET-3
        "224.0.0.0/4",  # multicast
        "240.0.0.0/4",  # reserved, incl. broadcast
    )
)

_NON_PUBLIC_V6 = tuple(
    ipaddress.IPv6Network(n)
    for n in (
        "::/96",  # unspecified, loopback and the deprecated IPv4-compatible block
        "64:ff9b:1::/48",  # local-use NAT64
        "100::/64",  # discard-only
        "2001::/23",  # IETF protocol assignments (incl. Teredo 2001::/32, ORCHID, benchmarking)
        "2001:db8::/32",  # documentation
        "3fff::/20",  # documentation
        "5f00::/16",  # SRv6 SIDs
        "fc00::/7",  # unique local (incl. fd00:ec2::254, the EC2 IMDS IPv6 endpoint)
        "fe80::/10",  # link-local
        "fec0::/10",  # deprecated site-local
        "ff00::/8",  # multicast
    )
)

_NAT64 = ipaddress.IPv6Network("64:ff9b::/96")


def _embedded_ipv4(ip: ipaddress.IPv6Address) -> ipaddress.IPv4Address | None:
    """The IPv4 address a translating IPv6 form carries (IPv4-mapped, NAT64 ``64:ff9b::/96``, 6to4)."""
    if ip.ipv4_mapped is not None:
        return ip.ipv4_mapped
    if ip in _NAT64:
        return ipaddress.IPv4Address(int(ip) & 0xFFFFFFFF)
    return ip.sixtofour


def is_public_ip(ip: str | IPAddress) -> bool:
    """True only for globally routable unicast addresses.

    IPv6 forms that embed an IPv4 address (IPv4-mapped, NAT64 ``64:ff9b::/96``, 6to4 ``2002::/16``) are judged by
    the embedded address; Teredo and IPv4-compatible addresses are never public. Anything unparsable is not public.
    """
    if isinstance(ip, str):
        try:
            ip = ipaddress.ip_address(ip.strip("[]").split("%", 1)[0])
        except ValueError:
            return False
    if isinstance(ip, ipaddress.IPv6Address):
        embedded = _embedded_ipv4(ip)
        if embedded is not None:
            return is_public_ip(embedded)
        blocked = ip.teredo is not None or ip.is_site_local or any(ip in net for net in _NON_PUBLIC_V6)
    else:
        blocked = any(ip in net for net in _NON_PUBLIC_V4)
    return not (
        blocked
        or ip.is_private
        or ip.is_loopback
        or ip.is_link_local
        or ip.is_multicast
        or ip.is_reserved
        or ip.is_unspecified
        or not ip.is_global
    )


# ---------------------------------------------------------------------------------------------------------------
# URL parsing and validation
# ---------------------------------------------------------------------------------------------------------------

_ABSOLUTE_RE = re.compile(r"([A-Za-z][A-Za-z0-9+.-]*)://([^/?]*)")
_LABEL_RE = re.compile(r"[a-z0-9](?:[a-z0-9-]{0,61}[a-z0-9])?")
_NUMERIC_LABEL_RE = re.compile(r"0x[0-9a-f]*|[0-9]+")
_PORT_RE = re.compile(r"[0-9]{0,5}")
_PCT = r"%[0-9A-Fa-f]{2}"
_PATH_RE = re.compile(rf"(?:[A-Za-z0-9\-._~!$&'()*+,;=:@/]|{_PCT})*")
_QUERY_RE = re.compile(rf"(?:[A-Za-z0-9\-._~!$&'()*+,;=:@/?]|{_PCT})*")
# Encoded ".", "/", "\" and "%" can turn into traversal after a server decodes the path (once or twice).
_ENCODED_TRAVERSAL_RE = re.compile(r"%(?:2e|2f|5c|25)", re.IGNORECASE)
_LOCAL_SUFFIXES = (".localhost", ".local", ".internal", ".localdomain", ".home.arpa")
_LOCAL_NAMES = frozenset({"localhost", "localhost.localdomain", "local", "internal", "home.arpa"})


@dataclass(frozen=True)
class _Parts:
    scheme: str
    host: str  # lowercase, no brackets
    port: int  # effective
    path: str
    query: str
    ip: IPAddress | None


def _reject(reason: str) -> UnsafeUrlError:
    return UnsafeUrlError(reason)


def _normalise_origin(value: str) -> str:
    try:
        u = parse_url(value)
    except LocationParseError:
        raise UnsafeUrlError(f"invalid trusted origin {value!r}") from None
    if not u.scheme or not u.host:
        raise UnsafeUrlError(f"invalid trusted origin {value!r}")
    return origin(u.scheme, u.host, u.port)


def _upper_escapes(text: str) -> str:
    return re.sub(_PCT, lambda m: m.group(0).upper(), text)


def _parse_ipv4_loose(host: str) -> ipaddress.IPv4Address | None:
    """Parse IPv4 the way ``inet_aton`` (and so ``getaddrinfo``) does: 1–4 parts, decimal, octal or hex."""
    parts = host.split(".")
    if not 1 <= len(parts) <= 4:
        return None
    values = []
    for part in parts:
        if re.fullmatch(r"0x[0-9a-f]*", part):
            values.append(int(part[2:] or "0", 16))
        elif re.fullmatch(r"0[0-7]*", part):
            values.append(int(part, 8))
        elif re.fullmatch(r"[1-9][0-9]*", part):
            values.append(int(part))
        else:
            return None
    *head, last = values
    if any(v > 255 for v in head) or last >= 256 ** (4 - len(head)):
        return None
    number = last
    for i, v in enumerate(head):
        number += v << (24 - 8 * i)
    return ipaddress.IPv4Address(number)


def _ip_literal(host: str, bracketed: bool) -> IPAddress | None:
    """The address an IP-literal host denotes, or None for a host name. Raises for malformed literals."""
    if bracketed:
        if "%" in host:
            raise _reject("IPv6 zone identifiers are not allowed")
        try:
            return ipaddress.IPv6Address(host)
        except ValueError:
            raise _reject("malformed IPv6 literal") from None
    last_label = host.rsplit(".", 1)[-1]
    if _NUMERIC_LABEL_RE.fullmatch(last_label):
        # A numeric last label is never a DNS name: the resolver treats the host as an IPv4 literal.
        ip = _parse_ipv4_loose(host)
        if ip is None:
            raise _reject("malformed numeric host")
        return ip
    return None


def _is_local_name(host: str) -> bool:
    return host in _LOCAL_NAMES or host.endswith(_LOCAL_SUFFIXES)


def _check_hostname_syntax(host: str) -> None:
    if host.endswith("."):
        raise _reject("trailing dot in host")
    if len(host) > 253:
        raise _reject("host name too long")
    for label in host.split("."):
        if not label:
            raise _reject("empty label in host")
        if label.startswith("xn--"):
            raise _reject("IDN (punycode) hosts are not allowed")
        if not _LABEL_RE.fullmatch(label):
            raise _reject("invalid character in host")


def _check_path(raw_path: str, urllib3_path: str | None) -> str:
    path = raw_path or "/"
    if not path.startswith("/"):
        raise _reject("path must start with '/'")
    if not _PATH_RE.fullmatch(path):
        raise _reject("invalid character in path")
    if _ENCODED_TRAVERSAL_RE.search(path):
        raise _reject("percent-encoded dot, slash, backslash or percent in path")
    segments = path.split("/")[1:]
    if any(seg in (".", "..") for seg in segments):
        raise _reject("dot segments in path")
    if "" in segments[:-1]:
        raise _reject("empty segment in path")
    path = _upper_escapes(path)
    if (urllib3_path or "/") != path:
        raise _reject("ambiguous path")
    return path


def _check_query(raw_query: str, urllib3_query: str | None) -> str:
    if not _QUERY_RE.fullmatch(raw_query):
        raise _reject("invalid character in query")
    query = _upper_escapes(raw_query)
    if (urllib3_query or "") != query:
        raise _reject("ambiguous query")
    return query


def _check_characters(url: object) -> str:
    if not isinstance(url, str):
        raise _reject("URL must be a string")
    if not url:
        raise _reject("empty URL")
    if len(url) > MAX_URL_LENGTH:
        raise _reject("URL too long")
    for ch in url:
        code = ord(ch)
        if code <= 0x20 or code == 0x7F or ch.isspace():
            raise _reject("whitespace or control character in URL")
        if code > 0x7E:
            raise _reject("non-ASCII character in URL (IDN hosts are not allowed)")
    if "\\" in url:
        raise _reject("backslash in URL")
    if "#" in url:
        # Fragments are never sent to the server; a URL that carries one was not produced by a provider, and '#'
        # is a classic parser-differential lever. Reject instead of silently stripping.
        raise _reject("fragment in URL")
    return url


def _split_authority(authority: str) -> tuple[str, str]:
    """(raw host, raw port) from the raw authority text; the port must be plain digits (or empty)."""
    if "@" in authority:
        raise _reject("userinfo in URL")
    if authority.startswith("["):
        end = authority.find("]")
        if end == -1:
            raise _reject("malformed IPv6 literal")
        raw_host, rest = authority[: end + 1], authority[end + 1 :]
        if rest and not rest.startswith(":"):
            raise _reject("malformed authority")
        raw_port = rest[1:]
    else:
        if authority.count(":") > 1:
            raise _reject("malformed authority")
        raw_host, _, raw_port = authority.partition(":")
    if not raw_host:
        raise _reject("missing host")
    if not _PORT_RE.fullmatch(raw_port):
        raise _reject("invalid port")
    return raw_host.lower(), raw_port


def _parse(url: object) -> _Parts:
    """Syntax checks that do not depend on a policy. Returns the validated parts."""
    url = _check_characters(url)
    match = _ABSOLUTE_RE.match(url)
    if match is None:
        raise _reject("URL must be absolute (scheme://host)")
    raw_host, raw_port = _split_authority(match.group(2))

    try:
        u3 = parse_url(url)
        split = urlsplit(url)
        split_port = split.port
    except (LocationParseError, ValueError):
        raise _reject("unparsable URL") from None

    scheme = (u3.scheme or "").lower()
    if not scheme or scheme != split.scheme.lower() or scheme != match.group(1).lower():
        raise _reject("parsers disagree on scheme")
    if scheme not in DEFAULT_PORTS:
        raise _reject("scheme not allowed")
    if u3.auth is not None or split.username is not None or split.password is not None:
        raise _reject("userinfo in URL")

    # The host must be exactly the raw text, as both parsers returned it (no normalisation happened on the way).
    host = (u3.host or "").lower()
    bracketed = host.startswith("[") and host.endswith("]")
    bare = host[1:-1] if bracketed else host
    if not bare or bare != (split.hostname or "") or host != raw_host:
        raise _reject("parsers disagree on host")
    if u3.port != split_port or (u3.port is None) != (raw_port == ""):
        raise _reject("parsers disagree on port")
    port = u3.port if u3.port is not None else DEFAULT_PORTS[scheme]
    if not 1 <= port <= 65535:
        raise _reject("invalid port")

    ip = _ip_literal(bare, bracketed)
    if ip is None:
        _check_hostname_syntax(bare)

    path = _check_path(split.path, u3.path)
    query = _check_query(split.query, u3.query)
    return _Parts(scheme, bare, port, path, query, ip)


def validate_url(url: str, policy: UrlPolicy) -> SafeUrl:
    """Validate ``url`` against ``policy``; return the URL rebuilt from its validated parts.

    Raises ``UnsafeUrlError`` with a short reason. Fragments are rejected, not stripped.
    """
    parts = _parse(url)
    if parts.scheme not in policy.allowed_schemes:
        raise _reject("scheme not allowed")
    if policy.allowed_ports is None:
        if parts.port != DEFAULT_PORTS.get(parts.scheme):
            raise _reject("port not allowed")
    elif parts.port not in policy.allowed_ports:
        raise _reject("port not allowed")

    trusted = origin(parts.scheme, parts.host, parts.port) in policy.trusted_origins
    if policy.allowed_hosts is not None and parts.host not in policy.allowed_hosts:
        raise _reject("host not allowed")
    if not trusted:
        if parts.ip is not None:
            if policy.allowed_hosts is not None:
                raise _reject("IP address hosts are not allowed")
            if not is_public_ip(parts.ip):
                raise _reject("non-public IP address")
        elif _is_local_name(parts.host):
            raise _reject("local host name")
        elif "." not in parts.host:
            raise _reject("single-label host name")

    if policy.path_prefixes and not any(parts.path.startswith(p) for p in policy.path_prefixes):
        raise _reject("path not allowed")

    host_part = f"[{parts.host}]" if ":" in parts.host else parts.host
    port_part = "" if parts.port == DEFAULT_PORTS[parts.scheme] else f":{parts.port}"
    query_part = f"?{parts.query}" if parts.query else ""
    rebuilt = f"{parts.scheme}://{host_part}{port_part}{parts.path}{query_part}"
    return SafeUrl(rebuilt, parts.scheme, parts.host, parts.port, parts.path, parts.query)


# ---------------------------------------------------------------------------------------------------------------
# Connect-time pinning
# ---------------------------------------------------------------------------------------------------------------


class AddressGuard:
    """Resolves a host once and refuses any non-public answer, unless the origin is trusted."""

    def __init__(self, trusted_origins: Iterable[str] = ()) -> None:
        self.trusted_origins = frozenset(_normalise_origin(o) for o in trusted_origins)

    def resolve(self, scheme: str, host: str, port: int) -> list[tuple[Any, ...]]:
        infos = socket.getaddrinfo(host, port, allowed_gai_family(), socket.SOCK_STREAM)
        if not infos:
            raise socket.gaierror(socket.EAI_NONAME, "no addresses")
        if origin(scheme, host, port) in self.trusted_origins:
            return list(infos)
        for info in infos:
            address = str(info[4][0])
            if not is_public_ip(address):
                # Refuse outright if ANY answer is private: a mixed answer is a rebinding attempt.
                raise BlockedAddressError(f"{host} resolves to a non-public address ({address})")
        return list(infos)


_STRICT_GUARD = AddressGuard()


class _PinnedConnectionMixin:
    """Replaces ``_new_conn``: resolve once, check every address, connect the socket to a checked address."""

    scheme_name = "http"

    def __init__(self, *args: Any, address_guard: AddressGuard | None = None, **kwargs: Any) -> None:
        self._address_guard = address_guard or _STRICT_GUARD  # fail closed
        super().__init__(*args, **kwargs)

    def _new_conn(self) -> socket.socket:
        conn: Any = self
        host: str = conn.host
        port: int = conn.port or DEFAULT_PORTS[self.scheme_name]
        try:
            infos = self._address_guard.resolve(self.scheme_name, host, port)
        except socket.gaierror as e:
            raise NameResolutionError(host, conn, e) from e

        timeout = Timeout.resolve_default_timeout(conn.timeout)
        last_error: OSError | None = None
        for family, socktype, proto, _canonname, sockaddr in infos:
            sock = None
            try:
                sock = socket.socket(family, socktype, proto)
                for option in conn.socket_options or ():
                    sock.setsockopt(*option)
                sock.settimeout(timeout)
                if conn.source_address:
                    sock.bind(conn.source_address)
                sock.connect(sockaddr)  # an IP address: no second DNS lookup can happen here
            except OSError as e:
                last_error = e
                if sock is not None:
                    sock.close()
                continue
            sys.audit("http.client.connect", self, host, port)
            return sock

        if isinstance(last_error, TimeoutError):
            raise ConnectTimeoutError(
                conn, f"Connection to {host} timed out. (connect timeout={conn.timeout})"
            ) from last_error
        raise NewConnectionError(conn, f"Failed to establish a new connection: {last_error}") from last_error


class PinnedHTTPConnection(_PinnedConnectionMixin, HTTPConnection):
    scheme_name = "http"


class PinnedHTTPSConnection(_PinnedConnectionMixin, HTTPSConnection):
    scheme_name = "https"


class _PinnedHTTPConnectionPool(HTTPConnectionPool):
    ConnectionCls = PinnedHTTPConnection


class _PinnedHTTPSConnectionPool(HTTPSConnectionPool):
    ConnectionCls = PinnedHTTPSConnection


class _PinnedPoolManager(PoolManager):
    def __init__(self, *args: Any, address_guard: AddressGuard, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self._address_guard = address_guard
        self.pool_classes_by_scheme = {"http": _PinnedHTTPConnectionPool, "https": _PinnedHTTPSConnectionPool}

    def _new_pool(
        self, scheme: str, host: str, port: int, request_context: dict[str, Any] | None = None
    ) -> HTTPConnectionPool:
        # Added after the pool key was computed, so it reaches the connections without touching PoolKey.
        context = dict(self.connection_pool_kw if request_context is None else request_context)
        context["address_guard"] = self._address_guard
        return super()._new_pool(scheme, host, port, context)


class PinnedHTTPAdapter(HTTPAdapter):
    """A requests adapter whose connections are pinned to checked, public addresses.

    ``trusted_origins`` (``scheme://host:port``) may resolve to private addresses. Proxies are refused: a proxy
    would do its own DNS and defeat the pinning.
    """

    __attrs__: ClassVar[list[str]] = [*HTTPAdapter.__attrs__, "_address_guard"]

    def __init__(self, trusted_origins: Iterable[str] = (), **kwargs: Any) -> None:
        self._address_guard = AddressGuard(trusted_origins)  # before super(): it calls init_poolmanager
        super().__init__(**kwargs)

    def init_poolmanager(
        self, connections: int, maxsize: int, block: bool = DEFAULT_POOLBLOCK, **pool_kwargs: Any
    ) -> None:
        self._pool_connections = connections
        self._pool_maxsize = maxsize
        self._pool_block = block
        self.poolmanager = _PinnedPoolManager(
            num_pools=connections, maxsize=maxsize, block=block, address_guard=self._address_guard, **pool_kwargs
        )

    def proxy_manager_for(self, proxy: str, **proxy_kwargs: Any) -> Any:
        raise BlockedAddressError("proxies are not allowed for guarded outbound requests")
