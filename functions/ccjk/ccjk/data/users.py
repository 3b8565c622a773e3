"""Users (with a unique e-mail lock item) and bind codes."""

from __future__ import annotations

from typing import Any

from ccjk.data import dynamo
from ccjk.data.devices import WriteConflict
from ccjk.models import BindCode, User

PROFILE_SK = "PROFILE"
EMAIL_SK = "EMAIL"
BIND_SK = "BIND"


class EmailTaken(Exception):
    pass


def user_pk(user_id: str) -> str:
    return f"USER#{user_id}"


def email_pk(email: str) -> str:
    return f"EMAIL#{email}"


def bind_pk(code: str) -> str:
    return f"BIND#{code}"


# ------------------------------------------------------------------------------------------------ users

def create(user: User) -> None:
    """The user and the lock on its e-mail in one transaction: two registrations of one address cannot both win."""
    actions = [
        {"Put": {"TableName": dynamo.table(), "ConditionExpression": "attribute_not_exists(pk)",
                 "Item": dynamo.to_item({"pk": email_pk(user.email), "sk": EMAIL_SK, "user_id": user.user_id})}},
        {"Put": {"TableName": dynamo.table(), "ConditionExpression": "attribute_not_exists(pk)",
                 "Item": dynamo.to_item({
                     "pk": user_pk(user.user_id), "sk": PROFILE_SK, "user_id": user.user_id, "email": user.email,
                     "name": user.name, "password_hash": user.password_hash, "tier": user.tier,
                     "created_at": user.created_at})}},
    ]
    try:
        dynamo.client().transact_write_items(TransactItems=actions)
    except Exception as exc:
        reasons = dynamo.cancellation_reasons(exc)
        if reasons and reasons[0] == "ConditionalCheckFailed":
            raise EmailTaken() from None
        raise


def get(user_id: str) -> User | None:
    values = dynamo.get(user_pk(user_id), PROFILE_SK)
    if not values:
        return None
    return User(user_id=values["user_id"], email=values["email"], name=values.get("name", ""),
                password_hash=values["password_hash"], tier=values.get("tier", "free"),
                created_at=values["created_at"])


def by_email(email: str) -> User | None:
    lock = dynamo.get(email_pk(email), EMAIL_SK)
    return get(lock["user_id"]) if lock else None


def update_password_hash(user_id: str, password_hash: str) -> None:
    dynamo.client().update_item(
        TableName=dynamo.table(), Key=dynamo.key(user_pk(user_id), PROFILE_SK),
        UpdateExpression="SET password_hash = :h", ConditionExpression="attribute_exists(pk)",
        ExpressionAttributeValues=dynamo.values({":h": password_hash}))


# ------------------------------------------------------------------------------------------------ bind codes

def put_bind_code(code: BindCode, now: int) -> None:
    """A new code; a collision with a live code raises WriteConflict (the caller draws another code)."""
    try:
        dynamo.client().put_item(
            TableName=dynamo.table(),
            Item=dynamo.to_item({"pk": bind_pk(code.code), "sk": BIND_SK, "code": code.code,
                                 "user_id": code.user_id, "status": code.status, "created_at": code.created_at,
                                 "expires_at": code.expires_at}),
            ConditionExpression="attribute_not_exists(pk) OR expires_at < :now",
            ExpressionAttributeValues=dynamo.values({":now": now}),
        )
    except Exception as exc:
        if dynamo.is_condition_failure(exc):
            raise WriteConflict() from None
        raise


def get_bind_code(code: str) -> BindCode | None:
    values = dynamo.get(bind_pk(code), BIND_SK)
    if not values:
        return None
    return BindCode(code=values["code"], user_id=values["user_id"], status=values["status"],
                    created_at=values["created_at"], expires_at=int(values["expires_at"]),
                    device_id=values.get("device_id"), bound_at=values.get("bound_at"))


def claim_bind_code_action(code: str, device_id: str, now: int, now_iso: str) -> dict[str, Any]:
    """The transaction action that uses a code once: only while pending and not expired (TTL deletes lazily,
    so the expiry is checked here too)."""
    return {"Update": {
        "TableName": dynamo.table(),
        "Key": dynamo.key(bind_pk(code), BIND_SK),
        "UpdateExpression": "SET #status = :bound, device_id = :device, bound_at = :at",
        "ConditionExpression": "#status = :pending AND expires_at > :now",
        "ExpressionAttributeNames": {"#status": "status"},
        "ExpressionAttributeValues": dynamo.values({":bound": "bound", ":pending": "pending", ":device": device_id,
                                                    ":at": now_iso, ":now": now}),
    }}
