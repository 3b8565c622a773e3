"""Users and binding on moto: register, login (throttled, uniform failures), JWT checks, me with tier, and bind
codes (6 characters, 5 minutes, single use) that make devices a user's own."""

import time

import jwt as pyjwt
import pytest

from ccjk import clock, ids
from ccjk.logic import sessions
from suite import aws
from tests.integration.ccjk.conftest import raw_items, wecom_channel


def login(api, email, password):
    return api.call("POST", "/auth/login", body={"email": email, "password": password})


def me(api, token):
    return api.call("GET", "/auth/me", jwt=token)


def test_register_login_and_me(api):
    answer = api.call("POST", "/auth/register", body={"email": "Ada@Example.com", "password": "password123",
                                                             "name": "Ada"})
    assert answer.status == 201
    user = answer.data["user"]
    assert user["id"].startswith("user_")
    assert user == {"id": user["id"], "email": "ada@example.com", "name": "Ada"}

    logged_in = login(api, "ada@example.com", "password123")
    assert logged_in.status == 200
    assert logged_in.data["user"] == user
    assert logged_in.data["token"].count(".") == 2
    assert logged_in.data["expiresAt"].endswith("Z")

    profile = me(api, logged_in.data["token"])
    assert profile.status == 200
    assert profile.data | {"createdAt": None} == {**user, "tier": "free", "createdAt": None, "user": user}
    assert "passwordHash" not in str(profile.body)
    assert "password_hash" not in str(profile.body)


@pytest.mark.parametrize(("body", "status"), [
    ({"email": "not-an-email", "password": "password123"}, 400),
    ({"email": "short@example.com", "password": "short"}, 400),
    ({"email": "x@example.com"}, 400),
])
def test_register_rejects_bad_input(api, body, status):
    assert api.call("POST", "/auth/register", body=body).status == status


def test_an_email_registers_once_whatever_its_case(api):
    api.register_user("twice@example.com")
    again = api.call("POST", "/auth/register", body={"email": "TWICE@example.com", "password": "another-pw"})
    assert again.status == 409
    assert again.body == {"success": False, "error": "Email already registered", "message": "Email already registered",
                          "code": "EMAIL_EXISTS"}


def test_unknown_user_and_wrong_password_answer_identically(api):
    api.register_user("known@example.com", "the-right-password")
    unknown = login(api, "nobody@example.com", "whatever-password")
    wrong = login(api, "known@example.com", "not-the-password")
    assert unknown.status == wrong.status == 401
    assert unknown.body == wrong.body == {"success": False, "error": "Invalid email or password",
                                          "message": "Invalid email or password", "code": "INVALID_CREDENTIALS"}


@pytest.mark.usefixtures("frozen_limits")
def test_login_is_throttled_per_account_and_a_success_resets_the_count(api):
    api.register_user("target@example.com", "the-right-password")
    for _ in range(5):
        assert login(api, "target@example.com", "guess").status == 401
    assert login(api, "target@example.com", "the-right-password").status == 200  # resets the account's count
    statuses = [login(api, "target@example.com", f"guess-{i}").status for i in range(10)]
    assert statuses == [401] * 10
    blocked = login(api, "target@example.com", "the-right-password")  # even the right password waits now
    assert blocked.status == 429
    assert blocked.body["code"] == "RATE_LIMITED"
    assert 1 <= int(blocked.headers["retry-after"]) <= 900


@pytest.mark.usefixtures("frozen_limits")
def test_login_is_throttled_per_address_across_accounts(api):
    api.source_ip = "198.51.100.23"
    answers = [login(api, f"spray{i}@example.com", "password123").status for i in range(100)]
    assert answers == [401] * 100
    assert login(api, "spray-last@example.com", "password123").status == 429


@pytest.mark.parametrize("authorization", [None, "Basic abc", "Bearer", "Bearer not.a.jwt"])
def test_user_routes_need_a_valid_bearer_token(api, authorization):
    headers = {"authorization": authorization} if authorization else {}
    answer = api.call("GET", "/auth/me", headers=headers)
    assert answer.status == 401
    assert answer.body["success"] is False


