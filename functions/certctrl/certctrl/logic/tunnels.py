"""Webhook tunnels (docs/certctrl.md §8, "Tunnels"), the protocol of the agent's tunnel client (src/tunnel/ of
cert-ctrl): the agent connects to `/api/tunnel` (the WebSocket API's `tunnel` stage) with its device access
token; a webhook sent to `POST /hooks/<tunnel_id>` is relayed to it and its answer relayed back.

- **Tunnel**: one per device, made at its first tunnel connection and kept (the webhook URL stays the same);
  requests go to the device's newest tunnel connection.
- **Hello** (after the agent's first message: API Gateway takes no pushes before `$connect` returns; the agent
  pings): `{"type":"hello","tunnel_id","local_base_url":"","connection_id","webhook_url"}` (the agent requires
  `tunnel_id` and `local_base_url` as strings; its own local_base_url is its configuration, unknown here).
- **Request** → agent: `{"type":"request","id","method","path","headers","body"}`; `path` is `/` plus the
  webhook's query string (the route is `/hooks/{tunnel_id}` exactly); `body` is the raw body as text (webhooks
  are JSON or forms: a body that is not UTF-8 is refused with 415, one over MAX_BODY with 413).
- **Response** ← agent: `{"type":"response","id","status","headers","body"}`, matched by id and by the
  connection the request went to, within TUNNEL_WAIT_SECONDS (25 s, under API Gateway's 30 s): else 504. No
  tunnel connection: 502. The answer is sent back with the device's status and headers, minus hop-by-hop and
  cookie headers, plus `Content-Security-Policy: sandbox` and `nosniff` (the device's content must not run as
  this API's origin).
- **Logs**: every relayed request (method, path, headers with secrets masked, sizes, outcome, status, duration),
  kept TUNNEL_WEBHOOK_LOG_DAYS; sessions (connections) kept TUNNEL_SESSION_DAYS after they close.
"""

from __future__ import annotations

import json
import re
import secrets
from dataclasses import dataclass
from typing import Any

from certctrl import clock, config
from certctrl.logic import device_sessions
from certctrl.models.tunnel_entities import Tunnel, TunnelConnection, TunnelRequest, TunnelSession, WebhookLog
from certctrl.store import tunnels as store
from suite.errors import ApiError, NotFound, TooManyRequests

MAX_BODY = 64 * 1024  # a frame to the agent is at most 128 KB (API Gateway)
MAX_ANSWER_HEADERS = 50
REQUEST_SECONDS = 120
CONNECTION_SECONDS = 3 * 3600
PER_MINUTE = 120
HOP_BY_HOP = {"connection", "keep-alive", "proxy-authenticate", "proxy-authorization", "te", "trailer",
              "transfer-encoding", "upgrade", "host", "content-length", "cookie", "set-cookie", "set-cookie2"}
SECRET_HEADER = re.compile(r"authorization|cookie|signature|token|secret|api[-_]?key|password", re.IGNORECASE)
TUNNEL_ID = re.compile(r"^[A-Za-z0-9_-]{8,64}$")


def frame(value: dict[str, Any]) -> bytes:
    return json.dumps(value, ensure_ascii=False, separators=(",", ":")).encode("utf-8")


def webhook_url(tunnel_id: str) -> str:
    return f"{config.extended().hooks_base_url}/{tunnel_id}"


# ------------------------------------------------------------------------------------------------ the socket

def _tunnel_for(device_id: int, user_id: int) -> str:
    found = store.tunnel_of_device(device_id)
    if found:
        return found
    tunnel_id = secrets.token_urlsafe(18)
    if store.create_tunnel(Tunnel(f"TUNNEL#{tunnel_id}", "TUNNEL", tunnel_id=tunnel_id, device_id=device_id,
                                  user_id=user_id, created_at_ms=clock.epoch_ms())):
        return tunnel_id
    return store.tunnel_of_device(device_id) or tunnel_id


