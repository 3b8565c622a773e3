"""E-mail sign-in codes (`LOGIN#<email>` / `CODE`): one live code per address (a new one replaces it), stored as
an HMAC, with an attempt counter, a used flag and the TTL `expires_at` (reads check it: TTL deletes lazily)."""

from __future__ import annotations

from typing import Any

from ccjk.store.common import table
from suite import dynamo
from suite.dynamo import expression_values

CODE_SK = "CODE"


def code_pk(email: str) -> str:
    return f"LOGIN#{email}"


def put(email: str, *, code_id: str, code_hmac: str, kid: str, issued_at: str, expires_at: int) -> None:
    dynamo.client().put_item(TableName=table(), Item=dynamo.to_item({
        "pk": code_pk(email), "sk": CODE_SK, "code_id": code_id, "code_hmac": code_hmac, "kid": kid,
        "attempts": 0, "used": False, "issued_at": issued_at, "expires_at": expires_at}))


def take_attempt(email: str, *, now: int, max_attempts: int) -> dict[str, Any] | None:
    """Count one verification attempt against the live code and return it; None when there is no code to try
    (none, expired, used, or out of attempts). The count is conditional, so parallel guesses never exceed it."""
    try:
        answer = dynamo.client().update_item(
            TableName=table(), Key=dynamo.key(code_pk(email), CODE_SK),
            UpdateExpression="ADD attempts :one",
            ConditionExpression="attribute_exists(pk) AND attempts < :max AND used = :no AND expires_at > :now",
            ExpressionAttributeValues=expression_values({":one": 1, ":max": max_attempts, ":no": False,
                                                         ":now": now}),
            ReturnValues="ALL_NEW")
    except Exception as exc:
        if dynamo.is_condition_failure(exc):
            return None
        raise
    return dynamo.from_item(answer["Attributes"])


def mark_used(email: str, code_id: str) -> bool:
    """Use the code once: False when it was used (or replaced) meanwhile."""
    try:
        dynamo.client().update_item(
            TableName=table(), Key=dynamo.key(code_pk(email), CODE_SK), UpdateExpression="SET used = :yes",
            ConditionExpression="code_id = :id AND used = :no",
            ExpressionAttributeValues=expression_values({":yes": True, ":no": False, ":id": code_id}))
    except Exception as exc:
        if dynamo.is_condition_failure(exc):
            return False
        raise
    return True
