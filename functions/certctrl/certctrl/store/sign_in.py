"""Third-party sign-in in AccountsTable: bindings (`USER#<id>`/`BIND#<provider>#<subject>`) with the claim that
makes an identity sign in to one account (`BINDING#<provider>#<subject>`), OAuth states and Solana nonces (single
use), accounts created by a first GitHub sign-in, and the providers' OAuth clients (Secrets Manager)."""

from __future__ import annotations

import json
from typing import Any

from pynamodb.exceptions import DeleteError, DoesNotExist, TransactWriteError

from certctrl import config
from certctrl.models.entities import EmailClaim, NameClaim, User
from certctrl.models.identity_entities import BindingClaim, OAuthState, SolanaNonce, ThirdPartyBinding
from certctrl.store import common, users


class Taken(Exception):
    def __init__(self, what: str) -> None:
        super().__init__(what)
        self.what = what


def binding_sk(provider: str, subject: str) -> str:
    return f"BIND#{provider}#{subject}"


def claim_key(provider: str, subject: str) -> str:
    return f"BINDING#{provider}#{subject}"


# ------------------------------------------------------------------------------------------------ providers

def provider_clients() -> dict[str, Any]:
    """{"github": {"client_id", "client_secret"}, "weixin": {"app_id", "app_secret"}} (cached five minutes)."""
    from aws_lambda_powertools.utilities import parameters  # noqa: PLC0415

    arn = config.extended().sign_in_secret_arn
    if not arn:
        return {}
    raw = parameters.get_secret(arn, max_age=300)
    value = json.loads(raw) if isinstance(raw, str) else raw
    return value if isinstance(value, dict) else {}


# ------------------------------------------------------------------------------------------------ bindings

def owner(provider: str, subject: str) -> int | None:
    try:
        return BindingClaim.get(claim_key(provider, subject), "BINDING", consistent_read=True).user_id
    except DoesNotExist:
        return None


def bindings(user_id: int, provider: str | None = None) -> list[ThirdPartyBinding]:
    prefix = f"BIND#{provider}#" if provider else "BIND#"
    return list(ThirdPartyBinding.query(users.user_key(user_id), ThirdPartyBinding.sk.startswith(prefix),
                                        consistent_read=True))


def bind(item: ThirdPartyBinding) -> None:
    """The binding and its claim together; Taken("claim") when the identity is bound to an account already."""
    try:
        with common.transaction() as tx:
            tx.save(BindingClaim(claim_key(item.provider, item.subject), "BINDING", user_id=item.user_id),
                    condition=BindingClaim.pk.does_not_exist())
            tx.save(item)
    except TransactWriteError as error:
        if common.failed_conditions(error):
            raise Taken("claim") from None
        raise


def touch(item: ThirdPartyBinding, *, now_ms: int, display_name: str | None) -> None:
    actions = [ThirdPartyBinding.last_login_at_ms.set(now_ms)]
    if display_name:
        actions.append(ThirdPartyBinding.display_name.set(display_name[:128]))
    item.update(actions=actions)


def binding(user_id: int, provider: str, subject: str) -> ThirdPartyBinding | None:
    try:
        return ThirdPartyBinding.get(users.user_key(user_id), binding_sk(provider, subject), consistent_read=True)
    except DoesNotExist:
        return None


def create_account(user: User, item: ThirdPartyBinding) -> None:
    """An ACTIVE account made by a first sign-in, with its e-mail and name claims and its binding."""
    try:
        with common.transaction() as tx:
            tx.save(EmailClaim(users.email_key(user.email), "EMAIL", user_id=user.id),
                    condition=EmailClaim.pk.does_not_exist())
            tx.save(NameClaim(users.name_key(user.name), "NAME", user_id=user.id),
                    condition=NameClaim.pk.does_not_exist())
            tx.save(BindingClaim(claim_key(item.provider, item.subject), "BINDING", user_id=user.id),
                    condition=BindingClaim.pk.does_not_exist())
            tx.save(user, condition=User.pk.does_not_exist())
            tx.save(item)
    except TransactWriteError as error:
        taken = common.first_failure(error, ["email", "name", "claim", "id"])
        if taken is None:
            raise
        raise Taken(taken) from None


# ------------------------------------------------------------------------------------------------ single use

def save_state(item: OAuthState) -> None:
    item.save(condition=OAuthState.pk.does_not_exist())


def _take(model: type, pk: str, sk: str) -> Any:
    try:
        item = model.get(pk, sk, consistent_read=True)
    except DoesNotExist:
        return None
    try:
        item.delete(condition=model.pk.exists())
    except DeleteError as error:
        if error.cause_response_code == "ConditionalCheckFailedException":
            return None
        raise
    return item


def take_state(state_digest: str) -> OAuthState | None:
    return _take(OAuthState, f"OAUTHSTATE#{state_digest}", "OAUTHSTATE")


def save_nonce(item: SolanaNonce) -> None:
    item.save(condition=SolanaNonce.pk.does_not_exist())


def take_nonce(nonce: str) -> SolanaNonce | None:
    return _take(SolanaNonce, f"SOLNONCE#{nonce}", "SOLNONCE")