def connect(connection_id: str, *, token: str | None, device_id: str | None, source_ip: str | None) -> int:
    if not token:
        return 401
    try:
        caller = device_sessions.authenticate(token)
    except ApiError:
        return 401
    if device_id and device_id != str(caller.device_id):
        return 403
    tunnel_id = _tunnel_for(caller.device_id, caller.user_id)
    now, now_ms = clock.epoch(), clock.epoch_ms()
    session_sk = f"TSESSION#{now_ms:016d}#{connection_id}"
    store.open_connection(
        TunnelConnection(f"TCONN#{connection_id}", "TCONN", tunnel_id=tunnel_id, device_id=caller.device_id,
                         user_id=caller.user_id, session_sk=session_sk, hello_sent=0, connected_at=now,
                         expires_at=now + CONNECTION_SECONDS),
        TunnelSession(store.user_key(caller.user_id), session_sk, tunnel_id=tunnel_id, device_id=caller.device_id,
                      connection_id=connection_id, status="open", requests=0, source_ip=source_ip,
                      connected_at_ms=now_ms, expires_at=now + CONNECTION_SECONDS + 86400),
        connected_at_ms=now_ms)
    return 200


def is_tunnel(connection_id: str) -> bool:
    return store.connection(connection_id) is not None


def disconnect(connection_id: str) -> bool:
    """True when it was a tunnel connection (now closed)."""
    item = store.connection(connection_id)
    if item is None:
        return False
    store.close_connection(item, now_ms=clock.epoch_ms(), keep_seconds=config.extended().tunnel_session_days * 86400)
    return True


def _headers(value: Any) -> dict[str, str]:
    if not isinstance(value, dict):
        return {}
    return {str(k)[:128]: str(v)[:4096] for k, v in list(value.items())[:MAX_ANSWER_HEADERS]
            if isinstance(k, str) and isinstance(v, str)}


def message(connection_id: str, body: str) -> dict[str, Any] | None:
    item = store.connection(connection_id)
    if item is None:
        return None
    try:
        parsed = json.loads(body or "{}")
    except ValueError:
        parsed = None
    if not isinstance(parsed, dict):
        return None
    if store.mark_hello(connection_id):
        store.push_frame(connection_id, frame({"type": "hello", "tunnel_id": item.tunnel_id, "local_base_url": "",
                                               "connection_id": connection_id,
                                               "webhook_url": webhook_url(item.tunnel_id)}))
    kind = parsed.get("type")
    if kind == "ping":
        return {"type": "pong", "ts": parsed.get("ts") or clock.epoch_ms()}
    if kind == "response":
        status, request_id = parsed.get("status"), parsed.get("id")
        if isinstance(request_id, str) and len(request_id) <= 64 and isinstance(status, int) \
                and 100 <= status <= 599:
            body_text = parsed.get("body") if isinstance(parsed.get("body"), str) else ""
            store.answer(request_id, connection_id, status=status, headers=_headers(parsed.get("headers")),
                         body=body_text[:300_000], now_ms=clock.epoch_ms())
    return None


# ------------------------------------------------------------------------------------------------ the webhook

@dataclass(frozen=True)
class Relayed:
    status: int
    headers: dict[str, str]
    body: str


class TunnelUnavailable(ApiError):
    def __init__(self, message: str, status: int) -> None:
        super().__init__(message, status=status, code=str(status))


def _forwarded(headers: dict[str, str]) -> dict[str, str]:
    return {k.lower(): v for k, v in headers.items()
            if k.lower() not in HOP_BY_HOP and not k.lower().startswith(("x-forwarded-", "x-amz", "x-amzn-"))}


def _masked(headers: dict[str, str]) -> dict[str, str]:
    return {k: ("•••" if SECRET_HEADER.search(k) else v[:512]) for k, v in list(headers.items())[:60]}


