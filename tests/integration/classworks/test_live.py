"""Live changes on moto: the WebSocket function ($connect with a token, join-token, leave-token, leave-all, ping,
$disconnect) and the stream consumer fed with KvTable's real stream records (moto's DynamoDB stream, in Lambda's
shape), pushing through moto's @connections API, which records what each connection got."""

from __future__ import annotations

import json

import pytest
from moto.apigatewaymanagementapi.models import ApiGatewayManagementApiBackend
from moto.core.exceptions import JsonRESTError

from classworks.handlers import live_changes, live_socket
from classworks.store import live as live_store
from tests.integration.classworks.support import KvStream, bearer, connections_backend
from tests.support.lambda_events import FakeLambdaContext, load_event


def pushed(connection_id: str) -> list[dict]:
    """The frames pushed to a connection so far (moto concatenates them)."""
    connection = connections_backend().connections.get(connection_id)
    data = connection.data.decode() if connection else ""
    return [json.loads(line) for line in data.replace("}{", "}\n{").splitlines()]


def events_named(connection_id: str, name: str) -> list[dict]:
    return [frame["data"] for frame in pushed(connection_id) if frame["event"] == name]


class Socket:
    """One WebSocket client as the function sees it: events built from events/classworks/live-socket-*.json."""

    def __init__(self, api, connection_id: str) -> None:
        self.api, self.connection_id = api, connection_id

    def _call(self, event_file: str, **fields):
        self.api.env("classworks.LiveSocketFunction")
        event = load_event(f"classworks/{event_file}")
        event["requestContext"]["connectionId"] = self.connection_id
        event.update(fields)
        return live_socket.handler(event, FakeLambdaContext())

    def connect(self, query: dict | None = None) -> int:
        return self._call("live-socket-connect.json", queryStringParameters=query)["statusCode"]

    def send(self, message) -> dict | None:
        body = message if isinstance(message, str) else json.dumps(message)
        answer = self._call("live-socket-message.json", body=body)
        assert answer["statusCode"] == 200
        return json.loads(answer["body"]) if answer.get("body") else None

    def disconnect(self) -> None:
        assert self._call("live-socket-disconnect.json")["statusCode"] == 200

    def changes(self) -> list[dict]:
        return events_named(self.connection_id, "kv-key-changed")


@pytest.fixture
def world(api):
    """A device with two apps installed (prefixes `notes` and `grades`), another device, and the stream."""
    notes, grades = api.app(), api.app()
    device, other_device = api.device(), api.device()
    world = {
        "device": device, "other_device": other_device,
        "notes_app": notes, "grades_app": grades,
        "notes": api.install(notes["id"], device),
        "grades": api.install(grades["id"], device),
        "other_notes": api.install(notes["id"], other_device),
    }
    api.env("classworks.LiveChangesFunction")
    world["stream"] = KvStream()
    yield world
    connections_backend().connections.clear()


def deliver(api, records: list[dict]) -> dict:
    api.env("classworks.LiveChangesFunction")
    return live_changes.handler({"Records": records}, FakeLambdaContext())


def write(api, token: str, key: str, value) -> None:
    answer = api("POST", f"/api/kv/{key}", body=value, headers=bearer(token))
    assert answer.status == 200, answer.text


def test_connect_takes_a_token_from_the_query_and_refuses_unknown_ones(api, world):
    assert Socket(api, "c-none").connect() == 200  # may join later with join-token
    assert Socket(api, "c-bad").connect({"token": "cw_not-a-token"}) == 401
    assert Socket(api, "c-token").connect({"token": world["notes"]}) == 200
    assert Socket(api, "c-apptoken").connect({"apptoken": world["grades"]}) == 200
    room = {(m["connectionId"], m["tokenDigest"]) for m in live_store.room(world["device"])}
    assert {c for c, _ in room} == {"c-token", "c-apptoken"}
    memberships = live_store.memberships_of("c-token")
    assert memberships
    assert all(m["expires_at"] > 0 for m in memberships)
    # the second joiner announced itself to the first (the joiner itself cannot be pushed to during $connect)
    assert events_named("c-token", "device-joined") == [{"uuid": world["device"], "connections": 2}]
    Socket(api, "c-token").disconnect()
    assert [m["connectionId"] for m in live_store.room(world["device"])] == ["c-apptoken"]
    assert live_store.memberships_of("c-token") == []


