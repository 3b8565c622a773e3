"""Admin catalogue: models (both field vocabularies), mappings, packages, configs (the UI's top-level
`items`), error messages and error rules (and the rule evaluation the proxy applies)."""

from __future__ import annotations


def test_models_crud_toggle_and_defaults(relay, admin, user):
    docs_shape = relay.post("/api/admin/models", admin, {"model_id": "my-model-1", "model_name": "My Model",
                                                         "platform": "openai", "input_price": 1.5,
                                                         "output_price": 3, "cache_creation_price": 2,
                                                         "enabled": True})
    assert docs_shape.status == 201, docs_shape.text
    model = docs_shape.json["data"]
    assert (model["name"], model["display_name"], model["cache_create_price"]) == ("my-model-1", "My Model", 2)
    assert relay.post("/api/admin/models", admin, {"name": "MY-MODEL-1", "platform": "openai"}).status == 409
    updated = relay.put(f"/api/admin/models/{model['id']}", admin, {"cache_read_price": 0.5, "aliases": "a1, a2 ,a1"})
    assert (updated.json["data"]["cache_read_price"], updated.json["data"]["aliases"]) == (0.5, "a1,a2")
    assert relay.put(f"/api/admin/models/{model['id']}/toggle", admin).json["data"]["enabled"] is False
    assert "my-model-1" not in [m["name"] for m in relay.get("/api/models", user).json["data"]]
    only_openai = relay.get("/api/admin/models", admin, query={"platform": "openai", "enabled": "false"}).json
    assert [m["name"] for m in only_openai["data"]] == ["my-model-1"]
    assert "openai" in relay.get("/api/admin/models/platforms", admin).json["data"]
    assert relay.delete(f"/api/admin/models/{model['id']}", admin).status == 200
    assert relay.post("/api/admin/models/init-defaults", admin).status == 200
    public = relay.get("/api/models", user).json["data"]
    assert {"id", "name", "platform", "input_price", "output_price"} <= set(public[0])
    assert relay.post("/api/admin/models/reset-defaults", admin).status == 200
    assert len(relay.get("/api/admin/models", admin).json["data"]) == 18


def test_model_mappings(relay, admin):
    created = relay.post("/api/admin/model-mappings", admin, {"source_model": "gpt-5", "target_model": "gpt-4.1",
                                                              "priority": 5})
    assert created.status == 201
    mapping = created.json["data"]
    assert relay.post("/api/admin/model-mappings", admin, {"source_model": "x", "target_model": "X"}).status == 409
    listed = relay.get("/api/admin/model-mappings", admin).json["data"]["mappings"]
    assert any(m["id"] == mapping["id"] for m in listed)
    assert relay.get("/api/admin/model-mappings/cache", admin).json["data"]["mappings"]["gpt-5"] == "gpt-4.1"
    assert relay.post(f"/api/admin/model-mappings/{mapping['id']}/toggle", admin).json["data"]["enabled"] is False
    assert "gpt-5" not in relay.get("/api/admin/model-mappings/cache", admin).json["data"]["mappings"]
    assert relay.put(f"/api/admin/model-mappings/{mapping['id']}", admin, {"target_model": "o1"}).status == 200
    assert relay.post("/api/admin/model-mappings/refresh", admin).status == 200
    assert relay.delete(f"/api/admin/model-mappings/{mapping['id']}", admin).status == 200
    assert relay.get(f"/api/admin/model-mappings/{mapping['id']}", admin).status == 404


def test_packages_templates_and_the_users_copy(relay, admin, user):
    sub = relay.post("/api/admin/packages", admin, {"name": "Pro", "type": "subscription", "price": 20,
                                                    "valid_days": 30, "daily_quota": 5, "monthly_quota": 100})
    assert sub.status == 201
    assert (sub.json["data"]["duration"], sub.json["data"]["daily_quota"]) == (30, 5)
    assert any(p["id"] == sub.json["data"]["id"] for p in relay.get("/api/packages", user).json["data"])
    held = relay.post(f"/api/admin/user-packages/user/{user.id}", admin, {"package_id": sub.json["data"]["id"]})
    assert held.status == 201
    row = held.json["data"]
    assert (row["type"], row["daily_quota"], row["daily_used"], row["status"]) == ("subscription", 5, 0, "active")
    assert row["expire_time"] > row["start_time"]
    changed = relay.put(f"/api/admin/user-packages/{row['id']}", admin, {"daily_used": 5, "monthly_quota": 50})
    assert (changed.json["data"]["daily_used"], changed.json["data"]["monthly_quota"]) == (5, 50)
    expired = relay.put(f"/api/admin/user-packages/{row['id']}", admin, {"expire_time": "2020-01-01T00:00:00Z"})
    assert expired.json["data"]["status"] == "expired"
    relay.put(f"/api/admin/packages/{sub.json['data']['id']}", admin, {"status": "disabled"})
    assert all(p["id"] != sub.json["data"]["id"] for p in relay.get("/api/packages", user).json["data"])
    assert relay.delete(f"/api/admin/packages/{sub.json['data']['id']}", admin).status == 200
    assert relay.get("/api/my-packages", user).json["data"][0]["id"] == row["id"], "the user keeps their copy"
    assert relay.post(f"/api/admin/user-packages/user/{user.id}", admin, {"package_id": 99999}).status == 404


