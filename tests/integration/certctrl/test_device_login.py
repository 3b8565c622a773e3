"""Device login (POST /auth/device), registration, device sessions: what the agent sends and reads."""

from __future__ import annotations

import base64
import hashlib

import jwt

from certctrl import clock
from tests.integration.certctrl.support import (
    approved_code,
    bearer,
    device_metadata,
    new_account,
    register_device,
)


def start(client, **extra):
    body = {"action": "device_start", "scopes": ["openid", "profile", "email"], "interval": 5, "expires_in": 900}
    return client.post("/auth/device", {**body, **extra})


def poll(client, device_code):
    return client.post("/auth/device", {"action": "device_poll", "device_code": device_code})


def test_start_answers_what_the_agent_validates(client):
    answer = start(client)
    assert answer.status == 200
    data = answer.json["data"]
    assert set(data) == {"device_code", "user_code", "verification_uri", "verification_uri_complete", "interval",
                         "expires_in"}
    code = data["user_code"]
    assert len(code) == 9
    assert code[4] == "-"
    assert (code[:4] + code[5:]).isalnum()
    assert code.upper() == code
    assert data["verification_uri_complete"].endswith(code)
    assert (data["interval"], data["expires_in"]) == (5, 900)


def test_bad_start_parameters_are_400(client):
    assert start(client, interval=0).status == 400
    assert start(client, expires_in=29).status == 400
    assert start(client, expires_in=3601).status == 400
    assert client.post("/auth/device", {"action": "device_poll"}).status == 400
    assert client.post("/auth/device", {"action": "invalid_action"}).status == 400


def test_pending_then_slow_down_then_ready_with_a_single_use_code(client, monkeypatch):
    account = new_account(client)
    data = start(client).json["data"]
    now = [clock.now()]
    monkeypatch.setattr(clock, "now", lambda: now[0])
    assert poll(client, data["device_code"]).json["data"]["status"] == "authorization_pending"
    now[0] += 2  # faster than the 5 s interval
    assert poll(client, data["device_code"]).json["data"]["status"] == "slow_down"
    now[0] += 5
    assert poll(client, data["device_code"]).json["data"]["status"] == "authorization_pending"
    verified = client.post("/auth/device", {"action": "device_verify", "user_code": data["user_code"].lower(),
                                            "approve": True}, headers=account.headers)
    assert verified.json == {"data": {"status": "approved"}}
    now[0] += 5
    ready = poll(client, data["device_code"]).json["data"]
    assert ready["status"] == "ready"
    assert ready["user_id"] == account.user_id
    assert ready["registration_code_ttl"] > 0
    assert "access_token" not in ready  # no token before registration
    body = {**device_metadata(), "user_id": account.user_id, "registration_code": ready["registration_code"]}
    assert client.post("/apiv1/device/registration", body).status == 200
    again = client.post("/apiv1/device/registration", {**body, "device_public_id": "another-id"})
    assert again.status == 401  # used up
    now[0] += 5
    assert poll(client, data["device_code"]).json["data"]["status"] == "expired"  # the login is spent


def test_polling_again_while_ready_replaces_the_code(client, monkeypatch):
    account = new_account(client)
    data = start(client, interval=1).json["data"]
    client.post("/auth/device", {"action": "device_verify", "user_code": data["user_code"], "approve": True},
                headers=account.headers)
    now = [clock.now()]
    monkeypatch.setattr(clock, "now", lambda: now[0])
    first = poll(client, data["device_code"]).json["data"]["registration_code"]
    now[0] += 2
    second = poll(client, data["device_code"]).json["data"]["registration_code"]
    assert first != second
    body = {**device_metadata(), "user_id": account.user_id}
    assert client.post("/apiv1/device/registration", {**body, "registration_code": first}).status == 401
    assert client.post("/apiv1/device/registration", {**body, "registration_code": second}).status == 200


def test_denied_and_expired_and_unknown(client, monkeypatch):
    account = new_account(client)
    denied = start(client).json["data"]
    answer = client.post("/auth/device", {"action": "device_verify", "user_code": denied["user_code"],
                                          "approve": False}, headers=account.headers)
    assert answer.json == {"data": {"status": "denied"}}
    assert poll(client, denied["device_code"]).json["data"]["status"] == "access_denied"
    short = start(client, expires_in=30).json["data"]
    real = clock.now
    monkeypatch.setattr(clock, "now", lambda: real() + 31)
    assert poll(client, short["device_code"]).json["data"]["status"] == "expired"
    assert poll(client, "no-such-code").json["data"]["status"] == "expired"


def test_verify_needs_a_session_and_a_well_formed_code(client):
    data = start(client).json["data"]
    anonymous = client.post("/auth/device", {"action": "device_verify", "user_code": data["user_code"]})
    assert anonymous.status == 401
    account = new_account(client)
    bad = client.post("/auth/device", {"action": "device_verify", "user_code": "12-34"}, headers=account.headers)
    assert bad.status == 400
    unknown = client.post("/auth/device", {"action": "device_verify", "user_code": "ZZZZ-ZZZZ"},
                          headers=account.headers)
    assert unknown.status == 404
    other = new_account(client)
    client.post("/auth/device", {"action": "device_verify", "user_code": data["user_code"]}, headers=account.headers)
    taken = client.post("/auth/device", {"action": "device_verify", "user_code": data["user_code"]},
                        headers=other.headers)
    assert taken.status == 409


