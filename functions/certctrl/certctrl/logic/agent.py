"""What a device says about itself: `POST /apiv1/devices/self/notify` and when it was last seen.

notify: `{schema: "certctrl.device.notify.v1", events: [{type: "agent_version", agent, version,
device_public_id?}]}` → 204. `agent_version` records the agent's version on the device; an event naming another
device's public id is ignored, and so are event types we do not know (the agent may send new ones first).
"""

from __future__ import annotations

from typing import Any

from certctrl import clock
from certctrl.logic.callers import DeviceCaller
from certctrl.store import devices

SEEN_EVERY_MS = 5 * 60 * 1000  # last_seen_at is refreshed at most this often (not one write per poll)


def notify(caller: DeviceCaller, events: list[Any]) -> None:
    version = None
    for event in events:
        if event.device_public_id and event.device_public_id != caller.device.device_public_id:
            continue
        if event.type == "agent_version" and event.version:
            version = event.version
    if version is not None or _stale(caller):
        devices.touch(caller.device, now_ms=clock.epoch_ms(), agent_version=version)


def _stale(caller: DeviceCaller) -> bool:
    seen = caller.device.last_seen_at_ms
    return seen is None or clock.epoch_ms() - int(seen) >= SEEN_EVERY_MS


def seen(caller: DeviceCaller) -> None:
    if _stale(caller):
        devices.touch(caller.device, now_ms=clock.epoch_ms())
