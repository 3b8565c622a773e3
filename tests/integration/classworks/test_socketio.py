"""Socket.IO for the real clients, on moto: the DynamoDB session store against the engine's store contract, then
the Engine.IO protocol as the board speaks it, through the real functions: long-polling through the HTTP API's
route table (SocketPollFunction), WebSocket through LiveSocketFunction (with the greeting queue and the heartbeat
sweep), and KvTable's real stream records through LiveChangesFunction. The payloads are the original's
(docs/classworks-clients.md §2)."""

from __future__ import annotations

import json
import uuid
from typing import Any

import pytest

from classworks.handlers import live_changes, live_socket, socket_greet, socket_sweep
from classworks.logic import board_socket, socket_engine
from classworks.store import live as live_store
from classworks.store import socket_outlet, socket_sessions
from suite import aws
from suite.socketio import Engine
from tests.integration.classworks.support import KvStream, bearer, connections_backend
from tests.support import socketio_store_contract as contract
from tests.support.lambda_events import FakeLambdaContext, load_event

BOARD_APP = "d158067f53627d2b98babe8bffd2fd7d"
SEP = "\x1e"


# ------------------------------------------------------------------------------------------------ the store

@pytest.fixture
def store_factory(api):
    """A fresh table shaped like ClassworksTable (keys, the byDue index) for each store of the contract."""
    api.env("classworks.SocketPollFunction")
    ddb = aws.client("dynamodb")
    shape = ddb.describe_table(TableName=api.env("classworks.SocketPollFunction")["CLASSWORKS_TABLE"])["Table"]
    created: list[str] = []

    def factory() -> socket_sessions.SessionTable:
        name = f"sio-contract-{uuid.uuid4().hex[:8]}"
        indexes = [{"IndexName": i["IndexName"], "KeySchema": i["KeySchema"], "Projection": i["Projection"]}
                   for i in shape["GlobalSecondaryIndexes"]]
        ddb.create_table(TableName=name, KeySchema=shape["KeySchema"], GlobalSecondaryIndexes=indexes,
                         AttributeDefinitions=shape["AttributeDefinitions"], BillingMode="PAY_PER_REQUEST")
        created.append(name)
        return socket_sessions.SessionTable(name, clock=lambda: contract.NOW / 1000)

    yield factory
    for name in created:
        ddb.delete_table(TableName=name)


@pytest.mark.parametrize("check", contract.CHECKS, ids=lambda c: c.__name__)
def test_the_session_table_keeps_the_store_contract(check, store_factory):
    check(store_factory)


def test_expired_sessions_are_missing_and_leave_the_sweep(store_factory):
    now = [contract.NOW / 1000]
    store = store_factory()
    store._clock = lambda: now[0]
    store.create(contract.session("old", due_ms=contract.NOW, expires_at=int(now[0]) + 10))
    store.link("conn", "old", expires_at=int(now[0]) + 10)
    assert store.get("old") is not None
    now[0] += 11  # TTL has passed; DynamoDB has not deleted the items yet
    assert (store.get("old"), store.linked("conn"), store.get_many(["old"])) == (None, None, {})
    assert store.append("old", ["4x"], max_packets=5) == "gone"
    assert store.due(contract.NOW + 1, 10) == []
    assert dynamo_item(store.table, "SIO#old") is None  # the sweep deleted it
    assert store.create(contract.session("old")) is True  # the id is free again


def dynamo_item(table: str, pk: str) -> dict | None:
    return aws.client("dynamodb").get_item(TableName=table, Key={"pk": {"S": pk}, "sk": {"S": "SESSION"}}).get(
        "Item")


# ------------------------------------------------------------------------------------------------ helpers

