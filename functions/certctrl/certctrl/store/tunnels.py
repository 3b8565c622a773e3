"""Tunnels in TunnelsTable (docs/certctrl.md §8, "Tunnels"): the device's tunnel and its current connection,
open connections, sessions and webhook logs per user, relayed requests and their answers; pushes to the
WebSocket API's `tunnel` stage; the per-tunnel rate limit."""

from __future__ import annotations

from typing import Any

from pynamodb.exceptions import DoesNotExist, TransactWriteError

from certctrl import config
from certctrl.models.tunnel_entities import (
    DeviceTunnel,
    Tunnel,
    TunnelConnection,
    TunnelRequest,
    TunnelSession,
    WebhookLog,
)
from certctrl.store import common
from suite import dynamo, push
from suite.ratelimit import Decision, limiter_for


def _table() -> str:
    return config.extended().require("tunnels_table")


def user_key(user_id: int) -> str:
    return f"USER#{user_id}"


# ------------------------------------------------------------------------------------------------ tunnels

def tunnel(tunnel_id: str) -> Tunnel | None:
    try:
        return Tunnel.get(f"TUNNEL#{tunnel_id}", "TUNNEL", consistent_read=True)
    except DoesNotExist:
        return None


def tunnel_of_device(device_id: int) -> str | None:
    try:
        return DeviceTunnel.get(f"DEVICE#{device_id}", "TUNNEL", consistent_read=True).tunnel_id
    except DoesNotExist:
        return None


def create_tunnel(item: Tunnel) -> bool:
    """The tunnel and the device's pointer to it; False when the device got one meanwhile."""
    try:
        with common.transaction() as tx:
            tx.save(DeviceTunnel(f"DEVICE#{item.device_id}", "TUNNEL", tunnel_id=item.tunnel_id),
                    condition=DeviceTunnel.pk.does_not_exist())
            tx.save(item, condition=Tunnel.pk.does_not_exist())
    except TransactWriteError as error:
        if common.failed_conditions(error):
            return False
        raise
    return True


# ------------------------------------------------------------------------------------------------ connections

def open_connection(connection: TunnelConnection, session: TunnelSession, *, connected_at_ms: int) -> None:
    """The connection, its session, and the tunnel now pointing at it (the newest connection wins)."""
    with common.transaction() as tx:
        tx.save(connection)
        tx.save(session)
        tx.update(Tunnel(f"TUNNEL#{connection.tunnel_id}", "TUNNEL"),
                  actions=[Tunnel.connection_id.set(connection.pk.removeprefix("TCONN#")),
                           Tunnel.session_sk.set(session.sk), Tunnel.connected_at_ms.set(connected_at_ms)],
                  condition=Tunnel.pk.exists())


def connection(connection_id: str) -> TunnelConnection | None:
    try:
        return TunnelConnection.get(f"TCONN#{connection_id}", "TCONN", consistent_read=True)
    except DoesNotExist:
        return None


def mark_hello(connection_id: str) -> bool:
    """True the first time (the hello goes out once per connection)."""
    try:
        TunnelConnection(f"TCONN#{connection_id}", "TCONN").update(
            actions=[TunnelConnection.hello_sent.set(1)],
            condition=TunnelConnection.pk.exists() & (TunnelConnection.hello_sent == 0))
    except Exception as error:
        if common.is_condition_failure(error):
            return False
        raise
    return True


def close_connection(item: TunnelConnection, *, now_ms: int, keep_seconds: int) -> None:
    connection_id = item.pk.removeprefix("TCONN#")
    item.delete()
    try:
        TunnelSession(user_key(item.user_id), item.session_sk).update(
            actions=[TunnelSession.status.set("closed"), TunnelSession.disconnected_at_ms.set(now_ms),
                     TunnelSession.expires_at.set(now_ms // 1000 + keep_seconds)],
            condition=TunnelSession.pk.exists())
    except Exception as error:
        if not common.is_condition_failure(error):
            raise
    try:
        Tunnel(f"TUNNEL#{item.tunnel_id}", "TUNNEL").update(
            actions=[Tunnel.connection_id.remove(), Tunnel.session_sk.remove()],
            condition=Tunnel.connection_id == connection_id)
    except Exception as error:
        if not common.is_condition_failure(error):
            raise  # a newer connection took over: it stays


def push_frame(connection_id: str, data: bytes) -> bool:
    """False when the connection is gone."""
    return push.post(config.extended().require("ws_tunnel_management_url"), connection_id, data)


def count_request(user_id: int, session_sk: str) -> None:
    try:
        TunnelSession(user_key(user_id), session_sk).update(actions=[TunnelSession.requests.add(1)],
                                                            condition=TunnelSession.pk.exists())
    except Exception as error:
        if not common.is_condition_failure(error):
            raise


# ------------------------------------------------------------------------------------------------ requests

def save_request(item: TunnelRequest) -> None:
    item.save(condition=TunnelRequest.pk.does_not_exist())


def request(request_id: str) -> TunnelRequest | None:
    try:
        return TunnelRequest.get(f"TREQ#{request_id}", "TREQ", consistent_read=True)
    except DoesNotExist:
        return None


def answer(request_id: str, connection_id: str, *, status: int, headers: dict[str, str], body: str,
           now_ms: int) -> bool:
    """The device's answer, once, from the connection the request went to."""
    try:
        TunnelRequest(f"TREQ#{request_id}", "TREQ").update(
            actions=[TunnelRequest.status.set(status), TunnelRequest.headers.set(headers),
                     TunnelRequest.body.set(body), TunnelRequest.answered_at_ms.set(now_ms)],
            condition=TunnelRequest.pk.exists() & (TunnelRequest.connection_id == connection_id)
            & TunnelRequest.status.does_not_exist())
    except Exception as error:
        if common.is_condition_failure(error):
            return False
        raise
    return True


def forget_request(request_id: str) -> None:
    TunnelRequest(f"TREQ#{request_id}", "TREQ").delete()


# ------------------------------------------------------------------------------------------------ listings

def save_log(item: WebhookLog) -> None:
    item.save()


def _page(user_id: int, prefix: str, offset: int, limit: int) -> tuple[list[dict[str, Any]], int]:
    values = dynamo.expression_values({":pk": user_key(user_id), ":prefix": prefix})
    condition = "pk = :pk AND begins_with(sk, :prefix)"
    items = dynamo.query_page(_table(), offset, limit, KeyConditionExpression=condition,
                              ExpressionAttributeValues=values, ScanIndexForward=False, ConsistentRead=True)
    total = dynamo.count(_table(), KeyConditionExpression=condition, ExpressionAttributeValues=values)
    return items, total


def sessions(user_id: int, *, offset: int, limit: int) -> tuple[list[dict[str, Any]], int]:
    return _page(user_id, "TSESSION#", offset, limit)


def logs(user_id: int, *, offset: int, limit: int) -> tuple[list[dict[str, Any]], int]:
    return _page(user_id, "HOOKLOG#", offset, limit)


def hit(key: str, *, limit: int, window_seconds: int) -> Decision:
    return limiter_for(_table(), sort_key=("sk", "RL")).hit(key, limit=limit, window_seconds=window_seconds)
