"""Bind codes (`BIND#<code>`): issued for a user, claimed once by a device in the device's own transaction,
deleted by TTL five minutes after they were issued (reads check the expiry too: TTL deletes lazily)."""

from __future__ import annotations

from typing import Any

from ccjk.models.entities import BindCode
from ccjk.store.common import WriteConflict, table
from suite import dynamo
from suite.dynamo import expression_values

BIND_SK = "BIND"


def bind_pk(code: str) -> str:
    return f"BIND#{code}"


def put(code: BindCode, now: int) -> None:
    """A new code; a collision with a live code raises WriteConflict (the caller draws another code)."""
    try:
        dynamo.client().put_item(
            TableName=table(),
            Item=dynamo.to_item({"pk": bind_pk(code.code), "sk": BIND_SK, "code": code.code,
                                 "user_id": code.user_id, "status": code.status, "created_at": code.created_at,
                                 "expires_at": code.expires_at}),
            ConditionExpression="attribute_not_exists(pk) OR expires_at < :now",
            ExpressionAttributeValues=expression_values({":now": now}),
        )
    except Exception as exc:
        if dynamo.is_condition_failure(exc):
            raise WriteConflict() from None
        raise


def get(code: str) -> BindCode | None:
    values = dynamo.get(table(), bind_pk(code), BIND_SK)
    if not values:
        return None
    return BindCode(code=values["code"], user_id=values["user_id"], status=values["status"],
                    created_at=values["created_at"], expires_at=int(values["expires_at"]),
                    device_id=values.get("device_id"), bound_at=values.get("bound_at"))


def claim_action(code: str, device_id: str, now: int, now_iso: str) -> dict[str, Any]:
    """The transaction action that uses a code once: only while pending and not expired (TTL deletes lazily,
    so the expiry is checked here too)."""
    return {"Update": {
        "TableName": table(),
        "Key": dynamo.key(bind_pk(code), BIND_SK),
        "UpdateExpression": "SET #status = :bound, device_id = :device, bound_at = :at",
        "ConditionExpression": "#status = :pending AND expires_at > :now",
        "ExpressionAttributeNames": {"#status": "status"},
        "ExpressionAttributeValues": expression_values({":bound": "bound", ":pending": "pending", ":device": device_id,
                                                        ":at": now_iso, ":now": now}),
    }}
