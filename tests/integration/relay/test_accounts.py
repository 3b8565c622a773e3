"""Upstream accounts: credentials sealed with KMS and never answered, the admin UI's masked edit round trip,
base URLs guarded, health checks and token refresh against fake providers, groups, runtime state."""

from __future__ import annotations

import json

import pytest

from devstack.fake_provider import FakeProvider
from tests.integration.relay.support import Relay, provider_overrides

SECRET = "sk-ant-api03-CANARY-account-secret-0001"


@pytest.fixture
def fake():
    with FakeProvider() as provider:
        yield provider


@pytest.fixture
def relay_fake(moto_stack, monkeypatch, empty_relay, fake):
    return Relay(moto_stack, monkeypatch, **provider_overrides(fake.url))


def stored_account(relay, account_id):
    relay.env("relay.AdminAccountsFunction")
    from relay.store import accounts  # noqa: PLC0415

    return accounts.get(account_id)


def test_credentials_are_sealed_and_never_answered(relay, admin):
    created = relay.post("/api/admin/accounts", admin, {"name": "console", "type": "claude-console",
                                                        "api_key": SECRET, "priority": 60, "weight": 10,
                                                        "account_type": "shared", "addType": "apikey"})
    assert created.status == 201, created.text
    data = created.json["data"]
    assert SECRET not in created.text
    assert (data["api_key"], data["has_api_key"], data["access_token"], data["platform"]) == (
        "****", True, "", "claude")
    item = stored_account(relay, data["id"])
    assert SECRET not in json.dumps(item.attribute_values, default=str)
    assert item.credentials.startswith("v1.")
    from relay.logic import accounts  # noqa: PLC0415

    assert accounts.credentials_of(item) == {"api_key": SECRET}
    for path in (f"/api/admin/accounts/{data['id']}", "/api/admin/accounts"):
        assert SECRET not in relay.get(path, admin).text


def test_the_ui_edit_round_trip_keeps_the_credential(relay, admin):
    created = relay.post("/api/admin/accounts", admin, {"name": "rt", "type": "claude-console",
                                                        "api_key": SECRET}).json["data"]
    # the edit form posts back what it read, "****" included
    edited = relay.put(f"/api/admin/accounts/{created['id']}", admin,
                       {**{k: created[k] for k in ("name", "type", "priority", "weight", "max_concurrency")},
                        "api_key": "****", "enabled": False})
    assert edited.status == 200
    assert edited.json["data"]["enabled"] is False
    from relay.logic import accounts  # noqa: PLC0415

    assert accounts.credentials_of(stored_account(relay, created["id"])) == {"api_key": SECRET}
    relay.put(f"/api/admin/accounts/{created['id']}", admin, {"api_key": SECRET + "-2", "refresh_token": "rt-1"})
    assert accounts.credentials_of(stored_account(relay, created["id"])) == {"api_key": SECRET + "-2",
                                                                            "refresh_token": "rt-1"}


@pytest.mark.parametrize("url", ["http://169.254.169.254/latest", "https://10.0.0.5", "https://localhost:8443",
                                 "http://example.com", "https://user:pw@example.com", "ftp://example.com"])
def test_base_urls_must_be_public_https(relay, admin, url):
    answer = relay.post("/api/admin/accounts", admin, {"name": "bad", "type": "claude-console",
                                                       "api_key": "k", "base_url": url})
    assert answer.status == 400, url


