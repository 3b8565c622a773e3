"""classworks through the local stack as a process: the apps.md curl examples (run with curl, their paths and
headers as written, only the host's port changed), then KV, namespace logins and the device-code flow over HTTP.
"""

from __future__ import annotations

import json
import os
import shlex
import shutil
import subprocess
import sys

import pytest
import requests

from tests.support.devstack_process import DevStackProcess
from tests.support.lambda_events import REPO_ROOT

TABLE = "suite-local-ClassworksApp-ClassworksTable"
EXAMPLE_APPS = REPO_ROOT / "functions/classworks/seed/apps.example.json"
DEVICE_APPS_EXAMPLE = (
    'curl -X GET "http://localhost:3000/api/devices/your-device-uuid/apps?limit=10" \\\n'
    '     -H "X-Site-Key: your-site-key"')
APP_FIELDS = {"id", "name", "description", "developerName", "permissionPrefix", "specialPermissions",
              "permissionKey", "version", "createdAt", "updatedAt"}


@pytest.fixture(scope="module")
def stack(tmp_path_factory):
    process = DevStackProcess(REPO_ROOT / "template.yaml", tmp_path_factory.mktemp("classworks"), "--no-schedules",
                              "--only", "classworks").start()
    try:
        seeded = subprocess.run(
            [sys.executable, "-m", "classworks.seed", "--local", "--endpoint-url", process.status["aws_endpoint"],
             "apps", str(EXAMPLE_APPS)],
            cwd=REPO_ROOT, capture_output=True, text=True, timeout=60, check=False,
            env={**os.environ, "PYTHONPATH": f"{REPO_ROOT / 'functions/classworks'}:{REPO_ROOT / 'layers/common'}"})
        assert seeded.returncode == 0, seeded.stderr
        yield process
    finally:
        process.stop()


def curl(stack, example: str) -> tuple[int, object]:
    """Run a curl example from apps.md against the stack (http://localhost:3000 → the stack's port)."""
    if shutil.which("curl") is None:
        pytest.skip("curl is not installed")
    command = example.replace("http://localhost:3000", stack.url("classworks")).replace("\\\n", " ")
    args = shlex.split(command)[1:]
    result = subprocess.run(["curl", "-s", "-w", "\n%{http_code}", *args], capture_output=True, text=True,
                            timeout=60, check=False)
    body, _, status = result.stdout.rpartition("\n")
    return int(status), json.loads(body) if body else None


def test_the_apps_md_curl_examples(stack):
    status, listing = curl(stack, '''curl -X GET "http://localhost:3000/api/apps?limit=10&skip=0&search=test" \\
     -H "X-Site-Key: your-site-key"''')
    assert status == 200
    assert set(listing) == {"apps", "total", "limit", "skip"}
    assert (listing["total"], listing["limit"], listing["skip"]) == (1, 10, 0)
    assert set(listing["apps"][0]) == APP_FIELDS
    assert listing["apps"][0]["name"] == "Test App"

    status, app = curl(stack, '''curl -X GET "http://localhost:3000/api/apps/1" \\
     -H "X-Site-Key: your-site-key"''')
    assert (status, set(app), app["id"]) == (200, APP_FIELDS, 1)

    status, keyed = curl(stack, '''curl -X GET "http://localhost:3000/api/apps/with-permission-key" \\
     -H "X-Site-Key: your-site-key"''')
    assert status == 200
    assert set(keyed) == {"apps"}
    assert {a["name"] for a in keyed["apps"]} == {"App With Keys", "Classworks"}
    assert all(set(a) == APP_FIELDS for a in keyed["apps"])

    status, installed = curl(stack, '''curl -X POST "http://localhost:3000/api/apps/1/install/your-device-uuid" \\
     -H "X-Site-Key: your-site-key"''')
    assert status == 200
    assert set(installed) == {"token", "appId", "permissionPrefix", "permissionKey", "version", "authorizedAt"}
    token = installed["token"]

    status, permissions = curl(stack, f'''curl -X GET "http://localhost:3000/api/apps/token/{token}/permissions" \\
     -H "X-Site-Key: your-site-key"''')
    assert status == 200
    assert set(permissions) == {"appId", "permissionPrefix", "specialPermissions", "permissionKey", "app"}
    assert set(permissions["app"]) == {"id", "name", "description", "developerName"}

    status, device_apps = curl(stack, DEVICE_APPS_EXAMPLE)
    assert status == 200
    assert (set(device_apps), device_apps["total"], device_apps["limit"]) == ({"installs", "total", "limit", "skip"},
                                                                             1, 10)
    assert device_apps["installs"][0]["token"] == token
    assert set(device_apps["installs"][0]["app"]) == {"id", "name", "description", "developerName",
                                                      "permissionPrefix"}

    status, removed = curl(stack, '''curl -X DELETE "http://localhost:3000/api/apps/1/uninstall/your-device-uuid" \\
     -H "X-Site-Key: your-site-key"''')
    assert status == 200
    assert (set(removed), removed["message"], removed["appId"]) == ({"message", "appId", "uninstalledAt"},
                                                                     "应用卸载成功", 1)
    status, error = curl(stack, '''curl -X GET "http://localhost:3000/api/apps/404404" \\
     -H "X-Site-Key: your-site-key"''')
    assert (status, error) == (404, {"statusCode": 404, "message": "应用不存在"})


