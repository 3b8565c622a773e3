"""Pushes to the live WebSocket connections (suite.push through the stage's management API, LIVE_MANAGEMENT_URL)."""

from __future__ import annotations

from classworks import config
from suite import push


def post(connection_id: str, data: bytes) -> bool:
    """Send one frame: True when sent, False when the connection is gone (410)."""
    return push.post(config.live_management_url(), connection_id, data)
