"""Admin (issue 18 item 6): `Authorization: Basic` against AdminCredentialsSecret, failed attempts throttled per
address; stats, users and devices (listed from the directory DirectoryFunction keeps from CcjkTable's stream),
catalogue CRUD for skills, MCP servers, templates and providers, rating moderation, feature flags."""

from __future__ import annotations

import json

import pytest

from ccjk.logic import feature_flags
from ccjk.store.feature_flags import _cache as flag_cache
from suite import aws
from tests.integration.ccjk.conftest import fresh_address
from tests.integration.ccjk.market.support import ADMIN, CcjkStream, Market, basic, unique

pytestmark = pytest.mark.integration


def test_basic_credentials_are_required_and_checked(market: Market):
    market.admin()
    assert market.get("/admin/stats").status == 401
    no_basic = market.get("/admin/stats", headers={"Authorization": "Bearer x"})
    assert (no_basic.status, no_basic.headers.get("www-authenticate")) == (401, 'Basic realm="ccjk admin"')
    wrong = market.get("/admin/stats", headers=basic(ADMIN["username"], "wrong"))
    assert (wrong.status, wrong.json["code"]) == (401, "INVALID_CREDENTIALS")
    assert market.get("/admin/stats", headers=basic("someone", ADMIN["password"])).status == 401
    assert market.get("/admin/stats", headers={"Authorization": "Basic !!!"}).status == 401
    assert market.get("/admin/stats", headers=market.admin()).status == 200


def test_failed_attempts_are_throttled_per_address(market: Market, frozen_limits):
    market.admin()
    market.client.source_ip = fresh_address()
    for _ in range(10):
        assert market.get("/admin/stats", headers=basic(ADMIN["username"], "guess")).status == 401
    blocked = market.get("/admin/stats", headers=market.admin())  # even the right password, from this address
    assert blocked.status == 429
    assert int(blocked.headers["retry-after"]) > 0
    market.client.source_ip = fresh_address()
    assert market.get("/admin/stats", headers=market.admin()).status == 200


def test_a_rotated_password_works_at_once(market: Market):
    market.admin()
    assert market.get("/admin/stats", headers=market.admin()).status == 200  # the old one is cached now
    rotated = {**ADMIN, "password": "rotated-password-2"}
    aws.client("secretsmanager").put_secret_value(SecretId=market.env("ADMIN_CREDENTIALS_SECRET_ARN"),
                                                  SecretString=json.dumps(rotated))
    try:
        assert market.get("/admin/stats", headers=basic(ADMIN["username"], "rotated-password-2")).status == 200
    finally:
        market.admin_written = False
        market.admin()


def test_users_and_devices_from_the_directory(market: Market, stream: CcjkStream):
    user = market.user()
    device_id, _token = market.device()
    before = market.get("/admin/stats", headers=market.admin()).json["data"]
    assert stream.deliver(market.client) == {"batchItemFailures": []}
    stats = market.get("/admin/stats", headers=market.admin()).json["data"]
    assert stats["users"] == before["users"] + 1
    assert stats["devices"] == before["devices"] + 1
    users = market.get("/admin/users", query={"limit": 100}, headers=market.admin())
    assert users.status == 200, users.text
    assert user["id"] in [u["id"] for u in users.json["data"]]
    assert users.json["pagination"]["total"] == stats["users"]
    devices = market.get("/admin/devices", query={"limit": 100}, headers=market.admin()).json["data"]
    assert device_id in [d["id"] for d in devices]
    # redelivering the same records counts nothing twice
    assert stream.deliver(market.client) == {"batchItemFailures": []}
    assert market.get("/admin/stats", headers=market.admin()).json["data"]["users"] == stats["users"]

    deleted = market.call("DELETE", f"/admin/devices/{device_id}", headers=market.admin())
    assert deleted.status == 200, deleted.text
    assert market.call("DELETE", f"/admin/devices/{device_id}", headers=market.admin()).status == 404
    gone_user = market.call("DELETE", f"/admin/users/{user['id']}", headers=market.admin())
    assert gone_user.status == 200, gone_user.text
    assert market.get("/api/v1/auth/verify", headers=user["headers"]).status == 401
    assert market.call("DELETE", f"/admin/users/{user['id']}", headers=market.admin()).status == 404
    stream.deliver(market.client)
    after = market.get("/admin/stats", headers=market.admin()).json["data"]
    assert (after["users"], after["devices"]) == (stats["users"] - 1, stats["devices"] - 1)
    assert user["id"] not in [u["id"] for u in market.get("/admin/users", query={"limit": 100},
                                                          headers=market.admin()).json["data"]]