def test_kv_over_http(stack):
    base = stack.url("classworks")
    token = requests.post(f"{base}/api/apps/3/install/kv-e2e-device", timeout=30).json()["token"]
    auth = {"Authorization": f"Bearer {token}"}
    written = requests.post(f"{base}/api/kv/classworks.homework", json={"math": ["P12", "P13"]}, headers=auth,
                            timeout=30)
    assert written.status_code == 200
    assert written.json()["created"] is True
    assert written.headers["RateLimit-Policy"] == "512;w=60"
    assert requests.get(f"{base}/api/kv/classworks.homework", headers=auth, timeout=30).json() == {
        "math": ["P12", "P13"]}
    assert requests.post(f"{base}/api/kv/classworks-list-main", json=[{"name": "小明"}], headers=auth,
                         timeout=30).status_code == 200  # a special permission of app 3
    denied = requests.post(f"{base}/api/kv/testapp.notes", json={}, headers=auth, timeout=30)
    assert denied.status_code == 403
    keys = requests.get(f"{base}/api/kv/_keys", headers={"x-app-token": token}, timeout=30).json()
    assert keys["keys"] == ["classworks-list-main", "classworks.homework"]
    assert requests.delete(f"{base}/api/kv/classworks.homework", params={"token": token}, timeout=30).status_code \
        == 204
    requests.delete(f"{base}/api/apps/3/uninstall/kv-e2e-device", timeout=30)
    assert requests.get(f"{base}/api/kv/_keys", headers=auth, timeout=30).status_code == 401


def test_namespace_login_and_device_code_flow(stack):
    base = stack.url("classworks")
    registered = requests.post(f"{base}/api/devices", json={"uuid": "e2e-board", "deviceName": "一体机",
                                                            "namespace": "room-e2e"}, timeout=30)
    assert registered.status_code == 201
    login = requests.post(f"{base}/api/apps/auth/token", json={"namespace": "room-e2e", "appId": 1}, timeout=30)
    assert login.status_code == 201
    assert (login.json()["deviceType"], login.json()["isReadOnly"]) == ("classroom", False)
    code = requests.post(f"{base}/api/auth/device/code", timeout=30).json()["device_code"]
    assert requests.get(f"{base}/api/auth/device/token", params={"device_code": code},
                        timeout=30).json()["status"] == "pending"
    bound = requests.post(f"{base}/api/auth/device/bind", json={"device_code": code, "token": login.json()["token"]},
                          timeout=30)
    assert bound.json() == {"success": True, "message": "令牌已成功绑定到设备代码"}
    picked = requests.get(f"{base}/api/auth/device/token", params={"device_code": code}, timeout=30).json()
    assert picked == {"status": "success", "token": login.json()["token"]}
    assert requests.get(f"{base}/api/auth/device/token", params={"device_code": code},
                        timeout=30).json()["status"] == "expired"
    info = requests.get(f"{base}/api/kv/_info", headers={"Authorization": f"Bearer {picked['token']}"}, timeout=30)
    assert info.json()["device"]["uuid"] == "e2e-board"


def test_unknown_routes_and_docs(stack):
    base = stack.url("classworks")
    assert requests.get(f"{base}/api/kv/a/b/c", timeout=30).status_code == 404  # API Gateway's own 404
    document = requests.get(f"{base}/openapi.json", timeout=30).json()
    assert "/api/kv/{key}" in document["paths"]
    assert "/api/apps/with-permission-key" in document["paths"]


def next_event(client, name: str) -> dict:
    """The data of the next frame called `name` (other frames, e.g. device-joined, are skipped)."""
    while True:
        frame = json.loads(client.receive_text())
        if frame["event"] == name:
            return frame["data"]


def test_live_changes_reach_websocket_clients_whose_token_may_read_the_key(stack):
    from tests.support.ws_client import HandshakeRefused, WebSocketClient  # noqa: PLC0415

    base = stack.url("classworks")
    device = "live-e2e-device"
    assert requests.post(f"{base}/api/devices", json={"uuid": device, "deviceName": "Room 5"}, timeout=30).ok
    test_token = requests.post(f"{base}/api/apps/1/install/{device}", timeout=30).json()["token"]
    key_token = requests.post(f"{base}/api/apps/2/install/{device}", timeout=30).json()["token"]
    ws_base = base.replace("http://", "ws://")
    with pytest.raises(HandshakeRefused) as refused:
        WebSocketClient(f"{ws_base}/live?token=cw_unknown")
    assert refused.value.status == 401

    test_client = WebSocketClient(f"{ws_base}/socket.io?token={test_token}")  # joined at the handshake
    key_client = WebSocketClient(f"{ws_base}/live")
    try:
        key_client.send_text(json.dumps({"action": "join-token", "token": key_token}))
        assert next_event(key_client, "joined") == {"by": "token", "uuid": device, "token": key_token}
        key_client.send_text("ping")
        assert "time" in next_event(key_client, "pong")

        headers = {"Authorization": f"Bearer {key_token}"}
        assert requests.post(f"{base}/api/kv/keyapp.secret", json={"a": 1}, headers=headers, timeout=30).ok
        headers = {"Authorization": f"Bearer {test_token}"}
        written = requests.post(f"{base}/api/kv/testapp.notes", json={"n": 1}, headers=headers, timeout=30).json()
        assert requests.delete(f"{base}/api/kv/testapp.notes", headers=headers, timeout=30).status_code == 204

        # The keyapp write came first in the stream: the testapp token's client never sees it.
        assert next_event(test_client, "kv-key-changed") == {
            "uuid": device, "key": "testapp.notes", "action": "upsert", "created": True,
            "updatedAt": written["updatedAt"]}
        deleted = next_event(test_client, "kv-key-changed")
        assert (deleted["key"], deleted["action"], set(deleted)) == (
            "testapp.notes", "delete", {"uuid", "key", "action", "deletedAt"})
        assert next_event(key_client, "kv-key-changed")["key"] == "keyapp.secret"
    finally:
        test_client.close()
        key_client.close()
