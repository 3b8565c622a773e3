"""Async outbound HTTP with the same SSRF guard as the sync client: for streaming answers (LLM upstreams).

``guarded_async_client(trusted_origins=...)`` is an ``httpx.AsyncClient`` whose connections are pinned the way
``PinnedHTTPAdapter`` pins them for requests (url_guard.py): the host is resolved once per connection, the
connection is refused when *any* resolved address is not public (unless ``host:port`` belongs to a trusted
origin from operator configuration, e.g. a fake provider on 127.0.0.1), and the socket connects to a checked
address while TLS keeps the host name for SNI and certificate checks. Environment proxies are ignored (a proxy
would do its own DNS), redirects are never followed, and Unix sockets are refused.

URLs must still be checked as text with ``validate_url`` before a request (the guard works on addresses only).
"""

from __future__ import annotations

import contextlib
import socket
from collections.abc import AsyncIterator, Iterable, Mapping
from typing import Any

import anyio
import httpcore
import httpx

from .url_guard import BlockedAddressError, _normalise_origin, is_public_ip

__all__ = ["GuardedNetworkBackend", "GuardedTransport", "StreamUnavailable", "body_chunks", "guarded_async_client",
           "open_stream"]


class StreamUnavailable(Exception):
    """No usable answer, or the answer broke: `kind` is connect_error, timeout or broken; the message names the
    failure (never a header or a body)."""

    def __init__(self, kind: str, message: str) -> None:
        super().__init__(message)
        self.kind = kind
        self.message = message


def _describe(exc: BaseException) -> str:
    text = str(exc).split("\n", 1)[0][:200]
    return f"{type(exc).__name__}: {text}" if text else type(exc).__name__


def _host_ports(trusted_origins: Iterable[str]) -> frozenset[tuple[str, int]]:
    found = set()
    for text in trusted_origins:
        canonical = _normalise_origin(text)  # scheme://host:port, lowercase, IPv6 in brackets
        rest = canonical.split("://", 1)[1]
        host, _, port = rest.rpartition(":")
        found.add((host.strip("[]"), int(port)))
    return frozenset(found)


class GuardedNetworkBackend(httpcore.AsyncNetworkBackend):
    """httpcore's network backend with connect-time address checks (resolve once, check all, connect to one)."""

    def __init__(self, trusted_origins: Iterable[str] = (), inner: httpcore.AsyncNetworkBackend | None = None) -> None:
        self._trusted = _host_ports(trusted_origins)
        self._inner = inner or httpcore.AnyIOBackend()

    async def resolve(self, host: str, port: int) -> list[str]:
        """The addresses to try, every one checked; raises BlockedAddressError for any non-public answer."""
        bare = host.strip("[]").lower()
        try:
            infos = await anyio.getaddrinfo(bare, port, type=socket.SOCK_STREAM)
        except OSError as exc:
            raise httpcore.ConnectError(f"cannot resolve {bare}: {exc}") from exc
        addresses = list(dict.fromkeys(str(info[4][0]) for info in infos))
        if not addresses:
            raise httpcore.ConnectError(f"cannot resolve {bare}")
        if (bare, port) in self._trusted:
            return addresses
        for address in addresses:
            if not is_public_ip(address):
                raise BlockedAddressError(f"{bare} resolves to a non-public address ({address})")
        return addresses

    async def connect_tcp(self, host: str, port: int, timeout: float | None = None,
                          local_address: str | None = None,
                          socket_options: Iterable[Any] | None = None) -> httpcore.AsyncNetworkStream:
        try:
            with anyio.fail_after(timeout):
                addresses = await self.resolve(host, port)
        except TimeoutError as exc:
            raise httpcore.ConnectTimeout(f"resolving {host} timed out") from exc
        last: Exception | None = None
        for address in addresses:
            try:
                return await self._inner.connect_tcp(address, port, timeout=timeout, local_address=local_address,
                                                     socket_options=socket_options)
            except (httpcore.ConnectError, httpcore.ConnectTimeout) as exc:
                last = exc
        assert last is not None
        raise last

    async def connect_unix_socket(self, path: str, timeout: float | None = None,
                                  socket_options: Iterable[Any] | None = None) -> httpcore.AsyncNetworkStream:
        raise BlockedAddressError("Unix sockets are not allowed for guarded outbound requests")

    async def sleep(self, seconds: float) -> None:
        await self._inner.sleep(seconds)


class GuardedTransport(httpx.AsyncHTTPTransport):
    """``httpx.AsyncHTTPTransport`` whose pool connects through a ``GuardedNetworkBackend``; no proxies."""

    def __init__(self, trusted_origins: Iterable[str] = (), *, limits: httpx.Limits | None = None,
                 verify: Any = True) -> None:
        limits = limits or httpx.Limits(max_connections=100, max_keepalive_connections=20, keepalive_expiry=30)
        super().__init__(verify=verify, trust_env=False, limits=limits)
        ssl_context = self._pool._ssl_context  # the one httpx built from `verify`
        self._pool = httpcore.AsyncConnectionPool(
            ssl_context=ssl_context, max_connections=limits.max_connections,
            max_keepalive_connections=limits.max_keepalive_connections, keepalive_expiry=limits.keepalive_expiry,
            http1=True, http2=False, network_backend=GuardedNetworkBackend(trusted_origins))


def guarded_async_client(*, trusted_origins: Iterable[str] = (), connect_timeout: float = 5.0,
                         read_timeout: float | None = 300.0, limits: httpx.Limits | None = None) -> httpx.AsyncClient:
    """An ``httpx.AsyncClient`` for streaming upstream calls: guarded connections, no redirects, no env proxies.

    ``read_timeout`` bounds the wait for each chunk (a silent upstream), not the whole answer.
    """
    timeout = httpx.Timeout(connect=connect_timeout, read=read_timeout, write=30.0, pool=connect_timeout)
    return httpx.AsyncClient(transport=GuardedTransport(trusted_origins, limits=limits), timeout=timeout,
                             follow_redirects=False, trust_env=False)


@contextlib.asynccontextmanager
async def open_stream(client: httpx.AsyncClient, method: str, url: str, *, headers: Mapping[str, str],
                      content: bytes) -> AsyncIterator[httpx.Response]:
    """Send a request and yield the response before its body is read; leaving closes it (also on cancel).

    Transport failures are `StreamUnavailable`; read the body with `body_chunks` (decompressed).
    """
    request = client.build_request(method, url, headers=dict(headers), content=content)
    try:
        response = await client.send(request, stream=True)
    except BlockedAddressError as exc:
        raise StreamUnavailable("connect_error", f"blocked address: {exc}") from None
    except httpx.TimeoutException as exc:
        raise StreamUnavailable("timeout", _describe(exc)) from None
    except (httpx.HTTPError, OSError, anyio.BrokenResourceError) as exc:
        raise StreamUnavailable("connect_error", _describe(exc)) from None
    try:
        yield response
    finally:
        with anyio.CancelScope(shield=True):
            await response.aclose()


async def body_chunks(response: httpx.Response) -> AsyncIterator[bytes]:
    """The body as it arrives (gzip/deflate decoded whatever was asked); failures are StreamUnavailable."""
    try:
        async for chunk in response.aiter_bytes():
            if chunk:
                yield chunk
    except httpx.TimeoutException as exc:
        raise StreamUnavailable("broken", _describe(exc)) from None
    except (httpx.HTTPError, OSError, anyio.BrokenResourceError) as exc:
        raise StreamUnavailable("broken", _describe(exc)) from None