def test_forged_expired_and_foreign_tokens_are_refused(api, env):
    token = api.register_user("forge@example.com")
    claims = pyjwt.decode(token, options={"verify_signature": False})
    header = pyjwt.get_unverified_header(token)
    forged = pyjwt.encode(claims, "x" * 32, algorithm="HS256", headers={"kid": header["kid"]})
    unsigned = pyjwt.encode(claims, None, algorithm="none", headers={"kid": header["kid"]})
    wrong_audience = pyjwt.encode({**claims, "aud": "ccjk-device"}, "x" * 32, algorithm="HS256",
                                  headers={"kid": header["kid"]})
    for bad in (forged, unsigned, wrong_audience, token + "x"):
        assert me(api, bad).status == 401
    expired = sessions.codec().issue(claims["sub"], now=time.time() - 10 * 24 * 3600)
    assert me(api, expired).status == 401
    assert me(api, token).status == 200


# ------------------------------------------------------------------------------------------------ binding

def test_bind_code_flow(api):
    jwt = api.register_user("binder@example.com")
    generated = api.call("POST", "/bind/generate", jwt=jwt)
    assert generated.status == 201
    code = generated.data["code"]
    assert len(code) == 6
    assert set(code) <= set(ids.BIND_CODE_ALPHABET)
    assert generated.data["expiresIn"] == 300

    status = api.call("GET", f"/bind/status/{code}", jwt=jwt)
    assert status.data == {"status": "pending", "expiresAt": generated.data["expiresAt"]}

    used = api.call("POST", "/bind/use", body={"code": code.lower(), "device": {
        "name": "work laptop", "platform": "darwin", "hostname": "mbp", "version": "9.4.13"}})
    assert used.status == 200
    user_id = me(api, jwt).data["id"]
    assert used.data["userId"] == user_id
    assert used.data["deviceToken"].startswith("dt_")
    info = api.call("GET", "/device/info", token=used.data["deviceToken"]).data
    assert (info["deviceId"], info["userId"], info["platform"]) == (used.data["deviceId"], user_id, "darwin")

    again = api.call("POST", "/bind/use", body={"code": code})
    assert again.status == 400  # the typed client classifies a 400 only, by its message
    assert again.body["code"] == "BIND_CODE_USED"
    assert "used" in again.body["error"]
    assert "expired" not in again.body["error"]
    bound = api.call("GET", f"/bind/status/{code}", jwt=jwt).data
    assert bound["status"] == "bound"
    assert bound["device"] == {"id": used.data["deviceId"], "name": "work laptop", "platform": "darwin"}


def test_a_bind_code_expires_after_five_minutes(api, monkeypatch):
    jwt = api.register_user("late@example.com")
    code = api.call("POST", "/bind/generate", jwt=jwt).data["code"]
    issued = time.time()
    monkeypatch.setattr(clock, "now", lambda: issued + 301)
    late = api.call("POST", "/bind/use", body={"code": code})
    assert late.status == 400
    assert late.body == {"success": False, "error": "Invalid or expired bind code",
                         "message": "Invalid or expired bind code", "code": "BIND_CODE_EXPIRED"}
    status = api.call("GET", f"/bind/status/{code}", jwt=jwt)
    assert status.data["status"] == "expired"


def test_bind_codes_are_stored_with_a_ttl(api, env):
    jwt = api.register_user("ttl@example.com")
    code = api.call("POST", "/bind/generate", jwt=jwt).data["code"]
    ddb = aws.client("dynamodb")
    ttl = ddb.describe_time_to_live(TableName=env["CCJK_TABLE"])["TimeToLiveDescription"]
    assert (ttl["TimeToLiveStatus"], ttl["AttributeName"]) == ("ENABLED", "expires_at")
    item = ddb.get_item(TableName=env["CCJK_TABLE"], Key={"pk": {"S": f"BIND#{code}"}, "sk": {"S": "BIND"}})["Item"]
    assert int(item["expires_at"]["N"]) - int(time.time()) in range(295, 301)


@pytest.mark.parametrize(("code", "status", "error_code"), [("ZZZZZZ", 400, "BIND_CODE_INVALID"),
                                                            ("12", 400, "BIND_CODE_INVALID"),
                                                            ("ABC-12", 400, "BIND_CODE_INVALID")])
