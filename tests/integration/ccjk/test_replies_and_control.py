"""Replies and cloud control beyond the client replay (issue 18): what a platform callback is refused stores
nothing, retries store once, a code matches only an open notification; each reply and command is handed out once
under parallel polls; command cards are refused where they cannot go; the log socket's refusals."""

from __future__ import annotations

import threading
import time
import uuid

import pytest

from ccjk import clock
from ccjk.logic import control, replies
from ccjk.store import devices as device_data
from devstack.fake_provider import FakeProvider
from tests.integration.ccjk.conftest import fresh_address
from tests.integration.ccjk.replay import (
    CALLBACK_SECRETS,
    LogSocket,
    Replay,
    dingtalk_message,
    dingtalk_sign,
    feishu_card_action,
    feishu_request,
    feishu_signature,
    wecom_encrypt,
    wecom_envelope,
    wecom_signature,
    wecom_text_xml,
)
from tests.support.api_client import ApiClient

pytestmark = pytest.mark.integration
ASK = [{"id": "yes", "label": "Yes", "value": "approved"}, {"id": "no", "label": "No", "value": "rejected"}]
CARD = {"id": "tpl_git", "name": "Git", "actions": [{"id": "status", "label": "状态", "command": "git status"}]}


@pytest.fixture(scope="module")
def fakes():
    with FakeProvider() as feishu, FakeProvider() as dingtalk, FakeProvider() as wecom:
        yield {"feishu": feishu, "dingtalk": dingtalk, "wecom": wecom}


@pytest.fixture
def replay(moto_stack, monkeypatch, fakes) -> Replay:
    for fake in fakes.values():
        fake.reset()
    overrides = {"FEISHU_BASE_URL": fakes["feishu"].url, "DINGTALK_BASE_URL": fakes["dingtalk"].url,
                 "WECOM_BASE_URL": fakes["wecom"].url, "REPLY_SECRET_CACHE_SECONDS": "0"}
    client = Replay(ApiClient(moto_stack, "ccjk", monkeypatch, overrides=overrides, source_ip=fresh_address()), fakes)
    client.clear_queues()
    client.callback_secrets()
    return client


def waiting_device(replay: Replay, body: dict | None = None) -> tuple[str, str, dict]:
    """(session, device token, the notify answer) of a bound device that asked a question."""
    session = replay.password_user(f"cb-{uuid.uuid4().hex[:12]}@example.com")
    _device_id, token = replay.bound_device(session)
    replay.feishu_channel(token)
    asked = replay.call("POST", "/notify", body or {"type": "ask_user", "title": "Go?", "body": "Go?",
                                                    "actions": ASK}, headers=replay.device(token))
    assert asked.status in (200, 202), asked.text
    return session, token, asked.json["data"]


def ding(replay: Replay, text: str, *, msg_id: str | None = None, at: float | None = None):
    message = {**dingtalk_message(text, session_webhook=f"{replay.robots['dingtalk'].url}/s"),
               **({"msgId": msg_id} if msg_id else {})}
    now = str(int((at or time.time()) * 1000))
    return replay.call("POST", "/reply/dingtalk", message, headers={
        "timestamp": now, "sign": dingtalk_sign(now, CALLBACK_SECRETS["dingtalk"]["appSecret"])})


def replies_of(replay: Replay, token: str) -> list[dict]:
    return replay.call("GET", "/reply/history", headers=replay.device(token)).json["replies"]


def test_a_platform_without_secrets_is_not_configured(replay):
    replay.put_secret("REPLY_CALLBACK_SECRET_ARN", {"feishu": CALLBACK_SECRETS["feishu"]})
    answer = ding(replay, "#ABCDEF hi")
    assert (answer.status, answer.json["code"]) == (404, "NOT_CONFIGURED")
    wecom = replay.call("GET", "/reply/wechat", query={"msg_signature": "x", "timestamp": "1", "nonce": "n",
                                                       "echostr": "e"})
    assert wecom.status == 404


def test_feishu_refuses_stale_or_altered_requests(replay):
    _session, token, data = waiting_device(replay)
    keys = CALLBACK_SECRETS["feishu"]
    value = {"notificationId": data["notificationId"], "actionId": "yes", "value": "approved"}
    body, headers = feishu_request(feishu_card_action(value, token=keys["verificationToken"]),
                                   encrypt_key=keys["encryptKey"])
    stale = str(int(time.time()) - 7200)
    old = {**headers, "X-Lark-Request-Timestamp": stale,
           "X-Lark-Signature": feishu_signature(stale, headers["X-Lark-Request-Nonce"], keys["encryptKey"], body)}
    assert replay.call("POST", "/reply/feishu", raw_body=body, headers=old).status == 401
    altered = body.replace(b'"}', b'" }')
    assert replay.call("POST", "/reply/feishu", raw_body=altered, headers=headers).status == 401
    wrong_token, wrong_headers = feishu_request(feishu_card_action(value, token="not-ours"),
                                                encrypt_key=keys["encryptKey"])
    assert replay.call("POST", "/reply/feishu", raw_body=wrong_token, headers=wrong_headers).status == 401
    not_json = replay.call("POST", "/reply/feishu", raw_body=b"{nope", headers=headers)
    assert not_json.status == 400
    assert replies_of(replay, token) == []


