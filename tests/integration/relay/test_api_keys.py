"""API keys: `sk-` + 64 hex shown once and never again, a digest stored, at most 10 per user, owner-only."""

from __future__ import annotations

import hashlib
import re


def test_create_shows_the_key_once_and_stores_only_its_digest(relay, admin, user):
    held = relay.package(admin, user)
    created = relay.post("/api/api-keys", user, {"name": "laptop", "user_package_id": held["id"], "rate_limit": 30})
    assert created.status == 201
    assert created.json["message"] == "created"
    data = created.json["data"]
    assert re.fullmatch(r"sk-[0-9a-f]{64}", data["key"])
    assert data["key_prefix"] == data["key"][:10]
    assert data["key_suffix"] == data["key"][-4:]
    listed = relay.get("/api/api-keys", user)
    assert listed.status == 200
    assert data["key"] not in listed.text
    row = next(k for k in listed.json["data"] if k["id"] == data["id"])
    assert (row["rate_limit"], row["status"], row["billing_type"], row["user_package"]["id"]) == (
        30, "active", "quota", held["id"])
    assert data["key"] not in relay.get(f"/api/api-keys/{data['id']}", user).text
    relay.env()
    from relay.store import api_keys  # noqa: PLC0415

    stored = api_keys.get(user.id, data["id"])
    assert stored.key_digest == hashlib.sha256(data["key"].encode()).hexdigest()
    assert data["key"] not in str(stored.attribute_values)
    assert api_keys.by_digest(stored.key_digest).id == data["id"]


def test_at_most_ten_keys_per_user(relay):
    person = relay.person()
    statuses = [relay.post("/api/api-keys", person, {"name": f"k{n}"}).status for n in range(11)]
    assert statuses == [201] * 10 + [409]
    first = relay.get("/api/api-keys", person).json["data"][-1]
    assert relay.delete(f"/api/api-keys/{first['id']}", person).status == 200
    assert relay.post("/api/api-keys", person, {"name": "again"}).status == 201


def test_another_users_key_is_not_reachable(relay):
    owner, other = relay.person(), relay.person()
    key_id = relay.post("/api/api-keys", owner, {"name": "mine"}).json["data"]["id"]
    for method, path, body in (("GET", f"/api/api-keys/{key_id}", None), ("PUT", f"/api/api-keys/{key_id}",
                               {"name": "stolen"}), ("PUT", f"/api/api-keys/{key_id}/toggle", None),
                               ("DELETE", f"/api/api-keys/{key_id}", None), ("GET", f"/api/api-keys/{key_id}/usage",
                                                                           None)):
        answer = relay.call(method, path, other, body)
        assert answer.status == 404, (method, path, answer.text)
    assert relay.get(f"/api/api-keys/{key_id}", owner).json["data"]["name"] == "mine"
    assert key_id not in [k["id"] for k in relay.get("/api/api-keys", other).json["data"]]


def test_update_toggle_and_usage(relay, admin):
    person = relay.person()
    key = relay.post("/api/api-keys", person, {"name": "ci", "allowed_platforms": "claude,openai"}).json["data"]
    updated = relay.put(f"/api/api-keys/{key['id']}", person, {"name": "ci-2", "daily_limit": 100,
                                                                  "monthly_quota": 12.5,
                                                                  "expires_at": "2099-01-01T00:00:00Z"})
    assert updated.status == 200
    assert (updated.json["data"]["name"], updated.json["data"]["daily_limit"], updated.json["data"]["monthly_quota"],
            updated.json["data"]["allowed_platforms"]) == ("ci-2", 100, 12.5, "claude,openai")
    assert relay.put(f"/api/api-keys/{key['id']}/toggle", person).json["data"] == {"status": "disabled"}
    assert relay.get(f"/api/api-keys/{key['id']}", person).json["data"]["status"] == "disabled"
    assert relay.put(f"/api/api-keys/{key['id']}/toggle", person).json["data"] == {"status": "active"}
    bad = relay.put(f"/api/api-keys/{key['id']}", person, {"allowed_platforms": "claude,mars"})
    assert bad.status == 400
    relay.traffic(user_id=person.id, api_key_id=key["id"], model="claude-sonnet-4-5-20250929", input_tokens=100,
                  output_tokens=50, input_cost=0.0003, output_cost=0.00075)
    used = relay.get(f"/api/api-keys/{key['id']}/usage", person).json["data"]
    assert (used["total_requests"], used["total_tokens"], used["input_tokens"], used["output_tokens"]) == (
        1, 150, 100, 50)
    assert abs(used["total_cost"] - 0.00105) < 1e-9
    assert used["today"]["requests"] == 1
    row = relay.get(f"/api/api-keys/{key['id']}", person).json["data"]
    assert (row["request_count"], row["tokens_used"]) == (1, 150)


def test_expired_key_shows_as_expired(relay):
    person = relay.person()
    key = relay.post("/api/api-keys", person, {"name": "old", "expires_at": "2020-01-01T00:00:00Z"}).json["data"]
    assert relay.get(f"/api/api-keys/{key['id']}", person).json["data"]["status"] == "expired"


def test_a_package_of_another_user_cannot_be_bound(relay, admin):
    owner, other = relay.person(), relay.person()
    held = relay.package(admin, owner)
    answer = relay.post("/api/api-keys", other, {"name": "x", "user_package_id": held["id"]})
    assert answer.status == 400


def test_bad_ids_are_400_and_unknown_404(relay, user):
    assert relay.get("/api/api-keys/abc", user).status == 400
    assert relay.get("/api/api-keys/0", user).status == 400
    assert relay.get("/api/api-keys/99999", user).status == 404
