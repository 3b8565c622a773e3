"""Webhook tunnels on moto: the agent's tunnel connection on the `tunnel` stage (hello, ping, response), a webhook
relayed to it and its answer relayed back, the bounded wait, an offline device, sessions and logs; and the
device.offline notification after the last updates connection closed."""

from __future__ import annotations

import json
import time

import pytest
from moto.apigatewaymanagementapi.models import apigatewaymanagementapi_backends

from certctrl.handlers import device_socket
from certctrl.logic import notify_pipeline
from tests.integration.certctrl.notify_support import Queues, inbox, subscribe, verified_email_channel
from tests.integration.certctrl.support import new_account, register_device
from tests.support.lambda_events import FakeLambdaContext, load_event


def pushed(connection_id: str) -> list[dict]:
    connection = apigatewaymanagementapi_backends["123456789012"]["us-east-1"].connections.get(connection_id)
    data = connection.data.decode() if connection else ""
    return [json.loads(line) for line in data.replace("}{", "}\n{").splitlines() if line]


class Agent:
    """The agent's tunnel client, as API Gateway would present it to the socket function."""

    def __init__(self, client, device, connection_id: str, stage: str = "tunnel") -> None:
        self.client, self.device, self.connection_id, self.stage = client, device, connection_id, stage

    def _call(self, name: str, **fields):
        self.client.use_env("certctrl.DeviceSocketFunction")
        event = load_event(f"certctrl/{name}")
        event["requestContext"]["connectionId"] = self.connection_id
        event["requestContext"]["stage"] = self.stage
        event.update(fields)
        return device_socket.handler(event, FakeLambdaContext())

    def connect(self, token: str | None = None) -> int:
        query = {"device_id": str(self.device.device_id), "token": token or self.device.access_token}
        return self._call("device-socket-connect.json", queryStringParameters=query)["statusCode"]

    def send(self, message: dict):
        answer = self._call("device-socket-ping.json", body=json.dumps(message))
        return json.loads(answer["body"]) if answer.get("body") else None

    def disconnect(self) -> None:
        self._call("device-socket-disconnect.json")

    def frames(self, kind: str) -> list[dict]:
        return [f for f in pushed(self.connection_id) if f.get("type") == kind]


@pytest.fixture
def device(client):
    account = new_account(client)
    return account, register_device(client, account)


def online(client, device, connection_id: str) -> tuple[Agent, str]:
    agent = Agent(client, device, connection_id)
    assert agent.connect() == 200
    assert agent.send({"type": "ping", "ts": 5}) == {"type": "pong", "ts": 5}
    hello = agent.frames("hello")
    assert len(hello) == 1
    assert hello[0]["local_base_url"] == ""
    assert hello[0]["connection_id"] == connection_id
    assert hello[0]["webhook_url"] == f"https://hook.cjj365.cc/hooks/{hello[0]['tunnel_id']}"
    return agent, hello[0]["tunnel_id"]


def answering(monkeypatch, agent: Agent, reply) -> list[dict]:
    """While the hook waits, the agent answers the request it was sent (`reply(request) -> response fields`)."""
    seen: list[dict] = []

    def sleep(_seconds: float) -> None:
        requests = agent.frames("request")
        if requests and not seen:
            seen.append(requests[-1])
            agent.client.use_env("certctrl.TunnelHookFunction")  # the socket function shares the tables
            agent.send({"type": "response", "id": requests[-1]["id"], **reply(requests[-1])})
            agent.client.use_env("certctrl.TunnelHookFunction")

    monkeypatch.setattr("certctrl.clock.sleep", sleep)
    return seen


