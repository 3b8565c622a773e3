"""POST /notify/test (issue 18): sent now to every enabled channel, never queued; each channel's outcome in the
answer with the provider's own error; the test recorded in the history as a `system` notification."""

from __future__ import annotations

import pytest

from tests.integration.ccjk.conftest import dingtalk_channel, feishu_channel, wecom_channel


def test_every_enabled_channel_is_sent_now_and_the_history_records_it(api, robots, queue):
    _device_id, token = api.register_device()
    disabled = {**wecom_channel(robots, "quiet-key"), "enabled": False}
    api.set_channels(token, [feishu_channel(robots, "test-hook"), dingtalk_channel(robots, "ding-t"), disabled])
    robots.feishu.respond(json={"code": 0, "msg": "success"})
    robots.dingtalk.respond(json={"errcode": 310000, "errmsg": "keywords not in content"})
    answer = api.call("POST", "/notify/test", token=token)
    assert answer.status == 200, answer.body
    data = answer.data
    assert data["sent"] is True
    assert data["channels"] == [
        {"type": "dingtalk", "success": False, "error": "dingtalk error 310000: keywords not in content"},
        {"type": "feishu", "success": True}]
    assert [(r["channel"], r["success"], r["sentAt"] is not None) for r in data["results"]] == [
        ("dingtalk", False, False), ("feishu", True, True)]
    assert robots.wecom.requests == []  # disabled
    assert queue.receive() == []  # sent in the request, nothing queued

    item = api.call("GET", "/notify/history", token=token, query=f"notificationId={data['notificationId']}").data
    [stored] = item["notifications"]
    assert (stored["type"], stored["status"]) == ("system", "failed")
    assert {c["type"]: (c["status"], c["attempts"], c["httpStatus"]) for c in stored["channels"]} == {
        "dingtalk": ("failed", 1, 200), "feishu": ("sent", 1, 200)}


@pytest.mark.usefixtures("frozen_limits")
def test_a_robot_over_its_limit_is_reported_not_waited_for(api, robots):
    # One WeCom robot (20 a minute) shared by three devices (each may test 10 times a minute).
    tokens = [api.register_device(f"shares-a-robot-{n}")[1] for n in range(3)]
    for token in tokens:
        api.set_channels(token, [wecom_channel(robots, "busy-key")])
    robots.wecom.respond(json={"errcode": 0, "errmsg": "ok"})
    outcomes = [api.call("POST", "/notify/test", token=tokens[n % 3]).data["channels"][0] for n in range(21)]
    assert [o["success"] for o in outcomes] == [True] * 20 + [False]
    assert outcomes[-1]["error"].startswith("rate limited by the robot's limit")
    assert len(robots.wecom.requests) == 20
    # tokens[0] tested 7 times: its 8th to 10th tests are within its device quota, the 11th is not
    assert [api.call("POST", "/notify/test", token=tokens[0]).status for _ in range(4)] == [200, 200, 200, 429]


def test_without_an_enabled_channel_it_is_a_400(api, robots):
    _device_id, token = api.register_device()
    answer = api.call("POST", "/notify/test", token=token)
    assert (answer.status, answer.body["code"]) == (400, "CHANNEL_NOT_CONFIGURED")
    assert api.call("POST", "/notify/test").status == 401
