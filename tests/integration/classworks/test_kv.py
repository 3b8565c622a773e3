"""Token-scoped KV over the real handlers: values, metadata, listing, permissions, isolation, limits."""

import json
from urllib.parse import quote

import pytest

from classworks.logic import kv as kv_logic
from classworks.logic import limits
from tests.integration.classworks.support import bearer, stored_items

SPECIAL = ["shared", "classworks.list"]


@pytest.fixture
def world(api):
    """One device with two apps: `mine` (prefix + special permissions) and `other` (its own prefix)."""
    mine = api.app(specialPermissions=SPECIAL)
    other = api.app()
    device = api.device()
    return {"device": device, "prefix": mine["permissionPrefix"], "other_prefix": other["permissionPrefix"],
            "token": api.install(mine["id"], device), "other_token": api.install(other["id"], device)}


def put(api, token, key, value, **kwargs):
    return api("POST", f"/api/kv/{key}", body=value, headers=bearer(token), **kwargs)


def test_value_round_trip_raw_json_and_metadata(api, world):
    key = f"{world['prefix']}.homework"
    value = {"items": ["背诵课文", {"page": 12}], "done": False, "ratio": 0.25, "big": 12345678901234567890}
    created = put(api, world["token"], key, value, ip="203.0.113.9")
    assert created.status == 200
    assert set(created.json) == {"deviceId", "key", "created", "updatedAt"}
    assert (created.json["key"], created.json["created"]) == (key, True)
    assert isinstance(created.json["deviceId"], int)
    got = api("GET", f"/api/kv/{key}", headers=bearer(world["token"]))
    assert got.status == 200
    assert got.headers["Content-Type"] == "application/json"
    assert json.loads(got.text) == value  # the raw value, no envelope
    meta = api("GET", f"/api/kv/{key}/metadata", headers=bearer(world["token"])).json
    assert meta["key"] == key
    assert meta["metadata"]["creatorIp"] == "203.0.113.9"
    assert meta["metadata"]["createdAt"] == meta["metadata"]["updatedAt"] == created.json["updatedAt"]
    updated = put(api, world["token"], key, [1], ip="198.51.100.7")
    assert updated.json["created"] is False
    meta = api("GET", f"/api/kv/{key}/metadata", headers=bearer(world["token"])).json["metadata"]
    assert meta["creatorIp"] == "198.51.100.7"  # the last writer, as in the original
    assert meta["createdAt"] == created.json["updatedAt"] <= meta["updatedAt"] == updated.json["updatedAt"]


@pytest.mark.parametrize(("body", "stored"), [([], []), ({}, {}), (None, {}), ([{}], [{}])])
def test_empty_values_are_storable(api, world, body, stored):
    key = f"{world['prefix']}.empty"
    answer = api("POST", f"/api/kv/{key}", raw_body=b"" if body is None else json.dumps(body).encode(),
                 headers=bearer(world["token"]))
    assert answer.status == 200
    assert json.loads(api("GET", f"/api/kv/{key}", headers=bearer(world["token"])).text) == stored


@pytest.mark.parametrize("raw", [b"null", b'""'])
def test_null_and_empty_string_store_an_empty_object(api, world, raw):
    key = f"{world['prefix']}.nothing"
    assert api("POST", f"/api/kv/{key}", raw_body=raw, headers=bearer(world["token"])).status == 200
    assert api("GET", f"/api/kv/{key}", headers=bearer(world["token"])).text == "{}"


@pytest.mark.parametrize("raw", [b"5", b'"text"', b"true", b"{broken", b"NaN", b'{"a": 1e999}'])
def test_invalid_values_are_400(api, world, raw):
    answer = api("POST", f"/api/kv/{world['prefix']}.bad", raw_body=raw, headers=bearer(world["token"]))
    assert (answer.status, answer.json) == (400, {"statusCode": 400, "message": "无效的数据格式"})


