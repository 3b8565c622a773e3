"""certctrl through the local stack (real HTTP, the feed table's stream pumped into the push function): a person
registers and signs in through /auth/general (the activation code read from the mail outbox), a scripted agent
written from the original agent's source signs in with the device flow, registers, reports its version, polls
(204 with the agent's headers, a signal after a change, resume from its cursor, full resync on 409, a refresh
on 401), and follows the same feed over the WebSocket."""

from __future__ import annotations

import json
import re
import time
import uuid

import pytest
import requests

from tests.e2e.certctrl.agent import VERSION, AgentError, AgentState, ScriptedAgent
from tests.support.devstack_process import DevStackProcess, wait_until
from tests.support.lambda_events import REPO_ROOT
from tests.support.ws_client import HandshakeRefused, WebSocketClient

PASSWORD = "Correct-Horse-9-Battery"
WINDOW = 3  # FEED_MAX_SIGNALS on this stack: a few changes while the agent is away trim its cursor


@pytest.fixture(scope="module")
def stack(tmp_path_factory):
    process = DevStackProcess(
        REPO_ROOT / "template.yaml", tmp_path_factory.mktemp("certctrl"), "--only", "certctrl", "--no-schedules",
        "--env", "PASSWORD_HASH_PROFILE=fast", "--env", f"FEED_MAX_SIGNALS={WINDOW}",
        "--env", "UPDATES_POLL_INTERVAL_SECONDS=7",
    ).start()
    yield process
    process.stop()


class Person:
    """The web front end of one user: /auth/general, the session cookie, the device pages."""

    def __init__(self, stack: DevStackProcess) -> None:
        self.stack = stack
        self.base = stack.url("certctrl")
        self.name = f"p{uuid.uuid4().hex[:10]}"
        self.email = f"{self.name}@example.com"
        self.cookie = ""
        self.user_id = 0

    def call(self, method: str, path: str, **kwargs) -> requests.Response:
        headers = kwargs.pop("headers", {})
        if self.cookie:
            headers["Cookie"] = f"cjj365={self.cookie}"  # Secure cookies are not sent over http by clients
        return requests.request(method, self.base + path, headers=headers, timeout=60, **kwargs)

    def outbox_code(self) -> str:
        ddb = self.stack.aws("dynamodb")
        table = next(name for name in ddb.list_tables()["TableNames"] if "CertctrlApp" in name and "MailOutbox" in name)
        items = ddb.query(TableName=table, KeyConditionExpression="pk = :pk",
                          ExpressionAttributeValues={":pk": {"S": self.email}})["Items"]
        return re.search(r"\b(\d{6})\b", items[-1]["text"]["S"]).group(1)

    def sign_up(self) -> None:
        registered = self.call("POST", "/auth/general", json={"action": "register", "email": self.email,
                                                              "password": PASSWORD, "name": self.name})
        assert registered.json() == {"data": {"status": "waiting_for_verification"}}
        activated = self.call("POST", "/auth/general", json={"action": "activate-user", "email": self.email,
                                                             "verify_code": self.outbox_code()})
        assert activated.json() == {"data": {"status": "activation_successful"}}
        login = self.call("POST", "/auth/general", json={"action": "login", "email": self.email,
                                                         "password": PASSWORD})
        assert login.status_code == 200
        self.cookie = login.cookies.get("cjj365") or re.search(r"cjj365=([^;]+)",
                                                               login.headers["Set-Cookie"]).group(1)
        self.user_id = login.json()["data"]["user"]["id"]

    def approve(self, user_code: str) -> None:
        answer = self.call("POST", "/auth/device", json={"action": "device_verify", "user_code": user_code,
                                                         "approve": True})
        assert answer.json() == {"data": {"status": "approved"}}

    def install(self, device_id: int, n: int) -> dict:
        body = {"installs": [{"id": f"reload-{n}", "type": "exec", "cmd": "systemctl reload nginx"}],
                "after_update_script": "@@@BEGIN posix.sh\nsystemctl reload nginx\n@@@END"}
        answer = self.call("PUT", f"/apiv1/users/{self.user_id}/devices/{device_id}/install-config", json=body)
        assert answer.status_code == 200, answer.text
        return answer.json()["data"]

    def device(self, device_id: int) -> dict:
        return self.call("GET", f"/apiv1/users/{self.user_id}/devices/{device_id}").json()["data"]


