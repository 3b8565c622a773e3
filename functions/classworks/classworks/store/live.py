"""Live-change subscriptions: which WebSocket connection joined which device's room, with which token.

One membership (connection, token, device) is two items in ClassworksTable, written and deleted together:

- `LIVE#<device uuid>` / `CONN#<connection id>#<token digest>`: the room, read with one Query per device by the
  stream consumer that pushes `kv-key-changed`;
- `LIVECONN#<connection id>` / `JOIN#<token digest>#<device uuid>`: the connection's own list, read with one
  Query on `$disconnect`, `leave-all` and when API Gateway says the connection is gone.

Only the token's digest is kept; its permissions are read from the token record (`TOKEN#<digest>`) at push
time, so a revoked token stops receiving at once and an upgraded install sees its new grants. Items expire
(`expires_at`) a little after API Gateway's two-hour connection limit, for the `$disconnect` that never came.
"""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any

from classworks import config
from suite import dynamo

MAX_CONNECTION_SECONDS = 2 * 3600 + 300  # API Gateway closes a WebSocket after two hours; a margin for clocks


def room_pk(device_uuid: str) -> str:
    return f"LIVE#{device_uuid}"


def connection_pk(connection_id: str) -> str:
    return f"LIVECONN#{connection_id}"


def _keys(connection_id: str, digest: str, device_uuid: str) -> list[tuple[str, str]]:
    return [(room_pk(device_uuid), f"CONN#{connection_id}#{digest}"),
            (connection_pk(connection_id), f"JOIN#{digest}#{device_uuid}")]


def join(connection_id: str, digest: str, device_uuid: str, *, now_epoch: int) -> None:
    fields = {"connectionId": connection_id, "tokenDigest": digest, "deviceUuid": device_uuid,
              "expires_at": now_epoch + MAX_CONNECTION_SECONDS}
    dynamo.batch_put(config.table(), [{"pk": pk, "sk": sk, **fields}
                                      for pk, sk in _keys(connection_id, digest, device_uuid)])


def _forget(memberships: Iterable[dict[str, Any]]) -> int:
    keys = [k for m in memberships for k in _keys(m["connectionId"], m["tokenDigest"], m["deviceUuid"])]
    dynamo.batch_delete(config.table(), keys)
    return len(keys) // 2


def memberships_of(connection_id: str) -> list[dict[str, Any]]:
    return list(dynamo.query_partition(config.table(), connection_pk(connection_id), prefix="JOIN#"))


def leave(connection_id: str, *, device_uuid: str | None = None, digest: str | None = None) -> int:
    """Drop the connection's memberships (all of them, or those of one device and/or token); how many."""
    chosen = [m for m in memberships_of(connection_id)
              if (device_uuid is None or m["deviceUuid"] == device_uuid)
              and (digest is None or m["tokenDigest"] == digest)]
    return _forget(chosen)


def room(device_uuid: str) -> list[dict[str, Any]]:
    """Every membership of a device's room (eventually consistent: a join a moment old may be missed)."""
    return list(dynamo.query_partition(config.table(), room_pk(device_uuid), prefix="CONN#", consistent=False))


def forget(memberships: Iterable[dict[str, Any]]) -> int:
    """Remove these memberships (e.g. their token was revoked)."""
    return _forget(list(memberships))
