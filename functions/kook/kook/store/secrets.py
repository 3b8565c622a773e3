"""Sealing third-party secrets (cookies, passwords, bot tokens, app secrets) with KMS envelope encryption
(suite.security.secret_box: one box per key per execution environment, data keys cached).

The encryption context names the service, the field and the owning object (`account#3`, `bot#7`), so a sealed
value copied onto another object cannot be opened there.
"""

from __future__ import annotations

from kook import config
from suite.security.secret_box import box_for, field_context, forget_boxes


def seal(value: str, *, field: str, owner: str) -> str:
    return box_for(config.get().secrets_key_arn).seal(value, field_context("kook", field, owner=owner))


def open_sealed(sealed: str, *, field: str, owner: str) -> str:
    return box_for(config.get().secrets_key_arn).open(sealed, field_context("kook", field, owner=owner))


def reset() -> None:
    """Forget boxes (tests create a new KMS key per moto backend)."""
    forget_boxes()
