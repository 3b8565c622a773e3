"""API keys: created once with their token, stored as digests, scoped by object type, action and object id."""

from __future__ import annotations

from certctrl import clock
from tests.integration.certctrl.support import api_key, bearer, new_account

ALL_KEYS = [{"obtype": "apikeys", "obid": "*", "actions": ["read", "create", "update", "delete"]}]


def test_create_list_get_patch_delete(client):
    account = new_account(client)
    created = client.post(f"/apiv1/users/{account.user_id}/apikeys",
                          {"name": "ci", "permissions": [{"obtype": "ForDeviceAuthenticate", "obid": "*",
                                                          "actions": ["authenticate", "validate", "revoke"]}],
                           "expires_in_seconds": 2592000}, headers=account.headers)
    assert created.status == 201
    data = created.json["data"]
    assert isinstance(data["id"], int)
    assert data["token"].startswith(f"ak_{data['id']}.")
    assert data["expires_at"]
    assert data["expired"] is False
    listed = client.get(f"/apiv1/users/{account.user_id}/apikeys", headers=account.headers)
    assert listed.json["total"] == 1
    assert listed.json["offset"] == 0
    assert listed.json["limit"] == 100
    assert [k["id"] for k in listed.json["data"]] == [data["id"]]
    assert "token" not in listed.json["data"][0]
    assert data["token"] not in listed.text
    assert listed.json["data"][0]["token_hint"].startswith(f"ak_{data['id']}.")
    mine = client.get("/apiv1/me/apikeys", headers=account.headers)
    assert mine.json["data"] == listed.json["data"]
    one = client.get(f"/apiv1/users/{account.user_id}/apikeys/{data['id']}", headers=account.headers)
    assert one.json["data"]["name"] == "ci"
    patched = client.patch(f"/apiv1/users/{account.user_id}/apikeys/{data['id']}",
                           {"name": "ci-2", "permissions": ALL_KEYS, "expires_in_seconds": 0}, headers=account.headers)
    assert patched.status == 200
    assert patched.json["data"]["name"] == "ci-2"
    assert patched.json["data"]["expires_at"] is None
    assert patched.json["data"]["permissions"] == ALL_KEYS
    assert client.delete(f"/apiv1/users/{account.user_id}/apikeys/{data['id']}", headers=account.headers).status == 204
    assert client.get(f"/apiv1/users/{account.user_id}/apikeys/{data['id']}", headers=account.headers).status == 404
    assert client.get("/apiv1/me/apikeys", headers=bearer(data["token"])).status == 401  # revoked


def test_unknown_object_types_and_actions_are_refused(client):
    account = new_account(client)
    for permission in ({"obtype": "rockets", "actions": ["read"]}, {"obtype": "devices", "actions": ["launch"]}):
        answer = client.post("/apiv1/me/apikeys", {"name": "x", "permissions": [permission]}, headers=account.headers)
        assert answer.status == 400, answer.text


def test_a_key_acts_within_its_scope(client):
    account = new_account(client)
    _id, read_only = api_key(client, account, [{"obtype": "apikeys", "obid": "*", "actions": ["read"]}])
    assert client.get(f"/apiv1/users/{account.user_id}/apikeys", headers=bearer(read_only)).status == 200
    refused = client.post(f"/apiv1/users/{account.user_id}/apikeys",
                          {"name": "more", "permissions": ALL_KEYS}, headers=bearer(read_only))
    assert refused.status == 403
    profile = client.get("/auth/profile", headers=bearer(read_only))
    assert profile.status == 403


def test_a_key_for_one_object_reaches_only_that_object(client):
    account = new_account(client)
    first, _ = api_key(client, account, [{"obtype": "devices", "actions": ["read"]}])
    second, _ = api_key(client, account, [{"obtype": "devices", "actions": ["read"]}])
    _own, narrow = api_key(client, account, [{"obtype": "apikeys", "obid": str(first), "actions": ["read"]}])
    base = f"/apiv1/users/{account.user_id}/apikeys"
    assert client.get(f"{base}/{first}", headers=bearer(narrow)).status == 200
    assert client.get(f"{base}/{second}", headers=bearer(narrow)).status == 403
    assert client.get(base, headers=bearer(narrow)).status == 403  # listing needs obid "*"


def test_a_key_cannot_grant_more_than_it_holds(client):
    account = new_account(client)
    _id, keys_and_devices = api_key(client, account, [*ALL_KEYS, {"obtype": "devices", "actions": ["read"]}])
    ok = client.post("/apiv1/me/apikeys", {"name": "sub", "permissions": [{"obtype": "devices", "actions": ["read"]}]},
                     headers=bearer(keys_and_devices))
    assert ok.status == 201
    more = client.post("/apiv1/me/apikeys", {"name": "sub", "permissions": [{"obtype": "devices",
                                                                           "actions": ["delete"]}]},
                       headers=bearer(keys_and_devices))
    assert more.status == 403


def test_an_expired_key_is_refused_but_listed(client, monkeypatch):
    account = new_account(client)
    key_id, token = api_key(client, account, ALL_KEYS, expires_in_seconds=60)
    real = clock.now
    monkeypatch.setattr(clock, "now", lambda: real() + 120)
    assert client.get("/apiv1/me/apikeys", headers=bearer(token)).status == 401
    listed = client.get("/apiv1/me/apikeys", headers=account.headers).json["data"]
    assert [(k["id"], k["expired"]) for k in listed] == [(key_id, True)]


def test_garbage_tokens_are_401(client):
    for token in ("ak_", "ak_12", "ak_x.y", "ak_999999999.nope", "rt_1.2"):
        assert client.get("/apiv1/me/apikeys", headers=bearer(token)).status == 401


def test_catalogs(client):
    account = new_account(client)
    catalog = client.get("/apiv1/permissions/catalog", headers=account.headers)
    assert catalog.status == 200
    types = {entry["obtype"]: entry for entry in catalog.json["data"]}
    assert types["ForDeviceAuthenticate"]["actions"] == ["authenticate", "validate", "revoke"]
    assert {"devices", "apikeys", "certificates", "acme_accounts", "cas"} <= set(types)
    dns = client.get("/apiv1/dns/providers/catalog", headers=account.headers).json["data"]
    assert dns[0]["id"] == "cname-delegation"
    assert dns[0]["fields"] == []
    channels = {c["id"]: c["enabled"] for c in client.get("/apiv1/payment/channels",
                                                          headers=account.headers).json["data"]}
    assert channels == {"alipay": True, "wechatpay": True, "stablecoin": False}
    assert client.get("/apiv1/fx-rates").status == 200  # public
    for path in ("/apiv1/permissions/catalog", "/apiv1/dns/providers/catalog", "/apiv1/payment/channels"):
        assert client.get(path).status == 401