def test_a_webhook_reaches_the_device_and_its_answer_comes_back(client, device, monkeypatch):
    account, registered = device
    agent, tunnel_id = online(client, registered, "tunnel-conn-1")
    seen = answering(monkeypatch, agent, lambda request: {
        "status": 201, "headers": {"content-type": "application/json", "x-local": "yes", "set-cookie": "cjj365=x"},
        "body": json.dumps({"got": json.loads(request["body"])})})
    answer = client.post(f"/hooks/{tunnel_id}", {"event": "charge.succeeded"}, query={"source": "stripe"},
                         headers={"Stripe-Signature": "t=1,v1=abc", "User-Agent": "Stripe/1.0"})
    assert answer.status == 201, answer.text
    assert answer.json == {"got": {"event": "charge.succeeded"}}
    assert answer.headers["content-type"] == "application/json"
    assert answer.headers["x-local"] == "yes"
    assert "set-cookie" not in answer.headers
    assert answer.headers["content-security-policy"] == "sandbox"
    request = seen[0]
    assert request["method"] == "POST"
    assert request["path"] == "/?source=stripe"
    assert request["headers"]["stripe-signature"] == "t=1,v1=abc"
    assert "host" not in request["headers"]

    logs = client.get(f"/apiv1/users/{account.user_id}/tunnel_webhook_logs", headers=account.headers).json
    assert logs["total"] >= 1
    entry = logs["data"][0]
    assert entry["outcome"] == "answered"
    assert entry["status"] == 201
    assert entry["tunnel_id"] == tunnel_id
    assert entry["request_headers"]["stripe-signature"] == "•••"
    sessions = client.get(f"/apiv1/users/{account.user_id}/tunnel_sessions", headers=account.headers).json["data"]
    assert sessions[0]["status"] == "open"
    assert sessions[0]["requests"] == 1
    agent.disconnect()
    sessions = client.get(f"/apiv1/users/{account.user_id}/tunnel_sessions", headers=account.headers).json["data"]
    assert sessions[0]["status"] == "closed"
    assert sessions[0]["disconnected_at"]


def test_a_silent_device_times_out_and_an_offline_one_is_a_bad_gateway(client, device, monkeypatch):
    account, registered = device
    agent, tunnel_id = online(client, registered, "tunnel-conn-2")
    ticks = iter(range(0, 10_000))
    monkeypatch.setattr("certctrl.clock.monotonic", lambda: next(ticks) * 0.5)
    monkeypatch.setattr("certctrl.clock.sleep", lambda _s: None)
    client.overrides["TUNNEL_WAIT_SECONDS"] = "1"
    late = client.post(f"/hooks/{tunnel_id}", {"x": 1})
    assert late.status == 504
    assert late.json["error"]["code"] == 504
    request = agent.frames("request")[-1]
    agent.send({"type": "response", "id": request["id"], "status": 200, "body": "too late"})  # nobody waits now
    agent.disconnect()
    offline = client.post(f"/hooks/{tunnel_id}", {"x": 1})
    assert offline.status == 502
    outcomes = [e["outcome"] for e in client.get(f"/apiv1/users/{account.user_id}/tunnel_webhook_logs",
                                                 headers=account.headers).json["data"]]
    assert outcomes[:2] == ["offline", "timeout"]


def test_the_tunnel_is_the_devices_own(client, device):
    account, registered = device
    _agent, tunnel_id = online(client, registered, "tunnel-conn-3")
    again = Agent(client, registered, "tunnel-conn-4")
    assert again.connect() == 200
    again.send({"type": "ping"})
    assert again.frames("hello")[0]["tunnel_id"] == tunnel_id  # the same webhook URL on every connection
    assert Agent(client, registered, "tunnel-conn-5").connect(token="not-a-jwt") == 401
    other = new_account(client)
    assert client.get(f"/apiv1/users/{account.user_id}/tunnel_sessions", headers=other.headers).status == 403
    assert client.post("/hooks/unknown-tunnel-id", {"x": 1}).status == 404
    binary = client.post(f"/hooks/{tunnel_id}", raw_body=b"\xff\xfe\x00", headers={
        "Content-Type": "application/octet-stream"}, base64_body=True)
    assert binary.status == 415


def test_the_last_closed_connection_notifies_device_offline(client, device):
    account, registered = device
    channel = verified_email_channel(client, account)
    subscribe(client, account, "device.offline", str(channel["id"]))
    client.overrides["DEVICE_OFFLINE_GRACE_SECONDS"] = "1"  # SQS holds the check back this long (600 s deployed)
    updates = Agent(client, registered, "updates-conn-1", stage="updates")
    assert updates.connect() == 200
    updates.disconnect()
    queues = Queues(client)
    checks: list[dict] = []
    for _ in range(50):  # until the delayed message is visible
        checks += [e for e in queues.events() if e.get("kind") == "device.offline.check"
                   and e["device_id"] == registered.device_id]
        if checks:
            break
        time.sleep(0.1)
    assert len(checks) == 1
    client.use_env("certctrl.NotifyFanoutFunction")
    assert notify_pipeline.handle_event_message(checks[0]) == 1
    queues.send()
    mail = inbox(client, channel["address"])[-1]
    assert mail["subject"] == "Device offline: CLI Device test"
    back = Agent(client, registered, "updates-conn-2", stage="updates")
    assert back.connect() == 200
    client.use_env("certctrl.NotifyFanoutFunction")
    assert notify_pipeline.handle_event_message(checks[0]) == 0  # connected again: no notification
