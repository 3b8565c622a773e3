"""Robot payloads and signatures, byte for byte, and how provider answers are read (pure logic)."""

import base64
import hashlib
import hmac
import json
from dataclasses import dataclass
from urllib.parse import parse_qs, unquote, urlsplit

import pytest

from ccjk.providers import ROBOTS, dingtalk, feishu, robots, wecom
from ccjk.providers.robots import Message
from suite.outbound import HttpResponse, ProviderError, ResponseHeaders

NOW = 1_795_262_400.123  # seconds


def build(provider: str, webhook: str, secret: str | None, message: Message, now: float) -> robots.OutboundRequest:
    return ROBOTS[provider].build(webhook, secret, message, now)


@dataclass(frozen=True)
class Verdict:
    outcome: str  # sent | retry | failed
    retry_after: float | None
    http_status: int | None


def classify(provider: str, response: HttpResponse) -> Verdict:
    """How the worker takes an answer: delivered, or a ProviderError worth retrying (after `retry_after`), or not."""
    robot = ROBOTS[provider]
    try:
        status = robots.read_answer(provider, response, answer_code=robot.answer_code,
                                    throttle_codes=robot.THROTTLE_CODES)
    except ProviderError as error:
        return Verdict("retry" if error.retryable else "failed", error.retry_after, error.status)
    return Verdict("sent", None, status)


def reference_feishu_sign(secret: str, timestamp: int) -> str:
    string_to_sign = f"{timestamp}\n{secret}"  # Feishu: the HMAC key is timestamp + "\n" + secret, message empty
    return base64.b64encode(hmac.new(string_to_sign.encode("utf-8"), digestmod=hashlib.sha256).digest()).decode()


def reference_dingtalk_sign(secret: str, timestamp_ms: int) -> str:
    string_to_sign = f"{timestamp_ms}\n{secret}"  # DingTalk: key = secret, message = timestamp_ms + "\n" + secret
    return base64.b64encode(hmac.new(secret.encode(), string_to_sign.encode(), hashlib.sha256).digest()).decode()


def test_feishu_signature_matches_the_documented_algorithm():
    assert feishu.sign("demo-secret", 1_599_360_473) == reference_feishu_sign("demo-secret", 1_599_360_473)


def test_dingtalk_signature_matches_the_documented_algorithm():
    assert dingtalk.sign("SEC000", 1_577_262_236_757) == reference_dingtalk_sign("SEC000", 1_577_262_236_757)


def test_feishu_signed_post_with_title():
    request = build("feishu", "https://open.feishu.cn/open-apis/bot/v2/hook/t", "s3cret",
                              Message("Deploy", "done", "urgent"), NOW)
    assert request.url == "https://open.feishu.cn/open-apis/bot/v2/hook/t"
    assert request.payload == {
        "timestamp": "1795262400", "sign": reference_feishu_sign("s3cret", 1_795_262_400), "msg_type": "post",
        "content": {"post": {"zh_cn": {"title": "【紧急】Deploy", "content": [[{"tag": "text", "text": "done"}]]}}}}


def test_dingtalk_signed_url_and_markdown():
    request = build("dingtalk", "https://oapi.dingtalk.com/robot/send?access_token=abc", "SECx",
                              Message("Build", "ok"), NOW)
    query = parse_qs(urlsplit(request.url).query)
    assert query["access_token"] == ["abc"]
    assert query["timestamp"] == ["1795262400123"]
    assert unquote(request.url.split("sign=")[1]) == reference_dingtalk_sign("SECx", 1_795_262_400_123)
    assert "+" not in request.url.split("sign=")[1]
    assert "/" not in request.url.split("sign=")[1]  # URL-encoded
    assert request.payload == {"msgtype": "markdown", "markdown": {"title": "Build", "text": "#### Build\n\nok"}}


def test_unsigned_robots_get_no_signature():
    feishu = build("feishu", "https://x/open-apis/bot/v2/hook/t", None, Message(None, "hi"), NOW)
    assert feishu.payload == {"msg_type": "text", "content": {"text": "hi"}}
    ding = build("dingtalk", "https://x/robot/send?access_token=a", None, Message(None, "hi"), NOW)
    assert ding.url == "https://x/robot/send?access_token=a"


def test_wecom_markdown_is_cut_to_its_byte_limit_on_a_character_boundary():
    body = "通知" * 2000  # 12000 bytes of UTF-8
    request = build("wecom", "https://qyapi.weixin.qq.com/cgi-bin/webhook/send?key=k", None,
                              Message("标题", body), NOW)
    content = request.payload["markdown"]["content"]
    assert len(content.encode()) <= wecom.MARKDOWN_BYTES
    assert content.startswith("**标题**\n")
    assert content.endswith("...")
    plain = build("wecom", "https://q/cgi-bin/webhook/send?key=k", None, Message(None, body), NOW)
    assert len(plain.payload["text"]["content"].encode()) <= wecom.TEXT_BYTES


def answer(status: int, body=None, headers=None) -> HttpResponse:
    content = json.dumps(body).encode() if body is not None else b""
    return HttpResponse(status, ResponseHeaders(headers or {}), content, 1.0, 1)