def test_unknown_or_malformed_codes(api, code, status, error_code):
    answer = api.call("POST", "/bind/use", body={"code": code})
    assert (answer.status, answer.body["code"]) == (status, error_code)


@pytest.mark.usefixtures("frozen_limits")
def test_guessing_codes_is_throttled_per_address(api):
    api.source_ip = "192.0.2.99"
    statuses = [api.call("POST", "/bind/use", body={"code": "QQQQQQ"}).status for _ in range(21)]
    assert statuses == [400] * 20 + [429]


def test_binding_an_existing_device_keeps_it_and_rotates_its_token(api, robots):
    jwt = api.register_user("existing@example.com")
    device_id, old_token = api.register_device("already registered")
    api.set_channels(old_token, [wecom_channel(robots, "kept")])
    code = api.call("POST", "/bind/generate", jwt=jwt).data["code"]
    used = api.call("POST", "/bind/use", body={"code": code}, token=old_token)
    assert used.data["deviceId"] == device_id
    assert api.call("GET", "/device/info", token=old_token).status == 401
    info = api.call("GET", "/device/info", token=used.data["deviceToken"]).data
    assert info["userId"] == me(api, jwt).data["id"]
    assert [c["type"] for c in info["channels"]] == ["wecom"]


def test_status_of_another_users_code_is_not_found(api):
    owner = api.register_user("owner@example.com")
    other = api.register_user("other@example.com")
    code = api.call("POST", "/bind/generate", jwt=owner).data["code"]
    answer = api.call("GET", f"/bind/status/{code}", jwt=other)
    assert answer.status == 404


def test_the_users_devices_and_unbinding(api, robots):
    jwt = api.register_user("fleet@example.com")
    other = api.register_user("stranger@example.com")
    first_id, first_token = api.bind_new_device(jwt, "first")
    second_id, _ = api.bind_new_device(jwt, "second")
    strangers_id, _ = api.bind_new_device(other, "theirs")
    api.set_channels(first_token, [wecom_channel(robots, "k")])

    listed = api.call("GET", "/bind/devices", jwt=jwt)
    assert listed.status == 200
    assert [d["id"] for d in listed.data["devices"]] == [first_id, second_id]
    assert listed.data["devices"][0]["channels"] == [{"type": "wecom", "enabled": True, "configured": True}]
    assert listed.body["pagination"] == {"page": 1, "limit": 50, "total": 2, "totalPages": 1}

    def unbind(device_id, token):
        return api.call("DELETE", f"/bind/devices/{device_id}", jwt=token)

    assert unbind(strangers_id, jwt).status == 404  # someone else's device: not found, and untouched
    assert [d["id"] for d in api.call("GET", "/bind/devices", jwt=other).data["devices"]] == [strangers_id]
    removed = unbind(first_id, jwt)
    assert removed.body == {"success": True, "message": "Device removed"}
    assert api.call("GET", "/device/info", token=first_token).status == 401
    assert [d["id"] for d in api.call("GET", "/bind/devices", jwt=jwt).data["devices"]] == [second_id]


def test_bind_reads_the_notification_clients_device_info_and_never_keeps_the_username(api, env):
    jwt = api.register_user("deviceinfo@example.com")
    code = api.call("POST", "/bind/generate", jwt=jwt).data["code"]
    used = api.call("POST", "/bind/use", body={"code": code, "deviceInfo": {
        "name": "mac-mini", "platform": "darwin", "osVersion": "23.1.0", "arch": "arm64", "username": "alice",
        "machineId": "0123456789abcdef0123456789abcdef"}})
    assert used.status == 200, used.body
    [item] = [i for i in raw_items(env, f"DEVICE#{used.data['deviceId']}") if i["sk"]["S"] == "DEVICE"]
    assert (item["name"]["S"], item["platform"]["S"], item["os_version"]["S"], item["arch"]["S"],
            item["machine_id"]["S"]) == ("mac-mini", "darwin", "23.1.0", "arm64", "0123456789abcdef0123456789abcdef")
    assert "alice" not in str(item)
