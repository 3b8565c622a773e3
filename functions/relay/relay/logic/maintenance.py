"""The proxy's minute: what the original's background loops did, on an EventBridge schedule.

- Accounts resting (`rate_limited`, `overloaded`) whose reset time has passed become `valid` again, their error
  run cleared (a conditional write: an account an admin changed meanwhile is left alone).
- OAuth access tokens that expire within ten minutes are refreshed (logic/account_tokens.py, the same
  single-flight lock the proxy takes).
"""

from __future__ import annotations

from typing import Any

from relay import clock
from relay.logic import account_tokens, pool_rules
from relay.store import accounts


def recover_due(now: float | None = None, every: list[Any] | None = None) -> int:
    now = clock.now() if now is None else now
    recovered = 0
    for account in accounts.every() if every is None else every:
        if pool_rules.due_for_recovery(account, now):
            recovered += accounts.set_state(account.id, {"status": "valid", "consecutive_error_count": 0,
                                                         "rate_limit_reset_at": None, "updated_at": now},
                                            expect_status=account.status)
    return recovered


def run() -> dict[str, Any]:
    now = clock.now()
    every = accounts.every()  # one Query for both passes
    return {"recovered": recover_due(now, every), **account_tokens.refresh_due(now, every)}
