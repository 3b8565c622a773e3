"""The live view over API Gateway WebSocket: `/ws` (logs and status), the original's `/ws/logs`, `/ws/system`
and `/ws/captcha`. Each path is a stage of one WebSocket API; the stage decides what a connection receives.

- `$connect` is authenticated like the HTTP API: the login token (or the static API token) from `?token=`
  (browsers cannot set headers on a WebSocket), `X-API-Token` or `Authorization: Bearer`. Refused: HTTP 401.
- Pushed: `{"type": "log", "data": {...}}` for every delivery attempt (senders), `{"type": "status", "data":
  {...}}` from the status schedule, `{"type": "captcha_required", ...}` while a login waits for a captcha.
- Messages from the client: text `ping` (or `{"type": "ping"}`) → `{"type": "pong"}`; `status` → a status now;
  on `/ws/captcha` `{"type": "check_captcha", "account_id"}` → `captcha_required`, and `{"type": "captcha_input",
  "account_id", "code"}` → `{"type": "captcha_result", ...}` (the same store as `POST /api/accounts/{id}/captcha`).
- A connection lives at most until its login token expires (API Gateway closes any after two hours); the status
  schedule closes connections whose token was revoked (logout, password change).
"""

from __future__ import annotations

import json
import time
from typing import Any

from kook import clock
from kook.services import accounts as account_service
from kook.services import auth, logs, system
from kook.store import accounts, connections
from suite.errors import ApiError

STAGE_CHANNELS = {"ws": ["log", "status"], "logs": ["log"], "system": ["status"], "captcha": ["captcha"]}
MAX_CONNECTION_SECONDS = 2 * 3600 + 300  # API Gateway's two hours, and a margin for a missed $disconnect


def _dumps(payload: dict[str, Any]) -> bytes:
    return json.dumps(payload, ensure_ascii=False, separators=(",", ":"), default=str).encode("utf-8")


# ------------------------------------------------------------------------------------------------ connections

def connect(connection_id: str, stage: str, token: str | None) -> int:
    """The HTTP status of the handshake: 200 accepts, 401 refuses."""
    try:
        caller = auth.authenticate(token)
    except ApiError:
        return 401
    channels = STAGE_CHANNELS.get(stage, STAGE_CHANNELS["ws"])
    expires_at = clock.epoch() + MAX_CONNECTION_SECONDS
    if caller.expires_at:
        expires_at = min(expires_at, caller.expires_at)
    connections.add(connection_id, stage=stage, channels=channels, expires_at=expires_at,
                    token_digest=caller.token_digest)
    forget_listeners()
    return 200


def disconnect(connection_id: str) -> None:
    connections.remove(connection_id)


def message(stage: str, body: str) -> dict[str, Any]:
    """The answer to a client's message (the route is two-way: it goes back to that client)."""
    text = (body or "").strip()
    request: dict[str, Any] = {}
    if text.startswith("{"):
        try:
            parsed = json.loads(text)
            request = parsed if isinstance(parsed, dict) else {}
        except ValueError:
            request = {}
    kind = str(request.get("type") or request.get("action") or text).lower()
    if kind == "ping":
        return {"type": "pong"}
    if kind == "status":
        return {"type": "status", "data": status_event()}
    if kind in ("check_captcha", "captcha_input") and stage in ("captcha", "ws"):
        return _captcha(kind, request)
    return {"type": "error", "message": "unknown message: send ping, status, check_captcha or captcha_input"}


def _captcha(kind: str, request: dict[str, Any]) -> dict[str, Any]:
    try:
        account_id = int(request.get("account_id"))
    except (TypeError, ValueError):
        return {"type": "error", "message": "account_id is required"}
    try:
        if kind == "captcha_input":
            account_service.submit_captcha(account_id, str(request.get("code") or ""))
            return {"type": "captcha_result", "account_id": account_id, "success": True}
        pending = account_service.captcha(account_id)
    except ApiError as exc:
        return {"type": "captcha_result" if kind == "captcha_input" else "error", "account_id": account_id,
                "success": False, "message": exc.message}
    return {"type": "captcha_required", "account_id": account_id, **pending}