class Polling:
    """One Engine.IO client on the polling transport, through SocketPollFunction as API Gateway routes it."""

    def __init__(self, api, *, query: str = "", agent: str = "python-socketio/5.12 (tests)") -> None:
        self.api = api
        self.agent = agent
        answer = api("GET", "/socket.io/", query=f"EIO=4&transport=polling&t=a1{'&' + query if query else ''}",
                     headers={"user-agent": agent})
        assert (answer.status, answer.headers["content-type"][:10], answer.text[0]) == (200, "text/plain", "0")
        self.opened = json.loads(answer.text[1:])
        self.sid = self.opened["sid"]

    def _query(self) -> str:
        return f"EIO=4&transport=polling&sid={self.sid}"

    def post(self, *packets: str) -> Any:
        answer = self.api("POST", "/socket.io/", query=self._query(), raw_body=SEP.join(packets).encode(),
                          headers={"content-type": "text/plain;charset=UTF-8", "user-agent": self.agent})
        assert (answer.status, answer.text) == (200, "ok"), answer.text
        return answer

    def get(self) -> list[str]:
        answer = self.api("GET", "/socket.io/", query=self._query())
        assert answer.status == 200, answer.text
        return answer.text.split(SEP)

    def events(self, namespace: str = "/api") -> list[tuple[str, Any]]:
        """The next GET's events in a namespace, as (name, payload)."""
        prefix = f"42{namespace}," if namespace != "/" else "42"
        found = []
        for packet in self.get():
            if packet.startswith(prefix):
                name, *args = json.loads(packet[len(prefix):])
                found.append((name, args[0] if args else None))
        return found

    def connect(self, namespace: str = "/api", auth: Any = None) -> list[tuple[str, Any]]:
        """CONNECT to a namespace; the CONNECT answer is checked, the events that follow it returned."""
        head = f"40{namespace}," if namespace != "/" else "40"
        self.post(head + (json.dumps(auth) if auth is not None else ""))
        packets = self.get()
        assert packets[0].startswith(head + '{"sid":"'), packets
        prefix = f"42{namespace}," if namespace != "/" else "42"
        return [tuple(json.loads(p[len(prefix):])) for p in packets[1:] if p.startswith(prefix)]

    def emit(self, name: str, *args: Any, namespace: str = "/api") -> None:
        head = f"42{namespace}," if namespace != "/" else "42"
        self.post(head + json.dumps([name, *args], ensure_ascii=False))


@pytest.fixture
def sio(api):
    api.overrides["SOCKETIO_POLL_WAIT_MS"] = "200"  # a waiting GET with nothing to say answers soon
    yield api
    api.overrides.pop("SOCKETIO_POLL_WAIT_MS", None)
    connections_backend().connections.clear()


@pytest.fixture
def board(sio):
    """A device registered by the board's first-run wizard, its token for the board's own app id, the stream."""
    device = str(uuid.uuid4())
    assert sio("POST", "/api/devices", body={"uuid": device, "deviceName": "Classworks"}).status == 201
    token = sio("POST", "/api/apps/auth/token", body={"namespace": device, "password": "", "appId": BOARD_APP}
                ).json["token"]
    sio.env("classworks.LiveChangesFunction")
    return {"device": device, "token": token, "stream": KvStream()}


def deliver_stream(api, stream) -> None:
    api.env("classworks.LiveChangesFunction")
    assert live_changes.handler({"Records": stream.records()}, FakeLambdaContext()) == {"batchItemFailures": []}


# ------------------------------------------------------------------------------------------------ polling

def test_the_handshake_opens_a_polling_session_that_may_upgrade(sio):
    client = Polling(sio)
    assert client.opened["upgrades"] == ["websocket"]
    assert (client.opened["pingInterval"], client.opened["pingTimeout"], client.opened["maxPayload"]) == (
        60_000, 45_000, 100_000)
    assert client.get() == ["6"]  # nothing to say: a noop once the (shortened) wait is over


@pytest.mark.parametrize("namespace", ["/", "/api", "/api/"])
def test_the_namespaces_a_board_url_can_name(sio, namespace):
    assert Polling(sio).connect(namespace) == []


