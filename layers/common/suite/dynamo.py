"""DynamoDB through the low-level client, with plain Python values in and out.

Every service keeps its own data-access module (its keys, its queries); this is the plumbing under them:
item conversion (numbers come back as int, or float when fractional, never Decimal; None attributes are left
out), the suite's `pk`/`sk` key convention, reads that follow every page, batch calls that retry unprocessed
keys, conditional writes, and all-or-nothing transactions. Reads are by key only: GetItem, Query,
BatchGetItem; there is deliberately no Scan here. boto3 is imported on first use, not at cold start.
"""

from __future__ import annotations

import decimal
import functools
from collections.abc import Iterable, Iterator, Mapping
from typing import Any

from suite import aws

MAX_TRANSACTION_ITEMS = 100
MAX_BATCH_WRITE = 25
MAX_BATCH_GET = 100


def client() -> Any:
    return aws.client("dynamodb")


# --- conversion ---------------------------------------------------------------------------------------------

@functools.cache
def _codecs() -> tuple[Any, Any]:
    from boto3.dynamodb.types import TypeDeserializer, TypeSerializer  # noqa: PLC0415  (lazy: boto3 import cost)

    return TypeSerializer(), TypeDeserializer()


def _prepare(value: Any) -> Any:
    """What boto3's serializer accepts: floats as Decimal (it refuses floats), None inside maps dropped."""
    if isinstance(value, bool):
        return value
    if isinstance(value, float):
        return decimal.Decimal(str(value))
    if isinstance(value, Mapping):
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
    if isinstance(value, set | frozenset):
        return {_plain(v) for v in value}
    return value


def to_value(value: Any) -> dict[str, Any]:
    return _codecs()[0].serialize(_prepare(value))


def to_item(data: Mapping[str, Any]) -> dict[str, Any]:
    """A plain dict as a DynamoDB item; None values are left out (absent, not NULL)."""
    return {name: to_value(value) for name, value in data.items() if value is not None}


def expression_values(mapping: Mapping[str, Any]) -> dict[str, Any]:
    """ExpressionAttributeValues from a plain dict: expression_values({":now": 5}) → {":now": {"N": "5"}}."""
    return {name: to_value(value) for name, value in mapping.items()}


def from_item(item: Mapping[str, Any] | None) -> dict[str, Any] | None:
    if not item:
        return None
    deserializer = _codecs()[1]
    return {name: _plain(deserializer.deserialize(value)) for name, value in item.items()}


def key(pk: str, sk: str) -> dict[str, Any]:
    """The suite's key convention: string partition key `pk`, string sort key `sk`."""
    return {"pk": {"S": pk}, "sk": {"S": sk}}


def _expressions(request: dict[str, Any], *, condition: str | None = None, names: Mapping[str, str] | None = None,
                 values: Mapping[str, Any] | None = None) -> dict[str, Any]:
    if condition:
        request["ConditionExpression"] = condition
    if names:
        request["ExpressionAttributeNames"] = dict(names)
    if values:
        request["ExpressionAttributeValues"] = expression_values(values)
    return request


# --- reads ----------------------------------------------------------------------------------------------------

def get(table: str, pk: str, sk: str, *, consistent: bool = True) -> dict[str, Any] | None:
    answer = client().get_item(TableName=table, Key=key(pk, sk), ConsistentRead=consistent)
    return from_item(answer.get("Item"))


def batch_get(table: str, keys: Iterable[tuple[str, str]], *,
              consistent: bool = True) -> dict[tuple[str, str], dict[str, Any]]:
    """Items by (pk, sk), unprocessed keys retried; keys that do not exist are absent from the answer."""
    wanted = list(dict.fromkeys(keys))
    found: dict[tuple[str, str], dict[str, Any]] = {}
    for start in range(0, len(wanted), MAX_BATCH_GET):
        request: dict[str, Any] = {table: {"Keys": [key(pk, sk) for pk, sk in wanted[start:start + MAX_BATCH_GET]],
                                           "ConsistentRead": consistent}}
        while request:
            answer = client().batch_get_item(RequestItems=request)
            for raw in answer.get("Responses", {}).get(table, []):
                item = from_item(raw)
                found[(item["pk"], item["sk"])] = item
            request = answer.get("UnprocessedKeys") or {}
    return found


