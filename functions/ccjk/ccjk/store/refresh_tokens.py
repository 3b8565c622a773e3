"""API v1 refresh tokens: a family per sign-in, one active token in it at a time (rotation in one transaction)."""

from __future__ import annotations

from pynamodb.exceptions import DoesNotExist

from ccjk.models.market_entities import RefreshFamily, RefreshToken
from ccjk.store.market import WriteRefused, commit, table
from suite import dynamo

FAMILY_SK, TOKEN_SK = "RFAMILY", "REFRESH"


class Rotated(Exception):
    """The token was already exchanged (or its family ended): a replay."""


def family_pk(family_id: str) -> str:
    return f"RFAMILY#{family_id}"


def token_pk(digest: str) -> str:
    return f"REFRESH#{digest}"


def start(family_id: str, user_id: str, digest: str, *, now_ms: int, expires_at: int) -> None:
    transaction = dynamo.Transaction()
    transaction.put(table(), {"pk": family_pk(family_id), "sk": FAMILY_SK, "user_id": user_id, "state": "active",
                              "current_digest": digest, "created_ms": now_ms, "expires_at": expires_at},
                    condition="attribute_not_exists(pk)")
    transaction.put(table(), {"pk": token_pk(digest), "sk": TOKEN_SK, "family_id": family_id, "user_id": user_id,
                              "state": "active", "created_ms": now_ms, "expires_at": expires_at},
                    condition="attribute_not_exists(pk)")
    commit(transaction)


def token(digest: str) -> RefreshToken | None:
    try:
        return RefreshToken.get(token_pk(digest), TOKEN_SK, consistent_read=True)
    except DoesNotExist:
        return None


def family(family_id: str) -> RefreshFamily | None:
    try:
        return RefreshFamily.get(family_pk(family_id), FAMILY_SK, consistent_read=True)
    except DoesNotExist:
        return None


def rotate(old: RefreshToken, new_digest: str, *, now_ms: int, expires_at: int) -> None:
    """Mark `old` rotated and issue its successor, only while `old` is active and its family too."""
    transaction = dynamo.Transaction()
    transaction.update(table(), token_pk(old.pk.removeprefix("REFRESH#")), TOKEN_SK, "SET #state = :rotated",
                       condition="#state = :active", names={"#state": "state"},
                       values={":rotated": "rotated", ":active": "active"})
    transaction.update(table(), family_pk(old.family_id), FAMILY_SK, "SET current_digest = :digest",
                       condition="#state = :active", names={"#state": "state"},
                       values={":digest": new_digest, ":active": "active"})
    transaction.put(table(), {"pk": token_pk(new_digest), "sk": TOKEN_SK, "family_id": old.family_id,
                              "user_id": old.user_id, "state": "active", "created_ms": now_ms,
                              "expires_at": expires_at}, condition="attribute_not_exists(pk)")
    try:
        commit(transaction)
    except WriteRefused as refused:
        if refused.failed(0) or refused.failed(1):
            raise Rotated() from None
        raise


def revoke(family_id: str) -> bool:
    """End a family (False when there is none)."""
    try:
        dynamo.update(table(), family_pk(family_id), FAMILY_SK, "SET #state = :revoked", names={"#state": "state"},
                      values={":revoked": "revoked"}, condition="attribute_exists(pk)", return_values="NONE")
    except Exception as exc:
        if dynamo.is_condition_failure(exc):
            return False
        raise
    return True
