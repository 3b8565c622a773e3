"""A user's ACME accounts (`/apiv1/users/{user_id}/acme-accounts`): created by registering a fresh key at the CA,
the key (and a ZeroSSL EAB HMAC key) sealed at once, the KID kept; or a SELF_CA account that names one of the
user's private CAs and issues from it synchronously.

* Directories: `letsencrypt`, `letsencrypt-staging` and `zerossl` are built in; the operator's `ACME_DIRECTORIES`
  (a local pebble) name more; any other `directory_url` is a user's URL and must be public https
  (providers/acme.py). A CA that wants external account binding gets `eab_kid` + `eab_hmac_key`.
* Changes follow the NO_KID rule (logic/acme_accounts.py): on a registered account only the local fields
  (`name`, the leaf key defaults, `cert_valid_seconds`) and the kid may change; 409 with code 6000 otherwise.
* An account still used by certificates cannot be deleted (409); a CA used by SELF_CA accounts neither.
"""

from __future__ import annotations

from typing import Any

from certctrl import clock, config
from certctrl.errors import NoKid
from certctrl.logic import acme_accounts, pki
from certctrl.models.acme_accounts import AcmeAccountBody, AcmeAccountUpdate
from certctrl.models.entities import AcmeAccount
from certctrl.providers import acme
from certctrl.store import certificates, counters
from certctrl.store.key_vault import vault
from suite.errors import ApiError, BadRequest, Conflict, NotFound, TooManyRequests, UpstreamFailure
from suite.outbound import ProviderError


def provider_failure(exc: ProviderError) -> ApiError:
    """A CA's answer as ours: its refusals are the caller's (400), its throttling 429, its absence 502/504."""
    if exc.reason in ("rejected", "unsafe_url"):
        details = {"key": str(exc.provider_code)} if exc.provider_code else None
        return BadRequest(exc.message, code="400", details=details)
    if exc.reason == "rate_limited":
        return TooManyRequests(exc.message, code="429",
                               retry_after=int(exc.retry_after) if exc.retry_after else None)
    if exc.reason == "timeout":
        return ApiError(exc.message, status=504, code="504")
    return UpstreamFailure(exc.message, code="502")


def provider_name(value: str) -> str:
    text = value.strip()
    return acme_accounts.SELF_CA if text.upper() == acme_accounts.SELF_CA else text.lower()


def view(account: AcmeAccount) -> dict[str, Any]:
    return {"id": int(account.id), "user_id": int(account.user_id), "name": account.name, "email": account.email,
            "provider": account.provider, "directory_url": account.directory_url,
            "ca_id": int(account.ca_id) if account.ca_id else None, "kid": account.kid, "status": account.status,
            "eab_kid": account.eab_kid, "leaf_key_algorithm": account.leaf_key_algorithm,
            "leaf_rsa_bits": int(account.leaf_rsa_bits) if account.leaf_rsa_bits else None,
            "leaf_ec_curve": account.leaf_ec_curve,
            "cert_valid_seconds": int(account.cert_valid_seconds) if account.cert_valid_seconds else None,
            "renewal_info": bool(account.renewal_info),
            "created_at": int(account.created_at_ms), "updated_at": int(account.updated_at_ms)}


def owned(user_id: int, account_id: int) -> AcmeAccount:
    account = certificates.account(user_id, account_id)
    if account is None:
        raise NotFound("ACME account not found", code="404")
    return account


def listing(user_id: int, *, offset: int, limit: int) -> tuple[list[dict[str, Any]], int]:
    found, total = certificates.accounts_of(user_id, offset=offset, limit=limit)
    return [view(a) for a in found], total


def _leaf_defaults(algorithm: str | None, rsa_bits: int | None, curve: str | None) -> None:
    if algorithm is None and rsa_bits is None and curve is None:
        return
    try:
        pki.key_spec(algorithm, rsa_bits if (algorithm or "").upper() == "RSA" else None, curve)
    except pki.PkiError as exc:
        raise BadRequest(f"leaf key defaults: {exc}") from None


def _own_ca(user_id: int, ca_id: int | None) -> int:
    if ca_id is None:
        raise BadRequest("ca_id: a SELF_CA account names one of your CAs")
    if certificates.ca(user_id, ca_id) is None:
        raise NotFound("CA not found", code="404")
    return ca_id


