"""The real ccjk client (miounet11/ccjk at tag v9.4.13), replayed against the handlers on moto (issue 18).

Each test sends exactly what a client module sends and asserts exactly the fields that module reads
(docs/ccjk-client.md: the request tables name the module and the fields). Tests of what is not built yet are
marked xfail; the assumed interfaces (mail outbox, callback and admin secrets, log socket path) are listed in
tests/integration/ccjk/replay.py and in docs/ccjk-client.md.
"""

from __future__ import annotations

import datetime as dt
import json
import re
import secrets
import time
import uuid

import pytest

from devstack.fake_provider import FakeProvider
from tests.integration.ccjk.replay import (
    FEISHU_HOOK,
    LogSocket,
    Replay,
    dingtalk_message,
    dingtalk_sign,
    feishu_card_action,
    feishu_decrypt,
    feishu_encrypt,
    feishu_request,
    wecom_decrypt,
    wecom_encrypt,
    wecom_envelope,
    wecom_signature,
    wecom_text_xml,
)
from tests.support.api_client import ApiClient

pytestmark = pytest.mark.integration
TODO = pytest.mark.xfail(strict=False, reason="issue 18: not implemented yet")
ISO_MS = re.compile(r"^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}(\.\d+)?(Z|[+-]\d{2}:\d{2})$")
ASK = [{"id": "yes", "label": "Yes", "value": "yes", "primary": True}, {"id": "no", "label": "No", "value": "no"}]


@pytest.fixture(scope="module")
def replay_robots():
    with FakeProvider() as feishu, FakeProvider() as dingtalk, FakeProvider() as wecom:
        yield {"feishu": feishu, "dingtalk": dingtalk, "wecom": wecom}


@pytest.fixture
def client(moto_stack, monkeypatch, replay_robots) -> Replay:
    for fake in replay_robots.values():
        fake.reset()
    replay_robots["feishu"].respond(json={"code": 0, "msg": "success", "data": {}})
    replay_robots["dingtalk"].respond(json={"errcode": 0, "errmsg": "ok"})
    replay_robots["wecom"].respond(json={"errcode": 0, "errmsg": "ok"})
    # The callback secrets are written before each callback: read them afresh (deployed: cached five minutes).
    overrides = {"FEISHU_BASE_URL": replay_robots["feishu"].url, "DINGTALK_BASE_URL": replay_robots["dingtalk"].url,
                 "WECOM_BASE_URL": replay_robots["wecom"].url, "REPLY_SECRET_CACHE_SECONDS": "0"}
    # A client address of its own: registrations and bind attempts are throttled per address.
    address = f"10.{secrets.randbelow(256)}.{secrets.randbelow(256)}.{1 + secrets.randbelow(254)}"
    api = ApiClient(moto_stack, "ccjk", monkeypatch, overrides=overrides, source_ip=address)
    replay = Replay(api, replay_robots)
    replay.clear_queues()  # what earlier tests queued must not reach this test's robots
    return replay


def email() -> str:
    return f"replay-{uuid.uuid4().hex[:12]}@example.com"


def iso_now(delta_seconds: float = 0) -> str:
    moment = dt.datetime.now(dt.UTC) + dt.timedelta(seconds=delta_seconds)
    return moment.isoformat(timespec="milliseconds").replace("+00:00", "Z")


def user_id(client: Replay, session: str) -> str:
    me = client.call("GET", "/auth/me", headers=client.bearer(session))
    assert me.status == 200, me.text
    return me.json["data"]["user"]["id"]


def device_with_feishu(client: Replay) -> tuple[str, str, str]:
    """(session JWT, deviceId, device token) of a bound device with the fake Feishu robot configured."""
    session = client.password_user(email())
    device_id, token = client.bound_device(session)
    client.feishu_channel(token)
    return session, device_id, token


def notify(client: Replay, token: str, body: dict) -> dict:
    answer = client.call("POST", "/notify", body, headers=client.device(token))
    assert answer.status in (200, 202), answer.text
    return answer.json["data"]


def feishu_click(client: Replay, value: dict, **kwargs) -> object:
    secrets = client.callback_secrets()["feishu"]
    body, headers = feishu_request(feishu_card_action(value, token=secrets["verificationToken"]),
                                   encrypt_key=secrets["encryptKey"], **kwargs)
    return client.call("POST", "/reply/feishu", raw_body=body, headers=headers)


# ================================================================================================ helpers
# The offline builders the callback tests use, checked against published values (pass today).

def test_wecom_signature_builder_matches_the_published_example():
    # The example of WeCom's "加解密方案说明" (token QDG6eK): msg_signature of the URL-verification request.
    echostr = "P9nAzCzyDtyTWESHep1vC5X9xho/qYX3Zpb4yKa9SKld1DsH3Iyt3tP3zNdtp+4RPcs8TgAE7OaBO+FZXvnaqQ=="
    assert wecom_signature("QDG6eK", "1409659589", "263014780", echostr) == "5c45ff5e21c57e6ad56bac8758b79b1d9ac89fd3"


def test_feishu_and_wecom_encryption_builders_round_trip():
    assert feishu_decrypt(feishu_encrypt('{"type":"url_verification"}', "k"), "k") == '{"type":"url_verification"}'
    key = "a" * 43
    assert wecom_decrypt(wecom_encrypt("<xml>消息</xml>", key, "ww_corp"), key) == ("<xml>消息</xml>", "ww_corp")


