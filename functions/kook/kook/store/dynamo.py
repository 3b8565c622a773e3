"""Low-level DynamoDB helpers: plain dicts in and out, pages followed, transactions, id counters.

Items are plain Python dicts: numbers come back as int (or float when fractional), never Decimal, so the rest of
the service never sees DynamoDB types. boto3 is imported on first use, not at cold start.
"""

from __future__ import annotations

import decimal
import functools
from collections.abc import Iterable, Iterator
from typing import Any

from suite import aws

MAX_TRANSACTION_ITEMS = 100
MAX_BATCH_WRITE = 25
MAX_BATCH_GET = 100


def client() -> Any:
    return aws.client("dynamodb")


@functools.cache
def _types() -> tuple[Any, Any]:
    from boto3.dynamodb.types import TypeDeserializer, TypeSerializer  # noqa: PLC0415  (lazy: boto3 import cost)

    return TypeSerializer(), TypeDeserializer()


def _prepare(value: Any) -> Any:
    if isinstance(value, bool):
        return value
    if isinstance(value, float):
        return decimal.Decimal(str(value))
    if isinstance(value, dict):
        return {k: _prepare(v) for k, v in value.items() if v is not None}
    if isinstance(value, list | tuple):
        return [_prepare(v) for v in value]
    return value


def _plain(value: Any) -> Any:
    if isinstance(value, decimal.Decimal):
        return int(value) if value == value.to_integral_value() else float(value)
    if isinstance(value, dict):
        return {k: _plain(v) for k, v in value.items()}
    if isinstance(value, list):
        return [_plain(v) for v in value]
    if isinstance(value, set):
        return {_plain(v) for v in value}
    return value


def to_item(data: dict[str, Any]) -> dict[str, Any]:
    """A plain dict as a DynamoDB item (None values are left out)."""
    serializer, _ = _types()
    return {k: serializer.serialize(_prepare(v)) for k, v in data.items() if v is not None}


def to_value(value: Any) -> dict[str, Any]:
    serializer, _ = _types()
    return serializer.serialize(_prepare(value))


def from_item(item: dict[str, Any] | None) -> dict[str, Any] | None:
    if item is None:
        return None
    _, deserializer = _types()
    return {k: _plain(deserializer.deserialize(v)) for k, v in item.items()}


def key(pk: str, sk: str) -> dict[str, Any]:
    return {"pk": {"S": pk}, "sk": {"S": sk}}


def get(table: str, pk: str, sk: str, *, consistent: bool = True) -> dict[str, Any] | None:
    answer = client().get_item(TableName=table, Key=key(pk, sk), ConsistentRead=consistent)
    return from_item(answer.get("Item"))


def batch_get(table: str, keys: Iterable[tuple[str, str]]) -> dict[tuple[str, str], dict[str, Any]]:
    """Items by (pk, sk), unprocessed keys retried; missing keys are simply absent from the answer."""
    wanted = list(dict.fromkeys(keys))
    found: dict[tuple[str, str], dict[str, Any]] = {}
    for start in range(0, len(wanted), MAX_BATCH_GET):
        request: dict[str, Any] = {table: {"Keys": [key(pk, sk) for pk, sk in wanted[start:start + MAX_BATCH_GET]],
                                           "ConsistentRead": True}}
        while request:
            answer = client().batch_get_item(RequestItems=request)
            for raw in answer.get("Responses", {}).get(table, []):
                item = from_item(raw)
                found[(item["pk"], item["sk"])] = item
            request = answer.get("UnprocessedKeys") or {}
    return found


def batch_get_tables(wanted: dict[str, list[tuple[str, str]]]) -> dict[tuple[str, str, str], dict[str, Any]]:
    """Items of several tables in one BatchGetItem (at most 100 keys): {(table, pk, sk): item}."""
    request: dict[str, Any] = {table: {"Keys": [key(pk, sk) for pk, sk in dict.fromkeys(keys)], "ConsistentRead": True}
                               for table, keys in wanted.items() if keys}
    found: dict[tuple[str, str, str], dict[str, Any]] = {}
    while request:
        answer = client().batch_get_item(RequestItems=request)
        for table, items in (answer.get("Responses") or {}).items():
            for raw in items:
                item = from_item(raw)
                found[(table, item["pk"], item["sk"])] = item
        request = answer.get("UnprocessedKeys") or {}
    return found


def query(table: str, **kwargs: Any) -> Iterator[dict[str, Any]]:
    """Every item of a Query, following LastEvaluatedKey."""
    request = dict(kwargs, TableName=table)
    while True:
        answer = client().query(**request)
        for raw in answer.get("Items", []):
            yield from_item(raw)
        last = answer.get("LastEvaluatedKey")
        if not last:
            return
        request["ExclusiveStartKey"] = last


def query_partition(table: str, pk: str, *, prefix: str | None = None, consistent: bool = True,
                    newest_first: bool = False) -> Iterator[dict[str, Any]]:
    condition = "pk = :pk"
    values: dict[str, Any] = {":pk": {"S": pk}}
    if prefix:
        condition += " AND begins_with(sk, :prefix)"
        values[":prefix"] = {"S": prefix}
    return query(table, KeyConditionExpression=condition, ExpressionAttributeValues=values,
                 ConsistentRead=consistent, ScanIndexForward=not newest_first)