def create(user_id: int, body: AcmeAccountBody) -> dict[str, Any]:
    provider = provider_name(body.provider)
    _leaf_defaults(body.leaf_key_algorithm, body.leaf_rsa_bits, body.leaf_ec_curve)
    now_ms = clock.epoch_ms()
    fields: dict[str, Any] = {"user_id": user_id, "name": body.name.strip() or provider, "email": body.email,
                              "provider": provider, "leaf_key_algorithm": body.leaf_key_algorithm,
                              "leaf_rsa_bits": body.leaf_rsa_bits, "leaf_ec_curve": body.leaf_ec_curve,
                              "cert_valid_seconds": body.cert_valid_seconds, "created_at_ms": now_ms,
                              "updated_at_ms": now_ms}
    if provider == acme_accounts.SELF_CA:
        account_id = counters.next_id("acme_account")
        account = AcmeAccount(certificates.user_key(user_id), certificates.account_sk(account_id), id=account_id,
                              ca_id=_own_ca(user_id, body.ca_id), **fields)
        certificates.create_account(account)
        return view(account)
    if bool(body.eab_kid) != bool(body.eab_hmac_key):
        raise BadRequest("eab_kid and eab_hmac_key come together")
    settings = config.get()
    try:
        endpoint = acme.endpoint_for(provider, body.directory_url, configured=settings.acme_directories,
                                     ca_bundle=settings.acme_ca_bundle)
        binding = acme.ExternalBinding(body.eab_kid, body.eab_hmac_key) if body.eab_kid and body.eab_hmac_key \
            else None
    except ProviderError as exc:
        raise provider_failure(exc) from None
    except ValueError as exc:
        raise BadRequest(str(exc)) from None
    key_pem = acme.new_account_key_pem()
    client = acme.AcmeClient(endpoint, key_pem)
    try:
        registered = client.register(email=body.email, eab=binding)
        renewal_info = client.meta().renewal_info
    except ProviderError as exc:
        raise provider_failure(exc) from None
    account_id = counters.next_id("acme_account")
    seal = vault()
    account = AcmeAccount(
        certificates.user_key(user_id), certificates.account_sk(account_id), id=account_id,
        directory_url=endpoint.directory_url if body.directory_url or provider not in acme.KNOWN_DIRECTORIES
        else None, kid=registered.kid, status=registered.status or "valid", renewal_info=renewal_info,
        account_key=seal.seal_account_key(key_pem, user_id=user_id, account_id=account_id),
        eab_kid=body.eab_kid,
        eab_hmac_key=seal.seal_eab_hmac_key(body.eab_hmac_key, user_id=user_id, account_id=account_id)
        if body.eab_hmac_key else None, **fields)
    certificates.create_account(account)
    return view(account)


def _current(account: AcmeAccount) -> dict[str, Any]:
    return {"provider": account.provider, "email": account.email,
            "ca_id": int(account.ca_id) if account.ca_id else None, "directory_url": account.directory_url,
            "eab_kid": account.eab_kid, "kid": account.kid, "name": account.name,
            "leaf_key_algorithm": account.leaf_key_algorithm,
            "leaf_rsa_bits": int(account.leaf_rsa_bits) if account.leaf_rsa_bits else None,
            "leaf_ec_curve": account.leaf_ec_curve,
            "cert_valid_seconds": int(account.cert_valid_seconds) if account.cert_valid_seconds else None}


def update(account: AcmeAccount, body: AcmeAccountUpdate) -> dict[str, Any]:
    changes = body.model_dump(exclude_unset=True)
    if "provider" in changes and changes["provider"] is not None:
        changes["provider"] = provider_name(changes["provider"])
    current = _current(account)
    if "eab_hmac_key" in changes:
        held = vault().open_eab_hmac_key(str(account.eab_hmac_key), user_id=int(account.user_id),
                                         account_id=int(account.id)) if account.eab_hmac_key else None
        if changes["eab_hmac_key"] == held:
            changes.pop("eab_hmac_key")
    try:
        updates = acme_accounts.plan_account_update(current, changes)
    except acme_accounts.AccountRuleError as exc:
        raise NoKid(exc.what) from None
    if "eab_hmac_key" in updates:  # only an account without a KID gets here
        raise NoKid("external account binding is set when the account is registered")
    merged = {**current, **updates}
    _leaf_defaults(merged["leaf_key_algorithm"], merged["leaf_rsa_bits"], merged["leaf_ec_curve"])
    if "ca_id" in updates:
        if account.provider != acme_accounts.SELF_CA:
            raise BadRequest("ca_id applies to SELF_CA accounts")
        _own_ca(int(account.user_id), updates["ca_id"])
    if "provider" in updates or "directory_url" in updates:
        raise NoKid("provider and directory_url are fixed when the account is created")
    if not updates:
        return view(account)
    actions = [getattr(AcmeAccount, name).set(value) if value is not None else getattr(AcmeAccount, name).remove()
               for name, value in updates.items()]
    actions.append(AcmeAccount.updated_at_ms.set(clock.epoch_ms()))
    try:
        certificates.update_account(account, actions)
    except certificates.Changed:
        raise NotFound("ACME account not found", code="404") from None
    return view(owned(int(account.user_id), int(account.id)))


def delete(account: AcmeAccount) -> None:
    if certificates.certificates_using(int(account.user_id), acct_id=int(account.id)):
        raise Conflict("Certificates are issued through this account; delete or move them first", code="409")
    certificates.delete_account(int(account.user_id), int(account.id))