# ================================================================================================ sign-in
# src/cloud-api/auth.ts: login {email} → code by mail; verify {email, code} → {token, expiresAt, user}; me; logout.

def test_email_code_sign_in_verify_me_logout(client):
    address = email()
    login = client.call("POST", "/auth/login", {"email": address})
    assert login.status == 200, login.text
    assert login.json["success"] is True
    assert isinstance(login.json["message"], str)

    code = client.login_code(address)
    verify = client.call("POST", "/auth/verify", {"email": address, "code": code})
    assert verify.status == 200, verify.text
    data = verify.json["data"]
    assert isinstance(data["token"], str)
    assert data["token"]
    assert ISO_MS.match(data["expiresAt"])
    assert data["expiresAt"] > iso_now()
    assert data["user"]["email"] == address
    assert data["user"]["id"]

    me = client.call("GET", "/auth/me", headers=client.bearer(data["token"]))
    assert me.status == 200, me.text
    assert me.json["data"]["user"] == {**me.json["data"]["user"], "id": data["user"]["id"], "email": address}

    out = client.call("POST", "/auth/logout", headers=client.bearer(data["token"]))
    assert out.status == 200, out.text
    assert out.json["success"] is True
    assert isinstance(out.json["message"], str)
    assert client.call("GET", "/auth/me", headers=client.bearer(data["token"])).status == 401


def test_email_code_is_single_use_and_wrong_codes_are_limited(client):
    address = email()
    assert client.call("POST", "/auth/login", {"email": address}).status == 200
    code = client.login_code(address)
    wrong = f"{(int(code) + 1) % 1_000_000:06d}"
    for _ in range(5):
        refused = client.call("POST", "/auth/verify", {"email": address, "code": wrong})
        assert refused.status == 401, refused.text  # AuthClient maps 401 to UNAUTHORIZED; 400 would be INTERNAL
        assert refused.json["success"] is False
        assert refused.json["code"] == "INVALID_CODE"
    burnt = client.call("POST", "/auth/verify", {"email": address, "code": code})
    assert burnt.status == 401
    assert burnt.json["code"] == "INVALID_CODE"

    assert client.call("POST", "/auth/login", {"email": address}).status == 200
    fresh = client.login_code(address)
    assert client.call("POST", "/auth/verify", {"email": address, "code": fresh}).status == 200
    again = client.call("POST", "/auth/verify", {"email": address, "code": fresh})
    assert again.status == 401
    assert again.json["code"] == "INVALID_CODE"


def test_email_code_and_password_reach_the_same_account(client):
    address = email()
    session = client.password_user(address)
    assert client.call("POST", "/auth/login", {"email": address}).status == 200
    verify = client.call("POST", "/auth/verify", {"email": address, "code": client.login_code(address)})
    assert verify.status == 200, verify.text
    assert verify.json["data"]["user"]["id"] == user_id(client, session)


def test_password_login_still_serves_the_seed_document_clients(client):
    address = email()
    session = client.password_user(address)
    assert user_id(client, session)


# ================================================================================================ binding
# src/cloud-api/bind.ts (typed) and src/services/cloud-notification.ts (CCJKCloudClient.bind sends deviceInfo).

def test_bind_flow_reads_exactly_what_the_typed_client_reads(client):
    session = client.password_user(email())
    generated = client.call("POST", "/bind/generate", headers=client.bearer(session))
    assert generated.status in (200, 201), generated.text
    code = generated.json["data"]
    assert re.fullmatch(r"[A-Z0-9]{6}", code["code"])
    assert code["expiresIn"] == 300
    assert ISO_MS.match(code["expiresAt"])

    used = client.call("POST", "/bind/use", {"code": code["code"], "device": {
        "name": "MacBook Pro", "platform": "darwin", "hostname": "my-mac.local", "version": "9.4.13"}})
    assert used.status == 200, used.text
    bound = used.json["data"]
    assert bound["deviceToken"].startswith("dt_")
    assert bound["deviceId"]
    assert isinstance(bound["message"], str)
    assert bound["userId"] == user_id(client, session)

    status = client.call("GET", f"/bind/status/{code['code']}", headers=client.bearer(session)).json["data"]
    assert status["status"] == "bound"
    assert status["device"] == {"id": bound["deviceId"], "name": "MacBook Pro", "platform": "darwin"}

    devices = client.call("GET", "/bind/devices", headers=client.bearer(session)).json["data"]["devices"]
    [mine] = [d for d in devices if d["id"] == bound["deviceId"]]
    assert (mine["name"], mine["platform"], mine["hostname"], mine["version"]) == (
        "MacBook Pro", "darwin", "my-mac.local", "9.4.13")
    assert ISO_MS.match(mine["createdAt"])
    assert ISO_MS.match(mine["lastSeenAt"])
    assert mine["channels"] == []


def test_bind_with_device_info_names_the_device(client):
    session = client.password_user(email())
    info = {"name": "mac-mini", "platform": "darwin", "osVersion": "23.1.0", "arch": "arm64", "username": "dev",
            "machineId": "0123456789abcdef0123456789abcdef"}
    used = client.call("POST", "/bind/use", {"code": client.bind_code(session), "deviceInfo": info})
    assert used.status == 200, used.text
    token = used.json["data"]["deviceToken"]
    device = client.call("GET", "/device/info", headers=client.device(token)).json["data"]
    assert (device["name"], device["platform"]) == ("mac-mini", "darwin")