def test_a_feishu_click_on_an_option_the_notification_did_not_offer_stores_nothing(replay):
    _session, token, data = waiting_device(replay)
    keys = CALLBACK_SECRETS["feishu"]
    value = {"notificationId": data["notificationId"], "actionId": "delete-everything", "value": "yes"}
    body, headers = feishu_request(feishu_card_action(value, token=keys["verificationToken"]),
                                   encrypt_key=keys["encryptKey"])
    answer = replay.call("POST", "/reply/feishu", raw_body=body, headers=headers)
    assert answer.status == 200
    assert answer.json["toast"]["type"] == "error"
    assert replies_of(replay, token) == []


def test_a_retried_dingtalk_message_is_stored_once_and_unknown_codes_get_a_hint(replay):
    _session, token, data = waiting_device(replay)
    first = ding(replay, f"@bot #{data['replyCode'].lower()}  rejected", msg_id="msg-retried-1")
    assert first.status == 200
    assert ding(replay, f"#{data['replyCode']} rejected", msg_id="msg-retried-1").status == 200
    [reply] = replies_of(replay, token)
    assert (reply["channel"], reply["content"], reply["actionId"]) == ("dingtalk", "rejected", None)
    unknown = ding(replay, "#ZZZZZZ maybe")
    assert unknown.status == 200
    assert "#" in unknown.json["text"]["content"]
    no_code = ding(replay, "just chatting")
    assert no_code.status == 200
    assert len(replies_of(replay, token)) == 1


def test_a_code_stops_matching_when_the_reply_window_closes(replay, monkeypatch):
    _session, token, data = waiting_device(replay)
    later = time.time() + 25 * 3600
    monkeypatch.setattr(clock, "now", lambda: later)
    answer = ding(replay, f"#{data['replyCode']} too late", at=later)
    assert answer.status == 200
    assert answer.json["text"]["content"] != "已收到回复 Reply received"  # an expired code is an unknown code
    monkeypatch.undo()
    assert replies_of(replay, token) == []


def test_wecom_refuses_a_message_encrypted_for_another_corp(replay):
    _session, token, data = waiting_device(replay)
    wecom = CALLBACK_SECRETS["wecom"]
    timestamp, nonce = str(int(time.time())), "n1"
    encrypted = wecom_encrypt(wecom_text_xml(f"#{data['replyCode']} ok", corp_id="ww_other"),
                              wecom["encodingAesKey"], "ww_other")
    answer = replay.call("POST", "/reply/wechat", raw_body=wecom_envelope(encrypted, corp_id="ww_other").encode(),
                         headers={"content-type": "text/xml"}, query={
                             "msg_signature": wecom_signature(wecom["token"], timestamp, nonce, encrypted),
                             "timestamp": timestamp, "nonce": nonce})
    assert answer.status == 401
    assert replies_of(replay, token) == []


def test_a_command_card_answered_by_text_queues_its_action(replay):
    session = replay.password_user(f"card-{uuid.uuid4().hex[:12]}@example.com")
    device_id, token = replay.bound_device(session)
    replay.call("PUT", "/device/channels", {"channels": [{"type": "dingtalk", "enabled": True, "config": {
        "webhook": f"{replay.robots['dingtalk'].url}/robot/send?access_token=t"}}]}, headers=replay.device(token))
    card = replay.call("POST", "/api/control/mobile/send-card", {
        "deviceId": device_id, "channel": "dingtalk", "templateId": "tpl_git", "template": CARD},
        headers=replay.bearer(session))
    assert card.status == 200, card.text
    replay.robots["dingtalk"].respond(json={"errcode": 0, "errmsg": "ok"})
    replay.drain_queues()
    [sent] = [r for r in replay.robots["dingtalk"].requests if "access_token=t" in r.target]
    assert sent.json["msgtype"] == "actionCard"
    link = sent.json["actionCard"]["btns"][0]["actionURL"]
    code = link.split("%23", 1)[1].split("%20", 1)[0]
    assert ding(replay, f"#{code} status").status == 200
    [command] = replay.call("GET", "/api/control/devices/pending", headers=replay.device(token)).json["data"][
        "commands"]
    assert (command["command"], command["deviceId"]) == ("git status", device_id)
    assert ding(replay, f"#{code} rm-rf").json["text"]["content"] != "已收到回复 Reply received"


