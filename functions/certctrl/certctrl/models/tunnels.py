"""Answers of the tunnel listings (docs/certctrl.md §8, "Tunnels")."""

from __future__ import annotations

from pydantic import BaseModel


class TunnelSessionView(BaseModel):
    tunnel_id: str
    webhook_url: str
    device_id: int
    connection_id: str
    status: str  # open | closed
    requests: int
    source_ip: str | None = None
    connected_at: int  # ms
    disconnected_at: int | None = None


class WebhookLogView(BaseModel):
    request_id: str
    tunnel_id: str
    device_id: int
    method: str
    path: str
    request_headers: dict[str, str]  # secrets masked
    request_bytes: int
    source_ip: str | None = None
    outcome: str  # answered | timeout | offline
    status: int
    response_bytes: int
    duration_ms: int
    received_at: int  # ms