def batch_get_tables(wanted: Mapping[str, Iterable[tuple[str, str]]], *,
                     consistent: bool = True) -> dict[tuple[str, str, str], dict[str, Any]]:
    """Items of several tables in one BatchGetItem (at most 100 keys in all): {(table, pk, sk): item}."""
    request: dict[str, Any] = {table: {"Keys": [key(pk, sk) for pk, sk in dict.fromkeys(keys)],
                                       "ConsistentRead": consistent}
                               for table, keys in wanted.items()}
    request = {table: body for table, body in request.items() if body["Keys"]}
    if sum(len(body["Keys"]) for body in request.values()) > MAX_BATCH_GET:
        raise ValueError(f"one BatchGetItem reads at most {MAX_BATCH_GET} keys")
    found: dict[tuple[str, str, str], dict[str, Any]] = {}
    while request:
        answer = client().batch_get_item(RequestItems=request)
        for table, items in (answer.get("Responses") or {}).items():
            for raw in items:
                item = from_item(raw)
                found[(table, item["pk"], item["sk"])] = item
        request = answer.get("UnprocessedKeys") or {}
    return found


def query(table: str, **request: Any) -> Iterator[dict[str, Any]]:
    """Every item of a Query, following LastEvaluatedKey page by page."""
    request = {**request, "TableName": table}
    while True:
        answer = client().query(**request)
        for raw in answer.get("Items", []):
            yield from_item(raw)
        if not answer.get("LastEvaluatedKey"):
            return
        request["ExclusiveStartKey"] = answer["LastEvaluatedKey"]


def query_all(table: str, **request: Any) -> list[dict[str, Any]]:
    """All items of a Query (for partitions whose size the caller bounds)."""
    return list(query(table, **request))


def query_page(table: str, offset: int, limit: int, **request: Any) -> list[dict[str, Any]]:
    """Items offset..offset+limit of a key-ordered Query, reading no further than needed."""
    items: list[dict[str, Any]] = []
    request = {**request, "TableName": table}
    wanted = offset + limit
    while len(items) < wanted:
        request["Limit"] = wanted - len(items)
        answer = client().query(**request)
        items.extend(from_item(raw) for raw in answer.get("Items", []))
        if not answer.get("LastEvaluatedKey"):
            break
        request["ExclusiveStartKey"] = answer["LastEvaluatedKey"]
    return items[offset:wanted]


def count(table: str, **request: Any) -> int:
    """How many items a Query matches (Select COUNT, every page)."""
    total = 0
    request = {**request, "TableName": table, "Select": "COUNT"}
    while True:
        answer = client().query(**request)
        total += answer.get("Count", 0)
        if not answer.get("LastEvaluatedKey"):
            return total
        request["ExclusiveStartKey"] = answer["LastEvaluatedKey"]


def query_partition(table: str, pk: str, *, prefix: str | None = None, consistent: bool = True,
                    newest_first: bool = False) -> Iterator[dict[str, Any]]:
    """Items of one partition (optionally only sort keys starting with `prefix`), in sort-key order."""
    condition = "pk = :pk"
    key_values: dict[str, Any] = {":pk": pk}
    if prefix:
        condition += " AND begins_with(sk, :prefix)"
        key_values[":prefix"] = prefix
    return query(table, KeyConditionExpression=condition, ExpressionAttributeValues=expression_values(key_values),
                 ConsistentRead=consistent, ScanIndexForward=not newest_first)


# --- writes ---------------------------------------------------------------------------------------------------

def put(table: str, item: Mapping[str, Any], *, condition: str | None = None, names: Mapping[str, str] | None = None,
        values: Mapping[str, Any] | None = None) -> None:
    request = _expressions({"TableName": table, "Item": to_item(item)}, condition=condition, names=names,
                           values=values)
    client().put_item(**request)


def update(table: str, pk: str, sk: str, expression: str, *, names: Mapping[str, str] | None = None,
           values: Mapping[str, Any] | None = None, condition: str | None = None,
           return_values: str = "ALL_NEW") -> dict[str, Any] | None:
    request = _expressions({"TableName": table, "Key": key(pk, sk), "UpdateExpression": expression,
                            "ReturnValues": return_values}, condition=condition, names=names, values=values)
    return from_item(client().update_item(**request).get("Attributes"))


def delete(table: str, pk: str, sk: str, *, condition: str | None = None, names: Mapping[str, str] | None = None,
           values: Mapping[str, Any] | None = None) -> None:
    request = _expressions({"TableName": table, "Key": key(pk, sk)}, condition=condition, names=names,
                           values=values)
    client().delete_item(**request)


def put_if(table: str, item: Mapping[str, Any], *, condition: str, names: Mapping[str, str] | None = None,
           values: Mapping[str, Any] | None = None) -> bool:
    """A conditional put: False when its condition did not hold (nothing written); any other failure raises."""
    try:
        put(table, item, condition=condition, names=names, values=values)
    except Exception as exc:
        if is_condition_failure(exc):
            return False
        raise
    return True


