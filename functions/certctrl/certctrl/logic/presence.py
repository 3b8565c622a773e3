"""A device's WebSocket presence (issue 19): when its last updates connection closes, a `device.offline.check` is
queued DEVICE_OFFLINE_GRACE_SECONDS later (logic/notify_pipeline.py turns it into `device.offline` when the device
is still gone and has not polled since)."""

from __future__ import annotations

from certctrl import clock, config
from certctrl.logic import notify_events, socket
from certctrl.store import connections


def disconnected(connection_id: str) -> None:
    found = connections.get(connection_id)
    socket.disconnect(connection_id)
    grace = config.extended().device_offline_grace_seconds
    if found is None or not grace or not config.extended().notify_events_queue_url:
        return
    device_id, user_id = int(found["device_id"]), int(found["user_id"])
    if connections.of_device(device_id):
        return
    notify_events.schedule_offline_check(device_id=device_id, user_id=user_id,
                                         disconnected_at_ms=clock.epoch_ms(), delay_seconds=grace)
