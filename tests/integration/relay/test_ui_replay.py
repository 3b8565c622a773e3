"""The original admin UI is a real client: its calls for the users, keys, accounts, packages and models
screens (web/src/api/index.js and the screens' request bodies), replayed as it sends them, and the fields its
templates read (Users.vue, APIKeys.vue, user/MyAPIKeys.vue, Accounts.vue + AccountForm.vue, Packages.vue,
user/MyPackages.vue, Models.vue)."""

from __future__ import annotations

import pytest

USER_ROW = {"id": int, "username": str, "email": (str, type(None)), "role": str, "status": str,
            "price_rate": (int, float), "max_concurrency": int, "quota_key_balance": (int, float),
            "subscription_daily_remain": (int, float), "created_at": str}
KEY_ROW = {"id": int, "user_id": int, "name": str, "key_prefix": str, "key_suffix": str, "status": str,
           "rate_limit": int, "request_count": int, "cost_used": (int, float), "billing_type": str,
           "created_at": str}
USER_PACKAGE_ROW = {"id": int, "name": str, "type": str, "status": str, "daily_quota": (int, float),
                    "daily_used": (int, float), "weekly_quota": (int, float), "weekly_used": (int, float),
                    "monthly_quota": (int, float), "monthly_used": (int, float), "quota_used": (int, float),
                    "quota_total": (int, float), "expire_time": (str, type(None)), "start_time": (str, type(None)),
                    "allowed_models": str}
PACKAGE_ROW = {"id": int, "name": str, "type": str, "price": (int, float), "duration": int,
               "daily_quota": (int, float), "weekly_quota": (int, float), "monthly_quota": (int, float),
               "quota_amount": (int, float), "allowed_models": str, "status": str, "description": str}
MODEL_ROW = {"id": int, "name": str, "display_name": str, "platform": str, "provider": str, "description": str,
             "context_size": int, "max_output": int, "input_price": (int, float), "output_price": (int, float),
             "cache_create_price": (int, float), "cache_read_price": (int, float), "enabled": bool,
             "is_default": bool, "sort_order": int, "aliases": str}
ACCOUNT_ROW = {"id": int, "name": str, "type": str, "platform": str, "status": str, "enabled": bool,
               "priority": int, "weight": int, "max_concurrency": int, "daily_budget": (int, float),
               "today_tokens": int, "today_count": int, "today_cost": (int, float), "total_cost": (int, float),
               "budget_utilization": (int, float), "current_concurrency": int, "request_count": int,
               "suspended_count": int, "access_token": str, "refresh_token": str, "session_key": str,
               "api_key": str, "base_url": (str, type(None)), "aws_region": (str, type(None)),
               "azure_endpoint": (str, type(None)), "last_error": (str, type(None)),
               "rate_limit_reset_at": (str, type(None)), "next_health_check_at": (str, type(None)),
               "last_used_at": (str, type(None)), "five_hour_utilization": (int, float, type(None)),
               "seven_day_utilization": (int, float, type(None)),
               "seven_day_sonnet_utilization": (int, float, type(None)), "proxy": (dict, type(None)),
               "model_mapping": str, "allowed_models": str}


def has_fields(row: dict, shape: dict) -> None:
    for name, kind in shape.items():
        assert name in row, f"the screen reads {name}"
        assert isinstance(row[name], kind), f"{name} is {type(row[name]).__name__}"


def api(relay, admin):
    """The UI's `Get/Post/Put/Delete` against /api, with its token."""
    def send(method, path, body=None, params=None):
        answer = relay.call(method, "/api" + path, admin, body, query=params or {})
        assert answer.status in (200, 201), (method, path, answer.text)
        assert answer.json["code"] == 0
        return answer.json
    return send


@pytest.fixture
def ui(relay, admin):
    return api(relay, admin)


