"""ccjk through the local stack (real HTTP, the notify queue pumped into the worker, fake robots on 127.0.0.1):
every route of devices, notify, auth/bind and cloud sync, signed robot payloads checked by recomputing the
signatures, 429-then-200 delivered once, an always-failing robot dead-lettered with history "failed", tenant
isolation, and 8 x 25 concurrent pushes that lose nothing."""

from __future__ import annotations

import base64
import hashlib
import hmac
import json
import threading
import uuid
from collections import Counter
from urllib.parse import unquote

import pytest
import requests

from devstack.fake_provider import FakeProvider
from tests.support.devstack_process import DevStackProcess, wait_until
from tests.support.lambda_events import REPO_ROOT

HOOK = "/open-apis/bot/v2/hook/"
FEISHU_SECRET = "feishu-e2e-secret"
DINGTALK_SECRET = "SECdingtalk-e2e-secret"


@pytest.fixture(scope="module")
def robots():
    with FakeProvider() as feishu, FakeProvider() as dingtalk, FakeProvider() as wecom:
        yield {"feishu": feishu, "dingtalk": dingtalk, "wecom": wecom}


@pytest.fixture(scope="module")
def stack(tmp_path_factory, robots):
    process = DevStackProcess(
        REPO_ROOT / "template.yaml", tmp_path_factory.mktemp("ccjk"), "--only", "ccjk", "--no-schedules",
        "--sqs-retry-delay", "0",
        "--env", f"FEISHU_BASE_URL={robots['feishu'].url}",
        "--env", f"DINGTALK_BASE_URL={robots['dingtalk'].url}",
        "--env", f"WECOM_BASE_URL={robots['wecom'].url}",
    ).start()
    yield process
    process.stop()


class Client:
    def __init__(self, base: str) -> None:
        self.base = base
        self.session = requests.Session()

    def call(self, method: str, path: str, *, token: str | None = None, jwt: str | None = None,
             headers: dict[str, str] | None = None, **kwargs) -> requests.Response:
        all_headers = dict(headers or {})
        if token:
            all_headers["X-Device-Token"] = token
        if jwt:
            all_headers["Authorization"] = f"Bearer {jwt}"
        return self.session.request(method, self.base + path, headers=all_headers, timeout=60, **kwargs)

    def register_device(self, name: str = "e2e") -> tuple[str, str]:
        response = self.call("POST", "/device/register", json={"name": name, "type": "cli"})
        assert response.status_code == 201, response.text
        data = response.json()["data"]
        return data["deviceId"], data["token"]

    def register_user(self, email: str) -> str:
        password = "e2e-password-123"
        registered = self.call("POST", "/auth/register", json={"email": email, "password": password, "name": "e2e"})
        assert registered.status_code == 201, registered.text
        login = self.call("POST", "/auth/login", json={"email": email, "password": password})
        assert login.status_code == 200, login.text
        return login.json()["data"]["token"]

    def history_item(self, token: str, notification_id: str) -> dict:
        response = self.call("GET", "/notify/history", token=token, params={"notificationId": notification_id})
        assert response.status_code == 200, response.text
        return response.json()["data"]["notifications"][0]

    def wait_for_status(self, token: str, notification_id: str, status: str, timeout: float = 60) -> dict:
        return wait_until(lambda: (item := self.history_item(token, notification_id))["status"] == status and item,
                          timeout=timeout, message=f"notification {notification_id} to be {status}")


@pytest.fixture(scope="module")
def client(stack) -> Client:
    return Client(stack.url("ccjk"))


def unique(prefix: str) -> str:
    return f"{prefix}-{uuid.uuid4().hex[:12]}"


def queue_depth(stack, suffix: str) -> int:
    sqs = stack.aws("sqs")
    url = next(u for u in sqs.list_queues()["QueueUrls"] if u.endswith(suffix))
    attributes = sqs.get_queue_attributes(QueueUrl=url, AttributeNames=[
        "ApproximateNumberOfMessages", "ApproximateNumberOfMessagesNotVisible"])["Attributes"]
    return sum(int(v) for v in attributes.values())


# ------------------------------------------------------------------------------------------------ devices

