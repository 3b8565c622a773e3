"""A device's status as its owner sees it (issue 18): what its `ccjk daemon` last reported (online | busy |
offline) while that heartbeat is younger than ONLINE_WITHIN_SECONDS (3 heartbeats of 30 s), else `offline`."""

from __future__ import annotations

from ccjk import clock
from ccjk.models.entities import Device

ONLINE_WITHIN_SECONDS = 90


def status(device: Device, now: float | None = None) -> str:
    if not device.last_heartbeat_at or not device.heartbeat_status:
        return "offline"
    now = clock.now() if now is None else now
    if clock.parse_iso(device.last_heartbeat_at) < now - ONLINE_WITHIN_SECONDS:
        return "offline"
    return device.heartbeat_status