def test_configs_in_both_shapes(relay, admin):
    everything = relay.get("/api/admin/configs", admin)
    assert everything.json["items"] == everything.json["data"]["items"], "the UI reads items at the top level"
    keys = {c["key"] for c in everything.json["items"]}
    assert {"global_price_rate", "captcha_enabled", "login_rate_limit_count"} <= keys
    assert "security" in everything.json["data"]["grouped"]
    ui = relay.put("/api/admin/configs", admin, {"configs": {"login_rate_limit_count": "5",
                                                             "health_check_auto_recovery": False}})
    assert ui.status == 200
    docs = relay.put("/api/admin/configs", admin, {"category": "billing", "key": "global_price_rate", "value": 1.5})
    assert docs.status == 200
    security = relay.get("/api/admin/configs/category/security", admin).json["items"]
    assert next(c for c in security if c["key"] == "login_rate_limit_count")["value"] == "5"
    assert relay.put("/api/admin/configs", admin, {"configs": {"login_rate_limit_count": "many"}}).status == 400
    assert relay.put("/api/admin/configs", admin, {"configs": {"no_such_key": "1"}}).status == 400
    assert relay.put("/api/admin/configs", admin, {}).status == 400
    relay.put("/api/admin/configs", admin, {"configs": {"login_rate_limit_count": "3", "global_price_rate": "1",
                                                        "health_check_auto_recovery": True}})
    assert relay.get("/api/admin/configs/sync/status", admin).json["data"]["pending"] == 0
    assert relay.post("/api/admin/configs/sync/trigger", admin).status == 200


def test_error_messages(relay, admin):
    init = relay.post("/api/admin/error-messages/init", admin).json["data"]
    assert init["added"] == 31
    messages = relay.get("/api/admin/error-messages", admin).json["data"]
    key_disabled = next(m for m in messages if m["error_type"] == "key_disabled")
    assert (key_disabled["code"], key_disabled["original_message"]) == (401, "This API key has been disabled")
    assert [m["error_type"] for m in relay.get("/api/admin/error-messages/code/429", admin).json["data"]] == [
        "account_concurrency_limit", "rate_limit", "user_concurrency_limit"]
    changed = relay.put(f"/api/admin/error-messages/{key_disabled['id']}", admin, {"custom_message": "Key off"})
    assert changed.json["data"]["custom_message"] == "Key off"
    assert relay.put(f"/api/admin/error-messages/{key_disabled['id']}/toggle", admin).json["data"]["enabled"] is False
    assert relay.put("/api/admin/error-messages/enable-all", admin).json["data"]["affected"] == 1
    assert relay.put("/api/admin/error-messages/disable-all", admin).json["data"]["affected"] == 31
    relay.put("/api/admin/error-messages/enable-all", admin)
    assert relay.post("/api/admin/error-messages", admin, {"code": 401, "error_type": "key_disabled",
                                                           "custom_message": "dup"}).status == 409
    assert relay.post("/api/admin/error-messages/init", admin).json["data"]["added"] == 0
    assert relay.post("/api/admin/error-messages/refresh", admin).status == 200
    assert relay.delete(f"/api/admin/error-messages/{key_disabled['id']}", admin).status == 200
    assert relay.post("/api/admin/error-messages", admin, {"code": 401, "error_type": "key_disabled",
                                                           "custom_message": "back"}).status == 201


def test_error_rules_and_their_evaluation(relay, admin):
    reset = relay.post("/api/admin/error-rules/reset", admin).json["data"]
    assert reset["created"] == 24
    page = relay.get("/api/admin/error-rules", admin, query={"page_size": 100}).json["data"]
    assert page["total"] == 24
    assert page["items"][0]["priority"] == 120, "highest priority first"
    relay.env()
    from relay.logic import error_catalog  # noqa: PLC0415

    assert error_catalog.classify(403, "Your account has been suspended") == "invalid"
    assert error_catalog.classify(403, "nope") == "rate_limited"
    assert error_catalog.classify(529, "") == "overloaded"
    assert error_catalog.classify(400, "OAuth token has expired") == "invalid"
    assert error_catalog.classify(400, "bad request") is None
    custom = relay.post("/api/admin/error-rules", admin, {"http_status": 400, "keyword": "bad request",
                                                          "target_status": "overloaded", "priority": 999})
    assert custom.status == 201
    assert error_catalog.classify(400, "A BAD REQUEST it was") == "overloaded"
    relay.put(f"/api/admin/error-rules/{custom.json['data']['id']}", admin, {"enabled": False})
    assert error_catalog.classify(400, "bad request") is None
    assert relay.put("/api/admin/error-rules/disable-all", admin).json["data"]["affected"] == 24
    assert error_catalog.classify(429, "") is None
    relay.put("/api/admin/error-rules/enable-all", admin)
    assert relay.post("/api/admin/error-rules/refresh", admin).json["data"]["rule_count"] == 25
    assert relay.delete(f"/api/admin/error-rules/{custom.json['data']['id']}", admin).status == 200
