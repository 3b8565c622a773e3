"""Secrets of issue 19's records (a WeChat app secret, a handshake's Token) sealed under the stack's KMS key
(suite.security.secret_box): the encryption context names the field and the owning row, so a sealed value moved
to another row does not open."""

from __future__ import annotations

from certctrl import config
from suite.security.secret_box import box_for, field_context

SERVICE = "certctrl"


def seal(field: str, value: str, **owner: str | int) -> str:
    return box_for(config.extended().require("secrets_key_arn")).seal(value, field_context(SERVICE, field, **owner))


def open_sealed(field: str, sealed: str, **owner: str | int) -> str:
    return box_for(config.extended().require("secrets_key_arn")).open(sealed, field_context(SERVICE, field, **owner))
