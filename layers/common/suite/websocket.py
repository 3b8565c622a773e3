"""API Gateway WebSocket APIs on the function side: the `$connect` / `$disconnect` / `$default` dispatch of a
socket function and the token a client put in the `$connect` URL. Pushes to connections (the management API)
are AWS calls and live in suite.push, used from a service's store.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from typing import Any


def query_token(event: Mapping[str, Any], names: Iterable[str] = ("token",)) -> str | None:
    """The first non-empty query parameter of `names` on a `$connect` event (browsers cannot set headers on a
    WebSocket handshake, so tokens travel in the URL)."""
    query = event.get("queryStringParameters") or {}
    for name in names:
        value = query.get(name)
        if isinstance(value, str) and value:
            return value
    return None


def socket_handler(*, connect: Any, message: Any, disconnect: Any) -> Any:
    """The Lambda handler of a WebSocket API's `$connect`, `$disconnect` and `$default` routes.

    `connect(event, connection_id)` → the status to answer (non-2xx refuses the handshake);
    `disconnect(connection_id)`; `message(event, connection_id, body)` → bytes / str / JSON-able value to answer
    the client with on a two-way route, or None to answer nothing.
    """
    import json  # noqa: PLC0415

    from suite import observability  # noqa: PLC0415

    log = observability.logger()

    @log.inject_lambda_context(clear_state=True)
    def handler(event: dict[str, Any], context: Any) -> dict[str, Any]:
        request = event.get("requestContext") or {}
        connection_id, route = request.get("connectionId", ""), request.get("routeKey")
        if route == "$connect":
            return {"statusCode": connect(event, connection_id)}
        if route == "$disconnect":
            disconnect(connection_id)
            return {"statusCode": 200}
        answer = message(event, connection_id, event.get("body") or "")
        if answer is None:
            return {"statusCode": 200}
        if isinstance(answer, bytes):
            answer = answer.decode("utf-8")
        elif not isinstance(answer, str):
            answer = json.dumps(answer, ensure_ascii=False, default=str)
        return {"statusCode": 200, "body": answer}

    return handler