def test_deleting_a_user_removes_their_devices(market: Market):
    user = market.user()
    code = market.call("POST", "/bind/generate", headers=user["headers"]).json["data"]["code"]
    bound = market.call("POST", "/bind/use", {"code": code, "device": {"name": "bound"}}).json["data"]
    done = market.call("DELETE", f"/admin/users/{user['id']}", headers=market.admin()).json["data"]
    assert done == {"id": user["id"], "deleted": True, "devicesRemoved": 1}
    assert market.get("/device/info", headers={"X-Device-Token": bound["deviceToken"]}).status == 401


def test_catalogue_crud_per_route(market: Market):
    admin = market.admin()
    created = market.call("POST", "/admin/skills", {"name": "Camel Name", "descriptionEn": "camel", "tags": ["A"],
                                                    "isFeatured": True}, headers=admin)
    assert created.status == 201, created.text
    skill = created.json["data"]
    assert (skill["id"], skill["type"], skill["tags"], skill["is_featured"], skill["revision"]) == (
        f"skill_{skill['slug']}", "skill", ["a"], True, skill["revision"])
    assert market.call("POST", "/admin/skills", {"name_en": "x", "slug": skill["slug"]}, headers=admin).json[
        "code"] == "SLUG_TAKEN"
    assert market.call("POST", "/admin/mcp-servers", {"name_en": "x", "slug": "Bad Slug"}, headers=admin).status == 400
    assert market.call("POST", "/admin/templates", {"name_en": "x", "type": "skill"}, headers=admin).status == 400
    assert market.call("POST", "/admin/templates", {"name_en": "x"}, headers=admin).status == 400  # type required
    changed = market.call("PUT", f"/admin/skills/{skill['slug']}", {"status": "deprecated", "author": "me"},
                          headers=admin)
    assert changed.status == 200, changed.text
    assert (changed.json["data"]["status"], changed.json["data"]["author"]) == ("deprecated", "me")
    assert changed.json["data"]["revision"] > skill["revision"]
    assert market.call("PUT", f"/admin/skills/{skill['id']}", {"slug": "other"}, headers=admin).status == 400
    assert market.call("PUT", f"/admin/mcp-servers/{skill['id']}", {"author": "x"}, headers=admin).status == 404
    archived = market.call("PUT", f"/admin/skills/{skill['id']}", {"status": "archived"}, headers=admin)
    assert archived.status == 200
    assert market.get(f"/api/skills/{skill['id']}").status == 404  # archived items are hidden from clients
    listed = market.get("/admin/skills", query={"status": "archived", "limit": 100}, headers=admin).json["data"]
    assert skill["id"] in [i["id"] for i in listed]
    assert market.call("DELETE", f"/admin/skills/{skill['id']}", headers=admin).status == 200
    assert market.call("DELETE", f"/admin/skills/{skill['id']}", headers=admin).status == 404
    server = market.item("mcp")
    assert market.get("/admin/mcp-servers", query={"search": server["name_en"]}, headers=admin).json["data"][0][
        "id"] == server["id"]
    agent = market.item("agent")
    typed = market.get("/admin/templates", query={"type": "agent", "limit": 100}, headers=admin).json["data"]
    assert agent["id"] in [i["id"] for i in typed]
    assert {i["type"] for i in typed} == {"agent"}


def test_providers_crud(market: Market):
    admin = market.admin()
    code = unique("pv")
    created = market.call("POST", "/admin/providers", {"id": code, "name": "Prov", "apiUrl": "https://p.example.com",
                                                       "verified": True, "category": "relay", "models": ["m1"]},
                          headers=admin)
    assert created.status == 201, created.text
    assert (created.json["data"]["verified"], created.json["data"]["category"]) == (True, "relay")
    changed = market.call("PUT", f"/admin/providers/{code}", {"status": "maintenance"}, headers=admin)
    assert changed.json["data"]["status"] == "maintenance"
    assert code in [p["id"] for p in market.get("/admin/providers", headers=admin).json["data"]]
    assert market.get(f"/api/v1/providers/{code}").json["data"]["status"] == "maintenance"
    assert market.call("DELETE", f"/admin/providers/{code}", headers=admin).status == 200
    assert market.get(f"/api/v1/providers/{code}").status == 404
    assert market.call("PUT", f"/admin/providers/{code}", {"name": "x"}, headers=admin).status == 404


