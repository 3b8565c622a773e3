"""Quotas keyed by device (issue 18, item 7): every limited answer carries X-RateLimit-*, a refusal 429 with
Retry-After; a device token counts for its device, an anonymous install for its X-Device-ID, else its address."""

from __future__ import annotations

import time
import uuid

import pytest

from tests.integration.ccjk.conftest import wecom_channel

pytestmark = pytest.mark.usefixtures("frozen_limits")


def test_notify_answers_where_the_device_stands_and_refuses_past_its_quota(api, robots, queue):
    _a, token_a = api.register_device("a")
    _b, token_b = api.register_device("b")
    for token in (token_a, token_b):
        api.set_channels(token, [wecom_channel(robots, f"quota-{uuid.uuid4().hex[:6]}")])
    answers = [api.call("POST", "/notify", token=token_a, body={"content": f"n{n}"}) for n in range(61)]
    assert [a.status for a in answers] == [202] * 60 + [429]
    first, last_ok, refused = answers[0].headers, answers[59].headers, answers[60].headers
    assert (first["x-ratelimit-limit"], first["x-ratelimit-remaining"]) == ("60", "59")
    assert last_ok["x-ratelimit-remaining"] == "0"
    assert int(refused["retry-after"]) >= 1
    assert refused["x-ratelimit-remaining"] == "0"
    assert int(refused["x-ratelimit-reset"]) > time.time() - 3600  # an epoch second (the frozen window's end)
    assert answers[60].body["code"] == "RATE_LIMITED"
    other = api.call("POST", "/notify", token=token_b, body={"content": "another device"})
    assert (other.status, other.headers["x-ratelimit-remaining"]) == (202, "59")  # its own quota


def test_anonymous_installs_are_counted_by_their_install_id(api):
    api.source_ip = "198.51.100.200"
    first, second = str(uuid.uuid4()), str(uuid.uuid4())
    for install in (first, second):
        answer = api.call("POST", "/api/v1/handshake", body={"deviceId": install},
                          headers={"X-Device-ID": install})
        assert answer.status == 200, answer.body
        assert answer.headers["x-ratelimit-remaining"] == "59"  # one office address, two quotas
    mismatch = api.call("POST", "/api/v1/handshake", body={"deviceId": first}, headers={"X-Device-ID": second})
    assert (mismatch.status, mismatch.body["code"]) == (400, "VALIDATION_ERROR")


def test_the_long_poll_is_limited_too(api, robots):
    _device_id, token = api.register_device("poller")
    statuses = [api.call("GET", "/reply/poll", token=token, query="timeout=0").status for _ in range(61)]
    assert statuses == [200] * 60 + [429]
