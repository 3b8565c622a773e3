"""Sealing third-party secrets (cookies, passwords, bot tokens, app secrets) with KMS envelope encryption.

The encryption context names the service, the field and the owning object (`account#3`, `bot#7`), so a sealed
value copied onto another object cannot be opened there.
"""

from __future__ import annotations

import functools

from kook import config
from suite.security.secret_box import SecretBox


@functools.cache
def _box(key_arn: str) -> SecretBox:
    return SecretBox(key_arn)


def _context(field: str, owner: str) -> dict[str, str]:
    return {"service": "kook", "field": field, "owner": owner}


def seal(value: str, *, field: str, owner: str) -> str:
    return _box(config.get().secrets_key_arn).seal(value, _context(field, owner))


def open_sealed(sealed: str, *, field: str, owner: str) -> str:
    return _box(config.get().secrets_key_arn).open(sealed, _context(field, owner))


def reset() -> None:
    """Forget boxes (tests create a new KMS key per moto backend)."""
    _box.cache_clear()
