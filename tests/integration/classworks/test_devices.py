"""Device registration, profile, rename and the device password (argon2id, never plaintext)."""

import json

from classworks.logic import devices as device_logic
from classworks.logic import limits
from tests.integration.classworks.support import stored_items


def test_register_and_read(api):
    answer = api("POST", "/api/devices", body={"uuid": "reg-1", "deviceName": "三年二班", "namespace": " class-32 "})
    assert answer.status == 201
    body = answer.json
    assert body["success"] is True
    assert set(body["device"]) == {"id", "uuid", "name", "namespace", "createdAt"}
    assert (body["device"]["uuid"], body["device"]["name"], body["device"]["namespace"]) == ("reg-1", "三年二班",
                                                                                            "class-32")
    profile = api("GET", "/api/devices/reg-1").json
    assert profile == {"id": body["device"]["id"], "uuid": "reg-1", "name": "三年二班", "hasPassword": False,
                       "passwordHint": None, "createdAt": body["device"]["createdAt"], "account": None,
                       "isBoundToAccount": False, "namespace": "class-32"}
    default_ns = api("POST", "/api/devices", body={"uuid": "reg-2", "deviceName": "x"}).json["device"]
    assert default_ns["namespace"] == "reg-2"  # the namespace defaults to the uuid
    assert default_ns["id"] > body["device"]["id"]


def test_register_conflicts_and_validation(api):
    api.device(uuid="dup-1", namespace="dup-ns")
    assert api("POST", "/api/devices", body={"uuid": "dup-1", "deviceName": "x"}).json == {
        "statusCode": 409, "message": "设备UUID已存在"}
    assert api("POST", "/api/devices", body={"uuid": "dup-2", "deviceName": "x", "namespace": "dup-ns"}).json == {
        "statusCode": 409, "message": "该 namespace 已被使用"}
    assert api("GET", "/api/devices/dup-2").status == 404  # nothing half-written
    assert api("POST", "/api/devices", body={"deviceName": "x"}).json["message"] == "设备UUID是必需的"
    assert api("POST", "/api/devices", body={"uuid": "  ", "deviceName": "x"}).json["message"] == "设备UUID是必需的"
    assert api("POST", "/api/devices", body={"uuid": "v-1"}).json["message"] == "设备名称是必需的"
    assert api("POST", "/api/devices").status == 400
    assert api("POST", "/api/devices", raw_body=b"{oops").status == 400
    assert api("POST", "/api/devices", body={"uuid": "u" * 192, "deviceName": "x"}).status == 400
    missing = api("GET", "/api/devices/nobody")
    assert (missing.status, missing.json) == (404, {"statusCode": 404, "message": "设备不存在"})


def test_rename_is_open_until_a_password_is_set(api):
    device = api.device()
    renamed = api("PUT", f"/api/devices/{device}/name", body={"name": "Lab"})
    assert renamed.status == 200
    assert renamed.json == {"success": True, "device": {
        "id": renamed.json["device"]["id"], "uuid": device, "name": "Lab", "hasPassword": False,
        "passwordHint": None}}
    assert api("PUT", f"/api/devices/{device}/name", body={}).json["message"] == "设备名称是必需的"
    api("PUT", f"/api/apps/devices/{device}/password", body={"newPassword": "pw-1", "passwordHint": "usual"})
    assert api("PUT", f"/api/devices/{device}/name", body={"name": "Hacked"}).json == {
        "statusCode": 401, "message": "需要提供设备密码"}
    assert api("PUT", f"/api/devices/{device}/name", body={"name": "Hacked"},
               headers={"x-device-password": "wrong"}).json["message"] == "密码错误"
    ok = api("PUT", f"/api/devices/{device}/name", body={"name": "Lab 2"}, query={"password": "pw-1"})
    assert ok.json["device"]["name"] == "Lab 2"
    assert api("GET", f"/api/devices/{device}").json["name"] == "Lab 2"
    assert api("PUT", "/api/devices/nobody/name", body={"name": "x"}).status == 404