def test_bind_code_errors_classify_as_the_client_expects(client):
    # BindClient.handleError: only a 400 is classified, by its message: "expired" → BIND_CODE_EXPIRED,
    # "used" → BIND_CODE_USED (checked in that order), anything else → VALIDATION_ERROR.
    session = client.password_user(email())
    code = client.bind_code(session)
    assert client.call("POST", "/bind/use", {"code": code, "device": {"name": "first"}}).status == 200
    used = client.call("POST", "/bind/use", {"code": code, "device": {"name": "second"}})
    assert used.status == 400, used.text
    assert used.json["code"] == "BIND_CODE_USED"
    assert "used" in used.json["error"]
    assert "expired" not in used.json["error"]

    unknown = client.call("POST", "/bind/use", {"code": "Q9Q9Q9", "device": {"name": "third"}})
    assert unknown.status == 400, unknown.text
    assert unknown.json["code"] == "BIND_CODE_INVALID"


# ================================================================================================ notify
# Three clients: src/cloud-api/notify.ts (typed: data.sent, data.channels[].success/error),
# src/utils/notification/cloud-client.ts (data.results[]), src/services/cloud-notification.ts (data.notificationId).

def test_notify_answers_sent_channels_and_results(client):
    _session, _device_id, token = device_with_feishu(client)
    data = notify(client, token, {"type": "task_completed", "title": "Build done", "body": "All 42 tests passed",
                                  "data": {"filesChanged": 3}, "channels": ["feishu"], "waitReply": False})
    assert data["notificationId"].startswith("notif_")
    assert isinstance(data["sent"], bool)
    [channel] = data["channels"]
    assert channel["type"] == "feishu"
    assert channel["success"] is True
    assert channel.get("error") is None
    [result] = data["results"]
    assert result["channel"] == "feishu"
    assert result["success"] is True
    assert "sentAt" in result


def test_notify_keeps_wait_reply_actions_task_and_metadata(client):
    _session, _device_id, token = device_with_feishu(client)
    task = {"taskId": "task_42", "description": "Deploy to production", "startTime": iso_now(-60),
            "status": "running", "duration": 60000}
    data = notify(client, token, {"type": "ask_user", "title": "Deploy?", "body": "Deploy to production?",
                                  "waitReply": True, "actions": ASK, "task": task, "taskId": "task_42",
                                  "metadata": {"branch": "main"}, "priority": "high"})
    history = client.call("GET", "/notify/history", headers=client.device(token),
                          query={"notificationId": data["notificationId"]})
    assert history.status == 200, history.text
    [item] = history.json["data"]["notifications"]
    assert item["waitReply"] is True
    assert item["actions"] == ASK
    assert item["taskId"] == "task_42"
    assert item["task"] == task
    assert item["metadata"] == {"branch": "main"}
    assert isinstance(data["replyCode"], str)
    assert data["replyCode"]


def test_notify_reports_a_channel_the_server_does_not_have_per_channel(client):
    # The notification client sends its local channel names: feishu | wechat | email | sms.
    _session, _device_id, token = device_with_feishu(client)
    data = notify(client, token, {"type": "task_completed", "title": "Task Completed", "body": "**Task**: build",
                                  "channels": ["feishu", "email"], "priority": "normal"})
    results = {r["channel"]: r for r in data["results"]}
    assert results["feishu"]["success"] is True
    assert results["email"]["success"] is False
    assert isinstance(results["email"]["error"], str)


def test_notify_with_actions_renders_a_feishu_card_with_buttons(client):
    session = client.password_user(email())
    _device_id, token = client.bound_device(session)
    hook = client.feishu_channel(token)
    notify(client, token, {"title": "CCJK Question", "body": "Deploy?", "type": "info", "actions": ASK})
    client.drain_queues()
    [sent] = client.robot_requests("feishu", hook)
    assert sent.path.startswith(FEISHU_HOOK)
    assert sent.json["msg_type"] == "interactive"
    card = json.dumps(sent.json["card"], ensure_ascii=False)
    assert "Yes" in card
    assert "No" in card


def test_notify_test_sends_now_and_reports_each_channel(client):
    _session, _device_id, token = device_with_feishu(client)
    client.robots["dingtalk"].reset()
    client.robots["dingtalk"].respond(json={"errcode": 310000, "errmsg": "keywords not in content"})
    put = client.call("PUT", "/device/channels", {"channels": [
        {"type": "feishu", "enabled": True, "config": {
            "webhook": f"{client.robots['feishu'].url}{FEISHU_HOOK}test-hook", "secret": "s"}},
        {"type": "dingtalk", "enabled": True, "config": {
            "webhook": f"{client.robots['dingtalk'].url}/robot/send?access_token=t", "secret": "SECs"}}]},
        headers=client.device(token))
    assert put.status == 200, put.text
    answer = client.call("POST", "/notify/test", headers=client.device(token))  # no body, as both clients send
    assert answer.status == 200, answer.text
    data = answer.json["data"]
    assert data["notificationId"].startswith("notif_")
    channels = {c["type"]: c for c in data["channels"]}
    assert channels["feishu"]["success"] is True
    assert channels["dingtalk"]["success"] is False
    assert channels["dingtalk"]["error"]
    results = {r["channel"]: r for r in data["results"]}
    assert results["feishu"]["success"] is True
    assert results["dingtalk"]["success"] is False
    assert len(client.robot_requests("feishu", "test-hook")) == 1
    assert len(client.robot_requests("dingtalk", "access_token=t")) == 1