def test_parallel_pulls_hand_each_command_out_once(replay):
    session = replay.password_user(f"pull-{uuid.uuid4().hex[:12]}@example.com")
    device_id, token = replay.bound_device(session)
    replay.feishu_channel(token)
    card = replay.call("POST", "/api/control/mobile/send-card", {
        "deviceId": device_id, "channel": "feishu", "templateId": "tpl_git", "template": CARD},
        headers=replay.device(token)).json["data"]
    for n in range(6):
        assert control.card_action(card["cardId"], "status", event_key=f"test#{uuid.uuid4().hex}#{n}")
    handed: list[str] = []

    def pull() -> None:
        handed.extend(c["id"] for c in control.pending(device_data.get(device_id))["commands"])

    threads = [threading.Thread(target=pull) for _ in range(4)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert len(handed) == 6
    assert len(set(handed)) == 6


def test_send_card_refuses_channels_it_cannot_use(replay):
    session = replay.password_user(f"sc-{uuid.uuid4().hex[:12]}@example.com")
    device_id, token = replay.bound_device(session)
    replay.feishu_channel(token)
    for channel, code in (("telegram", "CHANNEL_NOT_SUPPORTED"), ("dingtalk", "CHANNEL_NOT_CONFIGURED")):
        answer = replay.call("POST", "/api/control/mobile/send-card", {
            "deviceId": device_id, "channel": channel, "template": CARD}, headers=replay.bearer(session))
        assert (answer.status, answer.json["code"]) == (400, code)
    other, _other_token = replay.bound_device(replay.password_user(f"sc2-{uuid.uuid4().hex[:12]}@example.com"))
    mine_for_theirs = replay.call("POST", "/api/control/mobile/send-card", {
        "deviceId": other, "channel": "feishu", "template": CARD}, headers=replay.device(token))
    assert (mine_for_theirs.status, mine_for_theirs.json["code"]) == (404, "DEVICE_NOT_FOUND")


def test_a_device_is_offline_90_seconds_after_its_last_heartbeat(replay, monkeypatch):
    session = replay.password_user(f"hb-{uuid.uuid4().hex[:12]}@example.com")
    device_id, token = replay.bound_device(session)
    beat = replay.call("POST", "/api/control/devices/heartbeat", {"status": "busy"}, headers=replay.device(token))
    assert beat.json["data"]["deviceStatus"] == "busy"
    later = time.time() + 91
    monkeypatch.setattr(clock, "now", lambda: later)
    devices = replay.call("GET", "/bind/devices", headers=replay.bearer(session)).json["data"]["devices"]
    assert [d["status"] for d in devices if d["id"] == device_id] == ["offline"]


def test_log_socket_frames_that_cannot_be_served(replay, moto_stack):
    session = replay.password_user(f"ws-{uuid.uuid4().hex[:12]}@example.com")
    device_id, token = replay.bound_device(session)
    stranger = replay.password_user(f"ws2-{uuid.uuid4().hex[:12]}@example.com")
    other_device_id, _other_token = replay.bound_device(stranger)
    assert LogSocket(replay, moto_stack).connect("dt_nobody") == 401
    assert LogSocket(replay, moto_stack).connect("not-a-jwt") == 401
    assert LogSocket(replay, moto_stack).connect(token, other_device_id) == 403
    assert LogSocket(replay, moto_stack).connect(session, other_device_id) == 403
    owner = LogSocket(replay, moto_stack)
    assert owner.connect(session, device_id) == 200
    assert owner.send({"type": "log", "data": {"message": "spoofed"}})[0]["code"] == "FORBIDDEN"
    assert owner.send({"type": "dance"})[0]["code"] == "UNKNOWN_TYPE"
    daemon = LogSocket(replay, moto_stack)
    assert daemon.connect(token) == 200
    assert daemon.send({"type": "subscribe", "deviceId": other_device_id})[0]["code"] == "DEVICE_NOT_FOUND"
    statuses = [f for f in owner.pushed() if f.get("type") == "status"]
    assert statuses[-1] | {"status": None} == {"type": "status", "deviceId": device_id, "status": None,
                                                "streaming": True}
    assert owner.send({"type": "unsubscribe"})[0]["status"] == "unsubscribed"
    daemon.send({"type": "log", "data": {"message": "after unsubscribe"}})
    assert all(f.get("data", {}).get("message") != "after unsubscribe" for f in owner.pushed())


def test_parallel_polls_hand_each_reply_out_once(replay):
    _session, token, data = waiting_device(replay)
    for n in range(5):
        manual = replay.call("POST", "/reply/manual", {"notificationId": data["notificationId"], "content": f"r{n}"},
                             headers=replay.device(token))
        assert manual.status == 201, manual.text
    device = replay.call("GET", "/device/info", headers=replay.device(token)).json["data"]
    handed: list[str] = []

    def poll() -> None:
        for _ in range(3):
            found = replies.poll(device_data.get(device["id"]), timeout_text="0", since_text=None,
                                 remaining_seconds=29)
            handed.extend(r["content"] for r in found["replies"])

    threads = [threading.Thread(target=poll) for _ in range(4)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert sorted(handed) == [f"r{n}" for n in range(5)]


def test_poll_timeout_and_since_must_be_readable(replay):
    _session, token, _data = waiting_device(replay)
    for query in ({"timeout": "soon"}, {"timeout": "-1"}, {"since": "yesterday"}):
        answer = replay.call("GET", "/reply/poll", headers=replay.device(token), query=query)
        assert (answer.status, answer.json["code"]) == (400, "VALIDATION_ERROR"), query
