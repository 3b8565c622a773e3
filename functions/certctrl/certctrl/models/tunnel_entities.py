"""Stored entities of tunnels (issue 19), PynamoDB models in TunnelsTable (decision 0008; keys in docs/certctrl.md
§8). A tunnel is a device's public webhook address; its requests go to the device's newest connection on the
WebSocket API's `tunnel` stage."""

from __future__ import annotations

from pynamodb.attributes import MapAttribute, NumberAttribute, UnicodeAttribute
from pynamodb.models import Model

from suite.entities import table_from_env

TUNNELS = "TUNNELS_TABLE"


class Tunnel(Model):
    """pk `TUNNEL#<tunnel id>`, sk `TUNNEL`: kept while the device exists (its webhook URL stays the same);
    `connection_id` is the connection requests go to (the newest), absent while the device is offline."""

    Meta = table_from_env(TUNNELS)
    pk = UnicodeAttribute(hash_key=True)
    sk = UnicodeAttribute(range_key=True)
    tunnel_id = UnicodeAttribute()
    device_id = NumberAttribute()
    user_id = NumberAttribute()
    created_at_ms = NumberAttribute()
    connection_id = UnicodeAttribute(null=True)
    session_sk = UnicodeAttribute(null=True)
    connected_at_ms = NumberAttribute(null=True)


class DeviceTunnel(Model):
    """pk `DEVICE#<device id>`, sk `TUNNEL`: the device's tunnel id (one tunnel per device)."""

    Meta = table_from_env(TUNNELS)
    pk = UnicodeAttribute(hash_key=True)
    sk = UnicodeAttribute(range_key=True)
    tunnel_id = UnicodeAttribute()


class TunnelConnection(Model):
    """pk `TCONN#<connection id>`, sk `TCONN`: an open connection on the tunnel stage."""

    Meta = table_from_env(TUNNELS)
    pk = UnicodeAttribute(hash_key=True)
    sk = UnicodeAttribute(range_key=True)
    tunnel_id = UnicodeAttribute()
    device_id = NumberAttribute()
    user_id = NumberAttribute()
    session_sk = UnicodeAttribute()
    hello_sent = NumberAttribute(default=0)
    connected_at = NumberAttribute()
    expires_at = NumberAttribute()


class TunnelSession(Model):
    """pk `USER#<id>`, sk `TSESSION#<connected ms, 16 digits>#<connection id>`: one tunnel connection, listed at
    `/tunnel_sessions`; kept TUNNEL_SESSION_DAYS after it closed."""

    Meta = table_from_env(TUNNELS)
    pk = UnicodeAttribute(hash_key=True)
    sk = UnicodeAttribute(range_key=True)
    tunnel_id = UnicodeAttribute()
    device_id = NumberAttribute()
    connection_id = UnicodeAttribute()
    status = UnicodeAttribute(default="open")  # open | closed | replaced
    requests = NumberAttribute(default=0)
    source_ip = UnicodeAttribute(null=True)
    connected_at_ms = NumberAttribute()
    disconnected_at_ms = NumberAttribute(null=True)
    expires_at = NumberAttribute()


class TunnelRequest(Model):
    """pk `TREQ#<request id>`, sk `TREQ`: a relayed request waiting for the device's answer (minutes only)."""

    Meta = table_from_env(TUNNELS)
    pk = UnicodeAttribute(hash_key=True)
    sk = UnicodeAttribute(range_key=True)
    tunnel_id = UnicodeAttribute()
    connection_id = UnicodeAttribute()
    created_at_ms = NumberAttribute()
    status = NumberAttribute(null=True)  # the device's answer
    headers = MapAttribute(null=True)
    body = UnicodeAttribute(null=True)
    answered_at_ms = NumberAttribute(null=True)
    expires_at = NumberAttribute()


class WebhookLog(Model):
    """pk `USER#<id>`, sk `HOOKLOG#<received ms, 16 digits>#<request id>`: what came in on a tunnel and how it
    ended (headers with secrets masked, sizes; no bodies), kept TUNNEL_WEBHOOK_LOG_DAYS."""

    Meta = table_from_env(TUNNELS)
    pk = UnicodeAttribute(hash_key=True)
    sk = UnicodeAttribute(range_key=True)
    request_id = UnicodeAttribute()
    tunnel_id = UnicodeAttribute()
    device_id = NumberAttribute()
    method = UnicodeAttribute()
    path = UnicodeAttribute()
    request_headers = MapAttribute(default=dict)
    request_bytes = NumberAttribute(default=0)
    source_ip = UnicodeAttribute(null=True)
    outcome = UnicodeAttribute()  # answered | timeout | offline | device_error
    status = NumberAttribute()
    response_bytes = NumberAttribute(default=0)
    duration_ms = NumberAttribute(default=0)
    received_at_ms = NumberAttribute()
    expires_at = NumberAttribute()


TUNNEL_MODELS = [Tunnel, DeviceTunnel, TunnelConnection, TunnelSession, TunnelRequest, WebhookLog]
