"""Users, with a unique e-mail lock item written in the same transaction."""

from __future__ import annotations

from ccjk.models.entities import User
from ccjk.store.common import table
from suite import dynamo
from suite.dynamo import expression_values

PROFILE_SK = "PROFILE"
EMAIL_SK = "EMAIL"


class EmailTaken(Exception):
    """Another account holds this e-mail address (its lock item exists)."""


def user_pk(user_id: str) -> str:
    return f"USER#{user_id}"


def email_pk(email: str) -> str:
    return f"EMAIL#{email}"


def create(user: User) -> None:
    """The user and the lock on its e-mail in one transaction: two registrations of one address cannot both win."""
    actions = [
        {"Put": {"TableName": table(), "ConditionExpression": "attribute_not_exists(pk)",
                 "Item": dynamo.to_item({"pk": email_pk(user.email), "sk": EMAIL_SK, "user_id": user.user_id})}},
        {"Put": {"TableName": table(), "ConditionExpression": "attribute_not_exists(pk)",
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
    values = dynamo.get(table(), user_pk(user_id), PROFILE_SK)
    if not values:
        return None
    return User(user_id=values["user_id"], email=values["email"], name=values.get("name", ""),
                password_hash=values["password_hash"], tier=values.get("tier", "free"),
                created_at=values["created_at"])


def by_email(email: str) -> User | None:
    lock = dynamo.get(table(), email_pk(email), EMAIL_SK)
    return get(lock["user_id"]) if lock else None


def update_password_hash(user_id: str, password_hash: str) -> None:
    dynamo.client().update_item(
        TableName=table(), Key=dynamo.key(user_pk(user_id), PROFILE_SK),
        UpdateExpression="SET password_hash = :h", ConditionExpression="attribute_exists(pk)",
        ExpressionAttributeValues=expression_values({":h": password_hash}))
