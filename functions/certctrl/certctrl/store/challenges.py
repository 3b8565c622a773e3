"""HTTP-01 key authorizations our `/.well-known/acme-challenge/{token}` route answers (`Http01Challenge`, pk
`HTTP01#<token>`, TTL `expires_at`): put when an issue publishes its challenges, deleted when it withdraws them."""

from __future__ import annotations

from pynamodb.exceptions import DoesNotExist

from certctrl.models.entities import Http01Challenge
from certctrl.store import common
from suite import dynamo


def key(token: str) -> str:
    return f"HTTP01#{token}"


def put(token: str, key_authorization: str, *, cert_id: int, identifier: str, expires_at: int) -> None:
    Http01Challenge(key(token), "HTTP01", key_authorization=key_authorization, cert_id=cert_id,
                    identifier=identifier, expires_at=expires_at).save()


def get(token: str) -> Http01Challenge | None:
    try:
        return Http01Challenge.get(key(token), "HTTP01", consistent_read=True)
    except DoesNotExist:
        return None


def delete(token: str) -> None:
    dynamo.delete(common.certificates(), key(token), "HTTP01")
