"""Channel secrets at rest: a robot's webhook URL (it carries the robot's credential) and its signing secret are
sealed with KMS envelope encryption (suite.security.secret_box) under the context
`{service: ccjk, field: channel.<provider>.<webhook|secret>, owner: <deviceId>}`, so a value copied to another
device or field cannot be opened.

secret_box (cryptography) is imported when a secret is sealed or opened: reading a device or listing its channels
needs neither, which keeps those cold starts short.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from ccjk import config

if TYPE_CHECKING:
    from suite.security.secret_box import SecretBox


def _box() -> SecretBox:
    from suite.security.secret_box import box_for  # noqa: PLC0415

    return box_for(config.get().secrets_key_arn)


def _context(device_id: str, provider: str, part: str) -> dict[str, str]:
    from suite.security.secret_box import field_context  # noqa: PLC0415

    return field_context("ccjk", f"channel.{provider}.{part}", owner=device_id)


def seal_channel_part(device_id: str, provider: str, part: str, value: str) -> str:
    """`part` is `webhook` or `secret`."""
    return _box().seal(value, _context(device_id, provider, part))


def open_channel_part(device_id: str, provider: str, part: str, sealed: str) -> str:
    return _box().open(sealed, _context(device_id, provider, part))