# ================================================================================================ replies
# src/cloud-api/reply.ts (top-level replies/status/reply), src/utils/notification/cloud-client.ts and
# src/services/cloud-notification.ts (data.reply), inbound /reply/feishu|dingtalk|wechat.

def test_feishu_url_verification_answers_the_challenge(client):
    secrets = client.callback_secrets()["feishu"]
    challenge = {"challenge": "chal-replay-1", "token": secrets["verificationToken"], "type": "url_verification"}
    body = json.dumps({"encrypt": feishu_encrypt(json.dumps(challenge), secrets["encryptKey"])}).encode()
    answer = client.call("POST", "/reply/feishu", raw_body=body, headers={"content-type": "application/json"})
    assert answer.status == 200, answer.text
    assert answer.json == {"challenge": "chal-replay-1"}

    forged = {**challenge, "token": "not-our-token"}
    body = json.dumps({"encrypt": feishu_encrypt(json.dumps(forged), secrets["encryptKey"])}).encode()
    assert client.call("POST", "/reply/feishu", raw_body=body,
                       headers={"content-type": "application/json"}).status == 401


def test_feishu_card_action_is_the_reply_the_poll_receives(client):
    _session, _device_id, token = device_with_feishu(client)
    before = iso_now(-1)
    nid = notify(client, token, {"type": "ask_user", "title": "Deploy?", "body": "Deploy to production?",
                                 "waitReply": True, "actions": ASK, "taskId": "task_7"})["notificationId"]
    pending = client.call("GET", f"/reply/{nid}", headers=client.device(token))
    assert pending.status == 200
    assert pending.json["status"] == "pending"

    value = {"notificationId": nid, "actionId": "yes", "value": "yes"}
    secrets = client.callback_secrets()["feishu"]
    payload = feishu_card_action(value, token=secrets["verificationToken"])
    body, headers = feishu_request(payload, encrypt_key=secrets["encryptKey"])
    clicked = client.call("POST", "/reply/feishu", raw_body=body, headers=headers)
    assert clicked.status == 200, clicked.text
    assert isinstance(clicked.json, dict)  # Feishu accepts {} or a toast/card answer within 3 s
    again = client.call("POST", "/reply/feishu", raw_body=body, headers=headers)  # Feishu retries: same event_id
    assert again.status == 200

    poll = client.call("GET", "/reply/poll", headers=client.device(token), query={"timeout": 5, "since": before})
    assert poll.status == 200, poll.text
    assert poll.json["success"] is True
    [reply] = poll.json["replies"]  # the typed client reads top-level `replies`
    assert reply["id"].startswith("reply_")
    assert reply["notificationId"] == nid
    assert (reply["channel"], reply["content"], reply["actionId"]) == ("feishu", "yes", "yes")
    assert reply["metadata"]["openId"] == "ou_replay_user"
    assert reply["metadata"]["action"] == "button_click"
    assert ISO_MS.match(reply["createdAt"])
    assert reply["taskId"] == "task_7"
    one = poll.json["data"]["reply"]  # the notification clients read data.reply
    assert (one["content"], one["notificationId"], one["actionId"], one["channel"]) == ("yes", nid, "yes", "feishu")
    assert one["timestamp"] == reply["createdAt"]

    status = client.call("GET", f"/reply/{nid}", headers=client.device(token))
    assert status.status == 200
    assert status.json["status"] == "replied"
    assert status.json["reply"]["id"] == reply["id"]
    assert status.json["data"]["reply"]["content"] == "yes"
    history = client.call("GET", "/reply/history", headers=client.device(token), query={"limit": 50})
    assert history.status == 200
    assert [r["id"] for r in history.json["replies"] if r["notificationId"] == nid] == [reply["id"]]


def test_feishu_callback_with_a_bad_signature_is_refused_and_stores_nothing(client):
    _session, _device_id, token = device_with_feishu(client)
    nid = notify(client, token, {"type": "ask_user", "title": "Go?", "body": "Go?", "waitReply": True,
                                 "actions": ASK})["notificationId"]
    value = {"notificationId": nid, "actionId": "yes", "value": "yes"}
    assert feishu_click(client, value, signature="0" * 64).status == 401
    assert feishu_click(client, value, signed=False).status == 401
    status = client.call("GET", f"/reply/{nid}", headers=client.device(token))
    assert status.status == 200
    assert status.json["status"] == "pending"


