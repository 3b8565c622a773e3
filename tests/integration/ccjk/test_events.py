"""Every sample event under events/ccjk/ drives its function (placeholders replaced by real credentials/ids), so
the files stay usable with `python -m devstack invoke` and `sam local invoke -e`."""

import importlib
import json
import uuid

import pytest

from tests.integration.ccjk.conftest import feishu_channel
from tests.support.lambda_events import EVENTS_DIR, FakeLambdaContext, load_event, response_json

FUNCTIONS = {"devices": "ccjk.DevicesFunction", "notify": "ccjk.NotifyFunction", "auth": "ccjk.AuthFunction",
             "cloud_sync": "ccjk.CloudSyncFunction"}
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
}


def test_every_new_function_has_its_events_listed_here():
    from tests.integration.ccjk.market.test_events import MARKET_EVENTS, STREAM_EVENTS  # noqa: PLC0415 (issue 18)

    listed = set(HTTP_EVENTS) | {"notify-worker-delivery.json", "health.json", "docs.json"}
    listed |= set(MARKET_EVENTS) | STREAM_EVENTS
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
