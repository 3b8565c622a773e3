"""Device codes of the device-code flow (`DEVICECODE#<code>`), kept 15 minutes.

`expires_at` is the table's TTL attribute, but TTL deletes lazily (up to days later), so every read and
write also checks it explicitly. Handing out the token deletes the item conditionally: of two concurrent
pollers, exactly one receives it.
"""

from __future__ import annotations

from typing import Any

from classworks import config
from suite import dynamo

SORT_KEY = "DEVICECODE"


class CodeUnavailable(Exception):
    """No such code, or it has expired."""


class CodeAlreadyBound(Exception):
    pass


def _pk(code: str) -> str:
    return f"DEVICECODE#{code}"


def create(code: str, created_at_ms: int, expires_at: int) -> bool:
    """False when the code is already in use (the caller draws another)."""
    return dynamo.put_if(config.table(), {"pk": _pk(code), "sk": SORT_KEY, "code": code, "createdAt": created_at_ms,
                                          "expires_at": expires_at}, condition="attribute_not_exists(pk)")


def get(code: str, now: int) -> dict[str, Any] | None:
    item = dynamo.get(config.table(), _pk(code), SORT_KEY)
    if item is None or item["expires_at"] <= now:
        return None
    return item


def bind(code: str, sealed_token: str, now: int) -> None:
    """Attach a (sealed) token to a live, unbound code."""
    try:
        dynamo.update(config.table(), _pk(code), SORT_KEY, "SET tokenSealed = :sealed",
                      condition="attribute_exists(pk) AND expires_at > :now AND attribute_not_exists(tokenSealed)",
                      values={":sealed": sealed_token, ":now": now}, return_values="NONE")
    except Exception as exc:
        if not dynamo.is_condition_failure(exc):
            raise
        current = get(code, now)
        if current is not None and "tokenSealed" in current:
            raise CodeAlreadyBound(code) from None
        raise CodeUnavailable(code) from None


def take_token(code: str, now: int) -> str | None:
    """The sealed token of a live, bound code, deleting the code; None when it is not bound (or gone)."""
    ddb = dynamo.client()
    try:
        answer = ddb.delete_item(
            TableName=config.table(), Key=dynamo.key(_pk(code), SORT_KEY), ReturnValues="ALL_OLD",
            ConditionExpression="attribute_exists(tokenSealed) AND expires_at > :now",
            ExpressionAttributeValues=dynamo.expression_values({":now": now}))
    except ddb.exceptions.ConditionalCheckFailedException:
        return None
    return (dynamo.from_item(answer["Attributes"]) or {})["tokenSealed"]
