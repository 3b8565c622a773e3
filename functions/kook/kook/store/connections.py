"""Live-log WebSocket connections (ConfigTable pk "WS_CONNECTION" / sk connection id, TTL `expires_at`) and pushes
through API Gateway's management API (`PostToConnection` on `<WS_MANAGEMENT_ENDPOINT>/<stage>`).

One small partition: the whole list is one Query, read once per batch by whoever pushes. API Gateway closes a
WebSocket after two hours at most, so an item outlives its connection by little even when `$disconnect` is missed;
a push to a gone connection deletes its item.
"""

from __future__ import annotations

from typing import Any

from kook import clock, config
from suite import dynamo, push

CONNECTION = "WS_CONNECTION"


def _table() -> str:
    return config.get().config_table


def add(connection_id: str, *, stage: str, channels: list[str], expires_at: int, token_digest: str | None) -> None:
    dynamo.put(_table(), {"pk": CONNECTION, "sk": connection_id, "stage": stage, "channels": channels,
                          "token_digest": token_digest, "connected_at": clock.iso(), "expires_at": expires_at})


def remove(connection_id: str) -> None:
    dynamo.delete(_table(), CONNECTION, connection_id)


def list_all() -> list[dict[str, Any]]:
    return list(dynamo.query_partition(_table(), CONNECTION, consistent=False))


def _endpoint(stage: str) -> str:
    return f"{config.get().ws_management_endpoint}/{stage}"


def post(connection: dict[str, Any], data: bytes) -> bool:
    """Push to one connection; False when it is gone (its item is removed then)."""
    if push.post(_endpoint(connection["stage"]), connection["sk"], data):
        return True
    remove(connection["sk"])
    return False


def close(connection: dict[str, Any]) -> None:
    """Close a connection (e.g. its login token was revoked) and forget it."""
    push.close(_endpoint(connection["stage"]), connection["sk"])
    remove(connection["sk"])
