"""Table names and the classworks flavour of the suite's DynamoDB plumbing (suite.dynamo)."""

from __future__ import annotations

import os
from collections.abc import Iterable
from typing import Any

from suite import dynamo as plumbing
from suite.dynamo import MAX_TRANSACTION_ITEMS, client, from_item, is_condition_failure, key, to_item
from suite.dynamo import to_value as to_attr

__all__ = ["MAX_TRANSACTION_ITEMS", "TransactionCancelled", "client", "from_item", "get", "is_condition_failure",
           "key", "kv_table", "main_table", "query_all", "to_attr", "to_item", "transact", "values"]


def main_table() -> str:
    return os.environ["CLASSWORKS_TABLE"]


def kv_table() -> str:
    return os.environ["KV_TABLE"]


def get(pk: str, sk: str) -> dict[str, Any] | None:
    return plumbing.get(main_table(), pk, sk)


def query_all(**request: Any) -> list[dict[str, Any]]:
    """Every page of a Query (callers query partitions that stay small: a catalogue, one device)."""
    return plumbing.query_all(request.pop("TableName"), **request)


def values(**named: Any) -> dict[str, Any]:
    """ExpressionAttributeValues from keyword arguments: values(now="...") → {":now": {"S": "..."}}."""
    return plumbing.expression_values({f":{name}": value for name, value in named.items()})


class TransactionCancelled(Exception):
    """A transaction was refused; `reasons` holds one code per item ('None' where that item was fine)."""

    def __init__(self, reasons: list[str]) -> None:
        super().__init__(", ".join(reasons))
        self.reasons = reasons


def transact(items: Iterable[dict[str, Any]]) -> None:
    """One all-or-nothing TransactWriteItems (at most 100 items)."""
    batch = list(items)
    if len(batch) > MAX_TRANSACTION_ITEMS:
        raise ValueError(f"a transaction holds at most {MAX_TRANSACTION_ITEMS} items")
    ddb = client()
    try:
        ddb.transact_write_items(TransactItems=batch)
    except ddb.exceptions.TransactionCanceledException as exc:
        raise TransactionCancelled(plumbing.cancellation_reasons(exc)) from None
