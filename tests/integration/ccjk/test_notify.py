"""POST /notify on moto: stored and queued (one message per channel, ids only), then the worker sends each with
the provider's exact payload and signature, honours rate limits, retries and dead-letters, and records results."""

import base64
import hashlib
import hmac
import json
from urllib.parse import unquote

import pytest

from ccjk.logic import delivery
from tests.integration.ccjk.conftest import FEISHU_HOOK, dingtalk_channel, feishu_channel, wecom_channel

NOTE = {"title": "构建完成", "content": "All 42 tests passed", "priority": "high", "type": "task_completed"}


def notify(api, token, body=NOTE, headers=None):
    return api.call("POST", "/notify", token=token, body=body, headers=headers)


def history(api, token, query=""):
    return api.call("GET", "/notify/history", token=token, query=query)


def one(api, token, notification_id):
    answer = history(api, token, f"notificationId={notification_id}")
    assert answer.status == 200, answer.body
    [item] = answer.data["notifications"]
    return item


def test_notify_stores_queues_one_message_per_channel_and_answers_at_once(api, robots, queue):
    device_id, token = api.register_device()
    api.set_channels(token, [feishu_channel(robots, "h1"), dingtalk_channel(robots, "t1"),
                             wecom_channel(robots, "k1")])
    answer = notify(api, token)
    assert answer.status == 202
    data = answer.data
    assert data["notificationId"].startswith("notif_")
    assert (data["status"], data["sent"], data["queued"]) == ("pending", False, 3)
    assert [c["type"] for c in data["channels"]] == ["dingtalk", "feishu", "wecom"]
    assert robots.feishu.requests == []  # nothing was sent inside the request

    messages = queue.receive()
    bodies = sorted((json.loads(m["Body"]) for m in messages), key=lambda b: b["channel"])
    assert bodies == [{"notificationId": data["notificationId"], "deviceId": device_id, "channel": c}
                      for c in ("dingtalk", "feishu", "wecom")]  # ids only: no webhook, no secret on the queue
    item = one(api, token, data["notificationId"])
    assert item["status"] == "pending"
    assert {c["status"] for c in item["channels"]} == {"pending"}


def test_worker_sends_exact_signed_payloads_and_history_says_sent(api, robots, queue):
    _device_id, token = api.register_device()
    api.set_channels(token, [feishu_channel(robots, "signed-hook", secret="feishu-secret"),
                             dingtalk_channel(robots, "ding-token", secret="SECding-secret"),
                             wecom_channel(robots, "wecom-key")])
    robots.feishu.respond(json={"code": 0, "msg": "success", "data": {}})
    robots.dingtalk.respond(json={"errcode": 0, "errmsg": "ok"})
    robots.wecom.respond(json={"errcode": 0, "errmsg": "ok"})
    notification_id = notify(api, token).data["notificationId"]
    assert queue.drain() == 1

    [feishu] = robots.feishu.requests
    assert feishu.path == f"{FEISHU_HOOK}signed-hook"
    timestamp = feishu.json["timestamp"]
    expected = base64.b64encode(hmac.new(f"{timestamp}\nfeishu-secret".encode(), b"", hashlib.sha256).digest())
    assert feishu.json["sign"] == expected.decode()
    assert feishu.json["msg_type"] == "post"
    assert feishu.json["content"]["post"]["zh_cn"] == {
        "title": "【重要】构建完成", "content": [[{"tag": "text", "text": "All 42 tests passed"}]]}

    [ding] = robots.dingtalk.requests
    assert ding.path == "/robot/send"
    assert ding.query["access_token"] == ["ding-token"]
    millis = ding.query["timestamp"][0]
    expected = base64.b64encode(hmac.new(b"SECding-secret", f"{millis}\nSECding-secret".encode(),
                                         hashlib.sha256).digest()).decode()
    assert unquote(ding.target.split("sign=")[1]) == expected  # sent URL-encoded, as DingTalk requires
    assert ding.json == {"msgtype": "markdown", "markdown": {"title": "【重要】构建完成",
                                                              "text": "#### 【重要】构建完成\n\nAll 42 tests passed"}}

    [wecom] = robots.wecom.requests
    assert wecom.path == "/cgi-bin/webhook/send"
    assert wecom.query == {"key": ["wecom-key"]}
    assert wecom.json == {"msgtype": "markdown", "markdown": {"content": "**【重要】构建完成**\nAll 42 tests passed"}}

    item = one(api, token, notification_id)
    assert item["status"] == "sent"
    assert {c["type"]: (c["status"], c["attempts"], c["httpStatus"]) for c in item["channels"]} == {
        "dingtalk": ("sent", 1, 200), "feishu": ("sent", 1, 200), "wecom": ("sent", 1, 200)}
    assert all(c["deliveredAt"] for c in item["channels"])


