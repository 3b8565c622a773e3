"""The kook tables through the suite's DynamoDB plumbing (suite.dynamo), plus kook's integer id counters."""

from __future__ import annotations

from suite import dynamo as plumbing
from suite.dynamo import (
    MAX_BATCH_GET,
    MAX_BATCH_WRITE,
    MAX_TRANSACTION_ITEMS,
    Transaction,
    batch_delete,
    batch_get,
    batch_get_tables,
    batch_put,
    client,
    delete,
    from_item,
    get,
    is_condition_failure,
    key,
    put,
    query,
    query_partition,
    to_item,
    to_value,
    update,
)
from suite.dynamo import cancellation_reasons as cancellation_codes

__all__ = ["MAX_BATCH_GET", "MAX_BATCH_WRITE", "MAX_TRANSACTION_ITEMS", "Transaction", "batch_delete", "batch_get",
           "batch_get_tables", "batch_put", "cancellation_codes", "client", "count_partition", "delete", "from_item",
           "get", "is_condition_failure", "key", "next_ids", "put", "query", "query_partition", "raise_counter_to",
           "to_item", "to_value", "update"]


def count_partition(table: str, pk: str) -> int:
    return plumbing.count(table, KeyConditionExpression="pk = :pk",
                          ExpressionAttributeValues=plumbing.expression_values({":pk": pk}))


def next_ids(table: str, kind: str, count: int = 1) -> list[int]:
    """`count` fresh integer ids for `kind` (accounts, bots, mappings), from one atomic counter."""
    answer = update(table, "COUNTER", kind, "ADD #value :n", names={"#value": "value"}, values={":n": count})
    last = int(answer["value"])
    return list(range(last - count + 1, last + 1))


def raise_counter_to(table: str, kind: str, at_least: int) -> None:
    """Make sure the next id of `kind` is above `at_least` (after a restore wrote ids of its own)."""
    try:
        update(table, "COUNTER", kind, "SET #value = :v", names={"#value": "value"}, values={":v": at_least},
               condition="attribute_not_exists(#value) OR #value < :v", return_values="NONE")
    except Exception as exc:
        if not is_condition_failure(exc):
            raise