def test_users_screen(relay, ui):
    created = ui("POST", "/admin/users", {"username": "ui-user", "password": "s3cret!", "email": "", "role": "user",
                                          "status": "active", "price_rate": 1.0, "max_concurrency": 10})
    user_id = created["data"]["id"]
    res = ui("GET", "/admin/users", params={"page": 1, "page_size": 20})
    assert isinstance(res["data"]["total"], int)
    has_fields(next(u for u in res["data"]["items"] if u["id"] == user_id), USER_ROW)
    models = ui("GET", "/admin/models")
    assert all("enabled" in m for m in models["data"])
    ui("PUT", f"/admin/users/{user_id}", {"email": "ui@example.com", "role": "user", "status": "active",
                                          "price_rate": 1.5, "max_concurrency": 12})
    # packages: all packages → assign → list (active filter) → edit
    package = ui("POST", "/admin/packages", {"id": 0, "name": "UI quota", "type": "quota", "price": 5.0,
                                             "duration": 30, "daily_quota": 0, "weekly_quota": 0,
                                             "monthly_quota": 0, "quota_amount": 25, "allowed_models": "",
                                             "status": "active", "description": ""})
    available = [p for p in ui("GET", "/admin/packages")["data"] if p["status"] == "active"]
    assert package["data"]["id"] in [p["id"] for p in available]
    ui("POST", f"/admin/user-packages/user/{user_id}", {"package_id": package["data"]["id"]})
    held = [p for p in ui("GET", f"/admin/user-packages/user/{user_id}")["data"] if p["status"] == "active"]
    has_fields(held[0], USER_PACKAGE_ROW)
    edited = ui("PUT", f"/admin/user-packages/{held[0]['id']}", {"status": "active",
                                                                 "expire_time": "2099-12-31T16:00:00.000Z",
                                                                 "allowed_models": "claude-sonnet-4-5-20250929",
                                                                 "quota_total": 30, "quota_used": 1})
    assert (edited["data"]["quota_total"], edited["data"]["quota_used"]) == (30, 1)
    # keys: create for the user → list → toggle → delete
    new_key = ui("POST", f"/admin/users/{user_id}/api-keys", {"name": "from-ui", "user_package_id": held[0]["id"],
                                                             "allowed_platforms": "all", "rate_limit": 60,
                                                             "daily_limit": 0})
    assert new_key["data"]["key"].startswith("sk-")
    keys = ui("GET", f"/admin/users/{user_id}/api-keys")["data"]
    has_fields(keys[0], KEY_ROW)
    assert keys[0]["user_package"]["name"] == "UI quota"
    assert keys[0].get("key_full") or keys[0]["key_prefix"], "the screen shows key_full || key_prefix"
    ui("PUT", f"/admin/users/{user_id}/api-keys/{keys[0]['id']}/toggle")
    usage = ui("GET", f"/admin/users/{user_id}/usage/summary")["data"]
    for name in ("total_requests", "total_tokens", "total_cost", "model_usage", "package_usage"):
        assert name in usage
    ui("DELETE", f"/admin/users/{user_id}/api-keys/{keys[0]['id']}")
    ui("DELETE", f"/admin/user-packages/{held[0]['id']}")
    assert ui("GET", "/admin/users/all")["data"]["total"] >= 1
    ui("POST", "/admin/users/batch-price-rate", {"user_ids": [user_id], "price_rate": 2})
    ui("POST", "/admin/users/all-price-rate", {"price_rate": 1})
    ui("DELETE", f"/admin/users/{user_id}")


def test_api_keys_screen(relay, ui, admin):
    person = relay.person()
    created = relay.post("/api/api-keys", person, {"name": "listed"}).json["data"]
    relay.traffic(user_id=person.id, api_key_id=created["id"], model="gpt-4.1", input_tokens=5, output_tokens=1,
                  input_cost=0.001)
    res = ui("GET", "/admin/api-keys", params={"page": 1, "page_size": 20})
    row = next(k for k in res["data"]["items"] if k["id"] == created["id"])
    has_fields(row, KEY_ROW)
    assert row["user"]["username"] == person.username
    assert "expires_at" in row
    logs = ui("GET", f"/admin/api-keys/{row['id']}/logs", params={"page": 1, "page_size": 20})["data"]
    assert logs["total"] == 1
    for name in ("timestamp", "model", "input_tokens", "output_tokens", "cache_creation_input_tokens",
                 "cache_read_input_tokens", "total_tokens", "total_cost"):
        assert name in logs["items"][0]
    ui("PUT", f"/admin/users/{row['user_id']}/api-keys/{row['id']}/toggle")
    looked_up = ui("GET", "/admin/api-keys/lookup", params={"ids": str(row["id"])})["data"]["items"]
    assert looked_up[0]["key_prefix"] == row["key_prefix"]
    ui("DELETE", f"/admin/users/{row['user_id']}/api-keys/{row['id']}")


def test_my_api_keys_and_my_packages_screens(relay, admin):
    person = relay.person()
    held = relay.package(admin, person)
    mine = api(relay, person)
    active = mine("GET", "/my-packages/active")["data"]
    assert [p["id"] for p in active] == [held["id"]]
    created = mine("POST", "/api-keys", {"name": "mine", "user_package_id": active[0]["id"]})
    assert created["code"] == 0
    assert (created["data"].get("key_full") or created["data"]["key"]).startswith("sk-")
    keys = mine("GET", "/api-keys")["data"]
    has_fields(keys[0], KEY_ROW)
    assert keys[0]["user_package"]["name"] == held["name"]
    for package in mine("GET", "/my-packages")["data"]:
        has_fields(package, USER_PACKAGE_ROW)
    mine("DELETE", f"/api-keys/{keys[0]['id']}")


