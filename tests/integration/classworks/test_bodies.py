"""Every malformed request is a clean 4xx, nothing half-written (issue 11), one test per cause: a lone UTF-16
surrogate in a JSON string, KV bytes that are not UTF-8, the device password of v2 authorize from every usual
source, and credentials checked before the body (401 before 400)."""

from __future__ import annotations

import json

import pytest

from classworks.logic import kv as kv_logic
from tests.integration.classworks.support import bearer, stored_items

LONE = b'{"uuid": "\\ud800", "deviceName": "\\udfff", "name": "\\ud800", "note": "\\ud800", "x": "\\ud800"}'
BATCH_MESSAGE = kv_logic.BATCH_FORMAT_MESSAGE


@pytest.fixture
def world(api):
    app = api.app(specialPermissions=["shared"])
    device = api.device()
    return {"app": app, "prefix": app["permissionPrefix"], "device": device, "token": api.install(app["id"], device)}


def body_routes(world):
    """(method, path, headers) of every route that reads a body."""
    device, token, app_id, prefix = world["device"], world["token"], world["app"]["id"], world["prefix"]
    auth = bearer(token)
    return [
        ("POST", "/api/devices", {}), ("POST", f"/api/kv/{prefix}.lone", auth), ("POST", "/api/kv/_batchimport", auth),
        ("PUT", f"/api/devices/{device}/name", {}), ("PUT", f"/api/apps/devices/{device}/password", {}),
        ("DELETE", f"/api/apps/devices/{device}/password", {}),
        ("POST", f"/api/apps/devices/{device}/password/verify", {}), ("POST", "/api/apps/auth/token", {}),
        ("POST", "/api/auth/device/bind", {}), ("PUT", f"/api/apps/tokens/{token}/note", {}),
        ("POST", f"/api/apps/tokens/{token}/set-student-name", {}),
        ("POST", f"/api/apps/tokens/{token}/set-teacher-name", {}),
        ("POST", f"/api/apps/devices/{device}/install/{app_id}", {}), ("POST", f"/api/apps/{app_id}/authorize", {}),
    ]


def test_a_lone_surrogate_in_a_json_string_is_a_400_on_every_route_and_nothing_is_written(api, world):
    before = json.dumps(stored_items(), sort_keys=True)
    routes = body_routes(world)
    assert len(routes) == 14
    for method, path, headers in routes:
        answer = api(method, path, raw_body=LONE, headers=headers)
        assert answer.status == 400, (path, answer.text)
        assert {"statusCode", "message"} <= set(answer.json), (path, answer.text)
    assert json.dumps(stored_items(), sort_keys=True).count("INSTALL#") == before.count("INSTALL#")
    kv_write = api("POST", f"/api/kv/{world['prefix']}.k", raw_body=b'{"\\udfff": 1}', headers=bearer(world["token"]))
    assert (kv_write.status, kv_write.json["message"]) == (400, "无效的数据格式")
    batch = api("POST", "/api/kv/_batchimport", raw_body=b'{"shared.a": 1, "shared.b": "\\ud800"}',
                headers=bearer(world["token"]))
    assert (batch.status, batch.json["message"]) == (400, BATCH_MESSAGE)
    for key in (f"{world['prefix']}.lone", f"{world['prefix']}.k", "shared.a", "shared.b"):
        assert api("GET", f"/api/kv/{key}", headers=bearer(world["token"])).status == 404, key
    assert api("GET", f"/api/devices/{world['device']}").json["name"] == "Room 301"


def test_a_valid_surrogate_pair_is_stored_as_sent(api, world):
    key = f"{world['prefix']}.emoji"
    answer = api("POST", f"/api/kv/{key}", raw_body=b'{"face": "\\ud83d\\ude00"}', headers=bearer(world["token"]))
    assert answer.status == 200
    assert json.loads(api("GET", f"/api/kv/{key}", headers=bearer(world["token"])).text) == {"face": "\U0001f600"}


