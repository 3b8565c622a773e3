"""Live-change subscriptions: which client joined which device's room, with which token. Two kinds of members
share a device's room (`LIVE#<device uuid>`), told apart by `kind`:

- `connection`: a WebSocket connection of the unframed JSON protocol (its connection id);
- `socket`: a Socket.IO socket, i.e. an Engine.IO session in one namespace (sid, namespace), on either transport.

One membership (connection, token, device) is two items in ClassworksTable, written and deleted together:

- `LIVE#<device uuid>` / `CONN#<connection id>#<token digest>`: the room, read with one Query per device by the
  stream consumer that pushes `kv-key-changed`;
- `LIVECONN#<connection id>` / `JOIN#<token digest>#<device uuid>`: the connection's own list, read with one
  Query on `$disconnect`, `leave-all` and when API Gateway says the connection is gone.

Only the token's digest is kept; its permissions are read from the token record (`TOKEN#<digest>`) at push
time, so a revoked token stops receiving at once and an upgraded install sees its new grants. Items expire
(`expires_at`) a little after API Gateway's two-hour connection limit, for the `$disconnect` that never came.

A Socket.IO membership (sid, namespace, token, device) is likewise two items:

- `LIVE#<device uuid>` / `SIO#<sid>#<namespace>#<token digest>` (the room);
- `SIOJOIN#<sid>` / `JOIN#<namespace>#<token digest>#<device uuid>` (the socket's own list: `leave-*`, `send-event`,
  `get-event-history` and the engine's disconnect read it, strongly consistent).

A polling session has no two-hour limit (a classroom board stays open for weeks), so these live 30 days
(`SOCKET_MEMBERSHIP_SECONDS`) and are renewed when a change reaches them with less than half of that left; the
engine's disconnect (also from its heartbeat sweep, for sessions that went silent) removes them, and a fan-out
that finds the session gone forgets them.
"""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any

from classworks import config
from suite import dynamo

MAX_CONNECTION_SECONDS = 2 * 3600 + 300  # API Gateway closes a WebSocket after two hours; a margin for clocks
SOCKET_MEMBERSHIP_SECONDS = 30 * 24 * 3600
CONNECTION = "connection"
SOCKET = "socket"


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
    """Every membership of a device's room, both kinds (eventually consistent: a join a moment old may be
    missed)."""
    members = list(dynamo.query_partition(config.table(), room_pk(device_uuid), consistent=False))
    for member in members:
        member.setdefault("kind", CONNECTION)
    return members


def forget(memberships: Iterable[dict[str, Any]]) -> int:
    """Remove these memberships, of either kind (e.g. their token was revoked)."""
    chosen = list(memberships)
    sockets = [m for m in chosen if m.get("kind") == SOCKET]
    _forget_sockets(sockets)
    return _forget([m for m in chosen if m.get("kind") != SOCKET]) + len(sockets)


# ---------------------------------------------------------------------------------------------- Socket.IO members

def socket_pk(sid: str) -> str:
    return f"SIOJOIN#{sid}"


def _socket_keys(sid: str, namespace: str, digest: str, device_uuid: str) -> list[tuple[str, str]]:
    return [(room_pk(device_uuid), f"SIO#{sid}#{namespace}#{digest}"),
            (socket_pk(sid), f"JOIN#{namespace}#{digest}#{device_uuid}")]


def join_socket(sid: str, namespace: str, digest: str, device_uuid: str, *, now_ms: int) -> None:
    """Add a socket to a device's room with a token (joining again with the same token renews it)."""
    fields = {"kind": SOCKET, "sid": sid, "namespace": namespace, "tokenDigest": digest, "deviceUuid": device_uuid,
              "joinedMs": now_ms, "expires_at": now_ms // 1000 + SOCKET_MEMBERSHIP_SECONDS}
    dynamo.batch_put(config.table(), [{"pk": pk, "sk": sk, **fields}
                                      for pk, sk in _socket_keys(sid, namespace, digest, device_uuid)])


def socket_memberships(sid: str, namespace: str) -> list[dict[str, Any]]:
    """A socket's memberships in one namespace (strongly consistent: it reads what it just joined)."""
    return list(dynamo.query_partition(config.table(), socket_pk(sid), prefix=f"JOIN#{namespace}#"))


def _forget_sockets(memberships: Iterable[dict[str, Any]]) -> int:
    keys = [k for m in memberships for k in _socket_keys(m["sid"], m["namespace"], m["tokenDigest"], m["deviceUuid"])]
    dynamo.batch_delete(config.table(), keys)
    return len(keys) // 2


def leave_socket(sid: str, namespace: str, *, device_uuid: str | None = None) -> int:
    """Drop a socket's memberships in a namespace (all, or those of one device); how many."""
    return _forget_sockets(m for m in socket_memberships(sid, namespace)
                           if device_uuid is None or m["deviceUuid"] == device_uuid)


def renew_sockets(memberships: Iterable[dict[str, Any]], *, now_ms: int) -> None:
    """Give these Socket.IO memberships their full life again (both items)."""
    items = [{**m, "pk": pk, "sk": sk, "expires_at": now_ms // 1000 + SOCKET_MEMBERSHIP_SECONDS}
             for m in memberships for pk, sk in _socket_keys(m["sid"], m["namespace"], m["tokenDigest"],
                                                              m["deviceUuid"])]
    dynamo.batch_put(config.table(), items)