def test_device_routes(client, robots):
    device_id, token = client.register_device("first name")
    refreshed = client.call("POST", "/device/register", json={"name": "renamed", "token": token})
    assert refreshed.status_code == 200
    assert refreshed.json()["data"] | {"createdAt": None, "registeredAt": None} == {
        "deviceId": device_id, "token": token, "name": "renamed", "type": "cli", "isNew": False,
        "createdAt": None, "registeredAt": None}

    by_id = client.call("GET", f"/device/{device_id}", token=token)
    assert by_id.status_code == 200
    assert by_id.json()["data"]["name"] == "renamed"
    assert client.call("GET", "/device/info", token=token).json()["data"]["deviceId"] == device_id

    wecom = {"type": "wechat", "enabled": True,
             "webhookUrl": f"{robots['wecom'].url}/cgi-bin/webhook/send?key=device-routes-key"}
    put_by_id = client.call("PUT", f"/device/{device_id}/channels", token=token, json={"channels": [wecom]})
    assert put_by_id.status_code == 200
    assert put_by_id.json()["data"]["channels"][0]["type"] == "wechat"
    put = client.call("PUT", "/device/channels", token=token, json={"channels": [
        wecom, {"type": "feishu", "config": {"webhook": f"{robots['feishu'].url}{HOOK}device-routes-hook",
                                             "secret": "s"}}]})
    assert put.status_code == 200
    listed = client.call("GET", "/device/channels", token=token).json()["data"]["channels"]
    assert [(c["type"], c["configured"], c["secretConfigured"]) for c in listed] == [
        ("feishu", True, True), ("wechat", True, False)]
    assert "device-routes-key" not in json.dumps(listed)

    rotated = client.call("POST", f"/device/{device_id}/regenerate-token", token=token).json()["data"]["token"]
    assert client.call("GET", "/device/info", token=token).status_code == 401  # the old token died at once
    rotated = client.call("POST", "/device/regenerate-token", token=rotated).json()["data"]["token"]
    rotated = client.call("POST", "/device/token", token=rotated).json()["data"]["token"]
    deleted = client.call("DELETE", f"/device/{device_id}", token=rotated)
    assert deleted.json() == {"success": True, "message": "设备已删除"}
    assert client.call("GET", "/device/info", token=rotated).status_code == 401

    _other_id, other = client.register_device()
    assert client.call("DELETE", "/device", token=other).json()["message"] == "设备已删除"


def test_errors_are_json_in_the_envelope(client):
    missing = client.call("GET", "/device/info")
    assert missing.status_code == 401
    assert missing.headers["Content-Type"] == "application/json"
    assert missing.json() == {"success": False, "error": "Missing X-Device-Token header",
                              "message": "Missing X-Device-Token header", "code": "UNAUTHORIZED"}
    bad_json = client.call("POST", "/device/register", data="{not json", headers={"Content-Type": "application/json"})
    assert bad_json.status_code == 400
    assert bad_json.json()["success"] is False


def test_device_a_cannot_reach_device_b(client, robots):
    _a_id, token_a = client.register_device("A")
    b_id, token_b = client.register_device("B")
    for method, path, body in [("GET", f"/device/{b_id}", None), ("DELETE", f"/device/{b_id}", None),
                               ("POST", f"/device/{b_id}/regenerate-token", None),
                               ("PUT", f"/device/{b_id}/channels", {"channels": []})]:
        answer = client.call(method, path, token=token_a, json=body)
        assert answer.status_code == 404
        assert answer.json()["code"] == "DEVICE_NOT_FOUND"
    assert client.call("GET", f"/device/{b_id}", token=token_b).status_code == 200


# ------------------------------------------------------------------------------------------------ notify

def test_notify_sends_correctly_signed_payloads_to_all_three_robots(client, robots):
    hook, access_token, key = unique("hook"), unique("ding"), unique("key")
    _device_id, token = client.register_device("notifier")
    configured = client.call("PUT", "/device/channels", token=token, json={"channels": [
        {"type": "feishu", "webhookUrl": f"{robots['feishu'].url}{HOOK}{hook}", "secret": FEISHU_SECRET},
        {"type": "dingtalk", "webhookUrl": f"{robots['dingtalk'].url}/robot/send?access_token={access_token}",
         "secret": DINGTALK_SECRET},
        {"type": "wecom", "webhookUrl": f"{robots['wecom'].url}/cgi-bin/webhook/send?key={key}"}]})
    assert configured.status_code == 200, configured.text
    robots["feishu"].respond(json={"code": 0, "msg": "success"}, path=f"{HOOK}{hook}")

    body = {"title": "任务完成", "content": "e2e build passed", "channel": "all", "type": "task_completed"}
    sent = client.call("POST", "/notify", token=token, json=body)
    assert sent.status_code == 202
    notification_id = sent.json()["data"]["notificationId"]
    assert sent.json()["data"]["status"] == "pending"
    item = client.wait_for_status(token, notification_id, "sent")
    assert {c["type"]: c["status"] for c in item["channels"]} == {"dingtalk": "sent", "feishu": "sent",
                                                                  "wecom": "sent"}

    [feishu] = [r for r in robots["feishu"].requests if r.path == f"{HOOK}{hook}"]
    timestamp = feishu.json["timestamp"]
    expected = base64.b64encode(hmac.new(f"{timestamp}\n{FEISHU_SECRET}".encode(), b"", hashlib.sha256).digest())
    assert feishu.json["sign"] == expected.decode()
    assert feishu.json["content"]["post"]["zh_cn"]["title"] == "任务完成"

    [ding] = [r for r in robots["dingtalk"].requests if r.query.get("access_token") == [access_token]]
    millis = ding.query["timestamp"][0]
    expected = base64.b64encode(hmac.new(DINGTALK_SECRET.encode(), f"{millis}\n{DINGTALK_SECRET}".encode(),
                                         hashlib.sha256).digest()).decode()
    assert unquote(ding.target.split("sign=")[1]) == expected
    assert ding.json["msgtype"] == "markdown"

    [wecom] = [r for r in robots["wecom"].requests if r.query.get("key") == [key]]
    assert wecom.json == {"msgtype": "markdown", "markdown": {"content": "**任务完成**\ne2e build passed"}}

    again = client.call("POST", "/notify", token=token, json=body)  # a client retry within the window
    assert again.json()["data"]["notificationId"] == notification_id
    page = client.call("GET", "/notify/history", token=token, params={"limit": 10}).json()
    assert [n["id"] for n in page["data"]["notifications"]] == [notification_id]
    assert page["pagination"] == {"page": 1, "limit": 10, "total": 1, "totalPages": 1}