def test_reply_poll_takes_seconds_or_milliseconds_and_since_is_exclusive(client):
    _session, _device_id, token = device_with_feishu(client)
    for timeout in (1, 1500):  # the typed client sends seconds; CCJKCloudClient.waitForReply milliseconds
        waited = client.call("GET", "/reply/poll", headers=client.device(token), query={"timeout": timeout})
        assert waited.status == 200, waited.text
        assert waited.json["replies"] == []
        assert waited.json["data"]["reply"] is None

    before = iso_now(-1)
    nid = notify(client, token, {"type": "ask_user", "title": "Go?", "body": "Go?",
                                 "waitReply": True})["notificationId"]
    manual = client.call("POST", "/reply/manual", {"notificationId": nid, "content": "approved", "channel": "manual"},
                         headers=client.device(token))
    assert manual.status in (200, 201), manual.text
    reply = manual.json["reply"]
    assert (reply["channel"], reply["content"]) == ("manual", "approved")
    assert ISO_MS.match(reply["createdAt"])

    since = client.call("GET", "/reply/poll", headers=client.device(token), query={"timeout": 1, "since": before})
    assert [r["id"] for r in since.json["replies"]] == [reply["id"]]
    after = client.call("GET", "/reply/poll", headers=client.device(token),
                        query={"timeout": 1, "since": reply["createdAt"]})
    assert after.json["replies"] == []

    first = client.call("GET", "/reply/poll", headers=client.device(token), query={"timeout": 1})
    assert first.json["data"]["reply"]["content"] == "approved"  # without `since`: each reply is handed out once
    second = client.call("GET", "/reply/poll", headers=client.device(token), query={"timeout": 1})
    assert second.json["replies"] == []
    assert second.json["data"]["reply"] is None


def test_reply_poll_refused_says_when_to_come_back(client):
    # The notification client re-polls at once after any failed poll: the answer must say when to come back.
    answer = client.call("GET", "/reply/poll", headers=client.device("dt_not_a_device_token"))
    assert answer.status == 401
    assert answer.json["success"] is False
    assert answer.json["code"]
    assert int(answer.headers["retry-after"]) >= 1


def test_reply_status_of_an_unknown_or_foreign_notification_is_not_found(client):
    _s1, _d1, token = device_with_feishu(client)
    _s2, _d2, other = device_with_feishu(client)
    theirs = notify(client, other, {"title": "x", "body": "y"})["notificationId"]
    for nid in ("notif_doesnotexist", theirs):
        answer = client.call("GET", f"/reply/{nid}", headers=client.device(token))
        assert answer.status == 200, answer.text
        assert answer.json == {**answer.json, "success": True, "status": "not_found"}
    refused = client.call("POST", "/reply/manual", {"notificationId": theirs, "content": "no"},
                          headers=client.device(token))
    assert refused.status == 404
    assert refused.json["code"] == "NOTIFICATION_NOT_FOUND"


def test_dingtalk_robot_callback_checked_by_sign_becomes_the_reply(client):
    _session, _device_id, token = device_with_feishu(client)
    data = notify(client, token, {"type": "ask_user", "title": "Go?", "body": "Go?", "waitReply": True})
    nid, code = data["notificationId"], data["replyCode"]
    secret = client.callback_secrets()["dingtalk"]["appSecret"]
    body = dingtalk_message(f"#{code} approve",
                            session_webhook=f"{client.robots['dingtalk'].url}/robot/sendBySession?session=s1")

    now = str(int(time.time() * 1000))
    assert client.call("POST", "/reply/dingtalk", body, headers={"timestamp": now, "sign": "bad"}).status == 401
    stale = str(int((time.time() - 7200) * 1000))
    assert client.call("POST", "/reply/dingtalk", body,
                       headers={"timestamp": stale, "sign": dingtalk_sign(stale, secret)}).status == 401
    good = client.call("POST", "/reply/dingtalk", body, headers={"timestamp": now, "sign": dingtalk_sign(now, secret)})
    assert good.status == 200, good.text

    status = client.call("GET", f"/reply/{nid}", headers=client.device(token)).json
    assert status["status"] == "replied"
    assert (status["reply"]["channel"], status["reply"]["content"]) == ("dingtalk", "approve")
    assert status["reply"]["metadata"]["senderStaffId"] == "staff_replay"


def test_wecom_callback_verifies_the_url_and_decrypts_the_reply(client):
    _session, _device_id, token = device_with_feishu(client)
    data = notify(client, token, {"type": "ask_user", "title": "Go?", "body": "Go?", "waitReply": True})
    wecom = client.callback_secrets()["wecom"]
    timestamp, nonce = str(int(time.time())), "replaynonce"

    echostr = wecom_encrypt("echo-replay-42", wecom["encodingAesKey"], wecom["corpId"])
    check = client.call("GET", "/reply/wechat", query={
        "msg_signature": wecom_signature(wecom["token"], timestamp, nonce, echostr), "timestamp": timestamp,
        "nonce": nonce, "echostr": echostr})
    assert check.status == 200, check.text
    assert check.text == "echo-replay-42"  # the plaintext, no quotes, no newline

    encrypted = wecom_encrypt(wecom_text_xml(f"#{data['replyCode']} ok", corp_id=wecom["corpId"]),
                              wecom["encodingAesKey"], wecom["corpId"])
    xml = wecom_envelope(encrypted, corp_id=wecom["corpId"]).encode()
    headers = {"content-type": "text/xml"}
    forged = client.call("POST", "/reply/wechat", raw_body=xml, headers=headers, query={
        "msg_signature": "0" * 40, "timestamp": timestamp, "nonce": nonce})
    assert forged.status == 401
    answer = client.call("POST", "/reply/wechat", raw_body=xml, headers=headers, query={
        "msg_signature": wecom_signature(wecom["token"], timestamp, nonce, encrypted), "timestamp": timestamp,
        "nonce": nonce})
    assert answer.status == 200, answer.text
    status = client.call("GET", f"/reply/{data['notificationId']}", headers=client.device(token)).json
    assert status["status"] == "replied"
    assert (status["reply"]["channel"], status["reply"]["content"]) == ("wechat", "ok")