def delete_if(table: str, pk: str, sk: str, *, condition: str, names: Mapping[str, str] | None = None,
              values: Mapping[str, Any] | None = None) -> bool:
    """A conditional delete: False when its condition did not hold (nothing deleted); any other failure raises."""
    try:
        delete(table, pk, sk, condition=condition, names=names, values=values)
    except Exception as exc:
        if is_condition_failure(exc):
            return False
        raise
    return True


def batch_put(table: str, items: Iterable[Mapping[str, Any]]) -> int:
    return _batch_write(table, [{"PutRequest": {"Item": to_item(item)}} for item in items])


def batch_delete(table: str, keys: Iterable[tuple[str, str]]) -> int:
    return _batch_write(table, [{"DeleteRequest": {"Key": key(pk, sk)}} for pk, sk in dict.fromkeys(keys)])


def _batch_write(table: str, requests: list[dict[str, Any]]) -> int:
    for start in range(0, len(requests), MAX_BATCH_WRITE):
        pending: dict[str, Any] = {table: requests[start:start + MAX_BATCH_WRITE]}
        while pending:
            pending = client().batch_write_item(RequestItems=pending).get("UnprocessedItems") or {}
    return len(requests)


class Transaction:
    """Put/Update/Delete/ConditionCheck actions written all or none (TransactWriteItems).

    Each action names its table; `commit()` raises the client's TransactionCanceledException when any
    condition fails (see `cancellation_reasons`).
    """

    def __init__(self) -> None:
        self.actions: list[dict[str, Any]] = []

    def put(self, table: str, item: Mapping[str, Any], *, condition: str | None = None,
            names: Mapping[str, str] | None = None, values: Mapping[str, Any] | None = None) -> Transaction:
        body = {"TableName": table, "Item": to_item(item)}
        self.actions.append({"Put": _expressions(body, condition=condition, names=names, values=values)})
        return self

    def update(self, table: str, pk: str, sk: str, expression: str, *, condition: str | None = None,
               names: Mapping[str, str] | None = None, values: Mapping[str, Any] | None = None) -> Transaction:
        body = {"TableName": table, "Key": key(pk, sk), "UpdateExpression": expression}
        self.actions.append({"Update": _expressions(body, condition=condition, names=names, values=values)})
        return self

    def delete(self, table: str, pk: str, sk: str, *, condition: str | None = None,
               names: Mapping[str, str] | None = None, values: Mapping[str, Any] | None = None) -> Transaction:
        body = {"TableName": table, "Key": key(pk, sk)}
        self.actions.append({"Delete": _expressions(body, condition=condition, names=names, values=values)})
        return self

    def check(self, table: str, pk: str, sk: str, condition: str, *, names: Mapping[str, str] | None = None,
              values: Mapping[str, Any] | None = None) -> Transaction:
        body = {"TableName": table, "Key": key(pk, sk)}
        self.actions.append({"ConditionCheck": _expressions(body, condition=condition, names=names,
                                                            values=values)})
        return self

    def commit(self) -> None:
        if not self.actions:
            return
        if len(self.actions) > MAX_TRANSACTION_ITEMS:
            raise ValueError(f"a transaction holds at most {MAX_TRANSACTION_ITEMS} actions")
        client().transact_write_items(TransactItems=self.actions)

    def commit_if_conditions_hold(self) -> bool:
        """Commit; False, with nothing written, when a condition failed (any other error still raises)."""
        try:
            self.commit()
        except Exception as exc:
            if is_condition_failure(exc):
                return False
            raise
        return True


# --- errors ---------------------------------------------------------------------------------------------------

def error_code(exc: BaseException) -> str | None:
    response = getattr(exc, "response", None)
    if isinstance(response, dict):
        return response.get("Error", {}).get("Code")
    return None


def cancellation_reasons(exc: BaseException) -> list[str]:
    """For a cancelled transaction: one code per action ('None' for the actions that were fine)."""
    if error_code(exc) != "TransactionCanceledException":
        return []
    reasons = getattr(exc, "response", {}).get("CancellationReasons") or []
    if reasons:
        return [reason.get("Code", "None") for reason in reasons]
    # Some endpoints only put the reasons in the message: "... [ConditionalCheckFailed, None]".
    message = str(exc)
    if "[" in message and "]" in message:
        return [part.strip() for part in message[message.rfind("[") + 1: message.rfind("]")].split(",")]
    return []


def is_condition_failure(exc: BaseException) -> bool:
    """A failed ConditionExpression, alone or inside a cancelled transaction."""
    code = error_code(exc)
    if code == "ConditionalCheckFailedException":
        return True
    return code == "TransactionCanceledException" and "ConditionalCheckFailed" in cancellation_reasons(exc)
