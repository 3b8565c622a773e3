"""Reads the pipeline's hot paths make in one DynamoDB request instead of several (BatchGetItem across tables).

- `delivery(msg_id, target, bot_id)`: a sender's view before it sends: the (message, target) log row (the
  exactly-once check), the target bot (its status) and the system state (start/stop), consistently read.
- `webhook(account_id)`: the account a KOOK webhook posts for, and the system state.
A missing system state item means a fresh deployment, which runs (as `settings.system_state()` creates it).
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from kook import config
from kook.store import accounts, bots, logs, settings
from suite import dynamo


@dataclass(frozen=True)
class DeliverySnapshot:
    row: dict[str, Any] | None
    bot: dict[str, Any] | None
    running: bool


def _running(state: dict[str, Any] | None) -> bool:
    return True if state is None else bool(state.get("service_running"))


def delivery(kook_message_id: str, target: str, bot_id: int) -> DeliverySnapshot:
    logs_table, config_table = config.get().logs_table, config.get().config_table
    row_key = logs.row_key(kook_message_id, target)
    bot_key = (bots.BOT, bots.sort_key(bot_id))
    state_key = (settings.SETTINGS, "system_state")
    found = dynamo.batch_get_tables({logs_table: [row_key], config_table: [bot_key, state_key]})
    return DeliverySnapshot(row=found.get((logs_table, *row_key)), bot=found.get((config_table, *bot_key)),
                            running=_running(found.get((config_table, *state_key))))


def webhook(account_id: int) -> tuple[dict[str, Any] | None, bool]:
    """(the account or None, whether the service runs)."""
    account_key = (accounts.ACCOUNT, accounts.sort_key(account_id))
    state_key = (settings.SETTINGS, "system_state")
    found = dynamo.batch_get(config.get().config_table, [account_key, state_key])
    return found.get(account_key), _running(found.get(state_key))
