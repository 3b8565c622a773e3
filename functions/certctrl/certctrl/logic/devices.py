"""A user's devices (list, get, remove) — device registration is in logic/registration.py."""

from __future__ import annotations

from certctrl.store import devices


def count(user_id: int) -> int:
    return devices.count(user_id)