def test_list_filters_status_and_recover(relay, admin):
    made = [relay.post("/api/admin/accounts", admin, {"name": f"f{n}", "type": kind, "api_key": "k"}).json["data"]
            for n, kind in enumerate(("claude-console", "openai", "gemini-api"))]
    page = relay.get("/api/admin/accounts", admin, query={"types": "openai,gemini-api", "page_size": 100}).json
    ids = {a["id"] for a in page["data"]["items"]}
    assert made[1]["id"] in ids
    assert made[2]["id"] in ids
    assert made[0]["id"] not in ids
    changed = relay.put(f"/api/admin/accounts/{made[0]['id']}/status", admin,
                        {"status": "rate_limited", "last_error": "429"})
    assert changed.json["data"]["status"] == "rate_limited"
    limited = relay.get("/api/admin/accounts", admin, query={"status": "rate_limited"}).json["data"]["items"]
    assert [a["id"] for a in limited] == [made[0]["id"]]
    assert relay.post(f"/api/admin/accounts/{made[0]['id']}/recover", admin).json["data"]["status"] == "valid"
    assert relay.put(f"/api/admin/accounts/{made[0]['id']}/status", admin, {"status": "sleeping"}).status == 400
    types = relay.get("/api/admin/accounts/types", admin).json["data"]
    assert {"value": "claude-official", "label": "Claude Official", "platform": "claude"} in types


def test_health_check_probes_the_provider(relay_fake, admin, fake):
    relay = relay_fake
    fake.respond(json={"data": []}, path="/v1/models")
    created = relay.post("/api/admin/accounts", admin, {"name": "hc", "type": "claude-console", "api_key": SECRET,
                                                        "base_url": fake.url}).json["data"]
    relay.put(f"/api/admin/accounts/{created['id']}/status", admin, {"status": "overloaded"})
    result = relay.post(f"/api/admin/accounts/{created['id']}/health-check", admin).json["data"]
    assert (result["healthy"], result["status"], result["http_status"]) == (True, "valid", 200)
    probe = fake.requests[-1]
    assert probe.path == "/v1/models"
    assert probe.headers["x-api-key"] == SECRET
    fake.reset()
    fake.respond(status=401, json={"error": {"type": "authentication_error"}})
    result = relay.post(f"/api/admin/accounts/{created['id']}/health-check", admin).json["data"]
    assert result["healthy"] is False
    assert "401" in result["message"]
    assert SECRET not in json.dumps(result)
    status = relay.get("/api/admin/health-check/status", admin).json["data"]
    assert status["enabled"] is False
    fake.reset()
    fake.respond(json={"data": []})
    run = relay.post("/api/admin/health-check/trigger", admin).json["data"]
    assert run["checked"] >= 1
    assert relay.get("/api/admin/health-check/status", admin).json["data"]["last_run_at"]


def test_refresh_token_against_the_token_endpoint(relay_fake, admin, fake):
    relay = relay_fake
    fake.respond(json={"access_token": "at-new", "refresh_token": "rt-new", "expires_in": 3600},
                 path="/v1/oauth/token")
    created = relay.post("/api/admin/accounts", admin, {"name": "oauth", "type": "claude-official",
                                                        "access_token": "at-old", "refresh_token": "rt-old"}).json
    refreshed = relay.post(f"/api/admin/accounts/{created['data']['id']}/refresh-token", admin)
    assert refreshed.status == 200, refreshed.text
    assert refreshed.json["data"]["token_expiry"]
    assert "at-new" not in refreshed.text
    sent = fake.requests[-1].json
    assert (sent["grant_type"], sent["refresh_token"]) == ("refresh_token", "rt-old")
    from relay.logic import accounts  # noqa: PLC0415

    creds = accounts.credentials_of(stored_account(relay, created["data"]["id"]))
    assert creds == {"access_token": "at-new", "refresh_token": "rt-new"}
    none = relay.post("/api/admin/accounts", admin, {"name": "no-rt", "type": "openai", "api_key": "k"}).json
    assert relay.post(f"/api/admin/accounts/{none['data']['id']}/refresh-token", admin).status == 400


def test_send_a_test_message(relay_fake, admin, fake):
    relay = relay_fake
    fake.respond(json={"content": [{"type": "text", "text": "pong"}]}, path="/v1/messages")
    account = relay.post("/api/admin/accounts", admin, {"name": "tm", "type": "claude-console", "api_key": SECRET,
                                                        "base_url": fake.url}).json["data"]
    result = relay.post("/api/admin/proxy/test", admin, {"account_id": account["id"], "message": "ping"}).json["data"]
    assert (result["success"], result["response"]) == (True, "pong")
    assert fake.requests[-1].json["messages"] == [{"role": "user", "content": "ping"}]


