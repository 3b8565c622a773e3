"""The proxy routes as one ASGI app (`app`): served streaming by uvicorn behind the Lambda Web Adapter (Function
URL, RESPONSE_STREAM) and locally, and buffered behind API Gateway through Mangum (handlers/proxy.py).

Raw ASGI, no framework: the body is read (capped), the engine runs with a sink that turns its answer into
`http.response.start` / `http.response.body` messages (one per upstream chunk, so uvicorn writes each at once),
and a watcher cancels the engine when the client disconnects (which closes the upstream request).
`GET /health` answers `{"status": "ok"}` (the adapter's readiness check).
"""

from __future__ import annotations

import json
import uuid
from typing import Any

import anyio

from relay.logic import proxy_setup
from relay.logic.proxy_engine import Incoming
from relay.logic.proxy_surfaces import MAX_BODY_BYTES, ROUTES, error_body
from suite import observability

ROUTE_KEYS = tuple(("POST", path) for path in ROUTES)


class _Sink:
    def __init__(self, send: Any) -> None:
        self._send = send
        self.started = False

    async def start(self, status: int, headers: list[tuple[str, str]]) -> None:
        self.started = True
        await self._send({"type": "http.response.start", "status": status,
                          "headers": [(k.encode("latin-1"), v.encode("latin-1")) for k, v in headers]})

    async def send(self, data: bytes) -> None:
        await self._send({"type": "http.response.body", "body": data, "more_body": True})

    async def close(self) -> None:
        await self._send({"type": "http.response.body", "body": b"", "more_body": False})


async def _plain(send: Any, status: int, payload: Any) -> None:
    await send({"type": "http.response.start", "status": status, "headers": [(b"content-type", b"application/json")]})
    await send({"type": "http.response.body", "body": json.dumps(payload).encode(), "more_body": False})


async def _read_body(receive: Any) -> tuple[bytes | None, bool]:
    """(body, client still there); None when over the cap."""
    parts, size = [], 0
    while True:
        message = await receive()
        if message["type"] == "http.disconnect":
            return b"", False
        chunk = message.get("body", b"")
        size += len(chunk)
        if size > MAX_BODY_BYTES:
            return None, True
        parts.append(chunk)
        if not message.get("more_body", False):
            return b"".join(parts), True


def _headers(scope: dict[str, Any]) -> dict[str, str]:
    found: dict[str, str] = {}
    for name, value in scope.get("headers") or []:
        key = name.decode("latin-1").lower()
        text = value.decode("latin-1")
        found[key] = f"{found[key]}, {text}" if key in found else text
    return found


def _source_ip(scope: dict[str, Any], headers: dict[str, str]) -> str:
    forwarded = headers.get("x-forwarded-for", "")
    if forwarded:  # the Function URL front end (via the adapter) sets it; the first address is the client
        return forwarded.split(",")[0].strip()
    client = scope.get("client")
    return str(client[0]) if client else ""


async def _lifespan(receive: Any, send: Any) -> None:
    while True:
        message = await receive()
        if message["type"] == "lifespan.startup":
            await send({"type": "lifespan.startup.complete"})
        elif message["type"] == "lifespan.shutdown":
            await send({"type": "lifespan.shutdown.complete"})
            return


async def app(scope: dict[str, Any], receive: Any, send: Any) -> None:
    if scope["type"] == "lifespan":
        await _lifespan(receive, send)
        return
    if scope["type"] != "http":
        return
    path, method = scope["path"], scope["method"]
    if path == "/health" and method in ("GET", "HEAD"):
        await _plain(send, 200, {"status": "ok"})
        return
    if path not in ROUTES or method != "POST":
        await _plain(send, 404, {"message": "Not Found"})
        return
    body, connected = await _read_body(receive)
    if not connected:
        return
    if body is None:
        await _plain(send, 413, {"message": "Request Entity Too Large"})
        return
    headers = _headers(scope)
    incoming = Incoming(request_id=uuid.uuid4().hex, path=path, headers=headers, body=body,
                        source_ip=_source_ip(scope, headers))
    sink = _Sink(send)
    engine = proxy_setup.engine()
    async with anyio.create_task_group() as group:

        async def watch() -> None:
            while (await receive())["type"] != "http.disconnect":
                pass
            group.cancel_scope.cancel()  # the client left: stop the engine (and the upstream request)

        group.start_soon(watch)
        try:
            await engine.run(incoming, sink)
        except Exception:  # an AWS failure in the gate or the pool: logged, answered in the API's format
            observability.logger().exception("proxy: request failed", extra={"request_id": incoming.request_id})
            if not sink.started:
                await sink.start(500, [("content-type", "application/json")])
                await sink.send(error_body(ROUTES[path][0], 500, "internal_error", "internal error"))
        group.cancel_scope.cancel()
    if sink.started:
        await sink.close()


app.route_keys = ROUTE_KEYS  # type: ignore[attr-defined]  # what tests/unit/test_route_inventory.py reads