def test_unsigned_text_messages_without_a_title(api, robots, queue):
    _device_id, token = api.register_device()
    api.set_channels(token, [feishu_channel(robots, "plain", secret=None), dingtalk_channel(robots, "t", secret=None)])
    notify(api, token, {"body": "just text", "channels": ["feishu", "dingtalk"]})
    queue.drain()
    assert robots.feishu.requests[0].json == {"msg_type": "text", "content": {"text": "just text"}}
    assert robots.dingtalk.requests[0].json == {"msgtype": "text", "text": {"content": "just text"}}
    assert "sign" not in robots.dingtalk.requests[0].query


def test_a_repeated_identical_request_notifies_once(api, robots, queue):
    _device_id, token = api.register_device()
    api.set_channels(token, [wecom_channel(robots, "dedupe")])
    first, second = notify(api, token), notify(api, token)
    assert first.status == second.status == 202
    assert second.data == first.data
    assert len(queue.receive()) == 1
    different = notify(api, token, {**NOTE, "content": "another text"})
    assert different.data["notificationId"] != first.data["notificationId"]


def test_an_idempotency_key_makes_retries_safe_even_if_the_body_changes(api, robots, queue):
    _device_id, token = api.register_device()
    api.set_channels(token, [wecom_channel(robots, "keyed")])
    first = notify(api, token, headers={"Idempotency-Key": "retry-7"})
    second = notify(api, token, {**NOTE, "content": "edited"}, headers={"Idempotency-Key": "retry-7"})
    assert second.data["notificationId"] == first.data["notificationId"]
    assert len(queue.receive()) == 1


@pytest.mark.parametrize("case", [
    ([], {"content": "x"}, "No enabled notification channels"),
    (["wecom"], {"content": "x", "channel": "feishu"}, "Channel not configured or disabled: feishu"),
    (["wecom"], {"content": "x", "channel": "sms"}, "Channel not supported: sms"),
    (["wecom"], {"content": "x", "channels": ["email", "dingtalk"]},
     "Channel not configured or disabled: dingtalk; Channel not supported: email"),
])
def test_notify_without_a_usable_channel_is_a_400(api, robots, queue, case):
    channels, body, error = case
    _device_id, token = api.register_device()
    api.set_channels(token, [wecom_channel(robots, "k")] if channels else [])
    answer = notify(api, token, body)
    assert answer.status == 400
    assert (answer.body["error"], answer.body["code"]) == (error, "CHANNEL_NOT_CONFIGURED")
    assert queue.receive() == []


@pytest.mark.parametrize("body", [{}, {"content": "   "}, {"content": "x" * 4001}, {"content": "x", "title": "t" * 101},
                                  {"content": "x", "priority": "whenever"}, {"content": "x", "channel": "x" * 33},
                                  {"content": "x", "actions": [{"id": "a", "label": "A"}] * 2},
                                  {"content": "x", "task": {"blob": "y" * 4100}}])
def test_invalid_notify_bodies_are_a_400(api, robots, body):
    _device_id, token = api.register_device()
    api.set_channels(token, [wecom_channel(robots, "k")])
    answer = notify(api, token, body)
    assert answer.status == 400
    assert answer.body["code"] == "VALIDATION_ERROR"


def test_429_then_200_is_delivered_once(api, robots, queue):
    _device_id, token = api.register_device()
    api.set_channels(token, [feishu_channel(robots, "busy")])
    robots.feishu.throttle(times=1, retry_after=30)  # longer than the worker waits: back to the queue
    robots.feishu.respond(json={"code": 0})
    notification_id = notify(api, token).data["notificationId"]

    [message] = queue.receive()
    first = queue.run_worker([message], make_failures_visible=False)
    assert len(first["batchItemFailures"]) == 1
    waiting = one(api, token, notification_id)["channels"][0]
    assert (waiting["status"], waiting["error"], waiting["httpStatus"]) == ("pending", "HTTP 429", 429)
    assert queue.receive() == []  # deferred by the provider's Retry-After, not retried at once

    queue.sqs.change_message_visibility(QueueUrl=queue.url, ReceiptHandle=message["ReceiptHandle"],
                                        VisibilityTimeout=0)  # let the deferral pass
    assert queue.drain() == 1
    assert [r.json["msg_type"] for r in robots.feishu.requests] == ["post", "post"]
    done = one(api, token, notification_id)
    assert (done["status"], done["channels"][0]["attempts"]) == ("sent", 2)
    assert queue.drain() == 0


def test_a_short_retry_after_is_retried_inside_the_invocation(api, robots, queue):
    _device_id, token = api.register_device()
    api.set_channels(token, [feishu_channel(robots, "short-wait")])
    robots.feishu.throttle(times=1, retry_after=1)
    robots.feishu.respond(json={"code": 0})
    notification_id = notify(api, token).data["notificationId"]
    assert queue.drain() == 1
    assert len(robots.feishu.requests) == 2
    assert one(api, token, notification_id)["channels"][0] | {"deliveredAt": None, "lastAttemptAt": None} == {
        "type": "feishu", "status": "sent", "attempts": 1, "error": None, "httpStatus": 200,
        "deliveredAt": None, "lastAttemptAt": None}


