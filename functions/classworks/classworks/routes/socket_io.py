"""Engine.IO long-polling on the HTTP API (`GET|POST /socket.io/` at the host's root: socket.io-client polls there
whatever path the server URL has, docs/classworks-clients.md §2.1), answered by the Socket.IO engine
(logic/socket_engine.py) through suite.socketio.gateway.

- `GET ?EIO=4&transport=polling` opens a session (the `0{...}` open packet); with `&sid=` it waits for packets
  (up to 20 s); `POST ?EIO=4&transport=polling&sid=` carries the client's packets (a `text/plain` body).
- Answers are `text/plain` Engine.IO payloads, or the reference server's JSON errors `{code, message}` (400;
  403 for a refused handshake); a POST above the 100 000-byte payload limit is a bare 413.
- `?token=` / `?apptoken=` on the handshake joins that token's device as soon as a namespace is connected.

API Gateway routes `/socket.io/` to the `/socket.io` route; the resolver is handed the path without the slash
(`without_trailing_slash`).
"""

from typing import Annotated, Any

from aws_lambda_powertools.event_handler import Response
from pydantic import BaseModel, Field

from classworks.logic import socket_engine
from classworks.models.documented import MAX_ID
from classworks.routes.common import query
from suite.api import Router
from suite.socketio import gateway

router = Router()

PATH = "/socket.io"
Protocol = Annotated[str | None, query(enum=["4"])]
Transport = Annotated[str | None, query(enum=["polling"])]
Text = Annotated[str | None, query(maxLength=MAX_ID)]
Token = Annotated[str | None, query(maxLength=512)]


Payload = Annotated[str, Field(min_length=1, max_length=100_000)]
"""Engine.IO packets separated by U+001E (`40/api,`, `42/api,["join-token",{"token":"..."}]`, `3`...)."""


class EngineError(BaseModel):
    """Engine.IO's HTTP error: 0 unknown transport, 1 unknown session id, 2 bad handshake method, 3 bad request,
    4 forbidden, 5 unsupported protocol version."""

    code: int
    message: str


def without_trailing_slash(event: dict[str, Any]) -> dict[str, Any]:
    """The event with `/socket.io/` as `/socket.io` (what the route is called)."""
    raw_path = event.get("rawPath") or ""
    if raw_path.rstrip("/") == PATH and raw_path != PATH:
        return {**event, "rawPath": PATH}
    return event


def _answer() -> Response:
    context = router.lambda_context
    remaining = getattr(context, "get_remaining_time_in_millis", None)
    answer = gateway.polling_answer(socket_engine.engine(), router.current_event.raw_event,
                                    budget_ms=int(remaining()) if callable(remaining) else None)
    status = answer["statusCode"]
    return Response(status_code=status, content_type=answer["headers"]["Content-Type"],
                    body="" if status == 413 else answer["body"], headers={"Cache-Control": "no-store"})


@router.get(PATH, media_type="text/plain", errors=(400, 403), error_body=EngineError, requires=("EIO", "transport"),
            summary="Engine.IO polling: open a session (no sid) or wait for its packets (sid)", tags=["socket.io"])
def poll(*, EIO: Protocol = None, transport: Transport = None, sid: Text = None, t: Text = None, token: Token = None,
         apptoken: Token = None):
    return _answer()


@router.post(PATH, media_type="text/plain", errors=(400,), empty=(413,), error_body=EngineError,
             body=Payload, body_media_type="text/plain", requires=("EIO", "transport", "sid", "body"),
             summary="Engine.IO polling: the client's packets (text/plain payload)", tags=["socket.io"])
def send(*, EIO: Protocol = None, transport: Transport = None, sid: Text = None, t: Text = None):
    return _answer()
