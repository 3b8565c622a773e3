"""The agent's WebSocket mode on moto: $connect with the device JWT, the hello after the first message, replay
from the resume token on hello_ack, pong, pushes from DeviceFeedTable's real stream, $disconnect."""

from __future__ import annotations

import json
import os

import pytest
from botocore.exceptions import ClientError
from moto.apigatewaymanagementapi.models import apigatewaymanagementapi_backends

from certctrl.handlers import device_feed_push, device_socket
from certctrl.store import connections
from devstack.stream_pump import lambda_record
from suite import aws
from tests.integration.certctrl.support import new_account, register_device
from tests.support.lambda_events import FakeLambdaContext, load_event


def backend():
    return apigatewaymanagementapi_backends["123456789012"]["us-east-1"]


def pushed(connection_id: str) -> list[dict]:
    connection = backend().connections.get(connection_id)
    data = connection.data.decode() if connection else ""
    return [json.loads(line) for line in data.replace("}{", "}\n{").splitlines()]


class Socket:
    def __init__(self, client, connection_id: str) -> None:
        self.client, self.connection_id = client, connection_id

    def _call(self, name: str, **fields):
        self.client.use_env("certctrl.DeviceSocketFunction")
        event = load_event(f"certctrl/{name}")
        event["requestContext"]["connectionId"] = self.connection_id
        event.update(fields)
        return device_socket.handler(event, FakeLambdaContext())

    def connect(self, query: dict) -> int:
        return self._call("device-socket-connect.json", queryStringParameters=query)["statusCode"]

    def send(self, message: dict):
        answer = self._call("device-socket-ping.json", body=json.dumps(message))
        assert answer["statusCode"] == 200
        return json.loads(answer["body"]) if answer.get("body") else None

    def disconnect(self) -> None:
        self._call("device-socket-disconnect.json")

    def signals(self) -> list[dict]:
        return [f for f in pushed(self.connection_id) if f.get("name") == "updates.signal"]


class FeedStream:
    def __init__(self, client) -> None:
        client.use_env("certctrl.DeviceFeedPushFunction")
        streams = aws.client("dynamodbstreams", "https://streams.dynamodb.us-east-1.amazonaws.com")
        arn = aws.client("dynamodb").describe_table(TableName=os.environ["FEED_TABLE"])["Table"]["LatestStreamArn"]
        shard = streams.describe_stream(StreamArn=arn)["StreamDescription"]["Shards"][0]["ShardId"]
        self.client, self.arn, self.streams = client, arn, streams
        self.iterator = streams.get_shard_iterator(StreamArn=arn, ShardId=shard,
                                                   ShardIteratorType="LATEST")["ShardIterator"]
        self.records()

    def records(self) -> list[dict]:
        answer = self.streams.get_records(ShardIterator=self.iterator)
        self.iterator = answer["NextShardIterator"]
        return [lambda_record(record, self.arn) for record in answer["Records"]]

    def deliver(self) -> dict:
        records = self.records()
        self.client.use_env("certctrl.DeviceFeedPushFunction")
        return device_feed_push.handler({"Records": records}, FakeLambdaContext())


def install(client, account, device, n):
    body = {"installs": [{"id": f"step-{n}", "type": "exec", "cmd": "true"}]}
    answer = client.put(f"/apiv1/users/{account.user_id}/devices/{device.device_id}/install-config", body,
                        headers=account.headers)
    assert answer.status == 200


@pytest.fixture
def agent(client):
    account = new_account(client)
    yield account, register_device(client, account)
    backend().connections.clear()


def test_connect_needs_the_device_token(client, agent):
    _account, device = agent
    assert Socket(client, "c-none").connect({}) == 401
    assert Socket(client, "c-bad").connect({"token": "nope"}) == 401
    another = str(device.device_id + 1000)
    assert Socket(client, "c-other").connect({"token": device.access_token, "device_id": another}) == 403


def test_hello_replay_pong_push_and_disconnect(client, agent):
    account, device = agent
    install(client, account, device, 1)
    install(client, account, device, 2)
    stream = FeedStream(client)
    socket = Socket(client, "c-agent")
    assert socket.connect({"token": device.access_token, "device_id": str(device.device_id)}) == 200
    assert socket.send({"type": "ping", "ts": 123}) == {"type": "pong", "ts": 123}
    assert pushed("c-agent")[0] == {"type": "hello", "connection_id": "c-agent"}
    socket.send({"type": "event", "name": "lifecycle.hello_ack", "payload": {"connection_id": "c-agent"}})
    replayed = socket.signals()
    assert [s["payload"]["ref"]["version"] for s in replayed] == [1, 2]
    assert all(s["id"] == s["resume_token"] for s in replayed)
    socket.send({"type": "event", "name": "updates.ack", "id": replayed[0]["id"],
                 "resume_token": replayed[0]["resume_token"]})
    socket.send({"type": "ping", "ts": 124})
    assert [f["type"] for f in pushed("c-agent")].count("hello") == 1  # one hello per connection

    resumed = Socket(client, "c-resumed")
    assert resumed.connect({"token": device.access_token}) == 200
    resumed.send({"type": "event", "name": "lifecycle.hello_ack", "resume_token": replayed[0]["resume_token"]})
    assert [s["payload"]["ref"]["version"] for s in resumed.signals()] == [2]

    install(client, account, device, 3)
    assert stream.deliver() == {"batchItemFailures": []}
    live = socket.signals()[-1]
    assert live["payload"]["type"] == "install.updated"
    assert live["payload"]["ref"]["version"] == 3
    assert resumed.signals()[-1]["payload"]["ref"]["version"] == 3

    socket.disconnect()
    install(client, account, device, 4)
    stream.deliver()
    assert socket.signals()[-1]["payload"]["ref"]["version"] == 3  # gone: nothing more pushed


def test_a_lost_resume_token_asks_for_a_full_resync(client, agent):
    _account, device = agent
    socket = Socket(client, "c-lost")
    assert socket.connect({"token": device.access_token}) == 200
    socket.send({"type": "event", "name": "lifecycle.hello_ack", "resume_token": "1-99"})
    resync = socket.signals()[-1]["payload"]
    assert resync["type"] == "state.resync_required"
    assert resync["ref"]["action"] == "full_resync"


def test_a_gone_connection_is_forgotten(client, agent):
    account, device = agent
    stream = FeedStream(client)
    socket = Socket(client, "c-gone")
    assert socket.connect({"token": device.access_token}) == 200
    install(client, account, device, 1)
    backend().connections.clear()

    def gone(*_args, **_kwargs):
        raise ClientError({"Error": {"Code": "GoneException"}, "ResponseMetadata": {"HTTPStatusCode": 410}},
                          "PostToConnection")

    client.monkeypatch.setattr("suite.push.management", lambda endpoint: type("M", (), {
        "post_to_connection": staticmethod(gone)})())
    assert stream.deliver() == {"batchItemFailures": []}
    client.use_env("certctrl.DeviceSocketFunction")
    assert connections.get("c-gone") is None