def test_a_robot_answering_429_then_200_gets_the_message_once(client, robots, stack):
    hook = unique("throttled")
    robots["feishu"].throttle(times=1, retry_after=30, path=f"{HOOK}{hook}")  # too long to wait in the Lambda
    robots["feishu"].respond(json={"code": 0, "msg": "success"}, path=f"{HOOK}{hook}")
    _device_id, token = client.register_device("throttled")
    client.call("PUT", "/device/channels", token=token, json={"channels": [
        {"type": "feishu", "webhookUrl": f"{robots['feishu'].url}{HOOK}{hook}"}]})
    notification_id = client.call("POST", "/notify", token=token, json={"content": "once"}).json()["data"][
        "notificationId"]

    item = client.wait_for_status(token, notification_id, "sent")
    assert item["channels"][0]["attempts"] == 2
    wait_until(lambda: queue_depth(stack, "NotifyQueue") == 0, message="the notify queue to drain")
    answers = [r for r in robots["feishu"].requests if r.path == f"{HOOK}{hook}"]
    assert len(answers) == 2  # the 429, then the one delivery
    assert answers[0].json == answers[1].json


def test_an_always_failing_robot_ends_in_the_dlq_and_history_says_failed(client, robots, stack):
    hook = unique("broken")
    robots["feishu"].fail(times=None, status=500, path=f"{HOOK}{hook}")
    _device_id, token = client.register_device("failing")
    client.call("PUT", "/device/channels", token=token, json={"channels": [
        {"type": "feishu", "webhookUrl": f"{robots['feishu'].url}{HOOK}{hook}"}]})
    notification_id = client.call("POST", "/notify", token=token, json={"content": "doomed"}).json()["data"][
        "notificationId"]

    sqs = stack.aws("sqs")
    dlq = next(u for u in sqs.list_queues()["QueueUrls"] if u.endswith("NotifyDeadLetterQueue"))
    dead = wait_until(lambda: sqs.receive_message(QueueUrl=dlq, AttributeNames=["All"]).get("Messages"),
                      timeout=120, message="the failing notification in the dead-letter queue")
    assert json.loads(dead[0]["Body"])["notificationId"] == notification_id
    assert int(dead[0]["Attributes"]["ApproximateReceiveCount"]) >= 10
    item = client.history_item(token, notification_id)
    assert item["status"] == "failed"
    assert item["channels"][0]["error"] == "gave up after 10 attempts: HTTP 500"
    assert item["channels"][0]["attempts"] == len([r for r in robots["feishu"].requests
                                                   if r.path == f"{HOOK}{hook}"])


# ------------------------------------------------------------------------------------------------ auth, bind, batch

