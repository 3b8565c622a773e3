"""Make moto's DynamoDB behave like DynamoDB where the suite depends on it: atomic requests, item-scoped transactions.

1. Atomic requests. moto evaluates a ConditionExpression and then writes, in plain Python: two threads (the
   local stack's threaded server, or threads in a test) can both pass the same condition before either writes,
   so two conditional writes that DynamoDB would never both accept can both succeed. Optimistic locking,
   single-use codes and rate-limit counters then look broken locally although they are correct on AWS.
   Serialising moto's DynamoDB request handling restores DynamoDB's guarantee (each request, transactions
   included, is atomic); sequences of requests still interleave freely, as they do on AWS.

2. Transactions that cost what they touch. moto backs up every table a TransactWriteItems names with a deep copy
   of the whole table, once per action, to be able to roll back: a transaction on a table of a few thousand items
   takes tens of milliseconds and grows with the table, which made the local forwarding pipeline crawl. Here the
   transaction evaluates every condition against the state before it (what DynamoDB does), refuses as a whole
   if any fails, and otherwise applies the actions, keeping only the previous version of each touched item to
   undo a failure half-way (a validation error that only the write itself detects).

3. Atomic S3 object requests. moto checks `If-Match` / `If-None-Match` on PutObject (and `If-Match` on
   DeleteObject) and then writes, in plain Python, like DynamoDB's conditions above: two racing conditional writes
   could both pass. S3 accepts at most one (the other gets 412 PreconditionFailed). And an overwrite closes the
   old version's buffer while a GetObject of that key may still be reading it ("I/O operation on closed file");
   S3 serves the old or the new version. Serialising moto's GetObject, PutObject and DeleteObject restores both
   (certctrl's git refs depend on it).
"""

from __future__ import annotations

import copy
import functools
import threading
from typing import Any

_lock = threading.RLock()
MAX_TRANSACTION_ACTIONS = 100


def make_dynamodb_requests_atomic() -> None:
    """Idempotent: wraps moto's DynamoDB request handler once per process, and scopes transactions to items."""
    from moto.dynamodb.models import DynamoDBBackend  # noqa: PLC0415  (moto is a dev/test dependency only)
    from moto.dynamodb.responses import DynamoHandler  # noqa: PLC0415

    original = DynamoHandler.call_action
    if getattr(original, "_devstack_atomic", False):
        return

    @functools.wraps(original)
    def call_action(self: Any) -> Any:
        with _lock:
            return original(self)

    call_action._devstack_atomic = True  # type: ignore[attr-defined]
    DynamoHandler.call_action = call_action  # type: ignore[method-assign]
    DynamoDBBackend.transact_write_items = _transact_write_items  # type: ignore[method-assign]


def make_s3_conditional_writes_atomic() -> None:
    """Idempotent: moto's GetObject, PutObject and DeleteObject handlers run one at a time, so a conditional write's
    check and its write are one step, and a read never sees a half-replaced object (as on S3)."""
    from moto.s3.responses import S3Response  # noqa: PLC0415  (moto is a dev/test dependency only)

    for name in ("get_object", "put_object", "delete_object"):
        original = getattr(S3Response, name)
        if getattr(original, "_devstack_atomic", False):
            continue

        def atomic(self: Any, *args: Any, _original: Any = original, **kwargs: Any) -> Any:
            with _lock:
                return _original(self, *args, **kwargs)

        functools.update_wrapper(atomic, original)
        atomic._devstack_atomic = True  # type: ignore[attr-defined]
        setattr(S3Response, name, atomic)