def test_other_namespaces_and_bad_requests_are_refused(sio):
    client = Polling(sio)
    client.post("40/admin,")
    assert client.get() == ['44/admin,{"message":"Invalid namespace"}']
    assert sio("GET", "/socket.io/", query="EIO=3&transport=polling").json == {
        "code": 5, "message": "Unsupported protocol version"}
    assert sio("GET", "/socket.io/", query="EIO=4&transport=polling&sid=nope").json == {
        "code": 1, "message": "Session ID unknown"}
    assert sio("POST", "/socket.io/", query="EIO=4&transport=polling", raw_body=b"40").json == {
        "code": 2, "message": "Bad handshake method"}
    too_big = sio("POST", "/socket.io/", query=f"EIO=4&transport=polling&sid={client.sid}",
                  raw_body=b"4" + b"x" * 100_000)
    assert (too_big.status, too_big.text) == (413, "")


def test_join_token_answers_device_joined_then_joined(sio, board):
    client = Polling(sio, agent="Mozilla/5.0 (Windows NT 10.0; Win64; x64) AppleWebKit/537.36 Chrome/131.0 Safari/537")
    client.connect("/api")
    client.emit("join-token", {"token": board["token"]})
    assert client.events() == [
        ("device-joined", {"uuid": board["device"], "connections": 1}),
        ("joined", {"by": "token", "uuid": board["device"], "token": board["token"], "tokenInfo": {
            "isReadOnly": False, "deviceType": "classroom", "deviceName": "Windows (Chrome 131)",
            "userAgent": "Mozilla/5.0 (Windows NT 10.0; Win64; x64) AppleWebKit/537.36 Chrome/131.0 Safari/537"}})]
    client.emit("join-token", {"token": "cw_not-a-token"})
    client.emit("join-token", {})  # no token: ignored, as the original
    assert client.events() == [("join-error", {"by": "token", "reason": "invalid_token"})]
    members = live_store.socket_memberships(client.sid, "/api")
    assert [(m["deviceUuid"], m["kind"]) for m in members] == [(board["device"], "socket")]
    assert "token" not in json.dumps(members).replace("tokenDigest", "")  # only the digest is kept


def test_a_token_in_the_handshake_or_the_auth_payload_joins_on_connect(sio, board):
    by_query = Polling(sio, query=f"token={board['token']}")
    session = socket_sessions.SessionTable().get(by_query.sid)
    assert board["token"] not in json.dumps(session.handshake)  # sealed, not in clear
    events = by_query.connect("/api")
    assert [name for name, _ in events] == ["device-joined", "joined"]
    assert events[1][1]["token"] == board["token"]
    by_auth = Polling(sio)
    events = by_auth.connect("/", auth={"token": board["token"]})
    assert events[0] == ("device-joined", {"uuid": board["device"], "connections": 2})
    assert by_query.events() == [("device-joined", {"uuid": board["device"], "connections": 2})]


def test_kv_changes_reach_the_board_in_the_originals_wrapped_form(sio, board):
    client = Polling(sio)
    client.connect("/api", auth={"token": board["token"]})
    key = "classworks-data-20250101"
    written = sio("POST", f"/api/kv/{key}", body={"homework": {}}, headers=bearer(board["token"])).json
    assert sio("DELETE", f"/api/kv/{key}", headers=bearer(board["token"])).status == 204
    sio("POST", "/api/kv/_batchimport", body={"notification-list": []}, headers=bearer(board["token"]))
    deliver_stream(sio, board["stream"])
    changes = [payload for name, payload in client.events() if name == "kv-key-changed"]
    upsert, delete, batch = changes
    assert set(upsert) == {"eventId", "content", "timestamp", "senderId", "senderInfo"}
    assert upsert["eventId"].startswith("kv-")
    assert upsert["content"] == {"key": key, "action": "upsert", "created": True, "updatedAt": written["updatedAt"]}
    assert (upsert["senderId"], upsert["senderInfo"]) == ("realtime", {
        "appId": "5c2a54d553951a37b47066ead68c8642", "deviceType": "server", "deviceName": "realtime",
        "isReadOnly": False, "note": "Database realtime sync"})
    assert (delete["content"]["action"], set(delete["content"])) == ("delete", {"key", "action", "deletedAt"})
    assert batch["content"]["key"] == "notification-list"
    assert batch["content"]["batch"] is True


