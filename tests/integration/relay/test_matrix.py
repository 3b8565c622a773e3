"""Who may call what: anonymous callers get 401 on every non-public route, users 403 on every admin route
(before any body is read), a user reaches only their own keys, usage and packages, and a disabled user's
token stops working on every route at once."""

from __future__ import annotations

import re

import pytest

from tests.support.fuzz import operation_labels

OPERATIONS = [label.split(" ", 1) for label in operation_labels("relay")]
PUBLIC = {("GET", "/health"), ("GET", "/api/auth/captcha"), ("GET", "/api/auth/captcha/status"),
          ("POST", "/api/auth/login"), ("POST", "/api/auth/register")}
ADMIN = [(m, p) for m, p in OPERATIONS if p.startswith("/api/admin/")]
# the proxy routes (sk- keys, docs/relay-proxy.md): their refusals are in each upstream API's own error format
PROXY = [(m, p) for m, p in OPERATIONS if (m, p) not in PUBLIC and not p.startswith("/api/")]
USER = [(m, p) for m, p in OPERATIONS
        if (m, p) not in PUBLIC and (m, p) not in PROXY and not p.startswith("/api/admin/")]


def concrete(path: str) -> str:
    return re.sub(r"\{[^}]+\}", "1", path)


def call(relay, method, path, who=None):
    body = {} if method in ("POST", "PUT", "PATCH") else None
    return relay.call(method, concrete(path), who, body)


@pytest.mark.parametrize(("method", "path"), ADMIN + USER)
def test_anonymous_callers_are_401(relay, method, path):
    answer = call(relay, method, path)
    assert answer.status == 401, answer.text
    assert answer.json["code"] == 401


@pytest.mark.parametrize(("method", "path"), PROXY)
def test_anonymous_callers_of_the_proxy_are_401_in_the_apis_format(relay, method, path):
    answer = call(relay, method, path)
    assert answer.status == 401, answer.text
    error = answer.json["error"]
    if path.startswith("/gemini/"):
        assert (error["code"], error["status"]) == (401, "UNAUTHENTICATED")
    else:
        assert error["type"] == "auth_failed"
        assert answer.json.get("type") == ("error" if path.startswith("/claude/") else None)


@pytest.mark.parametrize(("method", "path"), ADMIN)
def test_users_are_403_on_every_admin_route(relay, user, method, path):
    answer = call(relay, method, path, user)
    assert answer.status == 403, answer.text
    assert answer.json == {"code": 403, "message": "admin role required"}


@pytest.mark.parametrize(("method", "path"), USER)
def test_a_disabled_users_token_stops_everywhere(relay, admin, method, path):
    person = relay.person()
    relay.put(f"/api/admin/users/{person.id}", admin, {"status": "disabled"})
    assert call(relay, method, path, person).status == 401


def test_a_user_sees_only_their_own_keys_usage_and_packages(relay, admin):
    alice, bob = relay.person(), relay.person()
    held = relay.package(admin, alice)
    key = relay.post("/api/api-keys", alice, {"name": "alice", "user_package_id": held["id"]}).json["data"]
    relay.traffic(user_id=alice.id, api_key_id=key["id"], user_package_id=held["id"], model="gpt-4.1",
                  input_tokens=100, input_cost=0.5)
    for method, path in (("GET", f"/api/api-keys/{key['id']}"), ("PUT", f"/api/api-keys/{key['id']}"),
                         ("DELETE", f"/api/api-keys/{key['id']}"), ("PUT", f"/api/api-keys/{key['id']}/toggle"),
                         ("GET", f"/api/api-keys/{key['id']}/usage")):
        assert relay.call(method, path, bob, {} if method == "PUT" else None).status == 404, (method, path)
    assert relay.get("/api/api-keys", bob).json["data"] == []
    assert relay.get("/api/usage/summary", bob).json["data"]["request_count"] == 0
    assert relay.get("/api/usage/records", bob).json["data"]["total"] == 0
    assert relay.get("/api/usage/models", bob).json["data"] == []
    assert relay.get("/api/my-packages", bob).json["data"] == []
    assert relay.post("/api/api-keys", bob, {"name": "steal", "user_package_id": held["id"]}).status == 400
    assert relay.get("/api/usage/summary", alice).json["data"]["request_count"] == 1
    assert relay.get(f"/api/api-keys/{key['id']}", alice).json["data"]["status"] == "active"