def _transact_write_items(backend: Any, transact_items: list[dict[str, Any]]) -> None:
    """TransactWriteItems for moto's backend: all conditions first, then the writes, undone item by item."""
    from moto.dynamodb.exceptions import (  # noqa: PLC0415
        MockValidationException,
        TooManyTransactionsException,
        TransactionCanceledException,
    )

    if len(transact_items) > MAX_TRANSACTION_ACTIONS:
        raise TooManyTransactionsException()
    actions, reasons = _checked_actions(backend, transact_items)
    if any(code is not None for code, _, _ in reasons):
        raise TransactionCanceledException(reasons)
    undo: list[tuple[str, dict[str, Any], Any]] = []
    for index, (kind, operation, table_name, key, current) in enumerate(actions):
        if kind == "ConditionCheck":
            continue
        undo.append((table_name, key, copy.deepcopy(current)))
        try:
            _apply(backend, kind, operation, table_name, key)
        except MockValidationException:
            _roll_back(backend, undo)
            raise
        except Exception as exc:  # what only the write detects cancels the whole transaction
            _roll_back(backend, undo)
            failed = [(None, None, None)] * len(actions)
            failed[index] = (type(exc).__name__, str(exc), None)
            raise TransactionCanceledException(failed) from None


def _checked_actions(backend: Any, transact_items: list[dict[str, Any]]) -> tuple[list[Any], list[Any]]:
    """Each action with its key and current item, and one cancellation reason per action (None when fine)."""
    from moto.dynamodb.comparisons import get_filter_expression  # noqa: PLC0415
    from moto.dynamodb.exceptions import (  # noqa: PLC0415
        ConditionalCheckFailed,
        MockValidationException,
        MultipleTransactionsException,
        TransactWriteSingleOpException,
    )

    actions, reasons = [], []
    targets: set[tuple[str, str]] = set()
    for entry in transact_items:
        if len(entry) > 1:
            raise TransactWriteSingleOpException()
        kind, operation = next(iter(entry.items()))
        if kind not in ("ConditionCheck", "Put", "Delete", "Update"):
            raise MockValidationException("Unsupported transaction operation")
        table_name = operation["TableName"]
        key = _key_of(backend.get_table(table_name), kind, operation)
        target = (str(table_name), str(dict(sorted(key.items()))))
        if target in targets:
            raise MultipleTransactionsException()
        targets.add(target)
        current = backend.get_item(table_name, key)
        reason: tuple[Any, Any, Any] = (None, None, None)
        condition = operation.get("ConditionExpression")
        if condition is not None and not get_filter_expression(
                condition, operation.get("ExpressionAttributeNames"),
                operation.get("ExpressionAttributeValues")).expr(current):
            old = current.to_json()["Attributes"] if current and operation.get(
                "ReturnValuesOnConditionCheckFailure") == "ALL_OLD" else None
            reason = ("ConditionalCheckFailed", ConditionalCheckFailed(item=old).message, old)
        reasons.append(reason)
        actions.append((kind, operation, table_name, key, current))
    return actions, reasons


def _key_of(table: Any, kind: str, operation: dict[str, Any]) -> dict[str, Any]:
    if kind != "Put":
        return operation["Key"]
    key = {table.hash_key_attr: operation["Item"][table.hash_key_attr]}
    if table.range_key_attr is not None:
        key[table.range_key_attr] = operation["Item"][table.range_key_attr]
    return key


def _apply(backend: Any, kind: str, operation: dict[str, Any], table_name: str, key: dict[str, Any]) -> None:
    names = operation.get("ExpressionAttributeNames")
    values = operation.get("ExpressionAttributeValues")
    if kind == "Put":
        backend.put_item(table_name, operation["Item"], expression_attribute_names=names,
                         expression_attribute_values=values)
    elif kind == "Delete":
        backend.delete_item(table_name, key, expression_attribute_names=names, expression_attribute_values=values)
    else:
        backend.update_item(table_name, key, update_expression=operation["UpdateExpression"],
                            expression_attribute_names=names, expression_attribute_values=values)


def _roll_back(backend: Any, undo: list[tuple[str, dict[str, Any], Any]]) -> None:
    for table_name, key, previous in reversed(undo):
        if previous is None:
            backend.delete_item(table_name, key)
        else:
            backend.put_item(table_name, previous.to_json()["Attributes"])