def test_join_token_messages_answer_joined_or_join_error_and_ping_pong(api, world):
    socket = Socket(api, "c-1")
    assert socket.connect() == 200
    assert socket.send({"action": "join-token", "token": "cw_unknown"}) == {
        "event": "join-error", "data": {"by": "token", "reason": "invalid_token"}}
    assert socket.send({"action": "join-token"}) == {
        "event": "join-error", "data": {"by": "token", "reason": "invalid_token"}}
    assert socket.send({"action": "join-token", "apptoken": world["notes"]}) == {
        "event": "joined", "data": {"by": "token", "uuid": world["device"], "token": world["notes"]}}
    assert events_named("c-1", "device-joined") == [{"uuid": world["device"], "connections": 1}]
    assert socket.send("ping")["event"] == "pong"
    assert socket.send({"action": "ping"})["event"] == "pong"
    assert socket.send({"action": "dance"})["data"]["reason"] == "unknown_action"
    assert socket.send("not json")["event"] == "error"


def test_a_write_reaches_every_connection_of_the_device_whose_token_may_read_the_key(api, world):
    notes_reader, grades_reader, both = Socket(api, "c-notes"), Socket(api, "c-grades"), Socket(api, "c-both")
    other_device = Socket(api, "c-other")
    notes_reader.connect({"token": world["notes"]})
    grades_reader.connect({"token": world["grades"]})
    both.connect({"token": world["notes"]})
    both.send({"action": "join-token", "token": world["grades"]})
    other_device.connect({"token": world["other_notes"]})
    notes_key = f"{world['notes_app']['permissionPrefix']}.list"

    write(api, world["notes"], notes_key, {"items": [1]})
    write(api, world["notes"], notes_key, {"items": [1, 2]})
    assert api("DELETE", f"/api/kv/{notes_key}", headers=bearer(world["notes"])).status == 204
    records = world["stream"].records()
    assert deliver(api, records) == {"batchItemFailures": []}

    created, updated, deleted = notes_reader.changes()
    stored_at = created["updatedAt"]
    assert created == {"uuid": world["device"], "key": notes_key, "action": "upsert", "created": True,
                       "updatedAt": stored_at}
    assert updated["created"] is False
    assert updated["updatedAt"] >= stored_at
    assert set(deleted) == {"uuid", "key", "action", "deletedAt"}
    assert (deleted["action"], deleted["key"]) == ("delete", notes_key)
    assert deleted["deletedAt"].endswith("Z")
    assert both.changes() == [created, updated, deleted]  # once, although it joined with two tokens
    assert grades_reader.changes() == []  # its token may not read notes.*
    assert other_device.changes() == []  # device isolation: same app, other device


def test_global_keys_and_batch_imports_are_flagged_for_everyone_allowed(api, world):
    reader = Socket(api, "c-grades")
    reader.connect({"token": world["grades"]})
    grades_key = f"{world['grades_app']['permissionPrefix']}.term1"
    answer = api("POST", "/api/kv/_batchimport", body={grades_key: [90], "_hint": {"x": 1}},
                 headers=bearer(world["grades"]))
    assert answer.status == 200, answer.text
    deliver(api, world["stream"].records())
    got = {change["key"]: change for change in reader.changes()}
    assert set(got) == {grades_key, "_hint"}
    assert got[grades_key]["batch"] is True
    assert got[grades_key]["created"] is True


