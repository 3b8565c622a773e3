"""Schemathesis on certctrl's own OpenAPI document, every operation, in process (tests/support/fuzz.py), with
the credential each operation needs (session cookie, API key or device JWT) and the caller's own ids in the
path: no 5xx, only declared statuses and content types, bodies matching their schemas. Replay a failure with the
seed in tests/support/fuzz.py (FUZZ_SEED); fuzz harder with FUZZ_EXAMPLES=100.

Schema-valid requests may still be refused with 400 where the rules are not expressible in the schema (a
password's character classes, whether an e-mail code is right, whether a device code exists): for those
operations the `positive_data_acceptance` check is left out (SEMANTIC_400), every other check stays.
"""

from __future__ import annotations

import pytest
from schemathesis.checks import positive_data_acceptance

from certctrl.logic.permissions import CATALOG
from certctrl.providers import acme, dns_lookup
from tests.integration.certctrl.conftest import fresh_address
from tests.integration.certctrl.support import api_key, bearer, new_account, register_device
from tests.support.api_client import ApiClient
from tests.support.fuzz import document_of, fuzz_operation, operation_labels, service_schema

SEMANTIC_400 = {
    "POST /auth/general",  # password classes, e-mail codes, account state
    "POST /auth/refresh",  # whether the token exists
    "POST /auth/device",  # user-code format, known device codes
    "POST /apiv1/device/registration",  # dev_pk is base64 of 32 bytes, public-id characters, the code
    "POST /apiv1/me/devices",
    "POST /apiv1/users/{user_id}/devices",
    "POST /apiv1/me/apikeys",  # object types and actions of the catalogue
    "POST /apiv1/users/{user_id}/apikeys",
    "PATCH /apiv1/users/{user_id}/apikeys/{apikey_id}",
    "PUT /apiv1/users/{user_id}/devices/{device_id}/install-config",  # what each item type needs
    "GET /apiv1/devices/self/updates",  # the cursor's form
    # issue 19
    "POST /auth/webauthn/register/verify",  # whether the credential answers a challenge of ours
    "POST /auth/webauthn/login/verify",
    "POST /auth/webauthn/step-up/verify",
    "POST /auth/webauthn/step-up/options",  # 409 without a registered key
    "GET /auth/solana",  # base58 keys and signatures, known nonces
    "POST /apiv1/users/{user_id}/notifications/channels",  # e-mail syntax, WeChat ids, one address per user
    "PUT /apiv1/users/{user_id}/notifications/channels/{channel_id}",
    "POST /apiv1/users/{user_id}/notifications/channels/{channel_id}/verify-email",  # the code
    "POST /apiv1/users/{user_id}/notifications/subscriptions",  # event keys of the catalogue
    "GET /apiv1/users/{user_id}/notifications/subscriptions/{event_key}/{channel}",
    "PUT /apiv1/users/{user_id}/notifications/subscriptions/{event_key}/{channel}",
    "DELETE /apiv1/users/{user_id}/notifications/subscriptions/{event_key}/{channel}",
    "GET /apiv1/users/{user_id}/notifications/subscriptions/{event_key}/{channel}/",
    "PUT /apiv1/users/{user_id}/notifications/subscriptions/{event_key}/{channel}/",
    "DELETE /apiv1/users/{user_id}/notifications/subscriptions/{event_key}/{channel}/",
    "PUT /apiv1/notifications/templates/{template_id}",  # placeholders of the event
    "POST /apiv1/notifications/templates",
    "GET /apiv1/users/{user_id}/notifications/wechat/handshake/{handshake_token}",  # the signature
    "POST /hooks/{tunnel_id}",  # known tunnels, text bodies
    "POST /txt-as-url-response",  # 64 KiB of UTF-8
    # issue 17: names, keys, subject fields, policies and PEM texts are checked beyond the schema; the ACME rules
    "POST /apiv1/me/acme-accounts",  # provider and directory URL (known, configured or public https)
    "POST /apiv1/users/{user_id}/acme-accounts",
    "PUT /apiv1/users/{user_id}/acme-accounts/{acme_account_id}",  # NO_KID (409)
    "POST /apiv1/users/{user_id}/certificates",  # DNS names, key sizes, ISO countries, policies
    "POST /apiv1/users/{user_id}/acme-accounts/{acme_account_id}/certificates",
    "PUT /apiv1/users/{user_id}/certificates/{certificate_id}",  # policies; verify_domain's CNAMEs (409)
    "POST /apiv1/users/{user_id}/certificates/{certificate_id}/issues",  # one issue at a time (409)
    "PUT /apiv1/users/{user_id}/certificates/{certificate_id}/issue-result",  # PEM texts and keys
    "GET /apiv1/users/{user_id}/certificates/{certificate_id}/export",  # format=zip only
    "POST /apiv1/users/{user_id}/cas",  # key usage, algorithms
    "POST /apiv1/users/{user_id}/cas/{ca_id}/issue",
    "POST /apiv1/internal/certificates/{certificate_id}/challenges/http01/start",  # <token>.<thumbprint>
    "POST /apiv1/internal/certificates/{certificate_id}/challenges/tlsalpn01/start",
    "POST /apiv1/internal/certificates/{certificate_id}/challenges/http01/stop",
    "POST /apiv1/internal/certificates/{certificate_id}/challenges/tlsalpn01/stop",
    "POST /apiv1/me/certificate-assign",  # which certificate the key names
    "POST /apiv1/me/install-config-update/{device_public_id}",  # patches' ob_type/ob_id, item rules
}
ALL = [{"obtype": entry.obtype, "obid": "*", "actions": list(entry.actions)} for entry in CATALOG]


