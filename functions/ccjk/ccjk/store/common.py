"""What every ccjk store module shares: the table's name and how a lost conditional write is reported."""

from __future__ import annotations

from typing import Any

from ccjk import config
from suite import dynamo


class WriteConflict(Exception):
    """A conditional write lost a race (or its precondition no longer holds); re-read and decide again."""

    def __init__(self, reasons: list[str] | None = None) -> None:
        super().__init__("conditional write failed")
        self.reasons = reasons or []


def table() -> str:
    """The ccjk table (`CCJK_TABLE`): every entity, keys `pk`/`sk`, index `gsi1`."""
    return config.get().table


def transact(actions: list[dict[str, Any]]) -> None:
    """TransactWriteItems; a cancelled transaction (a condition failed, or a conflict) is a WriteConflict."""
    try:
        dynamo.client().transact_write_items(TransactItems=actions)
    except Exception as exc:
        if dynamo.error_code(exc) == "TransactionCanceledException":
            raise WriteConflict(dynamo.cancellation_reasons(exc)) from None
        raise