def test_groups_and_membership(relay, admin):
    account = relay.post("/api/admin/accounts", admin, {"name": "g-acct", "type": "openai",
                                                        "api_key": "k"}).json["data"]
    group = relay.post("/api/admin/account-groups", admin, {"name": "Pool A", "platform": "openai"})
    assert group.status == 201
    gid = group.json["data"]["id"]
    assert relay.post("/api/admin/account-groups", admin, {"name": "pool a"}).status == 409
    added = relay.post(f"/api/admin/account-groups/{gid}/accounts", admin, {"account_id": account["id"]})
    assert added.json["data"]["account_count"] == 1
    assert relay.get(f"/api/admin/accounts/{account['id']}", admin).json["data"]["groups"] == [
        {"id": gid, "name": "Pool A"}]
    assert any(g["id"] == gid for g in relay.get("/api/admin/account-groups/all", admin).json["data"])
    page = relay.get("/api/admin/account-groups", admin).json["data"]
    assert {"items", "total", "page", "page_size"} <= set(page)
    renamed = relay.put(f"/api/admin/account-groups/{gid}", admin, {"name": "Pool B"})
    assert renamed.json["data"]["name"] == "Pool B"
    removed = relay.delete(f"/api/admin/account-groups/{gid}/accounts/{account['id']}", admin)
    assert removed.json["data"]["account_count"] == 0
    assert relay.delete(f"/api/admin/account-groups/{gid}/accounts/{account['id']}", admin).status == 404
    relay.post(f"/api/admin/account-groups/{gid}/accounts", admin, {"account_id": account["id"]})
    assert relay.delete(f"/api/admin/account-groups/{gid}", admin).status == 200
    assert relay.get(f"/api/admin/accounts/{account['id']}", admin).json["data"]["groups"] == []
    assert relay.post(f"/api/admin/account-groups/{gid}/accounts", admin, {"account_id": account["id"]}).status \
        == 404


def test_account_runtime_state(relay, admin):
    account = relay.post("/api/admin/accounts", admin, {"name": "rs", "type": "openai", "api_key": "k",
                                                        "max_concurrency": 3}).json["data"]
    relay.env()
    from relay.store import state  # noqa: PLC0415

    state.put_lease(f"A#{account['id']}", "req-1", ttl=300)
    state.put_lease(f"A#{account['id']}", "req-2", ttl=300)
    state.put_session("sess-1", account_id=account["id"], user_id=1, api_key_id=2, ttl=600)
    base = f"/api/admin/accounts/{account['id']}/cache"
    assert relay.get(f"{base}/concurrency", admin).json["data"] == {"account_id": account["id"], "current": 2,
                                                                    "limit": 3, "available": 1}
    assert relay.put(f"{base}/concurrency", admin, {"limit": 8}).json["data"]["limit"] == 8
    assert relay.delete(f"{base}/concurrency", admin).json["data"]["current"] == 0
    assert relay.delete(f"{base}/sessions", admin).json["data"]["removed"] == 1
    mark = relay.post(f"{base}/unavailable", admin, {"duration": 120, "reason": "maintenance"}).json["data"]
    assert mark["reason"] == "maintenance"
    assert 0 < mark["remaining_ttl"] <= 120
    listed = relay.get("/api/admin/cache/unavailable", admin).json["data"]["accounts"]
    assert any(m["account_id"] == account["id"] for m in listed)
    assert relay.delete(f"{base}/unavailable", admin).status == 200
    assert not any(m["account_id"] == account["id"]
                   for m in relay.get("/api/admin/cache/unavailable", admin).json["data"]["accounts"])


def test_delete(relay, admin):
    account = relay.post("/api/admin/accounts", admin, {"name": "gone", "type": "openai",
                                                        "api_key": "k"}).json["data"]
    assert relay.delete(f"/api/admin/accounts/{account['id']}", admin).status == 200
    assert relay.get(f"/api/admin/accounts/{account['id']}", admin).status == 404
    assert relay.delete(f"/api/admin/accounts/{account['id']}", admin).status == 404
