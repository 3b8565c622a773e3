"""Open WebSocket connections of devices (DeviceConnectionsTable): `CONN#<id>`/`CONN` (whose connection it is,
whether the hello was sent, the last acknowledged cursor) and `DEVICE#<id>`/`CONN#<id>` (a device's connections),
written and removed together. TTL: API Gateway closes a connection after two hours at most."""

from __future__ import annotations

from typing import Any

from certctrl import config
from certctrl.store import common
from suite import dynamo, push

LIFETIME_SECONDS = 3 * 3600


def _conn(connection_id: str) -> str:
    return f"CONN#{connection_id}"


def _device(device_id: int) -> str:
    return f"DEVICE#{device_id}"


def open_connection(connection_id: str, *, device_id: int, user_id: int, now: int) -> None:
    table = common.connections()
    expires = now + LIFETIME_SECONDS
    tx = dynamo.Transaction()
    tx.put(table, {"pk": _conn(connection_id), "sk": "CONN", "device_id": device_id, "user_id": user_id,
                   "hello": False, "connected_at": now, "expires_at": expires})
    tx.put(table, {"pk": _device(device_id), "sk": _conn(connection_id), "connection_id": connection_id,
                   "expires_at": expires})
    tx.commit()


def get(connection_id: str) -> dict[str, Any] | None:
    return dynamo.get(common.connections(), _conn(connection_id), "CONN")


def close(connection_id: str) -> None:
    found = get(connection_id)
    keys = [(_conn(connection_id), "CONN")]
    if found is not None:
        keys.append((_device(int(found["device_id"])), _conn(connection_id)))
    dynamo.batch_delete(common.connections(), keys)


def of_device(device_id: int) -> list[str]:
    return [item["connection_id"] for item in dynamo.query_partition(common.connections(), _device(device_id),
                                                                     prefix="CONN#")]


def mark_hello(connection_id: str) -> bool:
    """True the first time (the hello goes out once per connection)."""
    try:
        dynamo.update(common.connections(), _conn(connection_id), "CONN", "SET hello = :yes",
                      condition="attribute_exists(pk) AND hello = :no", values={":yes": True, ":no": False})
    except Exception as error:
        if dynamo.is_condition_failure(error):
            return False
        raise
    return True


def acknowledged(connection_id: str, cursor: str) -> None:
    try:
        dynamo.update(common.connections(), _conn(connection_id), "CONN", "SET acked = :cursor",
                      condition="attribute_exists(pk)", values={":cursor": cursor})
    except Exception as error:
        if not dynamo.is_condition_failure(error):
            raise


def send(connection_id: str, data: bytes) -> bool:
    """Push to one connection; False (and the connection forgotten) when it is gone."""
    if push.post(config.get().require("ws_management_url"), connection_id, data):
        return True
    close(connection_id)
    return False
