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
from tests.integration.certctrl.conftest import fresh_address
from tests.integration.certctrl.money_support import make_admin, payment_gateways
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
    # issue 20
    "POST /apiv1/alipay/notify",  # RSA2 signature over the form (WeChat Pay's refusal is 401, always acceptable)
}
ALL = [{"obtype": entry.obtype, "obid": "*", "actions": list(entry.actions)} for entry in CATALOG]


@pytest.fixture(scope="module")
def world(moto_stack):
    with pytest.MonkeyPatch.context() as monkeypatch:
        client = ApiClient(moto_stack, "certctrl", monkeypatch, source_ip=fresh_address())
        with payment_gateways(client):  # issue 20: notifies verified against the fakes' keys
            account = new_account(client)
            make_admin(client, account)  # issue 20: the admin routes take an administrator's cookie
            key_id, key = api_key(client, account, ALL)
            device = register_device(client, account)
            wallets = client.get(f"/apiv1/users/{account.user_id}/wallets", headers=account.headers).json["data"]
            repo = client.post(f"/apiv1/users/{account.user_id}/gitrepos", {"name": "fuzzed"}, headers=account.headers)
            security = {f"{method.upper()} {path}": {name for req in op.get("security", []) for name in req}
                        for path, item in document_of(client)["paths"].items() for method, op in item.items()}
            yield {"schema": service_schema(client), "account": account, "key": key, "key_id": key_id,
                   "device": device, "security": security, "wallet_id": wallets[0]["id"],
                   "repo_id": repo.json["data"]["id"]}


def _credentials(world: dict, label: str) -> dict[str, str]:
    schemes = world["security"].get(label, set())
    if "session" in schemes or "adminSession" in schemes:
        return world["account"].headers
    if "apiKey" in schemes:
        return bearer(world["key"])
    if "deviceJwt" in schemes:
        return world["device"].headers
    return {}


def _own_ids(world: dict, label: str):
    removes_device = label == "DELETE /apiv1/users/{user_id}/devices/{device_id}"

    def prepare(case) -> None:
        params = case.path_parameters or {}
        if "user_id" in params:
            params["user_id"] = str(world["account"].user_id)
        if "device_id" in params:
            params["device_id"] = "999999" if removes_device else str(world["device"].device_id)
        if "apikey_id" in params and label.startswith("GET"):
            params["apikey_id"] = str(world["key_id"])
        if "wallet_id" in params and "/admin/" not in label:  # issue 20: the caller's own wallet
            params["wallet_id"] = str(world["wallet_id"])
        if "repo_id" in params:  # issue 19 (git): the caller's own repository
            params["repo_id"] = str(world["repo_id"])

    return prepare


@pytest.mark.parametrize("label", operation_labels("certctrl"))
def test_operation_holds_under_fuzzing(world, label):
    excluded = [positive_data_acceptance] if label in SEMANTIC_400 else []
    assert fuzz_operation(world["schema"], label, headers=_credentials(world, label),
                          prepare=_own_ids(world, label), excluded_checks=excluded) >= 1
