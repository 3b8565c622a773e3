"""Low-level helpers over the boto3 DynamoDB client: item (de)serialisation, keys, error classification."""

from __future__ import annotations

import functools
from collections.abc import Mapping
from typing import Any

from ccjk import settings
from suite import aws


def client() -> Any:
    return aws.client("dynamodb")


def table() -> str:
    return settings.table_name()


@functools.cache
def _serializer() -> Any:
    from boto3.dynamodb.types import TypeSerializer  # noqa: PLC0415  (lazy: boto3 only when the table is used)

    return TypeSerializer()


@functools.cache
def _deserializer() -> Any:
    from boto3.dynamodb.types import TypeDeserializer  # noqa: PLC0415

    return TypeDeserializer()


def to_item(values: Mapping[str, Any]) -> dict[str, Any]:
    """A plain dict as a DynamoDB item; None values are left out (absent, not NULL)."""
    return {k: _serializer().serialize(v) for k, v in values.items() if v is not None}


def to_value(value: Any) -> dict[str, Any]:
    return _serializer().serialize(value)


def values(mapping: Mapping[str, Any]) -> dict[str, Any]:
    """ExpressionAttributeValues from a plain dict."""
    return {k: to_value(v) for k, v in mapping.items()}


def from_item(item: Mapping[str, Any] | None) -> dict[str, Any] | None:
    if not item:
        return None
    return {k: _plain(_deserializer().deserialize(v)) for k, v in item.items()}


def _plain(value: Any) -> Any:
    """Decimals back to int (all our numbers are integers), sets to lists, recursively."""
    from decimal import Decimal  # noqa: PLC0415

    if isinstance(value, Decimal):
        return int(value) if value == value.to_integral_value() else float(value)
    if isinstance(value, dict):
        return {k: _plain(v) for k, v in value.items()}
    if isinstance(value, list | set):
        return [_plain(v) for v in value]
    return value


def key(pk: str, sk: str) -> dict[str, Any]:
    return {"pk": {"S": pk}, "sk": {"S": sk}}


def error_code(exc: Exception) -> str | None:
    response = getattr(exc, "response", None)
    if isinstance(response, dict):
        return response.get("Error", {}).get("Code")
    return None


def is_condition_failure(exc: Exception) -> bool:
    return error_code(exc) == "ConditionalCheckFailedException"


def cancellation_reasons(exc: Exception) -> list[str]:
    """For a cancelled transaction: one reason code per action ('None' for the ones that were fine)."""
    if error_code(exc) != "TransactionCanceledException":
        return []
    reasons = getattr(exc, "response", {}).get("CancellationReasons") or []
    if reasons:
        return [r.get("Code", "None") for r in reasons]
    # Some endpoints only put the reasons in the message: "... [ConditionalCheckFailed, None]".
    message = str(exc)
    if "[" in message:
        return [part.strip() for part in message[message.rfind("[") + 1 : message.rfind("]")].split(",")]
    return []


def get(pk: str, sk: str) -> dict[str, Any] | None:
    answer = client().get_item(TableName=table(), Key=key(pk, sk), ConsistentRead=True)
    return from_item(answer.get("Item"))


def query_all(**request: Any) -> list[dict[str, Any]]:
    """Every page of a Query, as plain dicts (for partitions whose size we bound)."""
    items: list[dict[str, Any]] = []
    request = {"TableName": table(), **request}
    while True:
        answer = client().query(**request)
        items.extend(from_item(i) for i in answer.get("Items", []))
        if "LastEvaluatedKey" not in answer:
            return items
        request["ExclusiveStartKey"] = answer["LastEvaluatedKey"]


def count(**request: Any) -> int:
    total = 0
    request = {"TableName": table(), "Select": "COUNT", **request}
    while True:
        answer = client().query(**request)
        total += answer.get("Count", 0)
        if "LastEvaluatedKey" not in answer:
            return total
        request["ExclusiveStartKey"] = answer["LastEvaluatedKey"]


def query_page(offset: int, limit: int, **request: Any) -> list[dict[str, Any]]:
    """Items offset..offset+limit of a Query (page/limit pagination over a key-ordered partition)."""
    items: list[dict[str, Any]] = []
    request = {"TableName": table(), **request}
    wanted = offset + limit
    while len(items) < wanted:
        request["Limit"] = wanted - len(items)
        answer = client().query(**request)
        items.extend(from_item(i) for i in answer.get("Items", []))
        if "LastEvaluatedKey" not in answer:
            break
        request["ExclusiveStartKey"] = answer["LastEvaluatedKey"]
    return items[offset:wanted]
