"""What every relay store module shares: PynamoDB transactions and reading why a conditional write failed."""

from __future__ import annotations

import functools
from collections.abc import Iterator
from contextlib import contextmanager
from typing import Any

from pynamodb.connection import Connection
from pynamodb.exceptions import DoesNotExist, PynamoDBException, TransactWriteError
from pynamodb.transactions import TransactWrite

from relay import config
from suite import dynamo

CONDITION_FAILED = "ConditionalCheckFailedException"
CANCELLED = "TransactionCanceledException"


@functools.cache
def _connection() -> Connection:
    return Connection()  # region and endpoint from the environment, like every boto3 client of the suite


def reset() -> None:
    """Forget the transaction connection (tests that recreate the AWS backend)."""
    _connection.cache_clear()


@contextmanager
def transaction() -> Iterator[TransactWrite]:
    """All-or-nothing writes across models (≤ 100 actions); raises TransactWriteError when a condition fails."""
    with TransactWrite(connection=_connection()) as tx:
        yield tx


def condition_failed(exc: BaseException) -> bool:
    """A failed condition: on one write, or on any action of a cancelled transaction."""
    if not isinstance(exc, PynamoDBException):
        return False
    code = exc.cause_response_code
    if code == CONDITION_FAILED:
        return True
    if code == CANCELLED and isinstance(exc, TransactWriteError):
        return any(reason is not None and reason.code == "ConditionalCheckFailed"
                   for reason in exc.cancellation_reasons)
    return False


def failed_actions(exc: TransactWriteError) -> list[int]:
    """Positions (in the order they were added) of the transaction actions whose condition failed."""
    return [index for index, reason in enumerate(exc.cancellation_reasons)
            if reason is not None and reason.code == "ConditionalCheckFailed"]


def batch_models(wanted: list[tuple[Any, str, str]]) -> dict[tuple[str, str], Any]:
    """Items of different models of one table in one BatchGetItem (consistent): {(pk, sk): item}; missing
    items are absent. Each (model, pk, sk) is read as its model."""
    if not wanted:
        return {}
    table = wanted[0][0].Meta.table_name
    models = {(pk, sk): model for model, pk, sk in wanted}
    request: dict[str, Any] = {table: {"Keys": [dynamo.key(pk, sk) for pk, sk in models], "ConsistentRead": True}}
    found: dict[tuple[str, str], Any] = {}
    while request:
        answer = dynamo.client().batch_get_item(RequestItems=request)
        for raw in (answer.get("Responses") or {}).get(table, []):
            place = (raw["pk"]["S"], raw["sk"]["S"])
            found[place] = models[place].from_raw_data(raw)
        request = answer.get("UnprocessedKeys") or {}
    return found


def get_or_none(model: Any, pk: str, sk: str) -> Any:
    try:
        return model.get(pk, sk, consistent_read=True)
    except DoesNotExist:
        return None


def tables() -> config.Config:
    return config.get()
