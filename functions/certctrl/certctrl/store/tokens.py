"""Refresh tokens and their families (device sessions): issue, rotate, revoke.

A family is one sign-in of a device; each refresh replaces its current token with a new one in one transaction
(the old token `active` → `rotated`, the new one written, the family pointed at it) whose conditions make two
concurrent refreshes with one token impossible: the loser sees its token rotated.
"""

from __future__ import annotations

from pynamodb.exceptions import DoesNotExist, TransactWriteError

from certctrl.models.entities import RefreshToken, TokenFamily
from certctrl.store import common


class Conflict(Exception):
    """The token was rotated or the family revoked by somebody else meanwhile."""


def token_key(token_id: str) -> str:
    return f"RT#{token_id}"


def family_key(family_id: str) -> str:
    return f"RTF#{family_id}"


def get_token(token_id: str) -> RefreshToken | None:
    try:
        return RefreshToken.get(token_key(token_id), "RT", consistent_read=True)
    except DoesNotExist:
        return None


def get_family(family_id: str) -> TokenFamily | None:
    try:
        return TokenFamily.get(family_key(family_id), "RTF", consistent_read=True)
    except DoesNotExist:
        return None


def start_family(family: TokenFamily, token: RefreshToken) -> None:
    with common.transaction() as tx:
        tx.save(family, condition=TokenFamily.pk.does_not_exist())
        tx.save(token, condition=RefreshToken.pk.does_not_exist())


def rotate(old: RefreshToken, new: RefreshToken) -> None:
    try:
        with common.transaction() as tx:
            tx.update(old, actions=[RefreshToken.state.set("rotated")], condition=RefreshToken.state == "active")
            tx.save(new, condition=RefreshToken.pk.does_not_exist())
            tx.update(TokenFamily(family_key(old.family_id), "RTF"),
                      actions=[TokenFamily.current_token_id.set(new.pk.removeprefix("RT#")),
                               TokenFamily.expires_at.set(new.expires_at)],
                      condition=(TokenFamily.state == "active") & (TokenFamily.current_token_id
                                                                  == old.pk.removeprefix("RT#")))
    except TransactWriteError as error:
        if common.failed_conditions(error):
            raise Conflict() from None
        raise


def revoke_family(family_id: str, reason: str) -> None:
    """Idempotent: a revoked family stays revoked (its tokens are refused from now on)."""
    TokenFamily(family_key(family_id), "RTF").update(
        actions=[TokenFamily.state.set("revoked"), TokenFamily.revoked_reason.set(reason)],
        condition=TokenFamily.pk.exists())
