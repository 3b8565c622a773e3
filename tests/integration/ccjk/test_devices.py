"""Devices on moto: registration, token-only access, rotation, channels (validated, sealed, never echoed), deletion,
and that one device's token can never reach another device."""

import json

import pytest

from tests.integration.ccjk.conftest import dingtalk_channel, feishu_channel, raw_items, wecom_channel
from tests.support.lambda_events import load_event

CANARY_SECRET = "SECcanary-5f1d2e9b-never-show-me"


def by_id(api, method, device_id, suffix="", **kwargs):
    return api.call(method, f"/device/{device_id}{suffix}", **kwargs)


def test_register_answers_the_spec_and_the_typed_client_fields(api):
    answer = api.call("POST", "/device/register", body=json.loads(load_event(
        "ccjk/devices-register.json")["body"]))
    assert answer.status == 201
    data = answer.data
    assert data["deviceId"].startswith("dev_")
    assert data["token"].startswith("dt_")
    assert (data["name"], data["type"], data["isNew"]) == ("我的设备", "desktop", True)
    assert data["createdAt"] == data["registeredAt"]
    assert data["createdAt"].endswith("Z")


def test_register_with_a_known_token_refreshes_the_same_device(api):
    device_id, token = api.register_device("old name")
    again = api.call("POST", "/device/register", body={"name": "new name", "token": token,
                                                                   "version": "2.0.0"})
    assert again.status == 200
    assert (again.data["deviceId"], again.data["token"], again.data["isNew"]) == (device_id, token, False)
    info = api.call("GET", "/device/info", token=token).data
    assert (info["name"], info["version"]) == ("new name", "2.0.0")


@pytest.mark.parametrize("body", [
    {"name": ""}, {"name": "   "}, {"name": "x" * 101}, {"name": "ok", "type": "tablet"}, {"type": "cli"}, []])
def test_register_rejects_bad_input_with_a_400_in_the_envelope(api, body):
    answer = api.call("POST", "/device/register", body=body)
    assert answer.status == 400
    assert answer.body["success"] is False
    assert answer.body["code"] == "VALIDATION_ERROR"


def test_the_token_is_stored_only_as_a_digest(api, env):
    device_id, token = api.register_device()
    stored = json.dumps(raw_items(env, f"DEVICE#{device_id}"))
    assert token not in stored
    assert token[3:] not in stored


def test_get_device_by_id_and_by_token(api):
    device_id, token = api.register_device("desk")
    by_path = by_id(api, "GET", device_id, token=token)
    assert by_path.status == 200
    assert by_path.data["deviceId"] == device_id
    assert set(by_path.data) >= {"deviceId", "name", "type", "platform", "version", "channels", "createdAt",
                                 "lastActiveAt", "hostname", "userId", "lastSeenAt"}
    assert api.call("GET", "/device/info", token=token).data == by_path.data


@pytest.mark.parametrize(("token", "message"), [(None, "Missing X-Device-Token header"),
                                                ("dt_not-a-real-token", "Invalid device token")])
def test_device_routes_need_a_valid_token(api, token, message):
    answer = api.call("GET", "/device/info", token=token)
    assert answer.status == 401
    assert answer.body == {"success": False, "error": message, "message": message, "code": answer.body["code"]}


def test_a_device_token_cannot_read_change_rotate_or_delete_another_device(api, robots):
    device_a, token_a = api.register_device("A")
    device_b, token_b = api.register_device("B")
    api.set_channels(token_b, [wecom_channel(robots, "b-key")])
    before = by_id(api, "GET", device_b, token=token_b).data

    attempts = [
        by_id(api, "GET", device_b, token=token_a),
        by_id(api, "PUT", device_b, "/channels", token=token_a, body={"channels": [wecom_channel(robots, "x")]}),
        by_id(api, "POST", device_b, "/regenerate-token", token=token_a),
        by_id(api, "DELETE", device_b, token=token_a),
        by_id(api, "GET", "dev_doesnotexist", token=token_a),
    ]
    for answer in attempts:
        assert answer.status == 404, answer.body
        assert answer.body == {"success": False, "error": "Device not found", "message": "Device not found",
                               "code": "DEVICE_NOT_FOUND"}
    after = by_id(api, "GET", device_b, token=token_b)
    assert after.status == 200
    assert {**after.data, "lastActiveAt": None, "lastSeenAt": None} == {
        **before, "lastActiveAt": None, "lastSeenAt": None}
    assert by_id(api, "GET", device_a, token=token_a).status == 200


