"""Identifiers, tokens and codes: random, prefixed like the original's (`dev_`, `user_`, `notif_`, `dt_`),
time-ordered where lists sort.

Notification, sync and conflict ids start with the creation time (48-bit milliseconds, Crockford base32, as in a
ULID), so sorting by id is sorting by time: a device's history is one Query in id order, and reading one
notification by id is a GetItem.
"""

from __future__ import annotations

import secrets

from ccjk import clock
from suite.security.opaque_tokens import IssuedToken, issue_token

CROCKFORD = "0123456789ABCDEFGHJKMNPQRSTVWXYZ"
# Bind codes are typed by people: upper case, no 0/O/1/I look-alikes, 32 symbols → 32^6 ≈ 10^9 codes.
BIND_CODE_ALPHABET = "ABCDEFGHJKLMNPQRSTUVWXYZ23456789"
BIND_CODE_LENGTH = 6
# Device tokens: `dt_` + 256 random bits, stored only as SHA-256 digests.
DEVICE_TOKEN_PREFIX = "dt_"  # noqa: S105 (a prefix, not a secret)
MAX_DEVICE_TOKEN_LENGTH = 512


def _base32(number: int, length: int) -> str:
    chars = []
    for _ in range(length):
        number, digit = divmod(number, 32)
        chars.append(CROCKFORD[digit])
    return "".join(reversed(chars))


def _random(length: int) -> str:
    return "".join(secrets.choice(CROCKFORD) for _ in range(length)).lower()


def sortable(prefix: str) -> str:
    millis = int(clock.now() * 1000)
    return f"{prefix}{_base32(millis, 10).lower()}{_random(16)}"


def device_id() -> str:
    return f"dev_{_random(20)}"


def user_id() -> str:
    return f"user_{_random(20)}"


def notification_id() -> str:
    return sortable("notif_")


def sync_id() -> str:
    return sortable("sync_")


def conflict_id() -> str:
    return sortable("conf_")


def bind_code() -> str:
    return "".join(secrets.choice(BIND_CODE_ALPHABET) for _ in range(BIND_CODE_LENGTH))


def device_token() -> IssuedToken:
    """A new device token: the plaintext for the client, the digest for the store."""
    return issue_token(DEVICE_TOKEN_PREFIX)


# -- issue 18: the real client's core --------------------------------------------------------------------------

LOGIN_CODE_DIGITS = 6
# Reply codes are typed into a chat ("#K7Q2MX yes"): the bind-code alphabet, 6 symbols (32^6 ≈ 10^9), unique
# among the open codes of the whole deployment (a platform app's callback carries no device).
REPLY_CODE_LENGTH = 6


def login_code() -> str:
    """Six decimal digits, uniformly drawn (leading zeros kept)."""
    return f"{secrets.randbelow(10 ** LOGIN_CODE_DIGITS):0{LOGIN_CODE_DIGITS}d}"


def reply_code() -> str:
    return "".join(secrets.choice(BIND_CODE_ALPHABET) for _ in range(REPLY_CODE_LENGTH))


def reply_id() -> str:
    return sortable("reply_")


def command_id() -> str:
    return sortable("cmd_")


def card_id() -> str:
    return sortable("card_")
