"""The control log socket's connections (issue 18): who is connected and who watches which device.

| item               | pk                     | sk               | notes                                         |
|--------------------|------------------------|------------------|-----------------------------------------------|
| connection         | `LOGCONN#<connId>`     | `CONN`           | role (device / user), device, user            |
| a device's sockets | `LOGPROD#<deviceId>`   | `CONN#<connId>`  | the daemon's own connections (it streams logs)|
| a device's viewers | `LOGSUBS#<deviceId>`   | `CONN#<connId>`  | subscribed owners: every log line goes to each |

API Gateway closes a connection after two hours at most: everything expires then (TTL `expires_at`), in case a
`$disconnect` never arrives. Pushes go through the stage's management API (suite.push); a connection found gone is
forgotten.
"""

from __future__ import annotations

from typing import Any

from ccjk import config
from ccjk.store.common import table
from suite import dynamo, push

LIFETIME_SECONDS = 2 * 3600 + 300


def _conn(connection_id: str) -> str:
    return f"LOGCONN#{connection_id}"


def open_connection(connection_id: str, *, role: str, device_id: str | None, user_id: str | None, now: int) -> None:
    expires = now + LIFETIME_SECONDS
    dynamo.client().put_item(TableName=table(), Item=dynamo.to_item({
        "pk": _conn(connection_id), "sk": "CONN", "role": role, "device_id": device_id, "user_id": user_id,
        "connected_at": now, "expires_at": expires}))
    if role == "device" and device_id:
        dynamo.client().put_item(TableName=table(), Item=dynamo.to_item({
            "pk": f"LOGPROD#{device_id}", "sk": f"CONN#{connection_id}", "connection_id": connection_id,
            "expires_at": expires}))


def get(connection_id: str) -> dict[str, Any] | None:
    return dynamo.get(table(), _conn(connection_id), "CONN")


def subscribe(connection_id: str, device_id: str, now: int) -> None:
    found = get(connection_id) or {}
    previous = found.get("watching")
    if previous and previous != device_id:
        unsubscribe(connection_id)
    expires = int(found.get("expires_at") or now + LIFETIME_SECONDS)
    dynamo.client().put_item(TableName=table(), Item=dynamo.to_item({
        "pk": f"LOGSUBS#{device_id}", "sk": f"CONN#{connection_id}", "connection_id": connection_id,
        "expires_at": expires}))
    dynamo.client().update_item(TableName=table(), Key=dynamo.key(_conn(connection_id), "CONN"),
                                UpdateExpression="SET watching = :device",
                                ExpressionAttributeValues=dynamo.expression_values({":device": device_id}))


def unsubscribe(connection_id: str) -> None:
    found = get(connection_id) or {}
    if found.get("watching"):
        dynamo.client().delete_item(TableName=table(), Key=dynamo.key(f"LOGSUBS#{found['watching']}",
                                                                      f"CONN#{connection_id}"))
        dynamo.client().update_item(TableName=table(), Key=dynamo.key(_conn(connection_id), "CONN"),
                                    UpdateExpression="REMOVE watching")


def close(connection_id: str) -> dict[str, Any] | None:
    """Forget a connection (and its subscription and device entry); what it was, or None."""
    found = get(connection_id)
    keys = [(_conn(connection_id), "CONN")]
    if found and found.get("watching"):
        keys.append((f"LOGSUBS#{found['watching']}", f"CONN#{connection_id}"))
    if found and found.get("role") == "device" and found.get("device_id"):
        keys.append((f"LOGPROD#{found['device_id']}", f"CONN#{connection_id}"))
    dynamo.batch_delete(table(), keys)
    return found


def _members(pk: str, now: int) -> list[str]:
    return [item["connection_id"] for item in dynamo.query_partition(table(), pk, prefix="CONN#")
            if int(item.get("expires_at", 0)) > now]


def watchers(device_id: str, now: int) -> list[str]:
    return _members(f"LOGSUBS#{device_id}", now)


def streaming(device_id: str, now: int) -> bool:
    return bool(_members(f"LOGPROD#{device_id}", now))


def send(connection_id: str, data: bytes) -> bool:
    """Push to one connection; False (and the connection forgotten) when it is gone."""
    if push.post(config.get().require("control_logs_management_url"), connection_id, data):
        return True
    close(connection_id)
    return False