def test_password_lifecycle_and_storage(api):
    device = api.device()
    url = f"/api/apps/devices/{device}/password"
    assert api("POST", f"{url}/verify", body={"password": "x"}).json == {"statusCode": 400,
                                                                          "message": "设备未设置密码"}
    assert api("PUT", url, body={}).json["message"] == "请提供新密码"
    first = api("PUT", url, body={"newPassword": "first-secret", "passwordHint": "pet"})
    assert first.json == {"success": True, "message": "密码已设置", "deviceUuid": device}
    profile = api("GET", f"/api/devices/{device}").json
    assert (profile["hasPassword"], profile["passwordHint"]) == (True, "pet")
    assert api("POST", f"{url}/verify", body={"password": "first-secret"}).json == {"valid": True}
    assert api("POST", f"{url}/verify", body={"password": "nope"}).json == {"valid": False}
    assert api("POST", f"{url}/verify", body={}).json["message"] == "请提供密码"
    assert api("PUT", url, body={"newPassword": "second"}).json == {
        "statusCode": 401, "message": "设备已设置密码，请提供当前密码"}
    assert api("PUT", url, body={"newPassword": "second", "currentPassword": "bad"}).json["message"] == "当前密码错误"
    changed = api("PUT", url, body={"newPassword": "second-secret", "currentPassword": "first-secret"})
    assert changed.json["message"] == "密码已更新"
    assert api("GET", f"/api/devices/{device}").json["passwordHint"] == "pet"  # kept when not given
    raw = json.dumps(stored_items())
    assert "first-secret" not in raw
    assert "second-secret" not in raw
    [item] = [i for i in stored_items() if i["pk"]["S"] == f"DEVICE#{device}" and i["sk"]["S"] == "PROFILE"]
    assert item["passwordHash"]["S"].startswith("$argon2id$")
    assert api("DELETE", url, body={}).json == {"statusCode": 401, "message": "请提供当前密码"}
    assert api("DELETE", url, body={"password": "first-secret"}).json["message"] == "密码错误"
    removed = api("DELETE", url, body={"password": "second-secret"})
    assert removed.json == {"success": True, "message": "密码已删除", "deviceUuid": device}
    assert api("GET", f"/api/devices/{device}").json["hasPassword"] is False
    assert api("DELETE", url, body={"password": "x"}).json["message"] == "设备未设置密码"
    assert api("PUT", "/api/apps/devices/nobody/password", body={"newPassword": "x"}).status == 404


def test_password_checks_are_rate_limited_per_ip(api, monkeypatch):
    monkeypatch.setattr(limits, "CREDENTIALS", limits.Limit("credentials-test", 3, 60, limits.CREDENTIALS.message))
    device = api.device()
    api("PUT", f"/api/apps/devices/{device}/password", body={"newPassword": "pw"}, ip="192.0.2.10")
    url = f"/api/apps/devices/{device}/password/verify"
    answers = [api("POST", url, body={"password": "guess"}, ip="192.0.2.10") for _ in range(3)]
    assert [a.status for a in answers] == [200, 200, 429]
    assert answers[2].json == {"statusCode": 429, "message": "请求过于频繁，请稍后再试"}
    assert "Retry-After" in answers[2].headers
    assert api("POST", url, body={"password": "guess"}, ip="192.0.2.11").status == 200


def test_auth_configs_replace_by_id_and_keep_one_open_login(api):
    device = api.device()
    device_logic.add_auth_config(device, password=None, device_type="teacher", read_only=False, config_id="t")
    device_logic.add_auth_config(device, password="p", device_type="student", read_only=True, config_id="s")
    device_logic.add_auth_config(device, password="q", device_type="parent", read_only=True, config_id="s")
    [item] = [i for i in stored_items() if i["pk"]["S"] == f"DEVICE#{device}" and i["sk"]["S"] == "PROFILE"]
    configs = [c["M"] for c in item["authConfigs"]["L"]]
    assert [c["id"]["S"] for c in configs] == ["t", "s"]  # the default open login was replaced by "t"
    assert configs[1]["deviceType"]["S"] == "parent"
    assert configs[1]["passwordHash"]["S"].startswith("$argon2id$")


def test_oversized_identifiers_are_4xx_never_500(api):
    huge = "u" * 3000  # beyond DynamoDB's key size
    assert api("GET", f"/api/devices/{huge}").status == 404
    assert api("PUT", f"/api/devices/{huge}/name", body={"name": "x"}).status == 404
    assert api("POST", f"/api/apps/{api.app()['id']}/install/{huge}").status == 400
    assert api("GET", f"/api/devices/{huge}/apps").status == 404
    assert api("POST", "/api/apps/auth/token", body={"namespace": huge, "appId": 1}).status == 404
    device = api.device()
    hint = api("PUT", f"/api/apps/devices/{device}/password", body={"newPassword": "p", "passwordHint": "h" * 5000})
    assert (hint.status, hint.json["message"]) == (400, "密码提示过长")
    too_long = api("PUT", f"/api/apps/devices/{device}/password", body={"newPassword": "p" * 2000})
    assert (too_long.status, too_long.json["message"]) == (400, "密码过长")


def test_bodies_that_are_not_json_are_4xx_never_500(api):
    deep = ("[" * 5000 + "]" * 5000).encode()
    assert api("POST", "/api/devices", raw_body=deep).status == 400
    plain = api("POST", "/api/devices", raw_body=b'{"uuid": "p", "deviceName": "x"}',
                headers={"content-type": "text/plain"})
    assert plain.status == 415
    assert plain.json["statusCode"] == 415
    assert api("POST", "/api/auth/device/bind", raw_body=deep).status == 400
    assert api("POST", "/api/apps/auth/token", raw_body=b"\xff\xfe", headers={"content-type": "image/png"}).status \
        == 415