@pytest.mark.parametrize(("method", "path", "by_path"), [
    ("POST", "/regenerate-token", True), ("POST", "/device/regenerate-token", False),
    ("POST", "/device/token", False)])
def test_regenerated_token_replaces_the_old_one_at_once(api, method, path, by_path):
    device_id, old = api.register_device()
    answer = by_id(api, method, device_id, path, token=old) if by_path else api.call(method, path,
                                                                                        token=old)
    assert answer.status == 200
    new = answer.data["token"]
    assert new.startswith("dt_")
    assert new != old
    assert api.call("GET", "/device/info", token=old).status == 401
    assert api.call("GET", "/device/info", token=new).data["deviceId"] == device_id


def test_channels_are_validated_sealed_and_never_echoed(api, env, robots):
    device_id, token = api.register_device()
    answer = by_id(api, "PUT", device_id, "/channels", token=token, body={"channels": [
        feishu_channel(robots, "feishu-hook-token-123456", secret=CANARY_SECRET),
        dingtalk_channel(robots, "ding-access-token-abcdef", secret=CANARY_SECRET),
        wecom_channel(robots, "wecom-key-0123456789", label="wechat"),
    ]})
    assert answer.status == 200, answer.body
    shown = {c["type"]: c for c in answer.data["channels"]}
    assert set(shown) == {"feishu", "dingtalk", "wechat"}  # wechat is answered as the client named it
    assert shown["feishu"]["configured"] is True
    assert shown["feishu"]["secretConfigured"] is True
    assert shown["wechat"]["secretConfigured"] is False
    assert shown["feishu"]["webhookUrl"] == f"{robots.feishu.url}/open-apis/bot/v2/hook/feis****3456"
    assert shown["dingtalk"]["config"]["webhook"] == f"{robots.dingtalk.url}/robot/send?access_token=ding****cdef"

    everything = [answer.body, api.call("GET", "/device/channels", token=token).body,
                  api.call("GET", "/device/info", token=token).body]
    for body in everything:
        text = json.dumps(body)
        assert CANARY_SECRET not in text
        for credential in ("feishu-hook-token-123456", "ding-access-token-abcdef", "wecom-key-0123456789"):
            assert credential not in text
    at_rest = json.dumps(raw_items(env, f"DEVICE#{device_id}"))
    assert CANARY_SECRET not in at_rest
    assert "feishu-hook-token-123456" not in at_rest


def test_put_keeps_the_secret_and_the_webhook_unless_they_are_given(api, robots):
    _device_id, token = api.register_device()
    api.set_channels(token, [feishu_channel(robots, "keep-me-hook-000000", secret="s1")])
    masked = api.call("GET", "/device/channels", token=token).data["channels"][0]["webhookUrl"]
    # The client round-trips what it was shown, disabling the channel: URL and secret are kept.
    toggled = api.set_channels(token, [{"type": "feishu", "enabled": False, "webhookUrl": masked}])
    assert toggled.status == 200
    assert toggled.body["message"] == "Channels updated"
    [channel] = toggled.data["channels"]
    assert (channel["enabled"], channel["secretConfigured"], channel["webhookUrl"]) == (False, True, masked)
    cleared = api.set_channels(token, [{"type": "feishu", "enabled": True, "secret": None}])
    assert cleared.data["channels"][0]["secretConfigured"] is False
    assert api.set_channels(token, []).data["channels"] == []  # PUT replaces the whole set