def test_a_revoked_token_stops_receiving_and_its_membership_goes(api, world):
    reader = Socket(api, "c-revoked")
    reader.connect({"token": world["notes"]})
    assert api("DELETE", f"/api/apps/tokens/{world['notes']}").status == 204
    key = f"{world['notes_app']['permissionPrefix']}.after"
    other_session = api("POST", "/api/apps/auth/token",
                        body={"namespace": world["device"], "appId": world["notes_app"]["id"]})
    assert other_session.status == 201, other_session.text
    write(api, other_session.json["token"], key, {"a": 1})
    deliver(api, world["stream"].records())
    assert reader.changes() == []
    assert live_store.room(world["device"]) == []


def test_a_gone_connection_is_removed_and_the_others_still_get_the_change(api, world, monkeypatch):
    class Gone(JsonRESTError):
        code = 410

        def __init__(self) -> None:
            super().__init__("GoneException", "the connection is gone")

    real_post = ApiGatewayManagementApiBackend.post_to_connection

    def post(self, data, connection_id):
        if connection_id == "c-gone":
            raise Gone
        return real_post(self, data, connection_id)

    monkeypatch.setattr(ApiGatewayManagementApiBackend, "post_to_connection", post)
    Socket(api, "c-gone").connect({"token": world["notes"]})
    alive = Socket(api, "c-alive")
    alive.connect({"token": world["notes"]})
    write(api, world["notes"], f"{world['notes_app']['permissionPrefix']}.x", {"v": 1})
    assert deliver(api, world["stream"].records()) == {"batchItemFailures": []}
    assert len(alive.changes()) == 1
    assert [m["connectionId"] for m in live_store.room(world["device"])] == ["c-alive"]
    assert live_store.memberships_of("c-gone") == []


def test_leave_token_and_leave_all(api, world):
    socket = Socket(api, "c-leaver")
    socket.connect({"token": world["notes"]})
    socket.send({"action": "join-token", "token": world["grades"]})
    assert socket.send({"action": "leave-token", "token": world["notes"]}) is None
    assert {m["tokenDigest"] for m in live_store.memberships_of("c-leaver")} == {
        m["tokenDigest"] for m in live_store.room(world["device"])}
    assert len(live_store.memberships_of("c-leaver")) == 1
    assert socket.send({"action": "leave-all"}) is None
    assert live_store.memberships_of("c-leaver") == []
    assert live_store.room(world["device"]) == []


def test_a_failing_record_is_reported_and_the_rest_of_the_batch_waits(api, world, monkeypatch):
    reader = Socket(api, "c-1")
    reader.connect({"token": world["notes"]})
    prefix = world["notes_app"]["permissionPrefix"]
    for key in ("a", "b", "c"):
        write(api, world["notes"], f"{prefix}.{key}", {"k": key})
    records = world["stream"].records()
    real_room = live_store.room
    calls = {"n": 0}

    def flaky_room(device):
        calls["n"] += 1
        if calls["n"] == 1:
            raise RuntimeError("DynamoDB had a bad moment")
        return real_room(device)

    monkeypatch.setattr(live_store, "room", flaky_room)
    (failure,) = deliver(api, records)["batchItemFailures"]
    assert reader.changes() == []  # nothing after the failed record was sent
    retry_from = [r["dynamodb"]["SequenceNumber"] for r in records].index(failure["itemIdentifier"])
    assert deliver(api, records[retry_from:]) == {"batchItemFailures": []}  # Lambda's retry from that record
    assert [c["key"] for c in reader.changes()] == [f"{prefix}.a", f"{prefix}.b", f"{prefix}.c"]


def test_the_sample_events_run(api, world):
    assert Socket(api, "EXAMPLE").connect({"token": world["notes"]}) == 200
    api.env("classworks.LiveChangesFunction")
    batch = load_event("classworks/live-changes-batch.json")
    assert live_changes.handler(batch, FakeLambdaContext()) == {"batchItemFailures": []}
    for name in ("live-socket-connect.json", "live-socket-message.json", "live-socket-ping.json",
                 "live-socket-disconnect.json"):
        assert live_socket.handler(load_event(f"classworks/{name}"), FakeLambdaContext())["statusCode"] in (200, 401)