def test_registration_answers_device_and_session(client):
    account = new_account(client)
    device = register_device(client, account)
    data = device.body
    assert set(data) == {"device", "session"}
    assert data["device"]["device_public_id"] == device.public_id
    assert data["device"]["status"] == "ACTIVE"
    raw = base64.b64decode(device.dev_pk)
    fingerprint = base64.b64encode(hashlib.blake2b(raw, digest_size=32).digest()).decode()
    assert data["device"]["device_keyfp_b64"] == fingerprint
    session = data["session"]
    assert session["token_type"] == "Bearer"
    assert session["expires_in"] == 3600
    assert session["refresh_token"].startswith("rt_")
    claims = jwt.decode(session["access_token"], options={"verify_signature": False})
    assert claims["device_id"] == device.device_id
    assert claims["sub"] == str(account.user_id)
    assert claims["exp"] - claims["iat"] == 3600
    assert client.get("/apiv1/devices/self/install-config", headers=device.headers).status == 200


def test_registration_refuses_bad_keys_and_codes_of_other_users(client):
    account = new_account(client)
    code, ready = approved_code(client, account)
    body = {**device_metadata(), "user_id": ready["user_id"], "registration_code": code}
    for dev_pk in ("not base64!", base64.b64encode(b"x" * 31).decode(), base64.b64encode(bytes(32)).decode()):
        assert client.post("/apiv1/device/registration", {**body, "dev_pk": dev_pk}).status == 400
    other = new_account(client)
    assert client.post("/apiv1/device/registration", {**body, "user_id": other.user_id}).status == 401
    assert client.post("/apiv1/device/registration", {**device_metadata(), "user_id": account.user_id}).status == 400
    assert client.post("/apiv1/device/registration", body).status == 200  # the code survived the refusals


def test_the_same_public_id_registers_again_and_rotates_the_session(client):
    account = new_account(client)
    first = register_device(client, account)
    second = register_device(client, account, public_id=first.public_id)
    assert second.device_id == first.device_id
    assert second.refresh_token != first.refresh_token
    listed = client.get(f"/apiv1/users/{account.user_id}/devices", headers=account.headers).json
    assert listed["total"] == 1
    old = client.post("/auth/refresh", {"refresh_token": first.refresh_token})
    assert old.status == 401
    assert old.json["error"]["code"] == 10003
    assert client.post("/auth/refresh", {"refresh_token": second.refresh_token}).status == 200


def test_a_retry_with_the_fresh_refresh_token_rotates_it(client, monkeypatch):
    account = new_account(client)
    device = register_device(client, account)
    retry = {**device_metadata(public_id=device.public_id, dev_pk=device.dev_pk), "user_id": account.user_id,
             "refresh_token": device.refresh_token}
    answer = client.post("/apiv1/device/registration", retry)
    assert answer.status == 200
    assert answer.json["data"]["device"]["id"] == device.device_id
    rotated = answer.json["data"]["session"]["refresh_token"]
    assert rotated != device.refresh_token
    assert client.post("/apiv1/device/registration", retry).status == 401  # that token is spent now
    real = clock.now
    monkeypatch.setattr(clock, "now", lambda: real() + 3600)
    late = client.post("/apiv1/device/registration", {**retry, "refresh_token": rotated})
    assert late.status == 401  # outside the retry window


def test_refresh_rotates_and_a_reused_token_revokes_the_family(client):
    account = new_account(client)
    device = register_device(client, account)
    answer = client.post("/auth/refresh", {"refresh_token": device.refresh_token})
    assert answer.status == 200
    data = answer.json["data"]
    assert data["session"] == {k: data[k] for k in ("access_token", "refresh_token", "token_type", "expires_in")}
    assert data["refresh_token"] != device.refresh_token
    assert client.get("/apiv1/devices/self/install-config", headers=bearer(data["access_token"])).status == 200
    reused = client.post("/auth/refresh", {"refresh_token": device.refresh_token})
    assert reused.status == 401
    assert reused.json["error"]["code"] == 10003
    assert reused.json["error"]["key"] == "refresh_token_rotated"
    assert "rotated" in reused.json["error"]["what"]
    family_gone = client.post("/auth/refresh", {"refresh_token": data["refresh_token"]})
    assert family_gone.status == 401
    assert family_gone.json["error"]["code"] == 10003
    assert client.post("/auth/refresh", {"refresh_token": "rt_abc.def"}).status == 401
    assert client.post("/auth/refresh", {"refresh_token": "garbage"}).status == 401


def test_api_key_registration(client):
    account = new_account(client)
    answer = client.post(f"/apiv1/users/{account.user_id}/apikeys",
                         {"name": "k", "permissions": [{"obtype": "ForDeviceAuthenticate", "obid": "*",
                                                        "actions": ["authenticate", "validate", "revoke"]}]},
                         headers=account.headers)
    token = answer.json["data"]["token"]
    by_me = client.post("/apiv1/me/devices", device_metadata(), headers=bearer(token))
    assert by_me.status == 200
    assert by_me.json["data"]["device"]["registered_via"] == "api_key"
    by_path = client.post(f"/apiv1/users/{account.user_id}/devices", device_metadata(), headers=bearer(token))
    assert by_path.status == 200
    assert client.post("/apiv1/me/devices", device_metadata(), headers=account.headers).status == 401
    reader = client.post(f"/apiv1/users/{account.user_id}/apikeys",
                         {"name": "r", "permissions": [{"obtype": "devices", "actions": ["read"]}]},
                         headers=account.headers).json["data"]["token"]
    assert client.post("/apiv1/me/devices", device_metadata(), headers=bearer(reader)).status == 403
    by_session = client.post(f"/apiv1/users/{account.user_id}/devices", device_metadata(), headers=account.headers)
    assert by_session.json["data"]["device"]["registered_via"] == "session"