def count_partition(table: str, pk: str) -> int:
    total = 0
    request: dict[str, Any] = {"TableName": table, "KeyConditionExpression": "pk = :pk",
                               "ExpressionAttributeValues": {":pk": {"S": pk}}, "Select": "COUNT"}
    while True:
        answer = client().query(**request)
        total += answer.get("Count", 0)
        if not answer.get("LastEvaluatedKey"):
            return total
        request["ExclusiveStartKey"] = answer["LastEvaluatedKey"]


def put(table: str, item: dict[str, Any], *, condition: str | None = None,
        names: dict[str, str] | None = None, values: dict[str, Any] | None = None) -> None:
    request: dict[str, Any] = {"TableName": table, "Item": to_item(item)}
    if condition:
        request["ConditionExpression"] = condition
    if names:
        request["ExpressionAttributeNames"] = names
    if values:
        request["ExpressionAttributeValues"] = {k: to_value(v) for k, v in values.items()}
    client().put_item(**request)


def delete(table: str, pk: str, sk: str) -> None:
    client().delete_item(TableName=table, Key=key(pk, sk))


def batch_delete(table: str, keys: Iterable[tuple[str, str]]) -> int:
    """Delete many items (unprocessed ones retried); returns how many were requested."""
    pending = [{"DeleteRequest": {"Key": key(pk, sk)}} for pk, sk in dict.fromkeys(keys)]
    for start in range(0, len(pending), MAX_BATCH_WRITE):
        request: dict[str, Any] = {table: pending[start:start + MAX_BATCH_WRITE]}
        while request:
            request = client().batch_write_item(RequestItems=request).get("UnprocessedItems") or {}
    return len(pending)


def batch_put(table: str, items: Iterable[dict[str, Any]]) -> int:
    pending = [{"PutRequest": {"Item": to_item(item)}} for item in items]
    for start in range(0, len(pending), MAX_BATCH_WRITE):
        request: dict[str, Any] = {table: pending[start:start + MAX_BATCH_WRITE]}
        while request:
            request = client().batch_write_item(RequestItems=request).get("UnprocessedItems") or {}
    return len(pending)


def update(table: str, pk: str, sk: str, expression: str, *, names: dict[str, str] | None = None,
           values: dict[str, Any] | None = None, condition: str | None = None,
           return_values: str = "ALL_NEW") -> dict[str, Any] | None:
    request: dict[str, Any] = {"TableName": table, "Key": key(pk, sk), "UpdateExpression": expression,
                               "ReturnValues": return_values}
    if names:
        request["ExpressionAttributeNames"] = names
    if values:
        request["ExpressionAttributeValues"] = {k: to_value(v) for k, v in values.items()}
    if condition:
        request["ConditionExpression"] = condition
    return from_item(client().update_item(**request).get("Attributes"))


def is_condition_failure(exc: Exception) -> bool:
    """A failed ConditionExpression, alone or inside a cancelled transaction."""
    code = getattr(exc, "response", {}).get("Error", {}).get("Code")
    if code == "ConditionalCheckFailedException":
        return True
    if code == "TransactionCanceledException":
        reasons = getattr(exc, "response", {}).get("CancellationReasons") or []
        if not reasons:
            return "ConditionalCheckFailed" in str(exc)
        return any(r.get("Code") == "ConditionalCheckFailed" for r in reasons)
    return False


def cancellation_codes(exc: Exception) -> list[str]:
    reasons = getattr(exc, "response", {}).get("CancellationReasons") or []
    return [r.get("Code", "None") for r in reasons]


class Transaction:
    """Collects Put/Update/Delete/ConditionCheck actions and writes them all or none."""

    def __init__(self) -> None:
        self.actions: list[dict[str, Any]] = []

    def _with_expressions(self, body: dict[str, Any], condition: str | None, names: dict[str, str] | None,
                          values: dict[str, Any] | None) -> dict[str, Any]:
        if condition:
            body["ConditionExpression"] = condition
        if names:
            body["ExpressionAttributeNames"] = names
        if values:
            body["ExpressionAttributeValues"] = {k: to_value(v) for k, v in values.items()}
        return body

    def put(self, table: str, item: dict[str, Any], *, condition: str | None = None,
            names: dict[str, str] | None = None, values: dict[str, Any] | None = None) -> Transaction:
        body = {"TableName": table, "Item": to_item(item)}
        self.actions.append({"Put": self._with_expressions(body, condition, names, values)})
        return self

    def update(self, table: str, pk: str, sk: str, expression: str, *, condition: str | None = None,
               names: dict[str, str] | None = None, values: dict[str, Any] | None = None) -> Transaction:
        body = {"TableName": table, "Key": key(pk, sk), "UpdateExpression": expression}
        self.actions.append({"Update": self._with_expressions(body, condition, names, values)})
        return self

    def delete(self, table: str, pk: str, sk: str, *, condition: str | None = None,
               names: dict[str, str] | None = None, values: dict[str, Any] | None = None) -> Transaction:
        body = {"TableName": table, "Key": key(pk, sk)}
        self.actions.append({"Delete": self._with_expressions(body, condition, names, values)})
        return self

    def check(self, table: str, pk: str, sk: str, condition: str, *, names: dict[str, str] | None = None,
              values: dict[str, Any] | None = None) -> Transaction:
        body = {"TableName": table, "Key": key(pk, sk)}
        self.actions.append({"ConditionCheck": self._with_expressions(body, condition, names, values)})
        return self

    def commit(self) -> None:
        if not self.actions:
            return
        if len(self.actions) > MAX_TRANSACTION_ITEMS:
            raise ValueError(f"a transaction holds at most {MAX_TRANSACTION_ITEMS} actions")
        client().transact_write_items(TransactItems=self.actions)


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
