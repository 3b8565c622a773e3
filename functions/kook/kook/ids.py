"""How kook makes ids, tokens and codes.

- accounts, bots and mappings: integers from an atomic counter per kind (the doc shows integer ids), handed out
  by `kook.store.counters.next_ids`;
- login tokens: 256 random bits with the display prefix `kk_`, stored only as their SHA-256 digest;
- password-reset codes: six random digits;
- backups: `backup_YYYYMMDD_HHMMSS` in the display offset (kook.clock);
- log rows: `<KOOK message id>:<target>` (one row per message and target).
"""

from __future__ import annotations

import datetime as dt
import secrets

from kook import clock
from suite.security import opaque_tokens

TOKEN_PREFIX = "kk_"  # noqa: S105  (a display prefix, not a secret)


def login_token() -> opaque_tokens.IssuedToken:
    return opaque_tokens.issue_token(TOKEN_PREFIX)


def reset_code() -> str:
    return f"{secrets.randbelow(1_000_000):06d}"


def backup_id(moment: dt.datetime) -> str:
    return "backup_" + moment.astimezone(clock.zone()).strftime("%Y%m%d_%H%M%S")


def log_id(kook_message_id: str, target: str) -> str:
    return f"{kook_message_id}:{target}"