# ================================================================================================ the flow
# What issue 18's e2e test will play on `make dev`, here on moto: e-mail sign-in, bind, ask, Feishu reply, poll.

def test_client_flow_in_order(client):
    address = email()
    assert client.call("POST", "/auth/login", {"email": address}).status == 200
    session = client.call("POST", "/auth/verify", {"email": address, "code": client.login_code(address)})
    assert session.status == 200, session.text
    jwt = session.json["data"]["token"]

    info = {"name": "replay-mac", "platform": "darwin", "osVersion": "23.1.0", "arch": "arm64", "username": "dev",
            "machineId": "fedcba9876543210fedcba9876543210"}
    bound = client.call("POST", "/bind/use", {"code": client.bind_code(jwt), "deviceInfo": info})
    assert bound.status == 200, bound.text
    token = bound.json["data"]["deviceToken"]
    client.feishu_channel(token)

    asked = client.call("POST", "/notify", {"title": "CCJK Question", "body": "Deploy to production?", "type": "info",
                                            "actions": [{"id": "yes", "label": "Yes", "value": "yes"},
                                                        {"id": "no", "label": "No", "value": "no"}]},
                        headers=client.device(token))
    assert asked.status in (200, 202), asked.text
    assert asked.json["success"] is True
    nid = asked.json["data"]["notificationId"]

    assert feishu_click(client, {"notificationId": nid, "actionId": "yes", "value": "yes"}).status == 200
    waited = client.call("GET", "/reply/poll", headers=client.device(token), query={"timeout": 60000})
    assert waited.status == 200, waited.text
    reply = waited.json["data"]["reply"]
    assert (reply["content"], reply["actionId"], reply["notificationId"]) == ("yes", "yes", nid)
    assert ISO_MS.match(reply["timestamp"])


# ================================================================================================ cloud control
# src/daemon/cloud-client.ts (X-Device-Token), src/daemon/mobile-control.ts (Authorization: Bearer <device
# token> as the daemon wires it), src/daemon/ws-log-streamer.ts (frames).

CARD = {"id": "tpl_git", "name": "Git 操作", "description": "Git 版本控制", "category": "git", "actions": [
    {"id": "status", "label": "📊 状态检查", "command": "git status", "confirm": False, "style": "default"},
    {"id": "push", "label": "⬆️ 推送更改", "command": "git push", "confirm": True, "style": "default"}]}


def send_card(client: Replay, token: str, device_id: str) -> dict:
    answer = client.call("POST", "/api/control/mobile/send-card", {
        "deviceId": device_id, "channel": "feishu", "templateId": "tpl_git", "message": "from the daemon",
        "template": {**CARD, "message": "from the daemon"}}, headers=client.bearer(token))
    assert answer.status == 200, answer.text
    return answer.json["data"]


def heartbeat(client: Replay, token: str, status: str = "online", tasks: tuple[str, ...] = ()) -> object:
    """CloudClient.heartbeat: every 30 s, `busy` while tasks run, `offline` from goOffline()."""
    return client.call("POST", "/api/control/devices/heartbeat", {
        "status": status, "currentTasks": list(tasks), "timestamp": iso_now()}, headers=client.device(token))


def test_control_register_and_heartbeat(client):
    _session, device_id, token = device_with_feishu(client)
    registered = client.call("POST", "/api/control/devices/register", {
        "name": "CCJK Device (replay)", "platform": "darwin", "hostname": "replay.local", "version": "9.4.13"},
        headers=client.device(token))
    assert registered.status == 200, registered.text
    device = registered.json["data"]["device"]
    assert device["id"] == device_id
    assert device["name"] == "CCJK Device (replay)"
    assert device["platform"] == "darwin"
    assert device["status"] == "online"

    beat = heartbeat(client, token)
    assert beat.status == 200, beat.text
    assert beat.json["data"] == {**beat.json["data"], "pendingTasks": [], "deviceStatus": "online"}
    pending = client.call("GET", "/api/control/devices/pending", headers=client.device(token))
    assert pending.status == 200
    assert pending.json["data"]["commands"] == []


def test_heartbeat_status_shows_in_the_owners_device_list(client):
    session, device_id, token = device_with_feishu(client)
    for status in ("busy", "offline"):
        beat = heartbeat(client, token, status, ("cmd_x",) if status == "busy" else ())
        assert beat.status == 200, beat.text
        devices = client.call("GET", "/bind/devices", headers=client.bearer(session)).json["data"]["devices"]
        [mine] = [d for d in devices if d["id"] == device_id]
        assert mine["status"] == status


