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

from kook import clock, config
from kook.logic import accounts as account_service
from kook.logic import auth, logs, system
from kook.logic.live_push import broadcast, broadcast_raw, forget_listeners
from kook.store import accounts, connections
from suite.errors import ApiError

STAGE_CHANNELS = {"ws": ["log", "status"], "logs": ["log"], "system": ["status"], "captcha": ["captcha"]}
MAX_CONNECTION_SECONDS = 2 * 3600 + 300  # API Gateway's two hours, and a margin for a missed $disconnect


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

def status_event() -> dict[str, Any]:
    """`GET /api/system/status` plus today's delivery figures."""
    return {**system.status(), "today": logs.stats("today"), "timestamp": clock.iso()}


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


def status_rounds() -> dict[str, list[dict[str, int]]]:
    """The minutely status schedule: `status_pushes_per_run` rounds `status_push_interval_seconds` apart (a status
    every 15 s while someone watches), ending at once when nobody is connected."""
    settings = config.get()
    rounds = []
    for index in range(settings.status_pushes_per_run):
        if index:
            time.sleep(settings.status_push_interval_seconds)
        rounds.append(push_status())
        if not rounds[-1]["connections"]:
            break
    return {"rounds": rounds}