@pytest.fixture(scope="module")
def onboarded(stack):
    """A person and an agent that went through the whole device login and registration."""
    person = Person(stack)
    person.sign_up()
    agent = ScriptedAgent(stack.url("certctrl"))
    start = agent.device_start()
    first = agent.device_poll_once()
    assert first["status"] == "authorization_pending"
    person.approve(start["user_code"])
    time.sleep(start["interval"])  # the agent waits its interval after every answer
    ready = agent.poll_until_terminal()
    assert ready["status"] == "ready"
    registered = agent.register(ready)
    return person, agent, registered["device"]["id"]


def test_the_agent_signs_in_registers_and_polls_idle(onboarded):
    person, agent, device_id = onboarded
    assert agent.poll_once() == 204
    assert agent.notify_sent
    assert agent.poll_interval_ms == 7000  # adopted from X-Poll-Interval
    assert agent.state.cursor == "0-0"
    device = person.device(device_id)
    assert device["agent_version"] == VERSION
    assert device["device_public_id"] == agent.state.device_public_id


def test_a_change_reaches_the_agent_and_it_resumes_from_its_cursor(onboarded):
    person, agent, device_id = onboarded
    saved = person.install(device_id, 1)
    assert agent.poll_once() == 200
    assert [s["type"] for s in agent.applied] == ["install.updated"]
    assert agent.state.install_version == saved["version"]
    assert agent.state.install_hash == saved["installs_hash"]
    cursor = agent.state.cursor
    assert agent.poll_once() == 204
    assert agent.state.cursor == cursor

    restarted = ScriptedAgent(agent.base, agent.state)  # a new run of the agent with its saved state
    person.install(device_id, 2)
    assert restarted.poll_once() == 200
    assert [s["ref"]["version"] for s in restarted.applied] == [saved["version"] + 1]


def test_a_trimmed_cursor_makes_the_agent_resync(onboarded):
    person, agent, device_id = onboarded
    agent.poll_once()
    stale = agent.state.cursor
    latest = None
    for n in range(WINDOW + 2):
        latest = person.install(device_id, 10 + n)
    before = agent.full_resyncs
    assert agent.poll_once() == 200  # 409 → clear cursor → full resync → poll again
    assert agent.full_resyncs == before + 1
    assert agent.state.cursor != stale
    assert agent.state.install_version == latest["version"]
    assert agent.poll_once() == 204


def test_an_expired_access_token_is_refreshed_and_the_old_refresh_token_dies(onboarded):
    _person, agent, _device_id = onboarded
    old_refresh = agent.state.refresh_token
    agent.state.access_token = agent.state.access_token[:-4] + "AAAA"  # what an expired token looks like to us
    assert agent.poll_once() in (200, 204)
    assert agent.refreshes == 1
    assert agent.state.refresh_token != old_refresh
    stale = ScriptedAgent(agent.base, AgentState(agent.state.device_public_id, refresh_token=old_refresh))
    with pytest.raises(AgentError, match="rotated"):
        stale.refresh()  # and the reuse revoked the family:
    with pytest.raises(AgentError, match="rotated"):
        agent.refresh()


def test_the_websocket_replays_and_pushes(stack):
    person = Person(stack)
    person.sign_up()
    agent = ScriptedAgent(stack.url("certctrl"), hostname="ws-host")
    start = agent.device_start()
    person.approve(start["user_code"])
    device_id = agent.register(agent.poll_until_terminal(wait=lambda _s: None))["device"]["id"]
    person.install(device_id, 1)
    ws_base = stack.url("certctrl").replace("http://", "ws://")
    with pytest.raises(HandshakeRefused):
        WebSocketClient(f"{ws_base}/api/websocket?device_id={device_id}&token=nope")
    socket = WebSocketClient(f"{ws_base}/api/websocket?device_id={device_id}&token={agent.state.access_token}")
    try:
        socket.send_text(json.dumps({"type": "ping", "ts": 1}))
        frames = [json.loads(socket.receive_text()), json.loads(socket.receive_text())]
        assert {"type": "hello", "connection_id": frames[0].get("connection_id")} in frames
        assert {"type": "pong", "ts": 1} in frames
        socket.send_text(json.dumps({"type": "event", "name": "lifecycle.hello_ack", "payload": {}}))
        replayed = json.loads(socket.receive_text())
        assert replayed["name"] == "updates.signal"
        assert replayed["payload"]["ref"]["version"] == 1
        person.install(device_id, 2)
        pushed = wait_until(lambda: json.loads(socket.receive_text()), timeout=30, message="a pushed signal")
        assert pushed["name"] == "updates.signal"
        assert pushed["payload"]["ref"]["version"] == 2
        assert pushed["resume_token"] == pushed["id"]
    finally:
        socket.close()
