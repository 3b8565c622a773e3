"""What every certctrl store module shares: table names, PynamoDB transactions and their failures."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from pynamodb.connection import Connection
from pynamodb.exceptions import PutError, TransactWriteError, UpdateError
from pynamodb.transactions import TransactWrite

from certctrl import config
from suite import dynamo


def accounts() -> str:
    return config.get().require("accounts_table")


def devices() -> str:
    return config.get().require("devices_table")


def feed() -> str:
    return config.get().require("feed_table")


def connections() -> str:
    return config.get().require("connections_table")


def catalog() -> str:
    return config.get().require("catalog_table")


def certificates() -> str:
    return config.get().require("certificates_table")


def item_of(model: Any) -> dict[str, Any]:
    """A PynamoDB model as the plain item suite.dynamo writes (for a model joining a suite.dynamo Transaction,
    e.g. a change written with its feed signal)."""
    return dynamo.from_item(model.serialize()) or {}


def transaction() -> TransactWrite:
    """A PynamoDB TransactWrite (`with transaction() as tx: tx.save(...)`): all or nothing."""
    return TransactWrite(connection=Connection())


def reasons(error: TransactWriteError) -> list[str]:
    """One cancellation code per action of a failed transaction ('None' for the actions that were fine)."""
    return [getattr(r, "code", None) or "None" for r in (error.cancellation_reasons or [])]


def failed_conditions(error: TransactWriteError) -> list[int]:
    """Indexes of the actions whose condition failed (empty when the transaction failed for another reason)."""
    return [i for i, code in enumerate(reasons(error)) if code == "ConditionalCheckFailed"]


def is_condition_failure(error: Exception) -> bool:
    if isinstance(error, TransactWriteError):
        return bool(failed_conditions(error))
    if isinstance(error, PutError | UpdateError):
        return error.cause_response_code == "ConditionalCheckFailedException"
    return False


def first_failure(error: TransactWriteError, labels: Sequence[Any]) -> Any:
    """The label of the first action whose condition failed (None when none did)."""
    failed = failed_conditions(error)
    return labels[failed[0]] if failed and failed[0] < len(labels) else None
