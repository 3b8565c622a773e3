"""Signed-out user sessions: `REVOKED#<jti>` / `REVOKED`, kept until the token would have expired anyway (TTL)."""

from __future__ import annotations

from ccjk.store.common import table
from suite import dynamo

REVOKED_SK = "REVOKED"


def revoke(jti: str, expires_at: int) -> None:
    dynamo.client().put_item(TableName=table(), Item=dynamo.to_item({
        "pk": f"REVOKED#{jti}", "sk": REVOKED_SK, "expires_at": expires_at}))


def is_revoked(jti: str, now: int) -> bool:
    found = dynamo.get(table(), f"REVOKED#{jti}", REVOKED_SK)
    return bool(found) and int(found["expires_at"]) > now