@pytest.mark.parametrize("content_type", ["application/json", "text/plain", "application/octet-stream", None])
def test_kv_bytes_that_are_not_utf8_are_a_400_never_stored_with_replacement_characters(api, world, content_type):
    key = f"{world['prefix']}.latin1"
    headers = {**bearer(world["token"]), **({"content-type": content_type} if content_type else {})}
    for path in (f"/api/kv/{key}", "/api/kv/_batchimport"):
        body = b'{"v": "caf\xe9"}' if path.endswith("latin1") else f'{{"{key}": "caf\xe9"}}'.encode("latin-1")
        answer = api("POST", path, raw_body=body, headers=headers)
        assert answer.status == 400, (path, answer.text)
    assert api("GET", f"/api/kv/{key}", headers=bearer(world["token"])).status == 404
    assert "\ufffd" not in json.dumps(stored_items("KV_TABLE"), ensure_ascii=False)


def test_a_lone_surrogate_where_a_credential_may_sit_is_no_credential(api, world):
    """Bodies are a source of tokens, site keys and passwords: one that cannot be read offers none (401)."""
    answer = api("GET", "/api/kv/_info", raw_body=b'{"token": "\\ud800"}')
    assert (answer.status, answer.json["message"]) == (401, "需要提供有效的token")
    api("PUT", f"/api/apps/devices/{world['device']}/password", body={"newPassword": "pw-lone"})
    renamed = api("PUT", f"/api/devices/{world['device']}/name", raw_body=b'{"name": "x", "password": "\\ud800"}')
    assert renamed.status == 401


def _password_in(where: str, body: dict, password: str) -> dict:
    """Request arguments carrying the device password in one of the usual places."""
    if where == "header":
        return {"body": body, "headers": {"x-device-password": password}}
    if where == "body":
        return {"body": {**body, "password": password}}
    return {"body": body, "query": {where.removeprefix("query:"): password}}


@pytest.mark.parametrize("where", ["header", "query:password", "query:currentPassword", "body"])
def test_v2_authorize_reads_the_device_password_from_the_usual_sources(api, world, where):
    device, app_id = world["device"], world["app"]["id"]
    assert api("PUT", f"/api/apps/devices/{device}/password", body={"newPassword": "pw-auth"}).status == 200
    path, body = f"/api/apps/{app_id}/authorize", {"deviceUuid": device}
    answer = api("POST", path, **_password_in(where, body, "pw-auth"))
    assert answer.status == 200, answer.text
    assert answer.json["token"] == world["token"]  # the one install per app and device
    assert api("POST", path, body=body).json == {"statusCode": 401, "message": "需要提供设备密码"}
    assert api("POST", path, **_password_in(where, body, "nope")).json == {"statusCode": 401, "message": "密码错误"}


def test_credentials_are_checked_before_the_body(api, world):
    """401 before 400: a caller without the credential learns nothing about what is wrong with the body."""
    device, app_id = world["device"], world["app"]["id"]
    api("PUT", f"/api/apps/devices/{device}/password", body={"newPassword": "pw-first"})
    for method, path, raw in (("PUT", f"/api/devices/{device}/name", b'{"name": 5}'),
                              ("POST", f"/api/apps/devices/{device}/install/{app_id}", b"{broken"),
                              ("POST", f"/api/apps/{app_id}/authorize",
                               json.dumps({"deviceUuid": device, "note": 7}).encode()),
                              ("POST", f"/api/kv/{world['prefix']}.x", b"{broken"),
                              ("POST", "/api/kv/_batchimport", b"[]")):
        answer = api(method, path, raw_body=raw)
        assert answer.status == 401, (path, answer.text)
    assert api("PUT", f"/api/devices/{device}/name", raw_body=b'{"name": 5}',
               headers={"x-device-password": "pw-first"}).status == 400