def test_a_catalogue_token_hears_only_the_keys_it_may_read(sio, board):
    app = sio.app()
    catalogue = sio("POST", "/api/apps/auth/token", body={"namespace": board["device"], "appId": app["id"]}
                    ).json["token"]
    client = Polling(sio)
    client.connect("/api", auth={"token": catalogue})
    sio("POST", "/api/kv/sentence-info", body={"s": 1}, headers=bearer(board["token"]))
    sio("POST", f"/api/kv/{app['permissionPrefix']}.x", body={"s": 1}, headers=bearer(catalogue))
    deliver_stream(sio, board["stream"])
    keys = [payload["content"]["key"] for name, payload in client.events() if name == "kv-key-changed"]
    assert keys == [f"{app['permissionPrefix']}.x"]


def test_json_protocol_connections_and_sockets_share_the_room(sio, board):
    client = Polling(sio)
    client.connect("/api", auth={"token": board["token"]})
    sio.env("classworks.LiveSocketFunction")
    event = load_event("classworks/live-socket-connect.json")
    event["requestContext"]["connectionId"] = "json-conn"
    event["queryStringParameters"] = {"token": board["token"]}
    assert live_socket.handler(event, FakeLambdaContext())["statusCode"] == 200
    assert client.events() == [("device-joined", {"uuid": board["device"], "connections": 2})]
    sio("POST", "/api/kv/es_list", body=[], headers=bearer(board["token"]))
    deliver_stream(sio, board["stream"])
    assert [p["content"]["key"] for n, p in client.events() if n == "kv-key-changed"] == ["es_list"]
    frames = connections_backend().connections["json-conn"].data.decode()
    assert '"event":"kv-key-changed","data":{"uuid":"' + board["device"] + '","key":"es_list"' in frames


def test_send_event_reaches_the_other_sockets_of_the_room_and_is_recorded(sio, board):
    sender, receiver = Polling(sio), Polling(sio)
    sender.connect("/api", auth={"token": board["token"]})
    receiver.connect("/api", auth={"token": board["token"]})
    sender.events()
    receiver.events()
    sender.emit("send-event", {"type": "notification", "content": {"message": "明天春游", "isUrgent": True}})
    [(name, sent)] = sender.events()
    assert name == "event-sent"
    assert (sent["eventName"], sent["targetDevices"]) == ("notification", 1)
    assert sent["senderInfo"] == {"appId": BOARD_APP, "deviceType": "classroom", "deviceName": None,
                                  "isReadOnly": False, "note": None}
    [(name, got)] = receiver.events()
    assert name == "notification"
    assert (got["eventId"], got["content"]) == (sent["eventId"], {"message": "明天春游", "isUrgent": True})
    assert got["senderId"] == socket_sessions.SessionTable().get(sender.sid).namespaces["/api"]
    receiver.emit("get-event-history", {"limit": 10})
    [(name, history)] = receiver.events()
    assert name == "event-history"
    [recorded] = history["devices"][board["device"]]
    assert (recorded["type"], recorded["eventId"], recorded["content"]) == ("notification", sent["eventId"],
                                                                            got["content"])
    assert history["requestedBy"] == {"deviceType": "classroom", "deviceName": "python-socketio 5",
                                      "isReadOnly": False}


