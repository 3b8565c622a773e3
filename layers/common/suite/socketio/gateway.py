"""API Gateway events → engine calls: the Lambda handlers of a Socket.IO server.

- `polling_handler(engine_of)`: an HTTP API (payload format 2.0) route, `GET` and `POST /socket.io` (clients
  ask for `/socket.io/`: the local stack routes it there, and API Gateway HTTP APIs are reported to ignore the
  trailing slash, aws-powertools/powertools-lambda-python#1552; check on the first deployment). The answer is
  `text/plain` (or the Engine.IO JSON error). The function's timeout must exceed the engine's `poll_wait_ms`
  (and API Gateway cuts an integration at 30 s).
- `websocket_handler(engine_of, greet=...)`: a WebSocket API's `$connect`, `$disconnect` and `$default`
  (a two-way route: the last answer frame is the route response, earlier ones go through the engine's
  outlet first, so they arrive in order). `greet(connection_id)` is called after a websocket-only `$connect`;
  it must make `engine.greet(connection_id)` happen once the connection is open (e.g. a queue message).

`engine_of` builds or returns the engine (called on every invocation; cache it yourself).
"""

from __future__ import annotations

import base64
import binascii
from collections.abc import Callable, Mapping
from typing import Any
from urllib.parse import parse_qsl

from suite.socketio.engine import BAD_REQUEST, Engine, HttpAnswer, error_answer


def query_of(event: Mapping[str, Any]) -> dict[str, str]:
    """The query string of an HTTP API or WebSocket `$connect` event (first value of repeated names)."""
    raw = event.get("rawQueryString")
    if raw is not None:
        query: dict[str, str] = {}
        for name, value in parse_qsl(raw, keep_blank_values=True):
            query.setdefault(name, value)
        return query
    return {k: v for k, v in (event.get("queryStringParameters") or {}).items() if isinstance(v, str)}


def polling_answer(engine: Engine, event: Mapping[str, Any], *, budget_ms: int | None = None) -> dict[str, Any]:
    """The HTTP API response to one polling request."""
    method = ((event.get("requestContext") or {}).get("http") or {}).get("method", "GET").upper()
    body = event.get("body") or ""
    answer: HttpAnswer
    try:
        if event.get("isBase64Encoded") and body:
            body = base64.b64decode(body, validate=True).decode("utf-8")
    except (binascii.Error, UnicodeDecodeError):
        answer = error_answer(BAD_REQUEST)
    else:
        answer = engine.polling(method, query_of(event), body, event.get("headers") or {}, budget_ms=budget_ms)
    return {"statusCode": answer.status, "headers": {"Content-Type": answer.content_type,
                                                     "Cache-Control": "no-store"}, "body": answer.body}


def websocket_answer(engine: Engine, event: Mapping[str, Any], *, greet: Callable[[str], None]) -> dict[str, Any]:
    """The WebSocket API response to `$connect`, `$disconnect` or `$default`."""
    context = event.get("requestContext") or {}
    connection_id, route = context.get("connectionId", ""), context.get("routeKey")
    if route == "$connect":
        accepted = engine.ws_connect(connection_id, query_of(event), event.get("headers") or {})
        if accepted.greet:
            greet(connection_id)
        return {"statusCode": accepted.status}
    if route == "$disconnect":
        engine.ws_disconnect(connection_id)
        return {"statusCode": 200}
    body = event.get("body") or ""
    if event.get("isBase64Encoded"):  # API Gateway refuses binary frames (1003); only a test could send one
        engine.ws_message(connection_id, "b")
        return {"statusCode": 200}
    frames = engine.ws_message(connection_id, body)
    if not frames:
        return {"statusCode": 200}
    if len(frames) > 1 and engine.outlet is not None:
        engine.outlet.send(connection_id, frames[:-1])
    return {"statusCode": 200, "body": frames[-1]}


def _remaining_ms(context: Any) -> int | None:
    remaining = getattr(context, "get_remaining_time_in_millis", None)
    return int(remaining()) if callable(remaining) else None


def polling_handler(engine_of: Callable[[], Engine]) -> Callable[[dict[str, Any], Any], dict[str, Any]]:
    from suite import observability  # noqa: PLC0415

    log = observability.logger()

    @log.inject_lambda_context(clear_state=True)
    def handler(event: dict[str, Any], context: Any) -> dict[str, Any]:
        return polling_answer(engine_of(), event, budget_ms=_remaining_ms(context))

    return handler


def websocket_handler(engine_of: Callable[[], Engine], *,
                      greet: Callable[[str], None]) -> Callable[[dict[str, Any], Any], dict[str, Any]]:
    from suite import observability  # noqa: PLC0415

    log = observability.logger()

    @log.inject_lambda_context(clear_state=True)
    def handler(event: dict[str, Any], context: Any) -> dict[str, Any]:
        return websocket_answer(engine_of(), event, greet=greet)

    return handler
