"""ACME account rules: the `NO_KID` rule, and what a registration at the CA writes back.

An ACME account row is ours (name, email, provider, ca_id, leaf key defaults, cert_valid_seconds) until it is
registered at its CA; from then on its KID (the CA's account URL) ties it to one key at one directory. The notes'
rule, as we apply it:

* **On an existing (registered) account, only the KID can be updated** among the fields that bind it to its CA:
  `provider`, `email` (the CA's contact), `ca_id`, `directory_url` and the EAB credentials are frozen once the row
  has a KID. A PUT that changes one of them is refused with code `NO_KID` (6000). Local-only fields (`name`, the
  leaf key defaults, `cert_valid_seconds`) stay editable; `kid` itself may be set (e.g. to adopt the account the CA
  returned for our key).
* **A registration or lookup writes only the KID**: when the CA already knows the account key
  (`AcmeAccount.created` False), nothing else of the row changes (`registration_update`).
* **Ordering needs a KID** (`require_kid`): an ACME account without one must be registered first.

SELF_CA accounts never talk to a CA: they need `ca_id` and never get a KID.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from certctrl.providers.acme import AcmeAccount

NO_KID = 6000
SELF_CA = "SELF_CA"
PROVIDERS = ("letsencrypt", "letsencrypt-staging", "zerossl", "acme", SELF_CA)
CA_BOUND_FIELDS = ("provider", "email", "ca_id", "directory_url", "eab_kid", "eab_hmac_key")
LOCAL_FIELDS = ("name", "leaf_key_algorithm", "leaf_rsa_bits", "leaf_ec_curve", "cert_valid_seconds")


class AccountRuleError(ValueError):
    """A change the account rules refuse. `code` is the API error code (NO_KID = 6000)."""

    def __init__(self, code: int, what: str) -> None:
        super().__init__(what)
        self.code = code
        self.what = what


def is_registered(account: Mapping[str, Any]) -> bool:
    return bool(account.get("kid"))


def require_kid(account: Mapping[str, Any]) -> str:
    """The KID an ACME order is signed with; NO_KID when the account was never registered at its CA."""
    if account.get("provider") == SELF_CA:
        raise AccountRuleError(NO_KID, "SELF_CA accounts issue from their CA and have no KID")
    kid = account.get("kid")
    if not kid:
        raise AccountRuleError(NO_KID, "the ACME account is not registered with its CA yet (no KID)")
    return str(kid)


def plan_account_update(current: Mapping[str, Any], changes: Mapping[str, Any]) -> dict[str, Any]:
    """The fields a PUT may write. Unknown fields are ignored; a registered account's CA-bound fields may not
    change (NO_KID); an unchanged value is not a change."""
    allowed = set(LOCAL_FIELDS) | {"kid"}
    if not is_registered(current):
        allowed |= set(CA_BOUND_FIELDS)
    updates: dict[str, Any] = {}
    for name, value in changes.items():
        if name in CA_BOUND_FIELDS and name not in allowed:
            if current.get(name) != value:
                raise AccountRuleError(NO_KID, f"{name} cannot change on a registered ACME account; "
                                               "only its kid can be updated")
            continue
        if name in allowed and current.get(name) != value:
            updates[name] = value
    if "kid" in updates and not isinstance(updates["kid"], str | type(None)):
        raise AccountRuleError(NO_KID, "kid must be the account URL")
    return updates


def registration_update(current: Mapping[str, Any], registration: AcmeAccount) -> dict[str, Any]:
    """What a registration/lookup at the CA writes on the row: the KID, and nothing else."""
    if current.get("kid") == registration.kid:
        return {}
    return {"kid": registration.kid}
