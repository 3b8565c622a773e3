"""The Classworks board's flows on the whole suite started as `make dev` starts it (`python -m devstack up`: all five
services, schedules on; only the ports are free ones): its first-run sign-in with its own string app id, every
key family it reads and writes, its data migration (one batch import), a read-only token refused on writes, the
console's install by string app id, and live updates: a python-socketio client (polling then upgraded to
WebSocket, WebSocket only, polling only) receives `kv-key-changed` for a write made over HTTP, and so does a client
of the unframed JSON protocol (docs/classworks-clients.md)."""

from __future__ import annotations

import json
import os
import subprocess
import sys
import threading
import uuid
from collections.abc import Iterator
from contextlib import contextmanager

import pytest
import requests
import socketio

from tests.support.devstack_process import DevStackProcess, wait_until
from tests.support.lambda_events import REPO_ROOT
from tests.support.ws_client import WebSocketClient

BOARD_APP = "d158067f53627d2b98babe8bffd2fd7d"
TODAY_KEY = "classworks-data-20260101"
FAMILIES = {
    TODAY_KEY: {"homework": {"数学": {"content": "P12"}}, "attendance": {"absent": [], "late": [], "exclude": []}},
    "classworks-config-subject": [{"order": 0, "name": "语文"}],
    "classworks-config-homework-template": {"语文": ["背诵"]},
    "classworks-list-main": [{"name": "小明"}],
    "classworks-list-teacher": [{"name": "王老师", "isHeadTeacher": True, "subjects": ["语文"]}],
    "classworks-list-info": [{"id": "1", "name": "值日"}],
    "classworks-list-1": [{"text": "扫地"}],
    "notification-list": [{"id": 1, "message": "春游", "isUrgent": False, "timestamp": 1767225600000}],
    "es_list": [{"id": "a", "name": "期中"}],
    "es_a": {"examName": "期中"},
    "noise-session-config": {"threshold": 60},
    "noise-reports-meta": {"dates": []},
    "noise-reports-20260101": [],
    "sentence-info": {"sentence": "学而时习之"},
}


@pytest.fixture(scope="module")
def suite(tmp_path_factory):
    process = DevStackProcess(REPO_ROOT / "template.yaml", tmp_path_factory.mktemp("suite")).start()
    try:
        assert {"classworks", "kook", "ccjk", "certctrl", "relay"} <= set(process.status["services"])
        yield process
    finally:
        process.stop()


@pytest.fixture(scope="module")
def base(suite) -> str:
    return suite.url("classworks")


def first_run(base: str) -> tuple[str, str]:
    """The board's first-run wizard (FirstTimeGuide.vue): register, then a token for its own app id."""
    device = str(uuid.uuid4())
    assert requests.post(f"{base}/api/devices", json={"uuid": device, "deviceName": "Classworks"},
                         timeout=30).status_code == 201
    answer = requests.post(f"{base}/api/apps/auth/token", json={"namespace": device, "password": "",
                                                                 "appId": BOARD_APP}, timeout=30)
    assert answer.status_code == 201, answer.text
    return device, answer.json()["token"]


def test_the_board_signs_in_and_uses_every_key_family(base):
    device, token = first_run(base)
    about = requests.get(f"{base}/api/kv/_token", headers={"Authorization": f"Bearer {token}"}, timeout=30).json()
    assert (about["appId"], about["isReadOnly"], about["device"]["uuid"]) == (BOARD_APP, False, device)
    headers = {"x-app-token": token, "Accept": "application/json"}
    for key, value in FAMILIES.items():
        written = requests.post(f"{base}/api/kv/{key}", json=value, headers=headers, timeout=30)
        assert written.status_code == 200, (key, written.text)
        assert requests.get(f"{base}/api/kv/{key}", headers=headers, timeout=30).json() == value
    keys = requests.get(f"{base}/api/kv/_keys", params={"sortBy": "key", "sortDir": "asc", "limit": 1000, "skip": 0},
                        headers=headers, timeout=30).json()
    assert keys["keys"] == sorted(FAMILIES)
    # the older wizard sends no app id, and fails as it does against the original
    again = requests.post(f"{base}/api/apps/auth/token", json={"namespace": device, "password": ""}, timeout=30)
    assert (again.status_code, again.json()["message"]) == (400, "需要提供 appId")


def test_the_data_migration_keeps_every_key(base):
    _device, token = first_run(base)
    migrated = requests.post(f"{base}/api/kv/_batchimport", json=FAMILIES,
                             headers={"Authorization": f"Bearer {token}"}, timeout=30).json()
    assert migrated["code"] == 200
    assert migrated["data"]["summary"] == {"total": len(FAMILIES), "successful": len(FAMILIES), "failed": 0}