def test_an_always_failing_robot_ends_in_the_dlq_and_history_says_failed(api, env, robots, queue):
    _device_id, token = api.register_device()
    api.set_channels(token, [feishu_channel(robots, "broken")])
    robots.feishu.fail(times=None, status=500)
    notification_id = notify(api, token).data["notificationId"]
    rounds = queue.drain(rounds=40)

    max_receives = int(env["NOTIFY_MAX_RECEIVE_COUNT"])
    assert rounds == max_receives  # received maxReceiveCount times, then SQS moved it
    sent = robots.feishu.requests
    # Receives that found the robot's 5-per-second window spent were deferred without a request.
    assert 5 <= len(sent) <= max_receives
    [dead] = queue.receive(queue.dlq_url)
    assert json.loads(dead["Body"])["notificationId"] == notification_id
    item = one(api, token, notification_id)
    assert item["status"] == "failed"
    channel = item["channels"][0]
    assert (channel["status"], channel["attempts"]) == ("failed", len(sent))
    assert channel["error"] == f"gave up after {max_receives} attempts: HTTP 500"


def test_a_permanent_provider_error_is_recorded_and_not_retried(api, robots, queue):
    _device_id, token = api.register_device()
    api.set_channels(token, [feishu_channel(robots, "bad-sign")])
    robots.feishu.respond(json={"code": 19021, "msg": "sign match fail or timestamp is not within one hour"})
    notification_id = notify(api, token).data["notificationId"]
    assert queue.drain() == 1
    assert len(robots.feishu.requests) == 1
    item = one(api, token, notification_id)
    assert item["status"] == "failed"
    assert item["channels"][0]["error"].startswith("feishu error 19021: sign match fail")
    assert queue.receive(queue.dlq_url) == []


def test_a_redelivered_message_is_not_sent_twice(api, robots, queue):
    _device_id, token = api.register_device()
    api.set_channels(token, [wecom_channel(robots, "once")])
    notify(api, token)
    [message] = queue.receive()
    queue.run_worker([message])
    queue.run_worker([message])  # SQS delivers at least once: the same message again
    assert len(robots.wecom.requests) == 1


def test_a_channel_removed_before_sending_is_recorded_as_failed(api, robots, queue):
    _device_id, token = api.register_device()
    api.set_channels(token, [wecom_channel(robots, "gone")])
    notification_id = notify(api, token).data["notificationId"]
    api.set_channels(token, [])
    queue.drain()
    assert robots.wecom.requests == []
    assert one(api, token, notification_id)["channels"][0]["error"] == "channel is no longer configured"


def test_a_robot_over_its_rate_limit_is_deferred_not_slept_on(api, robots, queue, frozen_limits, monkeypatch):
    _device_id, token = api.register_device()
    api.set_channels(token, [dingtalk_channel(robots, "busy-robot")])
    for i in range(21):
        notify(api, token, {"content": f"message {i}"})
    deferred = []
    monkeypatch.setattr(delivery.queue, "defer", lambda handle, seconds: deferred.append(seconds))
    while messages := queue.receive():
        queue.run_worker(messages, make_failures_visible=False)
    assert len(robots.dingtalk.requests) == 20  # DingTalk: 20 per minute per robot
    assert len(deferred) == 1
    assert 51 <= deferred[0] <= 112  # until the minute ends (50 s), plus up to a window of jitter, plus 1


def test_history_is_paginated_newest_first_and_scoped_to_the_device(api, robots, queue):
    _device_id, token = api.register_device()
    _other_id, other_token = api.register_device("other")
    api.set_channels(token, [wecom_channel(robots, "h")])
    api.set_channels(other_token, [wecom_channel(robots, "o")])
    ids = [notify(api, token, {"content": f"n{i}"}).data["notificationId"] for i in range(3)]
    foreign = notify(api, other_token, {"content": "not yours"}).data["notificationId"]

    page = history(api, token, "limit=2")
    assert page.status == 200
    assert [n["id"] for n in page.data["notifications"]] == [ids[2], ids[1]]
    assert page.body["pagination"] == {"page": 1, "limit": 2, "total": 3, "totalPages": 2}
    assert [n["body"] for n in history(api, token, "limit=2&page=2").data["notifications"]] == ["n0"]
    missing = history(api, token, f"notificationId={foreign}")
    assert missing.status == 404
    assert missing.body["code"] == "NOTIFICATION_NOT_FOUND"
    assert history(api, token, "limit=abc").status == 400
