"""Every sample event under events/ccjk/ drives its function (placeholders replaced by real credentials/ids), so
the files stay usable with `python -m devstack invoke` and `sam local invoke -e`."""

import base64
import hashlib
import hmac
import importlib
import json
import time
import uuid

import pytest

from suite import aws
from tests.integration.ccjk.conftest import feishu_channel
from tests.support.lambda_events import EVENTS_DIR, FakeLambdaContext, load_event, response_json

FUNCTIONS = {"devices": "ccjk.DevicesFunction", "notify": "ccjk.NotifyFunction", "auth": "ccjk.AuthFunction",
             "cloud_sync": "ccjk.CloudSyncFunction",
             # issue 18, the real client's core
             "notify_test": "ccjk.NotifyTestFunction", "reply_poll": "ccjk.ReplyPollFunction",
             "replies": "ccjk.ReplyFunction", "control": "ccjk.ControlFunction",
             "bootstrap": "ccjk.BootstrapFunction"}
HTTP_EVENTS = {
    "devices-register.json": ("devices", 201),
    "devices-info.json": ("devices", 200),
    "devices-put-channels.json": ("devices", 200),
    "notify-send.json": ("notify", 202),
    "notify-history.json": ("notify", 200),
    "notify-batch.json": ("notify", 202),
    "auth-register.json": ("auth", 201),
    "auth-login.json": ("auth", 200),
    "auth-bind-generate.json": ("auth", 201),
    "cloud-sync-push.json": ("cloud_sync", 200),
    "cloud-sync-status.json": ("cloud_sync", 200),
    "notify-test.json": ("notify_test", 200),
    "reply-poll.json": ("reply_poll", 200),
    "reply-history.json": ("replies", 200),
    "control-heartbeat.json": ("control", 200),
    "bootstrap-handshake.json": ("bootstrap", 200),
}
# Events whose answer is not the success envelope (issue 18): the $default route, a platform callback, a socket.
OTHER_EVENTS = {"fallback.json", "reply-callback-dingtalk.json", "control-logs-connect.json"}


def test_every_new_function_has_its_events_listed_here():
    listed = set(HTTP_EVENTS) | OTHER_EVENTS | {"notify-worker-delivery.json", "health.json", "docs.json"}
    assert {p.name for p in (EVENTS_DIR / "ccjk").glob("*.json")} == listed


@pytest.fixture
def credentials(api, robots):
    """A user with a bound device that has a Feishu channel; the real Feishu origin for the channel event."""
    email = f"events-{uuid.uuid4().hex[:8]}@example.com"
    jwt = api.register_user(email, "password123")  # the password of auth-login.json
    device_id, token = api.bind_new_device(jwt)
    api.set_channels(token, [feishu_channel(robots, "events-hook")])
    return {"jwt": jwt, "token": token, "device_id": device_id, "email": email}


def fill(event: dict, credentials: dict) -> dict:
    text = json.dumps(event, ensure_ascii=False)
    text = text.replace("dt_REPLACE_WITH_A_DEVICE_TOKEN", credentials["token"])
    text = text.replace("REPLACE_WITH_A_USER_JWT", credentials["jwt"])
    text = text.replace("dev_REPLACE", credentials["device_id"])
    return json.loads(text)


@pytest.mark.parametrize("name", sorted(HTTP_EVENTS))
def test_http_event(name, client, api, credentials):
    function, status = HTTP_EVENTS[name]
    event = fill(load_event(f"ccjk/{name}"), credentials)
    event["requestContext"]["http"]["sourceIp"] = client.source_ip  # this test's own address
    if name == "auth-register.json":
        event["body"] = event["body"].replace("user@example.com", f"new-{credentials['email']}")
    if name == "auth-login.json":
        event["body"] = event["body"].replace("user@example.com", credentials["email"])
    if name == "devices-put-channels.json":
        client.overrides["FEISHU_BASE_URL"] = "https://open.feishu.cn"  # the event's real Feishu webhook
    client.use_env(FUNCTIONS[function])
    module = importlib.import_module(f"ccjk.handlers.{function}")
    response = module.handler(event, FakeLambdaContext())
    assert response["statusCode"] == status, response_json(response)
    assert response_json(response)["success"] is True


def test_worker_event(api, credentials, robots, queue):
    sent = api.call("POST", "/notify", token=credentials["token"], body={"content": "from the event"})
    event = fill(load_event("ccjk/notify-worker-delivery.json"), credentials)
    event["Records"][0]["body"] = event["Records"][0]["body"].replace(
        "notif_01jd0000000000000000000000", sent.data["notificationId"])
    worker = importlib.import_module("ccjk.handlers.notify_worker")
    assert worker.handler(event, FakeLambdaContext()) == {"batchItemFailures": []}
    assert [r.json["content"]["text"] for r in robots.feishu.requests] == ["from the event"]


def test_fallback_event(client):
    client.use_env("ccjk.FallbackFunction")
    fallback = importlib.import_module("ccjk.handlers.fallback")
    response = fallback.handler(load_event("ccjk/fallback.json"), FakeLambdaContext())
    assert response["statusCode"] == 404
    assert response_json(response)["code"] == "NOT_FOUND"


def test_dingtalk_callback_event(client):
    """Signed afresh (the event's timestamp is old): a message with an unknown reply code gets the hint."""
    client.overrides["REPLY_SECRET_CACHE_SECONDS"] = "0"
    env = client.use_env("ccjk.ReplyCallbackFunction")
    aws.client("secretsmanager").put_secret_value(SecretId=env["REPLY_CALLBACK_SECRET_ARN"],
                                                  SecretString=json.dumps({"dingtalk": {"appSecret": "event-s"}}))
    event = load_event("ccjk/reply-callback-dingtalk.json")
    now = str(int(time.time() * 1000))
    sign = base64.b64encode(hmac.new(b"event-s", f"{now}\nevent-s".encode(), hashlib.sha256).digest()).decode()
    event["headers"] |= {"timestamp": now, "sign": sign}
    callbacks = importlib.import_module("ccjk.handlers.reply_callbacks")
    response = callbacks.handler(event, FakeLambdaContext())
    assert response["statusCode"] == 200, response_json(response)
    assert response_json(response)["msgtype"] == "text"


def test_control_logs_connect_event(client, credentials):
    client.use_env("ccjk.ControlLogsFunction")
    sockets = importlib.import_module("ccjk.handlers.control_logs")
    event = fill(load_event("ccjk/control-logs-connect.json"), credentials)
    assert sockets.handler(event, FakeLambdaContext()) == {"statusCode": 200}
