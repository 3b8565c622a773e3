"""The cloud-control log socket (`/api/control/logs`, an API Gateway WebSocket API; docs/ccjk-client.md, Flow 7).

Who connects (`$connect` with `?token=`, or `Authorization: Bearer`):
- a **device token**: the daemon, as its device's log producer (`?deviceId=` may name only that device);
- a **user session**: an owner watching one of their devices (`?deviceId=` on connect, or `subscribe`).
Anything else refuses the handshake (401; 403 for a device that is not the caller's).

Frames (JSON text, routed by `type`): `ping` → `pong`; `subscribe {deviceId}` → a `status` frame (the device's
status and whether its daemon streams), or `error {code: DEVICE_NOT_FOUND}` for a device that is not the
caller's; `unsubscribe` → `status {status: "unsubscribed"}`; `log {data}` from the daemon → relayed as
`log {data}` to every connection watching that device. Watchers get `status` frames when the daemon connects or
leaves. A frame that cannot be read answers `error`.
"""

from __future__ import annotations

import json
from typing import Any

from ccjk import clock, ids
from ccjk.logic import control, devices, sessions
from ccjk.store import devices as device_data
from ccjk.store import log_connections
from suite.errors import ApiError

LEVELS = ("info", "warn", "error", "debug")
MAX_LINE_CHARS = 8192
MAX_FRAME_BYTES = 32 * 1024


def _error(message: str, code: str) -> dict[str, Any]:
    return {"type": "error", "message": message, "code": code}


def _frame(value: dict[str, Any]) -> bytes:
    return json.dumps(value, ensure_ascii=False, separators=(",", ":")).encode()


def _owned(user_id: str, device_id: Any) -> bool:
    if not isinstance(device_id, str) or not 1 <= len(device_id) <= 64:
        return False
    found = device_data.get(device_id)
    return found is not None and found.user_id == user_id


def connect(connection_id: str, *, token: str | None, device_id: str | None) -> int:
    if not token:
        return 401
    if token.startswith(ids.DEVICE_TOKEN_PREFIX):
        return _connect_device(connection_id, token, device_id)
    return _connect_user(connection_id, token, device_id)


def _connect_device(connection_id: str, token: str, device_id: str | None) -> int:
    device = devices.find_by_token(token)
    if device is None:
        return 401
    if device_id and device_id != device.device_id:
        return 403
    log_connections.open_connection(connection_id, role="device", device_id=device.device_id, user_id=None,
                                    now=int(clock.now()))
    _tell_watchers(device.device_id, streaming=True)
    return 200


def _connect_user(connection_id: str, token: str, device_id: str | None) -> int:
    try:
        user_id = sessions.user_id_for(token)
    except ApiError:
        return 401
    if device_id and not _owned(user_id, device_id):
        return 403
    now = int(clock.now())
    log_connections.open_connection(connection_id, role="user", device_id=None, user_id=user_id, now=now)
    if device_id:
        log_connections.subscribe(connection_id, device_id, now)
    return 200


def message(connection_id: str, body: str) -> dict[str, Any] | None:
    """One frame from a client; the frame to answer it with, or None."""
    frame, refusal = _read(body)
    if refusal is not None:
        return refusal
    connection = log_connections.get(connection_id)
    if connection is None:
        return _error("not connected", "UNAUTHORIZED")
    handler = _HANDLERS.get(str(frame.get("type")))
    if handler is None:
        return _error("unknown frame type", "UNKNOWN_TYPE")
    return handler(connection_id, connection, frame)


def _read(body: str) -> tuple[dict[str, Any], dict[str, Any] | None]:
    """(the frame, None), or ({}, the error frame that answers it)."""
    if len(body.encode()) > MAX_FRAME_BYTES:
        return {}, _error("frame too large", "FRAME_TOO_LARGE")
    try:
        frame = json.loads(body)
    except ValueError:
        frame = None
    if not isinstance(frame, dict):
        return {}, _error("frames are JSON objects", "INVALID_FRAME")
    return frame, None


def _ping(_connection_id: str, _connection: dict[str, Any], _frame_in: dict[str, Any]) -> dict[str, Any]:
    return {"type": "pong", "timestamp": clock.iso()}


def _unsubscribe(connection_id: str, _connection: dict[str, Any], _frame_in: dict[str, Any]) -> dict[str, Any]:
    log_connections.unsubscribe(connection_id)
    return {"type": "status", "status": "unsubscribed"}


def _subscribe(connection_id: str, connection: dict[str, Any], frame_in: dict[str, Any]) -> dict[str, Any]:
    device_id = frame_in.get("deviceId")
    if connection.get("role") == "device":
        device_id = device_id or connection.get("device_id")
        if device_id != connection.get("device_id"):
            return _error("Device not found", "DEVICE_NOT_FOUND")
        return _status(device_id)
    device_id = device_id or connection.get("watching")
    if not _owned(str(connection.get("user_id")), device_id):
        return _error("Device not found", "DEVICE_NOT_FOUND")
    log_connections.subscribe(connection_id, device_id, int(clock.now()))
    return {**_status(device_id), "streamId": connection_id}


def _status(device_id: str) -> dict[str, Any]:
    device = device_data.get(device_id)
    return {"type": "status", "deviceId": device_id,
            "status": control.effective_status(device) if device else "offline",
            "streaming": log_connections.streaming(device_id, int(clock.now()))}


def _relay(_connection_id: str, connection: dict[str, Any], frame_in: dict[str, Any]) -> dict[str, Any] | None:
    """A daemon's log line, to everyone watching its device (only a device's own connection may send logs)."""
    data = frame_in.get("data")
    if connection.get("role") != "device":
        return _error("only a device sends logs", "FORBIDDEN")
    if not isinstance(data, dict) or not isinstance(data.get("message"), str):
        return _error("log frames carry data {timestamp, level, source, message}", "INVALID_FRAME")
    line = {"timestamp": str(data.get("timestamp") or clock.iso())[:64],
            "level": data.get("level") if data.get("level") in LEVELS else "info",
            "source": str(data.get("source") or "daemon")[:64], "message": data["message"][:MAX_LINE_CHARS]}
    if isinstance(data.get("commandId"), str):
        line["commandId"] = data["commandId"][:64]
    device_id = str(connection["device_id"])
    payload = _frame({"type": "log", "data": line})
    for watcher in log_connections.watchers(device_id, int(clock.now())):
        log_connections.send(watcher, payload)
    return None


def _tell_watchers(device_id: str, *, streaming: bool) -> None:
    frame = _frame({**_status(device_id), "streaming": streaming})
    for watcher in log_connections.watchers(device_id, int(clock.now())):
        log_connections.send(watcher, frame)


_HANDLERS = {"ping": _ping, "subscribe": _subscribe, "unsubscribe": _unsubscribe, "log": _relay}


def disconnect(connection_id: str) -> None:
    found = log_connections.close(connection_id)
    if found and found.get("role") == "device" and found.get("device_id"):
        _tell_watchers(str(found["device_id"]), streaming=log_connections.streaming(str(found["device_id"]),
                                                                                     int(clock.now())))