@pytest.mark.parametrize(("payload", "reason"), [
    ("text", "invalid_data_format"), ({"content": {}}, "invalid_event_type"), ({"type": " "}, "invalid_event_type"),
    ({"type": "chat"}, "content_must_be_object_or_null"), ({"type": "chat", "content": [1]},
                                                           "content_must_be_object_or_null"),
    ({"type": "connect", "content": None}, "internal_error"),
    ({"type": "chat", "content": {"text": "x" * 10_241}}, "content_too_large"),
])
def test_send_event_refusals_are_the_originals(sio, board, payload, reason):
    client = Polling(sio)
    client.connect("/api", auth={"token": board["token"]})
    client.events()
    client.emit("send-event", payload)
    [(name, refusal)] = client.events()
    assert (name, refusal["reason"]) == ("event-error", reason)
    if reason == "content_too_large":
        assert refusal["maxSize"] == 10_240


def test_send_event_needs_a_joined_device_and_a_writable_token(sio, board):
    from classworks.logic import devices as device_logic  # noqa: PLC0415

    lonely = Polling(sio)
    lonely.connect("/api")
    lonely.emit("send-event", {"type": "chat", "content": None})
    lonely.emit("get-event-history")
    assert lonely.events() == [("event-error", {"reason": "not_joined_any_device"}),
                               ("event-history-error", {"reason": "not_joined_any_device"})]
    device_logic.add_auth_config(board["device"], password="pupil", device_type="student", read_only=True,
                                 config_id="s")
    pupil = sio("POST", "/api/apps/auth/token", body={"namespace": board["device"], "password": "pupil",
                                                      "appId": BOARD_APP}).json["token"]
    reader = Polling(sio)
    reader.connect("/api", auth={"token": pupil})
    reader.events()
    reader.emit("send-event", {"type": "chat", "content": {"text": "hi"}})
    assert reader.events() == [("event-error", {"reason": "readonly_token_cannot_send_events"})]


def test_leaving_and_disconnecting_drop_the_memberships(sio, board):
    client = Polling(sio)
    client.connect("/api", auth={"token": board["token"]})
    client.emit("leave-token", {"token": board["token"]})
    assert live_store.socket_memberships(client.sid, "/api") == []
    client.emit("join-token", {"token": board["token"]})
    client.emit("leave-all")
    assert live_store.socket_memberships(client.sid, "/api") == []
    client.emit("join-token", {"token": board["token"]})
    client.post("41/api,")  # the client leaves the namespace
    assert live_store.socket_memberships(client.sid, "/api") == []
    assert [m for m in live_store.room(board["device"]) if m.get("sid") == client.sid] == []


def test_a_change_for_a_session_that_is_gone_forgets_its_membership(sio, board):
    client = Polling(sio)
    client.connect("/api", auth={"token": board["token"]})
    socket_sessions.SessionTable().delete(client.sid)  # (as TTL would, with no disconnect seen)
    sio("POST", "/api/kv/sentence-info", body={}, headers=bearer(board["token"]))
    deliver_stream(sio, board["stream"])
    assert live_store.socket_memberships(client.sid, "/api") == []


# ------------------------------------------------------------------------------------------------ websocket

class WebSocket:
    """One Engine.IO client on a WebSocket, through LiveSocketFunction (frames pushed to it are read from moto)."""

    def __init__(self, api, connection_id: str) -> None:
        self.api, self.connection_id = api, connection_id

    def _call(self, event_file: str, **fields) -> dict:
        self.api.env("classworks.LiveSocketFunction")
        event = load_event(f"classworks/{event_file}")
        event["requestContext"]["connectionId"] = self.connection_id
        event.update(fields)
        return live_socket.handler(event, FakeLambdaContext())

    def connect(self, query: dict) -> int:
        return self._call("live-socket-connect.json", queryStringParameters=query)["statusCode"]

    def send(self, frame: str) -> str | None:
        answer = self._call("live-socket-message.json", body=frame)
        assert answer["statusCode"] == 200
        return answer.get("body")

    def pushed(self) -> str:
        connection = connections_backend().connections.get(self.connection_id)
        return connection.data.decode() if connection else ""


