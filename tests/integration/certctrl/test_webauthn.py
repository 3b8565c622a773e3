"""WebAuthn on moto with a software authenticator (authenticator.py): register, sign in, step up, the credentials;
single-use challenges with a TTL, origins, counters, and what belongs to whom."""

from __future__ import annotations

import time

import pytest

from tests.integration.certctrl.authenticator import SoftAuthenticator, b64url
from tests.integration.certctrl.support import new_account, session_cookie


def register_key(client, account, key: SoftAuthenticator, **options) -> dict:
    answer = client.post("/auth/webauthn/register/options", options or {}, headers=account.headers)
    assert answer.status == 200, answer.text
    credential = key.create(answer.json["data"])
    done = client.post("/auth/webauthn/register/verify", {**credential, "name": "laptop key"},
                       headers=account.headers)
    assert done.status == 201, done.text
    return done.json["data"]


def status(client, cookie: str) -> dict:
    return client.get("/auth/status", headers={"Cookie": f"cjj365={cookie}"}).json


def later(monkeypatch, seconds: int) -> None:
    now = time.time() + seconds
    monkeypatch.setattr("certctrl.clock.now", lambda: now)


def test_a_key_registers_and_then_signs_in(client):
    account = new_account(client)
    key = SoftAuthenticator()
    options = client.post("/auth/webauthn/register/options", {}, headers=account.headers).json["data"]
    assert options["rp"] == {"id": "cjj365.cc", "name": "cert-ctrl"}
    assert options["user"]["name"] == account.email
    assert options["attestation"] == "none"
    assert {"type": "public-key", "alg": -7} in options["pubKeyCredParams"]
    assert options["authenticatorSelection"]["residentKey"] == "preferred"
    registered = client.post("/auth/webauthn/register/verify", key.create(options), headers=account.headers)
    assert registered.status == 201, registered.text
    assert registered.json["data"]["id"] == b64url(key.credentials[0].credential_id)
    assert registered.json["data"]["attestation_format"] == "none"
    assert registered.json["data"]["algorithm"] == -7

    login_options = client.post("/auth/webauthn/login/options", {}).json["data"]
    assert login_options["rpId"] == "cjj365.cc"
    assert login_options.get("allowCredentials", []) == []
    signed_in = client.post("/auth/webauthn/login/verify", key.get(login_options))
    assert signed_in.status == 200, signed_in.text
    assert signed_in.json["data"]["user"]["id"] == account.user_id
    cookie = session_cookie(signed_in)
    assert cookie
    assert cookie != account.cookie
    now = status(client, cookie)["data"]
    assert now["amr"] == ["webauthn"]
    assert now["acr"] == "aal2"
    assert now["mfa"] is True
    assert now["webauthn"]["credentials"] == 1
    assert now["webauthn"]["step_up"] is False

    listed = client.get("/auth/webauthn/credentials", headers=account.headers).json["data"]
    assert listed[0]["sign_count"] == 1
    assert listed[0]["last_used_at"] is not None


def test_a_challenge_works_once(client):
    account = new_account(client)
    key = SoftAuthenticator()
    register_key(client, account, key)
    options = client.post("/auth/webauthn/login/options", {}).json["data"]
    assertion = key.get(options)
    assert client.post("/auth/webauthn/login/verify", assertion).status == 200
    again = client.post("/auth/webauthn/login/verify", assertion)
    assert again.status == 400
    assert "used or expired" in again.json["error"]["what"]


def test_a_challenge_expires(client, monkeypatch):
    account = new_account(client)
    key = SoftAuthenticator()
    register_key(client, account, key)
    options = client.post("/auth/webauthn/login/options", {}).json["data"]
    later(monkeypatch, 301)
    answer = client.post("/auth/webauthn/login/verify", key.get(options))
    assert answer.status == 400


def test_options_of_one_ceremony_do_not_serve_another(client):
    account = new_account(client)
    key = SoftAuthenticator()
    register_key(client, account, key)
    login_options = client.post("/auth/webauthn/login/options", {}).json["data"]
    step = client.post("/auth/webauthn/step-up/verify", key.get(login_options), headers=account.headers)
    assert step.status == 400  # a login challenge is no step-up challenge (and it is gone now)


def test_a_foreign_origin_is_refused(client):
    account = new_account(client)
    options = client.post("/auth/webauthn/register/options", {}, headers=account.headers).json["data"]
    answer = client.post("/auth/webauthn/register/verify",
                         SoftAuthenticator().create(options, origin="https://evil.example"),
                         headers=account.headers)
    assert answer.status == 400
    assert client.get("/auth/webauthn/credentials", headers=account.headers).json["data"] == []


def test_registration_options_exclude_the_accounts_keys(client):
    account = new_account(client)
    key = SoftAuthenticator()
    first = register_key(client, account, key)
    options = client.post("/auth/webauthn/register/options", {"authenticator_attachment": "cross-platform"},
                          headers=account.headers).json["data"]
    assert [item["id"] for item in options["excludeCredentials"]] == [first["id"]]
    assert options["authenticatorSelection"]["authenticatorAttachment"] == "cross-platform"
    with pytest.raises(ValueError, match="excluded"):
        key.create(options)


def test_registration_belongs_to_the_session_that_asked(client):
    alice, bob = new_account(client), new_account(client)
    options = client.post("/auth/webauthn/register/options", {}, headers=alice.headers).json["data"]
    answer = client.post("/auth/webauthn/register/verify", SoftAuthenticator().create(options), headers=bob.headers)
    assert answer.status == 400
    assert client.get("/auth/webauthn/credentials", headers=bob.headers).json["data"] == []


