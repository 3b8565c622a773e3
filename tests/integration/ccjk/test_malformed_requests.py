"""Requests no route can read are the client's error in ccjk's envelope, never a 500, and nothing is written
(issue 11's named causes); credentials are checked before the body (issue 10)."""

import json
import uuid

import pytest

from tests.integration.ccjk.conftest import raw_items, wecom_channel

LOGIN = b'{"email":"x@y.z","password":"12345678"}'


def refused(answer, status=400):
    assert answer.status == status, answer.text
    assert answer.json["success"] is False
    assert answer.headers["content-type"] == "application/json"
    return answer.json


def test_multipart_without_a_boundary_is_a_400_not_a_500(client):
    # curl -X POST /auth/login -H 'Content-Type: multipart/form-data' -d '{"email":"x@y.z","password":"12345678"}'
    answer = client.post("/auth/login", raw_body=LOGIN, headers={"Content-Type": "multipart/form-data"})
    assert refused(answer)["code"] == "INVALID_BODY"


@pytest.mark.parametrize("base64_body", [False, True], ids=["as-text", "base64-encoded"])
def test_a_body_that_is_not_utf8_is_a_400_and_writes_nothing(api, client, base64_body):
    email = f"bytes-{uuid.uuid4().hex[:8]}@example.com"
    body = b'{"email": "' + email.encode() + b'", "password": "password123", "name": "caf\xe9"}'
    answer = client.post("/auth/register", raw_body=body, base64_body=base64_body)
    assert refused(answer) == {"success": False, "error": "Request body is not valid UTF-8",
                              "message": "Request body is not valid UTF-8", "code": "INVALID_BODY"}
    again = api.call("POST", "/auth/register", body={"email": email, "password": "password123"})
    assert again.status == 201  # the refused request registered nobody


def test_a_lone_surrogate_is_a_400_and_queues_nothing(api, robots, queue):
    _device_id, token = api.register_device()
    api.set_channels(token, [wecom_channel(robots, "surrogate")])
    answer = api.client.post("/notify", raw_body=b'{"content": "half a pair: \\ud800"}',
                             headers={"x-device-token": token})
    assert refused(answer)["code"] == "VALIDATION_ERROR"
    assert queue.receive() == []
    assert api.call("GET", "/notify/history", token=token).data["notifications"] == []


@pytest.mark.parametrize(("method", "path"), [("PUT", "/device/channels"), ("POST", "/notify"),
                                              ("POST", "/cloud-sync/push")])
def test_credentials_are_checked_before_the_body(api, method, path):
    answer = api.client.request(method, path, raw_body=b'{"not": "what this route reads"')
    assert refused(answer, 401)["code"] == "UNAUTHORIZED"


def test_notification_data_is_kept_exactly_as_sent_even_beyond_dynamodb_numbers(api, env, robots, queue):
    _device_id, token = api.register_device()
    api.set_channels(token, [wecom_channel(robots, "numbers")])
    data = {"huge": -1.7976931348623157e308, "precise": 12345678901234567890123456789012345678901234567890,
            "": "empty key", "nested": {"none": None}}
    answer = api.call("POST", "/notify", token=token, body={"content": "with data", "data": data})
    assert answer.status == 202, answer.body
    [stored] = [item for item in raw_items(env, f"DEVICE#{_device_id}") if item["sk"]["S"].startswith("NOTIF#")]
    assert json.loads(stored["data"]["S"]) == data
