"""Once-only keys (`OnceKey`, pk `ONCE#<key>`): the renewal sweep claims a renewal window or an expiry warning
with a conditional put, so a second sweep over the same window does nothing. They expire (TTL) after the window."""

from __future__ import annotations

from certctrl.models.entities import OnceKey
from certctrl.store.certificates import is_write_conflict


def claim(key: str, *, now: int, expires_at: int) -> bool:
    """True for the first claim of `key`, False for every later one (until it expires)."""
    try:
        OnceKey(f"ONCE#{key}", "ONCE", created_at=now, expires_at=expires_at).save(
            condition=OnceKey.pk.does_not_exist())
    except Exception as error:
        if is_write_conflict(error):
            return False
        raise
    return True


def forget(key: str) -> None:
    """Give a claim back (its message could not be sent: the next sweep tries again)."""
    OnceKey(f"ONCE#{key}", "ONCE").delete()