def test_control_card_click_becomes_a_command_for_that_device_only(client):
    session = client.password_user(email())
    device_id, token = client.bound_device(session)
    hook = client.feishu_channel(token)
    card = send_card(client, token, device_id)
    assert card["cardId"]
    assert card["channel"] == "feishu"
    assert ISO_MS.match(card["sentAt"])
    client.drain_queues()
    [sent] = client.robot_requests("feishu", hook)
    assert sent.json["msg_type"] == "interactive"
    rendered = json.dumps(sent.json["card"], ensure_ascii=False)
    assert "📊 状态检查" in rendered
    assert "⬆️ 推送更改" in rendered

    assert feishu_click(client, {"cardId": card["cardId"], "actionId": "status"}).status == 200
    [command] = heartbeat(client, token).json["data"]["pendingTasks"]
    assert (command["deviceId"], command["commandType"], command["command"]) == (device_id, "shell", "git status")
    assert command["requireConfirm"] is False
    assert not command.get("args")
    again = heartbeat(client, token, "busy", (command["id"],))
    assert again.json["data"]["pendingTasks"] == []  # handed out once: the daemon runs whatever it receives

    assert feishu_click(client, {"cardId": card["cardId"], "actionId": "status"}).status == 200
    pulled = client.call("GET", "/api/control/devices/pending", headers=client.device(token)).json["data"]["commands"]
    assert [c["command"] for c in pulled] == ["git status"]
    assert heartbeat(client, token).json["data"]["pendingTasks"] == []

    _other_session, _other_id, stranger = device_with_feishu(client)
    result = {"exitCode": 0, "stdout": "On branch main", "stderr": "", "success": True, "duration": 42}
    foreign = client.call("POST", f"/api/control/commands/{command['id']}/result", result,
                          headers=client.device(stranger))
    assert foreign.status == 404
    assert foreign.json["code"] == "COMMAND_NOT_FOUND"
    done = client.call("POST", f"/api/control/commands/{command['id']}/result", result, headers=client.device(token))
    assert done.status == 200, done.text
    assert done.json["data"] == {**done.json["data"], "commandId": command["id"], "status": "completed"}


def test_send_card_for_someone_elses_device_is_not_found(client):
    _s1, device_id, _token = device_with_feishu(client)
    stranger = client.password_user(email())
    answer = client.call("POST", "/api/control/mobile/send-card", {
        "deviceId": device_id, "channel": "feishu", "templateId": "tpl_git", "template": CARD},
        headers=client.bearer(stranger))
    assert answer.status == 404
    assert answer.json["success"] is False
    assert answer.json["code"] == "DEVICE_NOT_FOUND"


def test_control_log_socket_relays_the_device_logs_to_its_owner_only(client, moto_stack):
    session, device_id, token = device_with_feishu(client)
    daemon = LogSocket(client, moto_stack)
    assert daemon.connect(token, device_id) == 200
    assert any(f.get("type") == "pong" for f in daemon.send({"type": "ping"}))
    daemon.send({"type": "subscribe", "deviceId": device_id})

    owner = LogSocket(client, moto_stack)
    assert owner.connect(session, device_id) == 200
    owner.send({"type": "subscribe", "deviceId": device_id})
    stranger = LogSocket(client, moto_stack)
    assert stranger.connect(client.password_user(email())) == 200  # a valid user, but not this device's owner
    refused = stranger.send({"type": "subscribe", "deviceId": device_id})
    assert [f.get("code") for f in refused if f.get("type") == "error"] == ["DEVICE_NOT_FOUND"]

    line = {"timestamp": iso_now(), "level": "info", "source": "console", "message": "hello from the daemon"}
    daemon.send({"type": "log", "data": line})
    assert {"type": "log", "data": line} in [{"type": f.get("type"), "data": f.get("data")} for f in owner.pushed()]
    assert all(f.get("type") != "log" for f in stranger.pushed())


# ================================================================================================ auto-bootstrap
# src/services/cloud/auto-bootstrap.ts (POST register, handshake, sync; errors ignored; 5 s / 30 s timeouts).

def test_auto_bootstrap_register_handshake_sync(client):
    device_id = str(uuid.uuid4())
    ua = {"User-Agent": "CCJK/9.4.13"}
    body = {"deviceId": device_id, "fingerprint": "0f" * 16, "osType": "darwin", "osVersion": "23.1.0",
            "ccjkVersion": "9.4.13"}
    registered = client.call("POST", "/api/v1/devices/register", body, headers=ua)
    assert registered.status in (200, 201), registered.text
    assert registered.json["data"]["deviceId"] == device_id
    assert ISO_MS.match(registered.json["data"]["registeredAt"])
    twice = client.call("POST", "/api/v1/devices/register", body, headers=ua)
    assert twice.status in (200, 201)
    assert twice.json["data"]["registeredAt"] == registered.json["data"]["registeredAt"]

    shake = client.call("POST", "/api/v1/handshake", {"deviceId": device_id, "ccjkVersion": "9.4.13"},
                        headers={**ua, "X-Device-ID": device_id})
    assert shake.status == 200, shake.text
    answer = shake.json
    assert answer["success"] is True
    assert answer["deviceId"] == device_id
    assert ISO_MS.match(answer["serverTime"])
    assert {k: type(v) for k, v in answer["features"].items()} == {
        "autoSync": bool, "silentUpgrade": bool, "analytics": bool}
    assert answer["config"]["syncInterval"] == 1_800_000
    assert isinstance(answer["config"]["upgradeCheckInterval"], int)
    flags = answer["data"]["featureFlags"]
    assert isinstance(flags["silentUpgrade"], bool)
    assert isinstance(flags["telemetryEnabled"], bool)
    assert answer["data"]["syncInterval"] == 1_800_000

    synced = client.call("POST", "/api/v1/sync", {"deviceId": device_id, "timestamp": iso_now(),
                                                  "stats": {"osType": "darwin", "ccjkVersion": "9.4.13"}},
                         headers={**ua, "X-Device-ID": device_id})
    assert synced.status in (200, 202), synced.text
    assert synced.json["success"] is True


