"""DynamoDB plumbing shared by the store modules: table names, the client, item conversion, paging, transactions."""

from __future__ import annotations

import decimal
import functools
import os
from collections.abc import Iterable, Mapping
from typing import Any

from suite import aws

TRANSACTION_LIMIT = 100  # items per TransactWriteItems call


def main_table() -> str:
    return os.environ["CLASSWORKS_TABLE"]


def kv_table() -> str:
    return os.environ["KV_TABLE"]


def client() -> Any:
    return aws.client("dynamodb")


@functools.cache
def _codecs() -> tuple[Any, Any]:
    # Imported on first use: boto3 is loaded by then anyway (the client), and cold starts that never
    # touch DynamoDB (e.g. a 401 before any read) stay free of it.
    from boto3.dynamodb.types import TypeDeserializer, TypeSerializer  # noqa: PLC0415

    return TypeSerializer(), TypeDeserializer()


def _plain(value: Any) -> Any:
    """Decimals back to int (every number we store is an integer); lists and maps walked."""
    if isinstance(value, decimal.Decimal):
        return int(value)
    if isinstance(value, list):
        return [_plain(v) for v in value]
    if isinstance(value, dict):
        return {k: _plain(v) for k, v in value.items()}
    return value


def to_attr(value: Any) -> dict[str, Any]:
    return _codecs()[0].serialize(value)


def to_item(data: Mapping[str, Any]) -> dict[str, Any]:
    """A plain dict as a DynamoDB item; None values are left out (absent, not NULL)."""
    return {name: to_attr(value) for name, value in data.items() if value is not None}


def from_item(item: Mapping[str, Any] | None) -> dict[str, Any] | None:
    if item is None:
        return None
    deserializer = _codecs()[1]
    return {name: _plain(deserializer.deserialize(value)) for name, value in item.items()}


def key(pk: str, sk: str) -> dict[str, Any]:
    return {"pk": {"S": pk}, "sk": {"S": sk}}


def get(pk: str, sk: str) -> dict[str, Any] | None:
    answer = client().get_item(TableName=main_table(), Key=key(pk, sk), ConsistentRead=True)
    return from_item(answer.get("Item"))


def query_all(**request: Any) -> list[dict[str, Any]]:
    """Every page of a Query (callers query partitions that stay small: a catalogue, one device)."""
    items: list[dict[str, Any]] = []
    while True:
        page = client().query(**request)
        items.extend(from_item(item) for item in page.get("Items", []))
        if "LastEvaluatedKey" not in page:
            return items
        request["ExclusiveStartKey"] = page["LastEvaluatedKey"]


def values(**named: Any) -> dict[str, Any]:
    """ExpressionAttributeValues from keyword arguments: values(now="...") → {":now": {"S": "..."}}."""
    return {f":{name}": to_attr(value) for name, value in named.items()}


class TransactionCancelled(Exception):
    """A transaction was refused; `reasons` holds one code per item ('None' where that item was fine)."""

    def __init__(self, reasons: list[str]) -> None:
        super().__init__(", ".join(reasons))
        self.reasons = reasons


def transact(items: Iterable[dict[str, Any]]) -> None:
    """One all-or-nothing TransactWriteItems (at most 100 items)."""
    batch = list(items)
    if len(batch) > TRANSACTION_LIMIT:
        raise ValueError(f"a transaction holds at most {TRANSACTION_LIMIT} items")
    ddb = client()
    try:
        ddb.transact_write_items(TransactItems=batch)
    except ddb.exceptions.TransactionCanceledException as exc:
        reasons = [r.get("Code", "None") for r in exc.response.get("CancellationReasons", [])]
        raise TransactionCancelled(reasons) from None


def is_condition_failure(exc: Exception) -> bool:
    code = getattr(exc, "response", {}).get("Error", {}).get("Code")
    return code == "ConditionalCheckFailedException"