def test_rating_moderation_takes_a_rating_out_of_the_summary(market: Market):
    skill = market.item("skill")
    keep, spam = market.user(), market.user()
    market.call("POST", f"/api/v1/skills/{skill['id']}/ratings", {"rating": 5}, headers=keep["headers"])
    spammed = market.call("POST", f"/api/v1/skills/{skill['id']}/ratings", {"rating": 1, "review": "spam"},
                          headers=spam["headers"]).json["data"]
    queue = market.get("/admin/ratings", query={"limit": 5}, headers=market.admin()).json["data"]
    assert queue[0]["id"] == spammed["id"]  # newest first
    removed = market.call("DELETE", f"/admin/ratings/{spammed['id']}", headers=market.admin())
    assert removed.status == 200, removed.text
    assert market.call("DELETE", f"/admin/ratings/{spammed['id']}", headers=market.admin()).status == 404
    summary = market.get(f"/api/v1/skills/{skill['id']}/ratings").json["data"]["summary"]
    assert summary == {"average": 5.0, "count": 1, "distribution": {"1": 0, "2": 0, "3": 0, "4": 0, "5": 1}}
    again = market.call("POST", f"/api/v1/skills/{skill['id']}/ratings", {"rating": 2}, headers=spam["headers"])
    assert again.status == 201  # the lock went with the rating


def test_deleting_an_item_takes_its_ratings_along(market: Market):
    skill = market.item("skill")
    user = market.user()
    rated = market.call("POST", f"/api/v1/skills/{skill['id']}/ratings", {"rating": 4}, headers=user["headers"])
    assert rated.status == 201
    assert market.call("DELETE", f"/admin/skills/{skill['id']}", headers=market.admin()).status == 200
    assert rated.json["data"]["id"] not in [r["id"] for r in market.get("/admin/ratings", query={"limit": 100},
                                                                         headers=market.admin()).json["data"]]
    again = market.item("skill", slug=skill["slug"])  # the same id, made again: a clean slate
    assert again["id"] == skill["id"]
    assert market.get(f"/api/v1/skills/{skill['id']}/ratings").json["data"]["summary"]["count"] == 0
    assert market.call("POST", f"/api/v1/skills/{skill['id']}/ratings", {"rating": 5},
                       headers=user["headers"]).status == 201


def test_feature_flags(market: Market):
    admin = market.admin()
    shown = market.get("/admin/feature-flags", headers=admin).json["data"]
    assert shown["flags"]["syncInterval"] == 1800000
    changed = market.call("PUT", "/admin/feature-flags", {"flags": {"silentUpgrade": True,
                                                                    "minClientVersion": "9.4.13"}}, headers=admin)
    assert changed.status == 200, changed.text
    assert changed.json["data"]["flags"]["silentUpgrade"] is True
    assert changed.json["data"]["updatedBy"] == ADMIN["username"]
    assert feature_flags.current()["minClientVersion"] == "9.4.13"
    flag_cache.clear()  # the handshake caches the flags a minute per execution environment
    shake = market.call("POST", "/api/v1/handshake", {"deviceId": f"{unique()}-install", "ccjkVersion": "9.4.13"})
    assert shake.status == 200, shake.text
    assert shake.json["data"]["featureFlags"]["silentUpgrade"] is True
    assert shake.json["data"]["minClientVersion"] == "9.4.13"
    for bad in ({"silentUpgrade": "yes"}, {"syncInterval": 5}, {"minClientVersion": "latest"}, {"bad name": 1}):
        assert market.call("PUT", "/admin/feature-flags", {"flags": bad}, headers=admin).status == 400, bad
    reset = market.call("PUT", "/admin/feature-flags", {"flags": {"silentUpgrade": None, "minClientVersion": None}},
                        headers=admin)
    assert reset.json["data"]["flags"]["silentUpgrade"] is False
    assert "silentUpgrade" not in reset.json["data"]["overrides"]


def test_stats_count_the_catalogue(market: Market):
    before = market.get("/admin/stats", headers=market.admin()).json["data"]
    market.item("hook")
    after = market.get("/admin/stats", headers=market.admin()).json["data"]
    assert after["catalog"]["hook"] == before["catalog"]["hook"] + 1
    assert after["catalog"]["total"] == before["catalog"]["total"] + 1