def test_registering_needs_a_recent_sign_in(client, monkeypatch):
    account = new_account(client)
    later(monkeypatch, 16 * 60)
    answer = client.post("/auth/webauthn/register/options", {}, headers=account.headers)
    assert answer.status == 403
    assert answer.json["error"]["key"] == "reauthentication_required"


def test_step_up_raises_the_session(client, monkeypatch):
    account = new_account(client)
    key = SoftAuthenticator()
    register_key(client, account, key)
    before = status(client, account.cookie)["data"]
    assert before["amr"] == ["pwd"]
    assert before["acr"] == "aal1"
    assert before["webauthn"]["step_up"] is False
    options = client.post("/auth/webauthn/step-up/options", {}, headers=account.headers).json["data"]
    assert [c["id"] for c in options["allowCredentials"]] == [b64url(key.credentials[0].credential_id)]
    raised = client.post("/auth/webauthn/step-up/verify", key.get(options), headers=account.headers)
    assert raised.status == 200, raised.text
    assert raised.json["data"]["amr"] == ["pwd", "webauthn", "mfa"]
    assert raised.json["data"]["acr"] == "aal2"
    after = status(client, account.cookie)["data"]
    assert after["amr"] == ["pwd", "webauthn", "mfa"]
    assert after["acr"] == "aal2"
    assert after["mfa"] is True
    assert after["webauthn"]["step_up"] is True
    assert after["webauthn"]["step_up_expires_at"] == after["webauthn"]["step_up_at"] + 900
    later(monkeypatch, 901)
    assert status(client, account.cookie)["data"]["webauthn"]["step_up"] is False


def test_step_up_needs_the_accounts_own_key(client):
    alice, bob = new_account(client), new_account(client)
    alice_key, bob_key = SoftAuthenticator(), SoftAuthenticator()
    register_key(client, alice, alice_key)
    register_key(client, bob, bob_key)
    options = client.post("/auth/webauthn/step-up/options", {}, headers=alice.headers).json["data"]
    answer = client.post("/auth/webauthn/step-up/verify",
                         bob_key.get(options, credential=bob_key.credentials[0]), headers=alice.headers)
    assert answer.status == 401
    assert status(client, alice.cookie)["data"]["acr"] == "aal1"


def test_step_up_without_a_key(client):
    account = new_account(client)
    answer = client.post("/auth/webauthn/step-up/options", {}, headers=account.headers)
    assert answer.status == 409
    assert answer.json["error"]["key"] == "no_webauthn_credentials"


def test_a_counter_that_goes_back_is_refused(client):
    account = new_account(client)
    key = SoftAuthenticator()
    register_key(client, account, key)
    options = client.post("/auth/webauthn/login/options", {}).json["data"]
    assert client.post("/auth/webauthn/login/verify", key.get(options)).status == 200
    key.credentials[0].sign_count = 0  # a clone of the key, from before that sign-in
    options = client.post("/auth/webauthn/login/options", {}).json["data"]
    assert client.post("/auth/webauthn/login/verify", key.get(options)).status == 401


def test_sign_in_by_email_allows_only_that_accounts_keys(client):
    alice, bob = new_account(client), new_account(client)
    alice_key, bob_key = SoftAuthenticator(), SoftAuthenticator()
    register_key(client, alice, alice_key)
    register_key(client, bob, bob_key)
    options = client.post("/auth/webauthn/login/options", {"email": alice.email}).json["data"]
    assert [c["id"] for c in options["allowCredentials"]] == [b64url(alice_key.credentials[0].credential_id)]
    answer = client.post("/auth/webauthn/login/verify", bob_key.get(options, credential=bob_key.credentials[0]))
    assert answer.status == 401


def test_credentials_are_listed_and_removed_by_their_owner(client):
    alice, bob = new_account(client), new_account(client)
    key = SoftAuthenticator()
    made = register_key(client, alice, key)
    listed = client.get("/auth/webauthn/credentials", headers=alice.headers).json["data"]
    assert [c["id"] for c in listed] == [made["id"]]
    assert listed[0]["name"] == "laptop key"
    assert client.delete(f"/auth/webauthn/credentials/{made['id']}", headers=bob.headers).status == 404
    assert client.delete(f"/auth/webauthn/credentials/{made['id']}", headers=alice.headers).status == 204
    assert client.get("/auth/webauthn/credentials", headers=alice.headers).json["data"] == []
    options = client.post("/auth/webauthn/login/options", {}).json["data"]
    assert client.post("/auth/webauthn/login/verify", key.get(options)).status == 401
    assert client.delete(f"/auth/webauthn/credentials/{made['id']}", headers=alice.headers).status == 404


def test_webauthn_routes_need_the_session(client):
    account = new_account(client)
    assert client.post("/auth/webauthn/register/options", {}).status == 401
    assert client.get("/auth/webauthn/credentials").status == 401
    assert client.post("/auth/webauthn/step-up/options", {}).status == 401
    bad = client.post("/auth/webauthn/register/verify", {"id": "x" * 20, "rawId": "x" * 20, "type": "public-key",
                                                        "response": {"clientDataJSON": "bm90IGpzb24",
                                                                     "attestationObject": "AA"}},
                      headers=account.headers)
    assert bad.status == 400