def test_the_body_limit_is_the_originals_100kb(api, world):
    key = f"{world['prefix']}.big"
    filler = "x" * (kv_logic.MAX_BODY_BYTES - 20)
    at_limit = json.dumps({"v": filler}).encode()
    assert len(at_limit) <= kv_logic.MAX_BODY_BYTES
    assert api("POST", f"/api/kv/{key}", raw_body=at_limit, headers=bearer(world["token"])).status == 200
    assert len(api("GET", f"/api/kv/{key}", headers=bearer(world["token"])).text) == len(at_limit) - 1  # compact
    over = json.dumps({"v": "中" * (kv_logic.MAX_BODY_BYTES // 3 + 10)}, ensure_ascii=False).encode()
    answer = api("POST", f"/api/kv/{key}", raw_body=over, headers=bearer(world["token"]))
    assert answer.status == 413
    assert answer.json == {"statusCode": 413, "message": "请求体过大，最大 100KB"}
    assert "RateLimit" in answer.headers


def test_a_value_too_large_for_one_item_is_a_clear_413(api, world, monkeypatch):
    """Should the body limit ever be raised past DynamoDB's 400 KB item, the store refuses, never a 500."""
    monkeypatch.setattr(kv_logic, "MAX_BODY_BYTES", 1024 * 1024)
    raw = json.dumps({"v": "x" * (420 * 1024)}).encode()
    answer = api("POST", f"/api/kv/{world['prefix']}.huge", raw_body=raw, headers=bearer(world["token"]))
    assert (answer.status, answer.json["message"]) == (413, "值过大，无法存储")
    assert api("GET", f"/api/kv/{world['prefix']}.huge", headers=bearer(world["token"])).status == 404


def test_delete(api, world):
    key = f"{world['prefix']}.gone"
    put(api, world["token"], key, {"a": 1})
    answer = api("DELETE", f"/api/kv/{key}", headers=bearer(world["token"]))
    assert (answer.status, answer.text) == (204, "")
    assert "RateLimit" in answer.headers
    missing = api("DELETE", f"/api/kv/{key}", headers=bearer(world["token"]))
    assert (missing.status, missing.json["message"]) == (404, f"未找到键名为 '{key}' 的记录")
    assert api("GET", f"/api/kv/{key}", headers=bearer(world["token"])).status == 404
    assert api("GET", f"/api/kv/{key}/metadata", headers=bearer(world["token"])).status == 404


def matrix_keys(prefix):
    """(key, allowed) for the token of app `prefix` with special permissions SPECIAL."""
    return [
        (f"{prefix}.notes", True), (f"{prefix}.a.b", True), (prefix, False), (f"{prefix}X", False),
        (f"{prefix}_x", False), ("shared", True), ("shared.list", True), ("sharedX", False),
        ("classworks.list", True), ("classworks.list.main", True), ("classworks", False),
        ("classworks.listX", False), ("_hint", True), ("_check", True), ("stranger", False),
    ]


def test_permission_matrix_over_http(api, world):
    token, prefix = world["token"], world["prefix"]
    for key, allowed in matrix_keys(prefix):
        write = put(api, token, key, {"k": key})
        read = api("GET", f"/api/kv/{key}", headers=bearer(token))
        meta = api("GET", f"/api/kv/{key}/metadata", headers=bearer(token))
        if allowed:
            assert (write.status, read.status, meta.status) == (200, 200, 200), key
        else:
            expected = {"statusCode": 403,
                        "message": f"无权限访问键 '{key}'。需要权限前缀 '{prefix}.' 或特殊权限。"}
            assert (write.status, write.json) == (403, expected), key
            assert (read.status, meta.status) == (403, 403), key
            assert api("DELETE", f"/api/kv/{key}", headers=bearer(token)).status == 403
    # Keys this token may not read exist on the device (written by the other app); listings never show them.
    other = world["other_token"]
    for key in (f"{world['other_prefix']}.secret", f"{world['other_prefix']}.more"):
        assert put(api, other, key, {"x": 1}).status == 200
    allowed_keys = sorted(k for k, ok in matrix_keys(prefix) if ok)
    keys = api("GET", "/api/kv/_keys", headers=bearer(token)).json
    assert keys["keys"] == allowed_keys
    assert keys["total_rows"] == len(allowed_keys)
    items = api("GET", "/api/kv", headers=bearer(token)).json
    assert [i["key"] for i in items["items"]] == allowed_keys
    assert items["total_rows"] == len(allowed_keys)
    other_keys = api("GET", "/api/kv/_keys", headers=bearer(other)).json["keys"]
    assert other_keys == sorted([f"{world['other_prefix']}.more", f"{world['other_prefix']}.secret",
                                 "_check", "_hint"])


def test_a_token_of_device_a_never_reaches_device_b(api):
    app = api.app()
    device_a, device_b = api.device(), api.device()
    token_a, token_b = api.install(app["id"], device_a), api.install(app["id"], device_b)
    key = f"{app['permissionPrefix']}.diary"
    assert put(api, token_b, key, {"owner": "B"}).status == 200
    assert put(api, token_b, f"{app['permissionPrefix']}.only-b", {"owner": "B"}).status == 200
    assert api("GET", f"/api/kv/{key}", headers=bearer(token_a)).status == 404
    assert api("GET", "/api/kv", headers=bearer(token_a)).json == {"items": [], "total_rows": 0}
    assert put(api, token_a, key, {"owner": "A"}).json["created"] is True  # A's own key, not B's
    assert json.loads(api("GET", f"/api/kv/{key}", headers=bearer(token_b)).text) == {"owner": "B"}
    assert api("DELETE", f"/api/kv/{app['permissionPrefix']}.only-b", headers=bearer(token_a)).status == 404
    assert api("GET", "/api/kv/_keys", headers=bearer(token_b)).json["total_rows"] == 2
    assert api("GET", "/api/kv/_info", headers=bearer(token_a)).json["device"]["uuid"] == device_a


def test_listing_sorts_pages_and_links_the_next_page(api, world):
    token, prefix = world["token"], world["prefix"]
    for name in ("c", "a", "d", "b"):
        put(api, token, f"{prefix}.{name}", {"n": name})
    put(api, token, f"{prefix}.a", {"n": "a2"})  # a becomes the most recently updated
    page = api("GET", "/api/kv", headers=bearer(token), query={"sortBy": "updatedAt", "sortDir": "desc",
                                                                "limit": 2}).json
    assert [i["key"] for i in page["items"]] == [f"{prefix}.a", f"{prefix}.b"]
    assert page["total_rows"] == 4
    assert page["load_more"] == "/api/kv?sortBy=updatedAt&sortDir=desc&limit=2&skip=2"
    item = page["items"][0]
    assert set(item) == {"deviceId", "key", "metadata"}
    assert set(item["metadata"]) == {"creatorIp", "createdAt", "updatedAt"}
    last = api("GET", "/api/kv", headers=bearer(token), query="sortBy=updatedAt&sortDir=desc&limit=2&skip=2").json
    assert [i["key"] for i in last["items"]] == [f"{prefix}.d", f"{prefix}.c"]
    assert "load_more" not in last
    by_created = api("GET", "/api/kv/_keys", headers=bearer(token), query={"sortBy": "createdAt"}).json
    assert by_created["keys"] == [f"{prefix}.{n}" for n in "cadb"]
    keys = api("GET", "/api/kv/_keys", headers=bearer(token), query={"limit": 3, "sortDir": "desc"}).json
    assert keys == {"keys": [f"{prefix}.{n}" for n in "dcb"], "total_rows": 4,
                    "current_page": {"limit": 3, "skip": 0, "count": 3},
                    "load_more": "/api/kv/_keys?sortBy=key&sortDir=desc&limit=3&skip=3"}
    for bad in ({"sortBy": "value"}, {"sortDir": "sideways"}, {"limit": "-1"}, {"skip": "abc"}):
        assert api("GET", "/api/kv", headers=bearer(token), query=bad).status == 400


def test_info_and_token(api):
    app = api.app()
    device = api.device(namespace="room-info-301")
    token = api.install(app["id"], device)
    info = api("GET", "/api/kv/_info", headers=bearer(token)).json
    assert set(info) == {"device", "hasAccount"}
    assert set(info["device"]) == {"id", "name", "createdAt", "updatedAt", "uuid"}
    assert (info["device"]["uuid"], info["device"]["name"], info["hasAccount"]) == (device, "Room 301", False)
    about = api("GET", "/api/kv/_token", headers=bearer(token)).json
    assert set(about) == {"success", "token", "appId", "deviceType", "isReadOnly", "note", "installedAt",
                          "updatedAt", "device"}
    assert (about["token"], about["appId"], about["isReadOnly"]) == (token, app["id"], False)
    assert about["device"] == {"id": info["device"]["id"], "uuid": device, "name": "Room 301",
                               "namespace": "room-info-301"}


def test_token_sources_and_401s(api, world):
    token, key = world["token"], f"{world['prefix']}.src"
    put(api, token, key, {"a": 1})
    for kwargs in ({"headers": {"Authorization": f"bearer {token}"}}, {"headers": {"x-app-token": token}},
                   {"query": {"token": token}}, {"query": {"apptoken": token}}):
        assert api("GET", f"/api/kv/{key}", **kwargs).status == 200, kwargs
    missing = api("GET", f"/api/kv/{key}")
    assert (missing.status, missing.json) == (401, {"statusCode": 401, "message": "需要提供有效的token"})
    invalid = api("GET", f"/api/kv/{key}", headers=bearer("cw_forged"))
    assert (invalid.status, invalid.json) == (401, {"statusCode": 401, "message": "无效的token"})


@pytest.mark.parametrize("field", ["token", "apptoken"])
def test_a_token_in_the_body_is_used_but_never_stored(api, world, field):
    key = f"{world['prefix']}.body-{field}"
    answer = api("POST", f"/api/kv/{key}", body={field: world["token"], "note": "hi"})
    assert answer.status == 200
    assert json.loads(api("GET", f"/api/kv/{key}", headers=bearer(world["token"])).text) == {"note": "hi"}
    assert world["token"] not in json.dumps(stored_items("KV_TABLE"))


def test_read_only_tokens_read_but_never_write(api):
    app = api.app()
    device = api.device(namespace=f"ro-{app['permissionPrefix']}")
    writer = api.install(app["id"], device)
    key = f"{app['permissionPrefix']}.board"
    put(api, writer, key, {"today": "math"})
    from classworks.logic import devices  # noqa: PLC0415

    devices.add_auth_config(device, password="pupil", device_type="student", read_only=True, config_id="student")
    issued = api("POST", "/api/apps/auth/token",
                 body={"namespace": f"ro-{app['permissionPrefix']}", "password": "pupil", "appId": app["id"]})
    assert issued.status == 201
    reader = issued.json["token"]
    assert json.loads(api("GET", f"/api/kv/{key}", headers=bearer(reader)).text) == {"today": "math"}
    assert api("GET", "/api/kv/_keys", headers=bearer(reader)).json["keys"] == [key]
    refused = {"statusCode": 403, "message": "当前token为只读模式,无法修改数据"}
    assert put(api, reader, key, {"today": "art"}).json == refused
    assert put(api, reader, f"{app['permissionPrefix']}.new", {}).json == refused
    assert api("DELETE", f"/api/kv/{key}", headers=bearer(reader)).json == refused
    assert api("POST", "/api/kv/_batchimport", body={key: 1}, headers=bearer(reader)).json == refused
    assert json.loads(api("GET", f"/api/kv/{key}", headers=bearer(reader)).text) == {"today": "math"}


def test_batch_import_reports_every_key(api, world):
    prefix = world["prefix"]
    put(api, world["token"], f"{prefix}.old", {"v": 0})
    body = {f"{prefix}.old": {"v": 1}, f"{prefix}.new": [], "shared.x": None, "forbidden.key": {"v": 2},
            "k" * 192: {}, f"{prefix}.num": 5}
    answer = api("POST", "/api/kv/_batchimport", body=body, headers=bearer(world["token"]))
    assert answer.status == 200
    assert (answer.json["code"], answer.json["message"]) == (200, "批量导入成功")
    data = answer.json["data"]
    assert data["summary"] == {"total": 6, "successful": 4, "failed": 2}
    assert sorted(data["results"], key=lambda r: r["key"]) == sorted(
        [{"key": f"{prefix}.old", "isNew": False}, {"key": f"{prefix}.new", "isNew": True},
         {"key": "shared.x", "isNew": True}, {"key": f"{prefix}.num", "isNew": True}], key=lambda r: r["key"])
    assert {e["key"] for e in data["errors"]} == {"forbidden.key", "k" * 192}
    assert json.loads(api("GET", "/api/kv/shared.x", headers=bearer(world["token"])).text) == {}
    assert api("GET", f"/api/kv/{prefix}.num", headers=bearer(world["token"])).text == "5"
    for empty in ({}, [], None):
        bad = api("POST", "/api/kv/_batchimport", body=empty, headers=bearer(world["token"]))
        assert (bad.status, bad.json["message"]) == (400, '请提供有效的JSON数据，格式为 {"key":{}, "key2":{}}')
    clean = api("POST", "/api/kv/_batchimport", body={f"{prefix}.ok": 1}, headers=bearer(world["token"])).json
    assert "errors" not in clean["data"]


@pytest.mark.parametrize(("kind", "method", "path", "body"), [
    ("read", "GET", "{prefix}.x", None),
    ("write", "POST", "{prefix}.x", {"a": 1}),
    ("delete", "DELETE", "{prefix}.x", None),
    ("batch", "POST", "_batchimport", {"{prefix}.x": 1}),
])
def test_rate_limits_per_token_with_headers(api, world, monkeypatch, kind, method, path, body):  # noqa: PLR0917
    original = kv_logic.KIND_LIMITS[kind]
    monkeypatch.setitem(kv_logic.KIND_LIMITS, kind, limits.Limit(original.name, 2, 60, original.message))
    path = "/api/kv/" + path.format(prefix=world["prefix"])
    if body is not None:
        body = {k.format(prefix=world["prefix"]): v for k, v in body.items()}
    answers = [api(method, path, body=body, headers=bearer(world["token"])) for _ in range(3)]
    assert answers[0].headers["RateLimit-Policy"] == "2;w=60"
    assert answers[0].headers["RateLimit"].startswith("limit=2, remaining=1, reset=")
    limited = answers[2]
    assert limited.status == 429
    assert limited.json == {"statusCode": 429, "message": original.message}
    assert 1 <= int(limited.headers["Retry-After"]) <= 60
    assert limited.headers["RateLimit"].startswith("limit=2, remaining=0")
    # Another token has its own budget.
    assert api(method, path, body=body, headers=bearer(world["other_token"])).status != 429


def test_requests_without_a_valid_token_are_limited_by_ip(api, monkeypatch):
    monkeypatch.setitem(kv_logic.KIND_LIMITS, "read", limits.Limit("kv-read", 2, 60, limits.KV_READ.message))
    answers = [api("GET", "/api/kv/_info", headers=bearer("cw_guess"), ip="192.0.2.44") for _ in range(3)]
    assert [a.status for a in answers] == [401, 401, 429]
    assert api("GET", "/api/kv/_info", ip="192.0.2.45").status == 401  # another address


def test_keys_are_decoded_from_the_path(api, world):
    key = f"{world['prefix']}.作业 清单"
    encoded = "/api/kv/" + quote(key)
    assert api("POST", encoded, body={"v": 1}, headers=bearer(world["token"])).json["key"] == key
    assert json.loads(api("GET", encoded, headers=bearer(world["token"])).text) == {"v": 1}
    assert key in api("GET", "/api/kv/_keys", headers=bearer(world["token"])).json["keys"]
    too_long = f"{world['prefix']}." + "k" * 200
    answer = put(api, world["token"], too_long, {})
    assert (answer.status, answer.json["message"]) == (400, "键名长度必须在1到191个字符之间")


def test_oversized_keys_on_reads_are_404(api, world):
    key = f"{world['prefix']}." + "k" * 3000
    for method in ("GET", "DELETE"):
        answer = api(method, f"/api/kv/{key}", headers=bearer(world["token"]))
        assert (answer.status, answer.json["message"]) == (404, f"未找到键名为 '{key}' 的记录")
    assert api("GET", f"/api/kv/{key}/metadata", headers=bearer(world["token"])).status == 404


def test_absurd_bodies_are_4xx_never_500(api, world):
    deep = ("[" * 5000 + "]" * 5000).encode()
    key = f"{world['prefix']}.deep"
    assert api("POST", f"/api/kv/{key}", raw_body=deep, headers=bearer(world["token"])).status == 400
    assert api("POST", "/api/kv/_batchimport", raw_body=deep, headers=bearer(world["token"])).status == 400
    nested_ok = ("[" * 100 + "]" * 100).encode()
    assert api("POST", f"/api/kv/{key}", raw_body=nested_ok, headers=bearer(world["token"])).status == 200
    form = api("POST", f"/api/kv/{key}", raw_body=b'{"a": 1}', headers={**bearer(world["token"]),
                                                                       "content-type": "text/plain"})
    assert form.status == 200  # the body is JSON whatever the content type says (the original stored {} here)
    assert json.loads(api("GET", f"/api/kv/{key}", headers=bearer(world["token"])).text) == {"a": 1}