def test_a_read_only_token_is_refused_on_writes(suite, base):
    device, _token = first_run(base)
    seeded = subprocess.run(
        [sys.executable, "-m", "classworks.seed", "--local", "--endpoint-url", suite.status["aws_endpoint"],
         "--table", "suite-local-ClassworksApp-ClassworksTable", "auth-config", device, "--device-type", "student",
         "--password", "pupil-pw", "--read-only"],
        cwd=REPO_ROOT, capture_output=True, text=True, timeout=60, check=False,
        env={**os.environ, "PYTHONPATH": f"{REPO_ROOT / 'functions/classworks'}:{REPO_ROOT / 'layers/common'}"})
    assert seeded.returncode == 0, seeded.stderr
    pupil = requests.post(f"{base}/api/apps/auth/token", json={"namespace": device, "password": "pupil-pw",
                                                                "appId": BOARD_APP}, timeout=30).json()
    assert pupil["isReadOnly"] is True
    headers = {"Authorization": f"Bearer {pupil['token']}"}
    assert requests.get(f"{base}/api/kv/_keys", headers=headers, timeout=30).status_code == 200
    for method, path, body in (("POST", f"/api/kv/{TODAY_KEY}", {}), ("DELETE", f"/api/kv/{TODAY_KEY}", None),
                               ("POST", "/api/kv/_batchimport", {"sentence-info": {}})):
        refused = requests.request(method, f"{base}{path}", json=body, headers=headers, timeout=30)
        assert (refused.status_code, refused.json()["message"]) == (403, "当前token为只读模式,无法修改数据"), path


def test_the_console_installs_the_board_by_its_string_app_id(base):
    device = str(uuid.uuid4())
    requests.post(f"{base}/api/devices", json={"uuid": device, "deviceName": "Room 9"}, timeout=30)
    assert requests.post(f"{base}/api/devices/{device}/password", params={"newPassword": "pw"},
                         timeout=30).json() == {"success": True, "message": "密码设置成功"}
    installed = requests.post(f"{base}/api/apps/devices/{device}/install/{BOARD_APP}", params={"password": "pw"},
                              json={"note": "回调授权"}, headers={"x-device-uuid": device}, timeout=30)
    assert (installed.status_code, installed.json()["appId"]) == (201, BOARD_APP)
    assert requests.get(f"{base}/api/accounts/oauth/providers", timeout=30).json() == {"success": True, "data": []}


# ------------------------------------------------------------------------------------------------ live updates

class Received:
    """The events one client got, by name; `wait_for` blocks until a matching one arrives."""

    def __init__(self) -> None:
        self.events: list[tuple[str, object]] = []
        self._arrived = threading.Condition()

    def add(self, name: str, payload: object) -> None:
        with self._arrived:
            self.events.append((name, payload))
            self._arrived.notify_all()

    def wait_for(self, name: str, match=lambda payload: True, timeout: float = 60) -> object:
        def found():
            return next((p for n, p in self.events if n == name and match(p)), None)

        with self._arrived:
            self._arrived.wait_for(lambda: found() is not None, timeout)
        payload = found()
        assert payload is not None, f"{name} did not arrive: {self.events}"
        return payload


@contextmanager
def board_socket(base: str, transports: list[str]) -> Iterator[tuple[socketio.Client, Received]]:
    """What src/utils/socketClient.js does: io("<server>/api"): namespace /api, /socket.io/ at the host's root."""
    client = socketio.Client(request_timeout=30)
    received = Received()
    for name in ("device-joined", "joined", "join-error", "kv-key-changed"):
        client.on(name, lambda payload, name=name: received.add(name, payload), namespace="/api")
    client.connect(base, namespaces=["/api"], transports=transports, socketio_path="socket.io", wait_timeout=30)
    try:
        yield client, received
    finally:
        client.disconnect()


@pytest.mark.parametrize("transports", [["polling", "websocket"], ["websocket"], ["polling"]],
                         ids=["polling-then-upgrade", "websocket-only", "polling-only"])
def test_socketio_clients_receive_kv_key_changed_for_an_http_write(base, transports):
    device, token = first_run(base)
    with board_socket(base, transports) as (client, received):
        if transports == ["polling", "websocket"]:
            wait_until(lambda: client.transport() == "websocket", message="the upgrade to WebSocket")
        assert client.transport() == transports[-1]
        client.emit("join-token", {"token": token}, namespace="/api")
        joined = received.wait_for("joined")
        assert (joined["by"], joined["uuid"], joined["token"]) == ("token", device, token)
        assert received.wait_for("device-joined") == {"uuid": device, "connections": 1}
        written = requests.post(f"{base}/api/kv/{TODAY_KEY}", json=FAMILIES[TODAY_KEY],
                                headers={"x-app-token": token}, timeout=30).json()
        change = received.wait_for("kv-key-changed")
        assert change["content"] == {"key": TODAY_KEY, "action": "upsert", "created": True,
                                     "updatedAt": written["updatedAt"]}
        assert (change["senderId"], change["eventId"][:3]) == ("realtime", "kv-")
        requests.delete(f"{base}/api/kv/{TODAY_KEY}", headers={"x-app-token": token}, timeout=30)
        deleted = received.wait_for("kv-key-changed", lambda p: p["content"]["action"] == "delete")
        assert deleted["content"]["key"] == TODAY_KEY


def test_the_json_protocol_still_works_on_the_whole_suite(base):
    device, token = first_run(base)
    client = WebSocketClient(base.replace("http://", "ws://") + "/live", timeout=60)
    try:
        client.send_text(json.dumps({"action": "join-token", "token": token}))
        frames = [json.loads(client.receive_text()) for _ in range(2)]
        assert {f["event"] for f in frames} == {"device-joined", "joined"}
        requests.post(f"{base}/api/kv/notification-list", json=[], headers={"x-app-token": token}, timeout=30)
        change = json.loads(client.receive_text())
        assert (change["event"], change["data"]["uuid"], change["data"]["key"]) == ("kv-key-changed", device,
                                                                                   "notification-list")
    finally:
        client.close()