def relay(tunnel_id: str, *, method: str, query: str, headers: dict[str, str], body: bytes,
          source_ip: str | None) -> Relayed:
    if not TUNNEL_ID.match(tunnel_id):
        raise NotFound("Unknown tunnel", code="404")
    tunnel = store.tunnel(tunnel_id)
    if tunnel is None:
        raise NotFound("Unknown tunnel", code="404")
    decision = store.hit(f"hook#{tunnel_id}", limit=PER_MINUTE, window_seconds=60)
    if not decision.allowed:
        raise TooManyRequests("Too many webhooks for this tunnel; try again later", retry_after=decision.retry_after,
                              details={"params": {"retry_after": decision.retry_after}})
    if len(body) > MAX_BODY:
        raise ApiError(f"Webhook bodies are relayed up to {MAX_BODY // 1024} KB", status=413, code="413")
    try:
        text = body.decode("utf-8")
    except UnicodeDecodeError:
        raise ApiError("Only text bodies (UTF-8) are relayed", status=415, code="415") from None
    started_ms = clock.epoch_ms()
    request_id = f"req-{secrets.token_hex(12)}"
    path = "/" + (f"?{query}" if query else "")
    forwarded = _forwarded(headers)
    log = WebhookLog(store.user_key(tunnel.user_id), f"HOOKLOG#{started_ms:016d}#{request_id}",
                     request_id=request_id, tunnel_id=tunnel_id, device_id=tunnel.device_id, method=method,
                     path=path[:1024], request_headers=_masked(forwarded), request_bytes=len(body),
                     source_ip=source_ip, outcome="offline", status=502, received_at_ms=started_ms,
                     expires_at=started_ms // 1000 + config.extended().webhook_log_days * 86400)

    def finish(outcome: str, status: int, response_bytes: int = 0) -> None:
        log.outcome, log.status, log.response_bytes = outcome, status, response_bytes
        log.duration_ms = clock.epoch_ms() - started_ms
        store.save_log(log)

    connection_id = tunnel.connection_id
    if not connection_id:
        finish("offline", 502)
        raise TunnelUnavailable("The tunnel's device is not connected", 502)
    store.save_request(TunnelRequest(f"TREQ#{request_id}", "TREQ", tunnel_id=tunnel_id,
                                     connection_id=connection_id, created_at_ms=started_ms,
                                     expires_at=started_ms // 1000 + REQUEST_SECONDS))
    sent = store.push_frame(connection_id, frame({"type": "request", "id": request_id, "method": method,
                                                  "path": path, "headers": forwarded, "body": text}))
    if not sent:
        store.forget_request(request_id)
        finish("offline", 502)
        raise TunnelUnavailable("The tunnel's device is not connected", 502)
    if tunnel.session_sk:
        store.count_request(tunnel.user_id, tunnel.session_sk)
    answered = _wait(request_id)
    store.forget_request(request_id)
    if answered is None:
        finish("timeout", 504)
        raise TunnelUnavailable("The device did not answer in time", 504)
    stored = answered.headers.as_dict() if answered.headers is not None else {}
    answer_headers = {k: str(v) for k, v in stored.items() if k.lower() not in HOP_BY_HOP}
    answer_headers.update({"Content-Security-Policy": "sandbox", "X-Content-Type-Options": "nosniff",
                           "X-Tunnel-Request-Id": request_id})
    body_text = answered.body or ""
    finish("answered", int(answered.status), len(body_text.encode("utf-8")))
    return Relayed(int(answered.status), answer_headers, body_text)


def _wait(request_id: str) -> TunnelRequest | None:
    deadline = clock.monotonic() + config.extended().tunnel_wait_seconds
    pause = 0.05
    while True:
        found = store.request(request_id)
        if found is not None and found.status is not None:
            return found
        if clock.monotonic() + pause > deadline:
            return None
        clock.sleep(pause)
        pause = min(pause * 2, 0.5)


# ------------------------------------------------------------------------------------------------ listings

def _session_view(item: dict[str, Any]) -> dict[str, Any]:
    return {"tunnel_id": item["tunnel_id"], "webhook_url": webhook_url(item["tunnel_id"]),
            "device_id": int(item["device_id"]), "connection_id": item["connection_id"], "status": item["status"],
            "requests": int(item.get("requests") or 0), "source_ip": item.get("source_ip"),
            "connected_at": int(item["connected_at_ms"]),
            "disconnected_at": int(item["disconnected_at_ms"]) if item.get("disconnected_at_ms") else None}


def _log_view(item: dict[str, Any]) -> dict[str, Any]:
    return {"request_id": item["request_id"], "tunnel_id": item["tunnel_id"], "device_id": int(item["device_id"]),
            "method": item["method"], "path": item["path"], "request_headers": item.get("request_headers") or {},
            "request_bytes": int(item.get("request_bytes") or 0), "source_ip": item.get("source_ip"),
            "outcome": item["outcome"], "status": int(item["status"]),
            "response_bytes": int(item.get("response_bytes") or 0), "duration_ms": int(item.get("duration_ms") or 0),
            "received_at": int(item["received_at_ms"])}


def sessions(user_id: int, *, offset: int, limit: int) -> tuple[list[dict[str, Any]], int]:
    items, total = store.sessions(user_id, offset=offset, limit=limit)
    return [_session_view(i) for i in items], total


def logs(user_id: int, *, offset: int, limit: int) -> tuple[list[dict[str, Any]], int]:
    items, total = store.logs(user_id, offset=offset, limit=limit)
    return [_log_view(i) for i in items], total
