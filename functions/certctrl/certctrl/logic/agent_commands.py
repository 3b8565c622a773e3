"""Time-bounded commands to the agents of a certificate (the notes §2: `acme.http01.start|stop`,
`acme.tlsalpn01.start|stop`), for agents that answer ACME challenges themselves: written to each device's updates
feed with `live_until_ms`, so they are pushed over the WebSocket at once and delivered to polls only while live."""

from __future__ import annotations

from typing import Any

from certctrl import clock, config
from certctrl.logic import delivery, feed
from certctrl.models.entities import CertificateRecord


def http01_start_ref(token: str, key_authorization: str, ttl_seconds: int, *, challenge_id: str | None = None,
                     listen: dict[str, Any] | None = None) -> dict[str, Any]:
    """`acme.http01.start`'s ref as the agent reads it (the notes §2)."""
    return {"challenge_id": challenge_id or token, "token": token, "key_authorization": key_authorization,
            "ttl_seconds": int(ttl_seconds),
            "listen": listen or {"http": {"bind": "0.0.0.0", "port": config.get().http01_agent_port}}}  # noqa: S104


def send(record: CertificateRecord, kind: str, ref: dict[str, Any], *, live_seconds: int,
                  device_ids: list[int] | None = None) -> list[int]:
    """A time-bounded `acme.*` command to the certificate's devices (or those named): pushed over the WebSocket at
    once, delivered to polls only while live. Returns the devices reached."""
    live_until = clock.epoch_ms() + live_seconds * 1000
    reached = []
    for device in delivery.devices_of(record):
        if device_ids is not None and int(device.id) not in device_ids:
            continue
        feed.emit(int(device.id), int(record.user_id),
                  lambda _tx: [{"type": kind, "ref": ref, "live_until_ms": live_until}])
        reached.append(int(device.id))
    return reached