@pytest.mark.parametrize(("provider", "response", "outcome", "retry_after"), [
    ("feishu", answer(200, {"code": 0, "msg": "success"}), "sent", None),
    ("feishu", answer(200, {"StatusCode": 0, "StatusMessage": "success"}), "sent", None),
    ("feishu", answer(200, {"code": 19021, "msg": "sign match fail"}), "failed", None),
    ("feishu", answer(200, {"code": 11232, "msg": "frequency limited"}), "retry", 10.0),
    ("dingtalk", answer(200, {"errcode": 0, "errmsg": "ok"}), "sent", None),
    ("dingtalk", answer(200, {"errcode": 130101, "errmsg": "send too fast"}), "retry", 60.0),
    ("dingtalk", answer(200, {"errcode": 310000, "errmsg": "keywords not in content"}), "failed", None),
    ("wecom", answer(200, {"errcode": 45009, "errmsg": "api freq out of limit"}), "retry", 60.0),
    ("wecom", answer(200, {"errcode": 93000, "errmsg": "invalid webhook url"}), "failed", None),
    ("wecom", answer(429, {}, {"Retry-After": "7"}), "retry", 7.0),
    ("wecom", answer(503), "retry", None),
    ("wecom", answer(500), "retry", None),
    ("wecom", answer(404), "failed", None),
    ("feishu", answer(200), "sent", None),  # an empty 2xx answer is taken as delivered
])
def test_answers_are_classified(provider, response, outcome, retry_after):
    verdict = classify(provider, response)
    assert (verdict.outcome, verdict.retry_after) == (outcome, retry_after)
    assert verdict.http_status == response.status


# ------------------------------------------------------------------------------------------------ reply options

ASK = (robots.Button("yes", "Yes", "yes", primary=True), robots.Button("no", "No", "no"))


def test_a_feishu_message_with_options_is_a_signed_card_whose_buttons_name_the_notification():
    message = Message("Deploy?", "Deploy to production?", "urgent", buttons=ASK, reply_code="K7Q2MX",
                      notification_id="notif_1")
    payload = build("feishu", "https://open.feishu.cn/open-apis/bot/v2/hook/x", "s", message, NOW).payload
    assert payload["sign"] == reference_feishu_sign("s", int(NOW))
    assert payload["msg_type"] == "interactive"
    card = payload["card"]
    assert card["header"] == {"title": {"tag": "plain_text", "content": "【紧急】Deploy?"}, "template": "red"}
    [action] = [e for e in card["elements"] if e["tag"] == "action"]
    assert [(b["text"]["content"], b["type"], b["value"]) for b in action["actions"]] == [
        ("Yes", "primary", {"notificationId": "notif_1", "actionId": "yes", "value": "yes"}),
        ("No", "default", {"notificationId": "notif_1", "actionId": "no", "value": "no"})]
    assert "#K7Q2MX yes" in json.dumps(card, ensure_ascii=False)


def test_a_control_card_button_carries_only_the_card_and_action_and_confirms_where_asked():
    buttons = (robots.Button("status", "状态", confirm=False), robots.Button("push", "推送", danger=True, confirm=True))
    message = Message("Git", "from the daemon", buttons=buttons, card_id="card_1", notification_id="notif_2")
    card = build("feishu", "https://open.feishu.cn/open-apis/bot/v2/hook/x", None, message, NOW).payload["card"]
    [action] = [e for e in card["elements"] if e["tag"] == "action"]
    assert [b["value"] for b in action["actions"]] == [{"cardId": "card_1", "actionId": "status"},
                                                        {"cardId": "card_1", "actionId": "push"}]
    assert "git" not in json.dumps(action).lower()  # the command never leaves the server
    assert [("confirm" in b, b["type"]) for b in action["actions"]] == [(False, "default"), (True, "danger")]


def test_dingtalk_options_are_an_action_card_whose_links_type_the_reply_code():
    message = Message("Deploy?", "Deploy to production?", buttons=ASK, reply_code="K7Q2MX", notification_id="n")
    request = build("dingtalk", "https://oapi.dingtalk.com/robot/send?access_token=t", None, message, NOW)
    card = request.payload["actionCard"]
    assert request.payload["msgtype"] == "actionCard"
    assert [(b["title"], unquote(b["actionURL"])) for b in card["btns"]] == [
        ("Yes", "dtmd://dingtalkclient/sendMessage?content=#K7Q2MX yes"),
        ("No", "dtmd://dingtalkclient/sendMessage?content=#K7Q2MX no")]


def test_wecom_lists_the_options_and_keeps_the_hint_when_the_body_is_cut():
    message = Message(None, "x" * 5000, buttons=ASK, reply_code="K7Q2MX", notification_id="n")
    content = build("wecom", "https://qyapi.weixin.qq.com/cgi-bin/webhook/send?key=k", None, message,
                    NOW).payload["markdown"]["content"]
    assert len(content.encode()) <= wecom.MARKDOWN_BYTES
    assert content.endswith("回复 Reply: `#K7Q2MX yes` (Yes), `#K7Q2MX no` (No)")


def test_a_message_waiting_for_a_text_reply_says_how_to_answer():
    message = Message("Go?", "Go?", reply_code="ABCDEF")
    post = build("feishu", "https://open.feishu.cn/open-apis/bot/v2/hook/x", None, message, NOW).payload
    assert post["content"]["post"]["zh_cn"]["content"] == [[{"tag": "text",
                                                             "text": "Go?\n\n回复 Reply: `#ABCDEF <answer>`"}]]