def test_auth_bind_and_batch(client, robots):
    alice = client.register_user(f"{unique('alice')}@example.com")
    bob = client.register_user(f"{unique('bob')}@example.com")
    profile = client.call("GET", "/auth/me", jwt=alice).json()["data"]
    assert profile["tier"] == "free"

    code = client.call("POST", "/bind/generate", jwt=alice).json()["data"]["code"]
    assert client.call("GET", f"/bind/status/{code}", jwt=alice).json()["data"]["status"] == "pending"
    bound = client.call("POST", "/bind/use", json={"code": code, "device": {"name": "alice's mac"}}).json()["data"]
    assert bound["userId"] == profile["id"]
    assert client.call("POST", "/bind/use", json={"code": code}).json()["code"] == "BIND_CODE_USED"
    assert client.call("GET", f"/bind/status/{code}", jwt=alice).json()["data"]["status"] == "bound"
    key = unique("batch")
    client.call("PUT", "/device/channels", token=bound["deviceToken"], json={"channels": [
        {"type": "wecom", "webhookUrl": f"{robots['wecom'].url}/cgi-bin/webhook/send?key={key}"}]})
    assert [d["id"] for d in client.call("GET", "/bind/devices", jwt=alice).json()["data"]["devices"]] == [
        bound["deviceId"]]

    bobs_code = client.call("POST", "/bind/generate", jwt=bob).json()["data"]["code"]
    bobs_device = client.call("POST", "/bind/use", json={"code": bobs_code}).json()["data"]["deviceId"]
    refused = client.call("POST", "/notify/batch", jwt=alice, json={"deviceIds": [bound["deviceId"], bobs_device],
                                                                    "content": "not for bob"})
    assert refused.status_code == 404
    assert refused.json()["details"] == {"deviceIds": [bobs_device]}

    batch = client.call("POST", "/notify/batch", jwt=alice, json={"deviceIds": [bound["deviceId"]],
                                                                  "title": "批量通知", "content": "for alice"})
    assert batch.status_code == 202
    assert (batch.json()["data"]["total"], batch.json()["data"]["sent"]) == (1, 1)
    wait_until(lambda: [r for r in robots["wecom"].requests if r.query.get("key") == [key]],
               message="the batch notification at alice's robot")

    removed = client.call("DELETE", f"/bind/devices/{bound['deviceId']}", jwt=alice)
    assert removed.json() == {"success": True, "message": "Device removed"}
    assert client.call("GET", "/device/info", token=bound["deviceToken"]).status_code == 401


# ------------------------------------------------------------------------------------------------ cloud sync

def test_cloud_sync_routes(client):
    jwt = client.register_user(f"{unique('sync')}@example.com")
    pushed = client.call("POST", "/cloud-sync/push", jwt=jwt, json={
        "data": {"skills": [{"id": "s1", "v": 1}], "mcpServers": {"fs": {"command": "npx"}}, "prompts": [],
                 "hooks": []}, "force": False})
    assert pushed.json()["data"]["applied"] == 2
    pulled = client.call("POST", "/cloud-sync/pull", jwt=jwt, json={"types": ["skills"]}).json()["data"]
    assert pulled["skills"] == [{"id": "s1", "v": 1}]
    conflict = client.call("POST", "/cloud-sync/push", jwt=jwt, json={"data": {"skills": [{"id": "s1", "v": 2}]}}
                           ).json()["data"]["conflicts"][0]
    assert client.call("GET", "/cloud-sync/status", jwt=jwt).json()["data"]["conflicts"] == 1
    resolved = client.call("POST", "/cloud-sync/resolve-conflict", jwt=jwt, json={
        "conflictId": conflict["conflictId"], "resolution": "local"}).json()["data"]
    assert resolved["item"]["version"] == 2
    assert client.call("GET", "/cloud-sync/status", jwt=jwt).json()["data"]["conflicts"] == 0


def test_concurrent_pushes_over_http_lose_nothing(client):
    jwt = client.register_user(f"{unique('race')}@example.com")
    client.call("POST", "/cloud-sync/push", jwt=jwt, json={"data": {"skills": [{"id": "shared", "w": "seed"}]}})
    outcomes, lock = [], threading.Lock()

    def worker(thread: int) -> None:
        session = Client(client.base)
        base = 1
        for round_ in range(25):
            answer = session.call("POST", "/cloud-sync/push", jwt=jwt, json={
                "data": {"skills": [{"id": "shared", "w": f"{thread}-{round_}"}]},
                "baseVersions": {"skills/shared": base}}).json()["data"]
            if answer["conflicts"]:
                base = answer["conflicts"][0]["remoteVersion"]  # catch up, as a client would after a pull
                version = None
            else:
                base = version = answer["versions"]["skills/shared"]
            with lock:
                outcomes.append(version)

    threads = [threading.Thread(target=worker, args=(i,)) for i in range(8)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    applied = [v for v in outcomes if v is not None]
    final = client.call("POST", "/cloud-sync/pull", jwt=jwt, json={}).json()["data"]["versions"]["skills/shared"]
    print(f"\nover HTTP: {len(applied)} applied, {len(outcomes) - len(applied)} conflicts, final version "
          f"{final['version']}")
    assert len(outcomes) == 200
    assert max(Counter(applied).values()) == 1
    assert final["version"] == 1 + len(applied)