# ------------------------------------------------------------------------------------------------ pushes

def log_event(row: dict[str, Any]) -> dict[str, Any]:
    """A log row as the original's `{"type": "log"}` data (documented fields first, then ours)."""
    return {
        "message_id": row["kook_message_id"],
        "status": row["status"],
        "content": row.get("content", ""),
        "latency_ms": row.get("latency_ms"),
        "platform": row.get("target_platform"),
        "timestamp": clock.iso(clock.parse(row["updated_at"])) if row.get("updated_at") else clock.iso(),
        "id": f"{row['kook_message_id']}:{row['target']}",
        "channel_id": row.get("kook_channel_id"),
        "target_channel": row.get("target_channel", ""),
        "mapping_id": row.get("mapping_id"),
        "sender_name": row.get("sender_name", ""),
        "message_type": row.get("message_type", "text"),
        "error_message": row.get("error_message"),
        "attempts": row.get("attempts", 1),
    }


def status_event() -> dict[str, Any]:
    """`GET /api/system/status` plus today's delivery figures."""
    return {**system.status(), "today": logs.stats("today"), "timestamp": clock.iso()}


LISTENERS_CACHE_SECONDS = 2.0  # senders read the connection list at most this often (a new client may miss 2 s)
_listeners: list[tuple[float, list[dict[str, Any]]]] = []


def _current_listeners() -> list[dict[str, Any]]:
    if not _listeners or time.monotonic() - _listeners[0][0] > LISTENERS_CACHE_SECONDS:
        _listeners[:] = [(time.monotonic(), connections.list_all())]
    return _listeners[0][1]


def forget_listeners() -> None:
    _listeners.clear()


def broadcast(channel: str, data: dict[str, Any], *, listeners: list[dict[str, Any]] | None = None) -> int:
    """Push `{"type": channel, "data": data}` to every connection that listens to `channel`; how many got it."""
    payload = _dumps({"type": channel, "data": data})
    sent = 0
    for connection in listeners if listeners is not None else _current_listeners():
        if channel in (connection.get("channels") or []) and connections.post(connection, payload):
            sent += 1
    return sent


def _revoked(connection: dict[str, Any]) -> bool:
    if int(connection.get("expires_at") or 0) <= clock.epoch():
        return True
    digest = connection.get("token_digest")
    return bool(digest) and not auth.token_still_valid(digest)


def push_status() -> dict[str, int]:
    """One round of the status schedule: close connections whose login ended, push the status (and pending
    captchas) to the others. Answers how many got what."""
    listeners = []
    closed = 0
    for connection in connections.list_all():
        if _revoked(connection):
            connections.close(connection)
            closed += 1
        else:
            listeners.append(connection)
    if not listeners:
        return {"connections": 0, "status": 0, "captcha": 0, "closed": closed}
    pushed = broadcast("status", status_event(), listeners=listeners)
    captchas = 0
    if any("captcha" in (c.get("channels") or []) for c in listeners):
        for pending in accounts.pending_captchas():
            captchas += broadcast_raw("captcha", {"type": "captcha_required", "account_id": int(pending["sk"]),
                                                  "required": True, "image_url": pending.get("image_url"),
                                                  "timestamp": pending.get("updated_at")}, listeners)
    return {"connections": len(listeners), "status": pushed, "captcha": captchas, "closed": closed}


def broadcast_raw(channel: str, payload: dict[str, Any], listeners: list[dict[str, Any]]) -> int:
    """Push a message in its own shape (captcha events are not wrapped in `data`)."""
    data = _dumps(payload)
    return sum(1 for c in listeners if channel in (c.get("channels") or []) and connections.post(c, data))