# ================================================================================================ v8 templates
# src/cloud-api/templates.ts and src/cloud-client/templates-client.ts: {code:200, message, data}; batch top-level.

TEMPLATE_FIELDS = {"id", "type", "name_en", "name_zh_cn", "description_en", "description_zh_cn", "category", "tags",
                   "author", "version", "install_command", "requirements", "compatibility", "usage_examples",
                   "is_official", "is_featured", "download_count", "rating_average"}


@TODO
def test_v8_templates_list_get_etag_batch_featured_search(client):
    word = f"replay{uuid.uuid4().hex[:8]}"
    created = client.call("POST", "/admin/templates", {
        "type": "agent", "name_en": f"Replay Specialist {word}", "name_zh_cn": "回放专家",
        "description_en": f"Replays the ccjk client ({word})", "description_zh_cn": "回放客户端",
        "category": "testing", "tags": ["replay", word], "author": "CCJK Team", "version": "1.0.0",
        "install_command": "ccjk agent install replay-specialist", "requirements": ["claude-api-key"],
        "compatibility": {"platforms": ["linux", "macos"], "frameworks": ["pytest"]}, "usage_examples": [],
        "is_official": True, "is_featured": True}, headers=client.admin_headers())
    assert created.status == 201, created.text
    tid = created.json["data"]["id"]

    listed = client.call("GET", "/api/v8/templates", query={"type": "agent", "category": "testing", "limit": 50})
    assert listed.status == 200, listed.text
    assert listed.json["code"] == 200
    assert isinstance(listed.json["message"], str)
    page = listed.json["data"]
    assert tid in [t["id"] for t in page["items"]]
    assert (page["limit"], page["offset"]) == (50, 0)
    assert page["total"] >= 1

    one = client.call("GET", f"/api/v8/templates/{tid}")
    assert one.status == 200, one.text
    assert one.json["code"] == 200
    assert set(one.json["data"]) >= TEMPLATE_FIELDS
    assert one.json["data"]["name_zh_cn"] == "回放专家"
    assert one.json["data"]["is_featured"] is True
    etag = one.headers["etag"]
    assert re.fullmatch(r'(W/)?"[^"]+"', etag)
    cached = client.call("GET", f"/api/v8/templates/{tid}", headers={"If-None-Match": etag})
    assert cached.status == 304
    assert cached.text == ""
    assert client.call("GET", f"/api/v8/templates/{tid}", headers={"If-None-Match": '"stale"'}).status == 200

    for body in ({"ids": [tid, "tpl_missing_replay"], "language": "zh-CN", "includeStats": True},
                 {"templates": [tid, "tpl_missing_replay"]}):
        batch = client.call("POST", "/api/v8/templates/batch", body)
        assert batch.status == 200, batch.text
        assert isinstance(batch.json["requestId"], str)
        assert list(batch.json["templates"]) == [tid]
        assert batch.json["notFound"] == ["tpl_missing_replay"]

    featured = client.call("GET", "/api/v8/templates/featured", query={"limit": 100})
    assert featured.json["code"] == 200
    assert tid in [t["id"] for t in featured.json["data"]]
    popular = client.call("GET", "/api/v8/templates/popular", query={"limit": 20})
    assert popular.json["code"] == 200
    assert isinstance(popular.json["data"], list)
    categories = client.call("GET", "/api/v8/templates/categories")
    assert categories.json["code"] == 200
    assert "testing" in categories.json["data"]
    for name in ("query", "q"):
        found = client.call("GET", "/api/v8/templates/search", query={name: word, "type": "agent"})
        assert found.json["code"] == 200
        assert [t["id"] for t in found.json["data"]["items"]] == [tid]

    missing = client.call("GET", "/api/v8/templates/tpl_missing_replay")
    assert missing.status == 404
    assert missing.json["code"] == 404
    assert isinstance(missing.json["message"], str)


# ================================================================================================ errors
# Every client parses the body of an error: it must be JSON in the family's envelope, unknown paths included.

def test_unknown_path_answers_the_service_envelope(client):
    answer = client.call("GET", "/no/such/route")
    assert answer.status == 404
    assert answer.json == {**answer.json, "success": False, "code": "NOT_FOUND"}
    assert isinstance(answer.json["error"], str)
    assert isinstance(answer.json["message"], str)


def test_errors_carry_error_message_and_code_for_every_client(client):
    # The typed clients read `error` (a string), the marketplace clients `message` and `code`.
    answer = client.call("GET", "/api/v1/templates/tpl_missing_replay")
    assert answer.status == 404, answer.text
    body = answer.json
    assert body["success"] is False
    assert isinstance(body["code"], str)
    assert isinstance(body["error"], str)
    assert body["message"] == body["error"]
