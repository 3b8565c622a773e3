"""HTTP to the LLM upstreams, streamed: one guarded async client per event loop (suite.outbound.streaming).

`HttpTransport.open(request)` is an async context manager giving the upstream's status, headers and body
chunks as they arrive (decompressed: an upstream that gzips without being asked is read right). Leaving the
context closes the upstream connection, so a cancelled request (client gone) cancels the upstream call.
Transport failures (DNS, refused, TLS, timeouts, a blocked address, a broken stream) are `UpstreamUnavailable`.

URLs are checked as text first (`validate_url`): an account's base URL must be public https, or a trusted
origin from configuration (fakes on 127.0.0.1 in tests and `make dev`); the connect-time guard then checks the
addresses the name resolves to.
"""

from __future__ import annotations

import asyncio
import contextlib
from collections.abc import AsyncIterator, Iterable, Mapping
from dataclasses import dataclass
from typing import Any

from suite.outbound import UnsafeUrlError, UrlPolicy, validate_url
from suite.outbound.streaming import StreamUnavailable, body_chunks, guarded_async_client, open_stream


class UpstreamUnavailable(StreamUnavailable):
    """No usable answer: `kind` is connect_error, timeout or broken; the message is safe to log (no credentials)."""


@dataclass
class UpstreamResponse:
    status: int
    headers: list[tuple[str, str]]  # lower-case names
    _body: Any

    def header(self, name: str) -> str | None:
        return next((v for k, v in self.headers if k == name), None)

    async def chunks(self) -> AsyncIterator[bytes]:
        try:
            async for chunk in body_chunks(self._body):
                yield chunk
        except StreamUnavailable as exc:
            raise UpstreamUnavailable(exc.kind, exc.message) from None


class HttpTransport:
    """Opens upstream requests; `trusted_origins` may be private (configured fakes)."""

    def __init__(self, trusted_origins: Iterable[str] = (), *, connect_timeout: float = 10.0,
                 read_timeout: float = 300.0) -> None:
        self.trusted_origins = tuple(trusted_origins)
        self.policy = UrlPolicy(allowed_schemes=frozenset({"https", "http"}), allowed_ports=frozenset(range(1, 65536)),
                                trusted_origins=frozenset(self.trusted_origins))
        self.connect_timeout = connect_timeout
        self.read_timeout = read_timeout
        self._clients: dict[int, Any] = {}

    def _client(self) -> Any:
        loop = id(asyncio.get_running_loop())
        client = self._clients.get(loop)
        if client is None:
            client = guarded_async_client(trusted_origins=self.trusted_origins, connect_timeout=self.connect_timeout,
                                          read_timeout=self.read_timeout)
            self._clients = {loop: client}  # one loop at a time (uvicorn, Mangum); a new loop drops the old client
        return client

    def check(self, url: str) -> str:
        """The URL rebuilt from its validated parts; UpstreamUnavailable when it may not be called."""
        try:
            safe = validate_url(url, self.policy)
        except UnsafeUrlError as exc:
            raise UpstreamUnavailable("connect_error", f"upstream URL refused: {exc}") from None
        if safe.scheme != "https" and safe.origin not in self.policy.trusted_origins:
            raise UpstreamUnavailable("connect_error", "upstream URL refused: https required")
        return safe.url

    @contextlib.asynccontextmanager
    async def open(self, url: str, headers: Mapping[str, str], content: bytes) -> AsyncIterator[UpstreamResponse]:
        try:
            async with open_stream(self._client(), "POST", self.check(url), headers=headers,
                                   content=content) as response:
                yield UpstreamResponse(response.status_code,
                                       [(k.lower(), v) for k, v in response.headers.multi_items()], response)
        except StreamUnavailable as exc:
            if isinstance(exc, UpstreamUnavailable):
                raise
            raise UpstreamUnavailable(exc.kind, exc.message) from None
