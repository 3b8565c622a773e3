"""The Socket.IO engine's Outlet: frames to API Gateway WebSocket connections through the stage's management API
(suite.push: PostToConnection per frame, DeleteConnection), at LIVE_MANAGEMENT_URL."""

from __future__ import annotations

from collections.abc import Sequence

from classworks import config
from suite import push


class ManagementOutlet:
    def send(self, connection_id: str, frames: Sequence[str]) -> bool:
        """Each frame in order; False when the connection is gone (410)."""
        endpoint = config.live_management_url()
        return all(push.post(endpoint, connection_id, frame.encode("utf-8")) for frame in frames)

    def close(self, connection_id: str) -> None:
        push.close(config.live_management_url(), connection_id)
