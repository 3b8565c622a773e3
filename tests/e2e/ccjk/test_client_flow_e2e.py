"""The real client's flow, in order, on the whole local stack (every service, as `make dev` starts it, on free
ports): sign-in by e-mail code (the code read from the local outbox with the documented command), bind with the
notification client's body, a question with `waitReply` delivered to a Feishu robot as a card, the click on its
button arriving as Feishu's signed and encrypted callback, and the client's waiting poll receiving it."""

from __future__ import annotations

import json
import os
import re
import subprocess
import sys
import threading
import uuid

import pytest
import requests

from devstack.fake_provider import FakeProvider
from tests.integration.ccjk.replay import CALLBACK_SECRETS, feishu_card_action, feishu_request
from tests.support.devstack_process import DevStackProcess, wait_until
from tests.support.lambda_events import REPO_ROOT

HOOK = "/open-apis/bot/v2/hook/"


@pytest.fixture(scope="module")
def feishu():
    with FakeProvider() as fake:
        fake.respond(json={"code": 0, "msg": "success", "data": {}})
        yield fake


@pytest.fixture(scope="module")
def stack(tmp_path_factory, feishu):
    process = DevStackProcess(REPO_ROOT / "template.yaml", tmp_path_factory.mktemp("ccjk-client"),
                              "--env", f"FEISHU_BASE_URL={feishu.url}").start()
    yield process
    process.stop()


def physical(names: list[str], logical: str) -> str:
    [found] = [n for n in names if "CcjkApp" in n and n.endswith(logical)]
    return found


def outbox_code(stack: DevStackProcess, email: str) -> str:
    """The sign-in code, read the way docs/ccjk.md tells a developer to: `python -m ccjk.seed ... outbox`."""
    table = physical(stack.aws("dynamodb").list_tables()["TableNames"], "MailOutboxTable")
    env = {k: v for k, v in os.environ.items() if k != "AWS_ENDPOINT_URL"}
    env["PYTHONPATH"] = os.pathsep.join([str(REPO_ROOT / "functions" / "ccjk"), str(REPO_ROOT / "layers" / "common")])
    printed = subprocess.run(
        [sys.executable, "-m", "ccjk.seed", "--endpoint-url", stack.status["aws_endpoint"], "--outbox-table", table,
         "outbox", email], env=env, cwd=REPO_ROOT, capture_output=True, text=True, timeout=60, check=True).stdout
    [code] = re.findall(r"(?<!\d)\d{6}(?!\d)", printed)
    return code


def test_sign_in_bind_ask_reply_on_feishu_and_the_poll_receives_it(stack, feishu):
    base = stack.url("ccjk")
    http = requests.Session()
    email = f"flow-{uuid.uuid4().hex[:12]}@example.com"

    # 1. sign in by e-mail code (src/cloud-api/auth.ts)
    login = http.post(f"{base}/auth/login", json={"email": email}, timeout=30)
    assert login.status_code == 200, login.text
    verified = http.post(f"{base}/auth/verify", json={"email": email, "code": outbox_code(stack, email)}, timeout=30)
    assert verified.status_code == 200, verified.text
    session = verified.json()["data"]["token"]

    # 2. bind a device (CCJKCloudClient.bind: deviceInfo) and give it a Feishu robot
    code = http.post(f"{base}/bind/generate", headers={"Authorization": f"Bearer {session}"}, timeout=30)
    bound = http.post(f"{base}/bind/use", json={"code": code.json()["data"]["code"], "deviceInfo": {
        "name": "flow-mac", "platform": "darwin", "osVersion": "23.1.0", "arch": "arm64",
        "machineId": uuid.uuid4().hex}}, timeout=30)
    assert bound.status_code == 200, bound.text
    device = {"X-Device-Token": bound.json()["data"]["deviceToken"]}
    hook = uuid.uuid4().hex
    channels = http.put(f"{base}/device/channels", headers=device, timeout=30, json={"channels": [{
        "type": "feishu", "enabled": True, "config": {"webhook": f"{feishu.url}{HOOK}{hook}"}}]})
    assert channels.status_code == 200, channels.text

    # 3. ask, waiting for a reply: the worker delivers it to the robot as a card with buttons
    asked = http.post(f"{base}/notify", headers=device, timeout=30, json={
        "type": "ask_user", "title": "Deploy?", "body": "Deploy to production?", "waitReply": True, "taskId": "t-1",
        "actions": [{"id": "yes", "label": "Yes", "value": "yes", "primary": True},
                    {"id": "no", "label": "No", "value": "no"}]})
    assert asked.status_code == 202, asked.text
    notification_id = asked.json()["data"]["notificationId"]
    [card] = wait_until(lambda: [r.json for r in feishu.requests if hook in r.target], timeout=60,
                        message="the card to reach the Feishu robot")
    assert card["msg_type"] == "interactive"
    [buttons] = [e["actions"] for e in card["card"]["elements"] if e["tag"] == "action"]
    yes = next(b["value"] for b in buttons if b["text"]["content"] == "Yes")
    assert yes == {"notificationId": notification_id, "actionId": "yes", "value": "yes"}

    # 4. the client waits (the notification client polls without parameters and reads data.reply)
    polled: dict = {}
    poller = threading.Thread(target=lambda: polled.update(
        http.get(f"{base}/reply/poll", headers=device, params={"timeout": 20}, timeout=60).json()))
    poller.start()

    # 5. the click arrives as Feishu's callback: encrypted and signed with the app's secrets
    secrets = stack.aws("secretsmanager")
    [arn] = [s["ARN"] for s in secrets.list_secrets()["SecretList"]
             if "CcjkApp" in s["Name"] and s["Name"].endswith("ReplyCallbackSecret")]
    secrets.put_secret_value(SecretId=arn, SecretString=json.dumps(CALLBACK_SECRETS))
    keys = CALLBACK_SECRETS["feishu"]
    body, headers = feishu_request(feishu_card_action(yes, token=keys["verificationToken"]),
                                   encrypt_key=keys["encryptKey"])
    clicked = requests.post(f"{base}/reply/feishu", data=body, headers=headers, timeout=30)
    assert clicked.status_code == 200, clicked.text
    assert clicked.json()["toast"]["type"] == "success"

    # 6. the waiting poll receives it
    poller.join(timeout=60)
    assert not poller.is_alive()
    assert polled["success"] is True
    reply = polled["data"]["reply"]
    assert (reply["notificationId"], reply["content"], reply["actionId"], reply["channel"], reply["taskId"]) == (
        notification_id, "yes", "yes", "feishu", "t-1")
    status = http.get(f"{base}/reply/{notification_id}", headers=device, timeout=30).json()
    assert (status["status"], status["reply"]["id"]) == ("replied", reply["id"])
    unknown = http.get(f"{base}/no/such/route", timeout=30)
    assert (unknown.status_code, unknown.json()["code"]) == (404, "NOT_FOUND")