def greet_queue(api) -> list[dict]:
    sqs = aws.client("sqs")
    url = api.env("classworks.LiveSocketFunction")["SOCKET_GREET_QUEUE_URL"]
    return sqs.receive_message(QueueUrl=url, MaxNumberOfMessages=10).get("Messages", [])


def test_websocket_only_clients_are_greeted_from_the_queue_then_join(sio, board):
    client = WebSocket(sio, f"ws-{uuid.uuid4().hex[:6]}")
    assert client.connect({"EIO": "4", "transport": "websocket"}) == 200
    [message] = [m for m in greet_queue(sio) if client.connection_id in m["Body"]]
    sio.env("classworks.SocketGreetFunction")
    record = {"messageId": message["MessageId"], "receiptHandle": message["ReceiptHandle"], "body": message["Body"],
              "attributes": {}, "messageAttributes": {}, "eventSource": "aws:sqs", "awsRegion": "us-east-1",
              "eventSourceARN": "arn:aws:sqs:us-east-1:123456789012:greet", "md5OfBody": ""}
    assert socket_greet.handler({"Records": [record]}, FakeLambdaContext()) == {"batchItemFailures": []}
    opened = client.pushed()
    assert opened.startswith('0{"sid":"')
    assert json.loads(opened[1:])["upgrades"] == []
    assert client.send("40/api,").startswith('40/api,{"sid":"')
    last = client.send(json.dumps(["join-token", {"token": board["token"]}]).join(["42/api,", ""]))
    assert json.loads(last[len("42/api,"):])[0] == "joined"
    assert '42/api,["device-joined",{"uuid":"' in client.pushed()  # the earlier frame went through the outlet
    sio("POST", "/api/kv/classworks-list-main", body=[{"name": "小明"}], headers=bearer(board["token"]))
    deliver_stream(sio, board["stream"])
    assert '42/api,["kv-key-changed",{"eventId":"kv-' in client.pushed()
    assert client.send("3") is None  # a pong: nothing to answer
    client._call("live-socket-disconnect.json")
    assert live_store.socket_memberships(socket_sessions.SessionTable().linked(client.connection_id) or "x",
                                         "/api") == []


def test_the_json_protocol_keeps_its_connections_without_eio(sio, board):
    client = WebSocket(sio, "json-only")
    assert client.connect({"token": board["token"]}) == 200
    assert json.loads(client.send("ping"))["event"] == "pong"
    assert socket_sessions.SessionTable().linked("json-only") is None


def test_the_sweep_pings_websocket_sessions_and_closes_silent_ones(sio, board):
    sio.env("classworks.SocketSweepFunction")
    now = [1_900_000_000_000]
    app = board_socket.BoardApp()
    engine = Engine(store=socket_sessions.SessionTable(clock=lambda: now[0] / 1000), app=app,
                    outlet=socket_outlet.ManagementOutlet(), config=socket_engine.engine().config,
                    clock=lambda: now[0])
    app.engine = engine
    connection = f"ws-{uuid.uuid4().hex[:6]}"
    assert engine.ws_connect(connection, {"EIO": "4", "transport": "websocket"}).greet
    assert engine.greet(connection) == "sent"
    engine.ws_message(connection, "40/api,")
    engine.ws_message(connection, "42/api," + json.dumps(["join-token", {"token": board["token"]}]))
    sid = engine.store.linked(connection)
    assert live_store.socket_memberships(sid, "/api")
    now[0] += 50_000  # pingInterval (60 s) less the sweep's slack (10 s)
    assert engine.sweep() >= 1
    assert connections_backend().connections[connection].data.decode().endswith("2")  # the ping
    now[0] += 45_000  # no pong within pingTimeout
    engine.sweep()
    assert engine.store.get(sid).closed
    assert live_store.socket_memberships(sid, "/api") == []  # the disconnect left the room
    assert socket_sweep.handler(load_event("classworks/socket-sweep.json"), FakeLambdaContext())["sessions"] >= 0