def test_accounts_screen_and_form(relay, ui, admin):
    proxy = ui("POST", "/admin/proxy-configs", {"name": "p", "type": "http", "host": "proxy.example", "port": 8080})
    mapping = ui("POST", "/admin/model-mappings", {"source_model": "claude-3-5-sonnet", "target_model":
                                                   "claude-sonnet-4-5-20250929", "priority": 0, "description": "",
                                                   "enabled": True})
    # AccountForm loads: enabled models (grouped by platform), enabled proxies (res.items), mappings
    assert all("platform" in m for m in ui("GET", "/admin/models", params={"enabled": "true"})["data"])
    proxies = relay.get("/api/admin/proxy-configs/enabled", admin).json  # AccountForm reads res.items
    assert any(p["id"] == proxy["data"]["id"] for p in proxies["items"])
    mappings = ui("GET", "/admin/model-mappings")["data"]["mappings"]
    assert any(m["id"] == mapping["data"]["id"] and m["enabled"] for m in mappings)
    submit = {"name": "console-ui", "type": "claude-console", "description": "", "enabled": True, "priority": 50,
              "weight": 100, "max_concurrency": 5, "account_type": "shared", "api_key": "sk-ant-ui",
              "base_url": "https://api.anthropic.com", "proxy_id": proxy["data"]["id"],
              "allowed_models": "claude-sonnet-4-5-20250929",
              "model_mapping": '{"claude-3-5-sonnet":"claude-sonnet-4-5-20250929"}'}
    created = ui("POST", "/admin/accounts", submit)["data"]
    bedrock = ui("POST", "/admin/accounts", {"name": "bedrock-ui", "type": "bedrock", "enabled": True,
                                             "priority": 50, "weight": 100, "max_concurrency": 5,
                                             "aws_access_key": "AKIAUI", "aws_secret_key": "secret-ui",
                                             "aws_region": "us-east-1"})["data"]
    assert bedrock["aws_region"] == "us-east-1"
    res = ui("GET", "/admin/accounts", params={"page": 1, "page_size": 20, "status": "", "search": "",
                                               "types": "claude-official,claude-console,bedrock"})
    row = next(a for a in res["data"]["items"] if a["id"] == created["id"])
    has_fields(row, ACCOUNT_ROW)
    assert row["proxy"]["type"] == "http"
    assert row["api_key"], "the screen tells an API-key account by row.api_key"
    ui("PUT", f"/admin/accounts/{row['id']}", {"enabled": False})
    edit = {**submit, "api_key": row["api_key"], "clear_proxy": True, "clear_allowed_models": True}
    edited = ui("PUT", f"/admin/accounts/{row['id']}", edit)["data"]
    assert (edited["proxy"], edited["allowed_models"], edited["has_api_key"]) == (None, "", True)
    ui("PUT", f"/admin/accounts/{row['id']}/status", {"status": "valid", "last_error": ""})
    checked = ui("POST", f"/admin/accounts/{row['id']}/health-check")
    assert "message" in (checked["data"] or checked)
    ui("POST", f"/admin/accounts/{row['id']}/recover")
    ui("DELETE", f"/admin/accounts/{row['id']}")
    types = ui("GET", "/admin/accounts/types")["data"]
    assert {t["value"] for t in types} >= {"claude-official", "claude-console", "bedrock", "openai", "gemini"}


def test_packages_screen(ui):
    created = ui("POST", "/admin/packages", {"id": 0, "name": "UI sub", "type": "subscription", "price": 9.9,
                                             "duration": 30, "daily_quota": 2, "weekly_quota": 10,
                                             "monthly_quota": 30, "quota_amount": 0, "allowed_models": "",
                                             "status": "active", "description": "monthly"})["data"]
    rows = ui("GET", "/admin/packages")["data"]
    row = next(p for p in rows if p["id"] == created["id"])
    has_fields(row, PACKAGE_ROW)
    edited = ui("PUT", f"/admin/packages/{row['id']}", {**row, "price": 12.5, "duration": 60})["data"]
    assert (edited["price"], edited["duration"]) == (12.5, 60)
    ui("DELETE", f"/admin/packages/{row['id']}")


def test_models_screen(ui):
    form = {"name": "ui-model", "display_name": "UI Model", "platform": "claude", "provider": "anthropic",
            "description": "", "category": "chat", "context_size": 200000, "max_output": 8192, "input_price": 3,
            "output_price": 15, "cache_create_price": 3.75, "cache_read_price": 0.3, "enabled": True,
            "is_default": False, "sort_order": 0, "aliases": ""}
    created = ui("POST", "/admin/models", form)["data"]
    rows = ui("GET", "/admin/models")["data"]
    row = next(m for m in rows if m["id"] == created["id"])
    has_fields(row, MODEL_ROW)
    edited = ui("PUT", f"/admin/models/{row['id']}", {**row, "output_price": 16})["data"]
    assert edited["output_price"] == 16
    ui("PUT", f"/admin/models/{row['id']}/toggle")
    mapping = ui("POST", "/admin/model-mappings", {"source_model": "ui-alias", "target_model": "ui-model",
                                                   "priority": 0, "description": "", "enabled": True})["data"]
    assert any(m["source_model"] == "ui-alias" for m in ui("GET", "/admin/model-mappings")["data"]["mappings"])
    ui("PUT", f"/admin/model-mappings/{mapping['id']}", {**mapping, "priority": 3})
    ui("POST", f"/admin/model-mappings/{mapping['id']}/toggle")
    ui("POST", "/admin/model-mappings/refresh")
    assert "mappings" in ui("GET", "/admin/model-mappings/cache")["data"]
    ui("DELETE", f"/admin/model-mappings/{mapping['id']}")
    ui("DELETE", f"/admin/models/{row['id']}")
    assert isinstance(ui("GET", "/admin/models/platforms")["data"], list)
