"""WebAuthn items in AccountsTable: the user handle, credentials (with their owner claim), open challenges, and
the session's assurance after a step-up (docs/certctrl.md §8)."""

from __future__ import annotations

from pynamodb.exceptions import DeleteError, DoesNotExist, TransactWriteError

from certctrl.models.entities import WebSession
from certctrl.models.identity_entities import (
    WebAuthnChallenge,
    WebAuthnCredential,
    WebAuthnCredentialOwner,
    WebAuthnUser,
)
from certctrl.store import common, sessions, users
from suite import dynamo

PREFIX = "WEBAUTHN#"


class Taken(Exception):
    """The credential id is registered already (to this account or another)."""


def credential_sk(credential_id: str) -> str:
    return f"{PREFIX}{credential_id}"


def owner_key(credential_id: str) -> str:
    return f"WEBAUTHNCRED#{credential_id}"


def challenge_key(challenge_digest: str) -> str:
    return f"CHALLENGE#{challenge_digest}"


# ------------------------------------------------------------------------------------------------ user handle

def user_handle(user_id: int) -> str | None:
    try:
        return WebAuthnUser.get(users.user_key(user_id), "WEBAUTHNUSER", consistent_read=True).handle
    except DoesNotExist:
        return None


def create_user_handle(user_id: int, handle: str, *, now: int) -> str:
    """The handle stored for the user: `handle` when there was none, else the one a concurrent call stored."""
    try:
        WebAuthnUser(users.user_key(user_id), "WEBAUTHNUSER", user_id=user_id, handle=handle,
                     created_at=now).save(condition=WebAuthnUser.pk.does_not_exist())
    except Exception as error:
        if not common.is_condition_failure(error):
            raise
        return user_handle(user_id) or handle
    return handle


# ------------------------------------------------------------------------------------------------ credentials

def credentials(user_id: int) -> list[WebAuthnCredential]:
    return list(WebAuthnCredential.query(users.user_key(user_id), WebAuthnCredential.sk.startswith(PREFIX),
                                         consistent_read=True))


def count(user_id: int) -> int:
    return dynamo.count(common.accounts(), KeyConditionExpression="pk = :pk AND begins_with(sk, :prefix)",
                        ExpressionAttributeValues=dynamo.expression_values({":pk": users.user_key(user_id),
                                                                             ":prefix": PREFIX}))


def credential(user_id: int, credential_id: str) -> WebAuthnCredential | None:
    try:
        return WebAuthnCredential.get(users.user_key(user_id), credential_sk(credential_id), consistent_read=True)
    except DoesNotExist:
        return None


def owner_of(credential_id: str) -> int | None:
    try:
        return WebAuthnCredentialOwner.get(owner_key(credential_id), "WEBAUTHNCRED", consistent_read=True).user_id
    except DoesNotExist:
        return None


def add(item: WebAuthnCredential) -> None:
    """The credential and its owner claim, together; Taken when the credential id exists anywhere."""
    try:
        with common.transaction() as tx:
            tx.save(WebAuthnCredentialOwner(owner_key(item.credential_id), "WEBAUTHNCRED", user_id=item.user_id),
                    condition=WebAuthnCredentialOwner.pk.does_not_exist())
            tx.save(item, condition=WebAuthnCredential.pk.does_not_exist())
    except TransactWriteError as error:
        if common.failed_conditions(error):
            raise Taken() from None
        raise


def remove(user_id: int, credential_id: str) -> bool:
    """False when the user has no such credential."""
    try:
        with common.transaction() as tx:
            tx.delete(WebAuthnCredential(users.user_key(user_id), credential_sk(credential_id)),
                      condition=WebAuthnCredential.pk.exists())
            tx.delete(WebAuthnCredentialOwner(owner_key(credential_id), "WEBAUTHNCRED"),
                      condition=WebAuthnCredentialOwner.user_id == user_id)
    except TransactWriteError as error:
        if common.failed_conditions(error):
            return False
        raise
    return True


def record_use(item: WebAuthnCredential, *, sign_count: int, now_ms: int) -> bool:
    """The new signature counter and last use. False when another sign-in moved the counter meanwhile (the same
    authenticator used twice at once: a cloned key would show the same symptom)."""
    try:
        item.update(actions=[WebAuthnCredential.sign_count.set(sign_count),
                             WebAuthnCredential.last_used_at_ms.set(now_ms)],
                    condition=WebAuthnCredential.sign_count == (item.sign_count or 0))
    except Exception as error:
        if common.is_condition_failure(error):
            return False
        raise
    return True


# ------------------------------------------------------------------------------------------------ challenges

def save_challenge(item: WebAuthnChallenge) -> None:
    item.save(condition=WebAuthnChallenge.pk.does_not_exist())


def take_challenge(challenge_digest: str) -> WebAuthnChallenge | None:
    """The open challenge, removed so nobody can use it again; None when unknown or already taken."""
    try:
        item = WebAuthnChallenge.get(challenge_key(challenge_digest), "CHALLENGE", consistent_read=True)
    except DoesNotExist:
        return None
    try:
        item.delete(condition=WebAuthnChallenge.pk.exists())
    except DeleteError as error:
        if error.cause_response_code == "ConditionalCheckFailedException":
            return None
        raise
    return item


# ------------------------------------------------------------------------------------------------ sessions

def raise_session(session_digest: str, *, amr: list[str], acr: str, step_up_at: int) -> None:
    WebSession(sessions.key(session_digest), "SESSION").update(
        actions=[WebSession.amr.set(amr), WebSession.acr.set(acr), WebSession.step_up_at.set(step_up_at)],
        condition=WebSession.pk.exists())