@pytest.mark.parametrize("channel", [
    {"type": "feishu", "webhookUrl": "https://open.feishu.cn/open-apis/bot/v2/hook/abc"},  # not the configured base
    {"type": "feishu", "webhookUrl": "http://169.254.169.254/latest/meta-data/"},
    {"type": "feishu", "webhookUrl": "http://10.0.0.8/open-apis/bot/v2/hook/abc"},
    {"type": "feishu", "webhookUrl": "http://localhost/open-apis/bot/v2/hook/abc"},
    {"type": "feishu", "webhookUrl": "{base}/open-apis/bot/v2/other/abc"},
    {"type": "feishu", "webhookUrl": "{base}/open-apis/bot/v2/hook/"},
    {"type": "feishu", "webhookUrl": "{base}@evil.example/open-apis/bot/v2/hook/abc"},
    {"type": "dingtalk", "webhookUrl": "{ding}/robot/send"},
    {"type": "wecom", "webhookUrl": "{wecom}/cgi-bin/webhook/send?key=k", "secret": "not-for-wecom"},
    {"type": "feishu"},
])
def test_unacceptable_channels_are_a_400_and_change_nothing(api, robots, channel):
    _device_id, token = api.register_device()
    api.set_channels(token, [wecom_channel(robots, "existing-key-1234")])
    body = {k: (v.format(base=robots.feishu.url, ding=robots.dingtalk.url, wecom=robots.wecom.url)
                if isinstance(v, str) else v) for k, v in channel.items()}
    answer = api.set_channels(token, [body])
    assert answer.status == 400, answer.body
    assert answer.body["code"] in ("INVALID_WEBHOOK", "VALIDATION_ERROR")
    assert "169.254" not in answer.body["error"]  # the URL is never echoed
    assert [c["type"] for c in api.call("GET", "/device/channels", token=token).data["channels"]] == [
        "wecom"]


def test_a_channel_listed_twice_is_a_400(api, robots):
    _device_id, token = api.register_device()
    answer = api.set_channels(token, [wecom_channel(robots, "k1"), wecom_channel(robots, "k2", label="wechat")])
    assert answer.status == 400
    assert answer.body["error"] == "channel wecom is listed twice"


@pytest.mark.parametrize("by_path", [True, False])
def test_delete_removes_the_device_and_kills_its_token(api, env, by_path):
    device_id, token = api.register_device()
    answer = by_id(api, "DELETE", device_id, token=token) if by_path else api.call("DELETE", "/device", token=token)
    assert answer.status == 200
    assert answer.body == {"success": True, "message": "设备已删除"}
    assert api.call("GET", "/device/info", token=token).status == 401
    assert raw_items(env, f"DEVICE#{device_id}") == []


@pytest.mark.usefixtures("frozen_limits")
def test_anonymous_registration_is_throttled_per_address(api):
    api.source_ip = "203.0.113.77"
    statuses = [api.call("POST", "/device/register", body={"name": f"d{i}"}).status for i in range(30)]
    assert statuses == [201] * 30
    refused = api.call("POST", "/device/register", body={"name": "one too many"})
    assert refused.status == 429
    assert refused.body["code"] == "RATE_LIMITED"
    assert int(refused.headers["retry-after"]) >= 1


def test_local_channels_the_server_cannot_deliver_to_are_refused_one_by_one(api, robots):
    # The notification client's updateChannels sends its whole local config (src/utils/notification/cloud-client.ts):
    # feishu {webhookUrl, secret?}, wechat as a WeCom application {corpId, agentId, secret}, email, sms.
    _device_id, token = api.register_device()
    answer = api.set_channels(token, [
        {"type": "feishu", "enabled": True, "config": {"webhookUrl": f"{robots.feishu.url}/open-apis/bot/v2/hook/x"}},
        {"type": "wechat", "enabled": True, "config": {"corpId": "ww1", "agentId": "1000002", "secret": "s"}},
        {"type": "email", "enabled": True, "config": {"address": "a@example.com"}},
        {"type": "sms", "enabled": False, "config": {"phone": "+8613800000000"}}])
    assert answer.status == 200, answer.body
    channels = {c["type"]: c for c in answer.data["channels"]}
    assert channels["feishu"]["configured"] is True
    for name in ("wechat", "email", "sms"):
        assert channels[name]["configured"] is False
        assert channels[name]["error"]
    assert "secret" not in channels["wechat"]  # nothing of it is echoed
    stored = api.call("GET", "/device/channels", token=token).data["channels"]
    assert [c["type"] for c in stored] == ["feishu"]
