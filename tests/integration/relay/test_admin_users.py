"""Admin: users, price rates, a user's keys and packages; every write recorded as an operation log."""

from __future__ import annotations

import json


def oplogs(relay):
    relay.env("relay.AdminUsersFunction")
    from relay import clock  # noqa: PLC0415
    from relay.store import oplogs as store  # noqa: PLC0415

    return list(store.in_month(clock.month()))


def test_create_list_get_update_delete(relay, admin):
    created = relay.post("/api/admin/users", admin, {"username": "carol", "password": "s3cret!", "email": "",
                                                     "role": "user", "status": "active", "price_rate": 1.5,
                                                     "max_concurrency": 3})
    assert created.status == 201, created.text
    carol = created.json["data"]
    assert (carol["price_rate"], carol["max_concurrency"], carol["email"]) == (1.5, 3, None)
    page = relay.get("/api/admin/users", admin, query={"page": 1, "page_size": 50}).json["data"]
    assert {"items", "total", "page", "page_size"} <= set(page)
    assert page["page_size"] == 50
    row = next(u for u in page["items"] if u["id"] == carol["id"])
    assert {"quota_key_balance", "subscription_daily_remain", "created_at"} <= set(row)
    assert relay.get(f"/api/admin/users/{carol['id']}", admin).json["data"]["username"] == "carol"
    changed = relay.put(f"/api/admin/users/{carol['id']}", admin, {"email": "carol@example.com", "role": "admin",
                                                                  "status": "disabled", "price_rate": 0,
                                                                  "max_concurrency": 5})
    assert changed.status == 200
    assert (changed.json["data"]["role"], changed.json["data"]["status"], changed.json["data"]["price_rate"]) == (
        "admin", "disabled", 0)
    assert relay.delete(f"/api/admin/users/{carol['id']}", admin).status == 200
    assert relay.get(f"/api/admin/users/{carol['id']}", admin).status == 404
    assert relay.post("/api/auth/register", body={"username": "carol", "password": "s3cret!"}).status == 201, \
        "a deleted user's name is free again"


def test_every_admin_write_is_an_operation_log_without_secrets(relay, admin):
    before = len(oplogs(relay))
    relay.post("/api/admin/users", admin, {"username": "dave", "password": "dave-secret-pw"})
    logs = oplogs(relay)
    assert len(logs) == before + 1
    entry = max(logs, key=lambda item: item.id)
    assert (entry.user_id, entry.username, entry.method, entry.module, entry.action, entry.response_code) == (
        admin.id, admin.username, "POST", "users", "create", 201)
    assert "dave-secret-pw" not in entry.request_body
    assert "****" in entry.request_body
    assert json.loads(entry.after)["username"] == "dave"
    assert entry.before == ""
    refused = relay.post("/api/admin/users", admin, {"username": "dave", "password": "again-again"})
    assert refused.status == 400
    assert max(oplogs(relay), key=lambda item: item.id).response_code == 400


def test_reads_are_not_logged(relay, admin):
    before = len(oplogs(relay))
    relay.get("/api/admin/users", admin)
    relay.get("/api/admin/users/all", admin)
    assert len(oplogs(relay)) == before


def test_price_rates(relay, admin):
    a, b = relay.person(), relay.person()
    batch = relay.post("/api/admin/users/batch-price-rate", admin, {"user_ids": [a.id, b.id], "price_rate": 0.8})
    assert batch.status == 200
    assert batch.json["data"]["affected_count"] == 2
    assert relay.get(f"/api/admin/users/{a.id}", admin).json["data"]["price_rate"] == 0.8
    missing = relay.post("/api/admin/users/batch-price-rate", admin, {"user_ids": [a.id, 987654], "price_rate": 1})
    assert missing.status == 404
    assert relay.get(f"/api/admin/users/{a.id}", admin).json["data"]["price_rate"] == 0.8, "nothing half-written"
    everyone = relay.post("/api/admin/users/all-price-rate", admin, {"price_rate": 1.2})
    assert everyone.status == 200
    assert all(u["price_rate"] == 1.2 for u in relay.get("/api/admin/users/all", admin).json["data"]["items"])
    assert relay.post("/api/admin/users/all-price-rate", admin, {"price_rate": -1}).status == 400
    relay.post("/api/admin/users/all-price-rate", admin, {"price_rate": 1})


def test_admin_cannot_lock_themselves_out(relay, admin):
    assert relay.put(f"/api/admin/users/{admin.id}", admin, {"status": "disabled"}).status == 400
    assert relay.put(f"/api/admin/users/{admin.id}", admin, {"role": "user"}).status == 400
    assert relay.delete(f"/api/admin/users/{admin.id}", admin).status == 400


def test_a_users_keys_and_packages(relay, admin):
    person = relay.person()
    held = relay.package(admin, person)
    key = relay.post(f"/api/admin/users/{person.id}/api-keys", admin,
                     {"name": "issued", "user_package_id": held["id"], "allowed_platforms": "all",
                      "rate_limit": 60, "daily_limit": 0})
    assert key.status == 201
    assert key.json["data"]["key"].startswith("sk-")
    listed = relay.get(f"/api/admin/users/{person.id}/api-keys", admin).json["data"]
    assert [k["id"] for k in listed] == [key.json["data"]["id"]]
    assert key.json["data"]["key"] not in json.dumps(listed)
    toggled = relay.put(f"/api/admin/users/{person.id}/api-keys/{key.json['data']['id']}/toggle", admin)
    assert toggled.json["data"] == {"status": "disabled"}
    everyone = relay.get("/api/admin/api-keys", admin).json["data"]
    row = next(k for k in everyone["items"] if k["id"] == key.json["data"]["id"])
    assert row["user"] == {"id": person.id, "username": person.username}
    lookup = relay.get("/api/admin/api-keys/lookup", admin, query={"ids": f"{key.json['data']['id']},99999"})
    assert [i["id"] for i in lookup.json["data"]["items"]] == [key.json["data"]["id"]]
    assert "key_full" not in lookup.text
    assert relay.get("/api/admin/api-keys/lookup", admin, query={"ids": "1,x"}).status == 400
    removed = relay.delete(f"/api/admin/user-packages/{held['id']}", admin)
    assert removed.json["data"]["unbound_keys"] == 1
    assert relay.get(f"/api/admin/users/{person.id}/api-keys", admin).json["data"][0]["user_package_id"] is None
    assert relay.delete(f"/api/admin/users/{person.id}/api-keys/{key.json['data']['id']}", admin).status == 200
    assert relay.get(f"/api/admin/users/{person.id}/api-keys", admin).json["data"] == []