def _no_ca_calls(monkeypatch) -> None:
    """Fuzzing is about our API, not the CAs': registrations and CNAME lookups answer without the network."""
    monkeypatch.setattr(acme.AcmeClient, "register", lambda self, email=None, eab=None: acme.AcmeAccount(
        kid="https://ca.invalid/acme/acct/1", status="valid", contacts=(), created=True))
    monkeypatch.setattr(acme.AcmeClient, "meta", lambda self: acme.DirectoryMeta(None, False, (), False))
    monkeypatch.setattr(dns_lookup, "cname", lambda name: None)


def _certificate_world(client, account, device) -> dict:
    """A CA, a SELF_CA account and an issued certificate assigned to the device: real ids for the paths."""
    base = f"/apiv1/users/{account.user_id}"
    ca = client.post(f"{base}/cas", {"name": "fuzz CA"}, headers=account.headers).json["data"]
    acct = client.post(f"{base}/acme-accounts", {"name": "fuzz", "provider": "SELF_CA", "ca_id": ca["id"]},
                       headers=account.headers).json["data"]
    cert = client.post(f"{base}/acme-accounts/{acct['id']}/certificates", {"domain_name": "fuzz.example.com"},
                       headers=account.headers).json["data"]
    assert client.post(f"{base}/certificates/{cert['id']}/issues", {}, headers=account.headers).status == 200
    assert client.post(f"{base}/devices/{device.device_id}/certificates", {"cert_id": cert["id"]},
                       headers=account.headers).status == 200
    return {"ca_id": str(ca["id"]), "acme_account_id": str(acct["id"]), "certificate_id": str(cert["id"]),
            "device_public_id": device.public_id}


@pytest.fixture(scope="module")
def world(moto_stack):
    with pytest.MonkeyPatch.context() as monkeypatch:
        _no_ca_calls(monkeypatch)
        client = ApiClient(moto_stack, "certctrl", monkeypatch, source_ip=fresh_address())
        account = new_account(client)
        key_id, key = api_key(client, account, ALL)
        device = register_device(client, account)
        ids = _certificate_world(client, account, device)
        security = {f"{method.upper()} {path}": {name for req in op.get("security", []) for name in req}
                    for path, item in document_of(client)["paths"].items() for method, op in item.items()}
        yield {"schema": service_schema(client), "account": account, "key": key, "key_id": key_id,
               "device": device, "security": security, "ids": ids}


def _credentials(world: dict, label: str) -> dict[str, str]:
    schemes = world["security"].get(label, set())
    if "session" in schemes:
        return world["account"].headers
    if "apiKey" in schemes:
        return bearer(world["key"])
    if "deviceJwt" in schemes:
        return world["device"].headers
    return {}


def _own_ids(world: dict, label: str):
    removes_device = label == "DELETE /apiv1/users/{user_id}/devices/{device_id}"
    removes = label.startswith("DELETE") or label.endswith("/unassign")

    def prepare(case) -> None:
        params = case.path_parameters or {}
        if "user_id" in params:
            params["user_id"] = str(world["account"].user_id)
        if "device_id" in params:
            params["device_id"] = "999999" if removes_device else str(world["device"].device_id)
        if "apikey_id" in params and label.startswith("GET"):
            params["apikey_id"] = str(world["key_id"])
        for name, value in world["ids"].items():  # the objects of issue 17 (never deleted by the fuzzing)
            if name in params and not removes:
                params[name] = value

    return prepare


@pytest.mark.parametrize("label", operation_labels("certctrl"))
def test_operation_holds_under_fuzzing(world, label):
    excluded = [positive_data_acceptance] if label in SEMANTIC_400 else []
    assert fuzz_operation(world["schema"], label, headers=_credentials(world, label),
                          prepare=_own_ids(world, label), excluded_checks=excluded) >= 1
