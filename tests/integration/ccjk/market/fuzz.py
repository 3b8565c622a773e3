"""The marketplace operations in ccjk's schemathesis run (tests/integration/ccjk/test_openapi_fuzz.py): the
credentials each needs (admin routes: Basic), real ids in half of the examples (catalogue items of the route's
kind, the caller's own sessions, messages, archives, ratings...), so success answers are checked against their
schemas too, and the operations where the service answers 400 for a rule a JSON Schema does not state."""

from __future__ import annotations

import itertools
import json
import re
from collections.abc import Callable
from typing import Any

from suite import aws
from tests.integration.ccjk.conftest import fresh_address
from tests.integration.ccjk.market.support import ADMIN, basic, unique
from tests.support.api_client import ApiClient

QUERY = ("page, limit and offset are integers and sort, type, flags and the like enumerations, read by the service "
         "from strings (a 400 names the parameter)")
QUERY_ROUTES = (
    "GET /api/skills", "GET /api/skills/recommended", "GET /api/mcp-servers", "GET /api/search",
    "GET /api/categories", "GET /api/categories/{category}", "GET /api/rankings", "GET /api/v1/skills",
    "GET /api/v1/skills/marketplace", "GET /api/v1/skills/popular", "GET /api/v1/skills/search",
    "GET /api/v1/skills/search/suggestions", "GET /api/v1/skills/search/trending",
    "GET /api/v1/skills/user/recommendations", "GET /api/v1/agents", "GET /api/v1/hooks",
    "GET /api/v1/hooks/community", "GET /api/v1/claude-md/templates", "GET /api/v1/providers",
    "GET /api/v1/skills/{id}/ratings", "GET /api/v1/sessions", "GET /api/v8/templates",
    "GET /api/v8/templates/search", "GET /api/v8/templates/featured", "GET /api/v8/templates/popular",
    "GET /api/v8/templates/trending", "GET /api/v8/templates/categories", "GET /api/v8/mcp/marketplace",
    "GET /api/v8/skills/marketplace", "GET /api/v8/search/suggestions", "GET /api/v8/ratings/{type}/{id}",
    "GET /api/v8/skills/suggestions", "GET /api/v8/sessions/{sessionId}/messages", "GET /api/v8/context/stats",
    "DELETE /api/v8/recovery/cleanup", "GET /admin/users", "GET /admin/devices", "GET /admin/skills",
    "GET /admin/mcp-servers", "GET /admin/templates", "GET /admin/ratings")
MARKET_RULES = {
    **dict.fromkeys(QUERY_ROUTES, QUERY),
    "POST /api/v1/templates/batch": "ids (or templates) must name at least one id: strings or objects with an id",
    "POST /api/v8/templates/batch": "as POST /api/v1/templates/batch",
    "POST /api/v8/recommendations/{type}": "the type must be a kind the catalogue has",
    "POST /api/v8/ratings/{type}/{id}": "the type must be a kind; rating is 1-5 (INVALID_RATING_VALUE)",
    "POST /api/v1/skills/{id}/ratings": "rating is 1-5 (INVALID_RATING_VALUE); a review at most 2000 characters",
    "POST /api/v1/skills/user/install": "config is at most 8 KB of JSON; a quota is a 400 (QUOTA_EXCEEDED)",
    "POST /api/v1/users/{userId}/skills": "the rules of POST /api/v1/skills/user/install",
    "PATCH /api/v1/users/{userId}/skills/{skillId}": "config is at most 8 KB of JSON",
    "POST /api/v8/skills/user/install": "the rules of POST /api/v1/skills/user/install",
    "POST /api/v8/mcp/user/install": "the rules of POST /api/v1/skills/user/install",
    "POST /api/v8/agents/user/install": "the rules of POST /api/v1/skills/user/install",
    "POST /api/v8/hooks/user/install": "the rules of POST /api/v1/skills/user/install",
    "POST /api/v1/skills/upload": "a slug is lower-case letters, digits, '.', '_', '-'; URLs public https; names not "
                                  "blank; at most 100 items of a kind",
    "POST /api/v1/providers": "a shortcode is lower-case letters, digits and '-'; apiUrl a public https URL",
    "POST /api/v1/attributions": "metadata is at most 8 KB of JSON",
    "POST /api/v1/auth/register": "the e-mail address's form is checked by the service",
    "POST /api/v1/auth/login": "the e-mail address's form is checked by the service",
    "POST /api/v8/sessions/{sessionId}/messages": "a session id is 1-128 of letters, digits and ._:- (else not found)",
    "POST /admin/skills": "the rules of POST /api/v1/skills/upload, and type must be the route's kinds",
    "PUT /admin/skills/{id}": "the rules of POST /admin/skills; kind and slug never change",
    "POST /admin/mcp-servers": "the rules of POST /admin/skills",
    "PUT /admin/mcp-servers/{id}": "the rules of PUT /admin/skills/{id}",
    "POST /admin/templates": "the rules of POST /admin/skills; type is required",
    "PUT /admin/templates/{id}": "the rules of PUT /admin/skills/{id}",
    "POST /admin/providers": "the rules of POST /api/v1/providers",
    "PUT /admin/providers/{id}": "apiUrl a public https URL; a name not blank",
    "PUT /admin/feature-flags": "flag names are identifiers; known flags have their types (booleans, intervals of "
                                "at least 60000 ms, a version)",
}
KIND_OF_PATH = [(r"^/api/skills/|^/api/v1/skills/|^/api/v8/skills/|/admin/skills/", "skill"),
                (r"^/api/mcp-servers/|^/api/v8/mcp/|/admin/mcp-servers/", "mcp"),
                (r"^/api/v1/agents/", "agent"), (r"^/api/v1/hooks/", "hook"),
                (r"/admin/templates/|^/api/v8/templates/|^/api/v1/templates/", "workflow")]
_count = itertools.count(1)
# The v1 aliases of core routes are fuzzed as those routes are (their rules, their real ids).
ALIASES = {"POST /api/v1/notify": "POST /notify", "POST /api/v1/bind/use": "POST /bind/use",
           "GET /api/v1/reply/poll": "GET /reply/poll"}


def owns(label: str) -> bool:
    """An operation of the marketplace's routers (the rest is the core's, with its own preparation)."""
    from ccjk.handlers import docs  # noqa: PLC0415

    return label in {f"{m} {p}" for router in docs.MARKET_ROUTERS for (m, p) in router.contracts}


class MarketFuzz:
    """Real things for the fuzzed marketplace requests, made through the service's own logic."""

    def __init__(self, client: ApiClient) -> None:
        self.client = client
        self.env()
        arn = next(f.environment["ADMIN_CREDENTIALS_SECRET_ARN"] for f in client.stack.stack("ccjk").functions()
                   if "ADMIN_CREDENTIALS_SECRET_ARN" in f.environment)
        aws.client("secretsmanager").put_secret_value(SecretId=arn, SecretString=json.dumps(ADMIN))
        self.items = {kind: self.new_item(kind)["id"] for kind in ("skill", "mcp", "agent", "hook", "workflow")}
        self.provider = self.new_provider()

    def env(self) -> None:
        self.client.use_env("ccjk.AdminFunction")

    def new_item(self, kind: str) -> dict[str, Any]:
        from ccjk.logic import catalog_admin  # noqa: PLC0415
        from ccjk.models.market import NewCatalogItem  # noqa: PLC0415

        self.env()
        item = catalog_admin.create_item(NewCatalogItem.model_validate(
            {"type": kind, "name_en": f"Fuzzed {unique()}", "slug": unique(f"fz{next(_count)}-"),
             "content": "fuzz"}))
        return {"id": item.catalog_id, "slug": item.slug}

    def new_provider(self) -> str:
        from ccjk.logic import catalog_admin  # noqa: PLC0415
        from ccjk.models.market import NewProvider  # noqa: PLC0415

        self.env()
        code = unique("fz")
        catalog_admin.create_provider(NewProvider.model_validate(
            {"shortcode": code, "name": "Fuzzed", "apiUrl": "https://fuzz.example.com"}), created_by=None,
            trusted=True)
        return code

    def headers(self, label: str, caller_headers: dict[str, str]) -> dict[str, str]:
        if " /admin/" in label:
            return basic(ADMIN["username"], ADMIN["password"])
        return caller_headers

    def call(self, method: str, path: str, body: Any, headers: dict[str, str]) -> dict[str, Any]:
        answer = self.client.request(method, path, body, headers=headers, source_ip=fresh_address())
        assert answer.status in (200, 201, 202), (method, path, answer.status, answer.text)
        return answer.json.get("data") or {}

    def _kind(self, path: str) -> str:
        return next((kind for pattern, kind in KIND_OF_PATH if re.search(pattern, path)), "skill")

    def prepare(self, label: str, caller: Any) -> Callable[[Any], None]:
        """Half of the examples get real ids (of things the caller may use), the other half keep generated ones."""
        examples = itertools.count()
        method, path = label.split(" ", 1)

        def fill(case: Any) -> None:
            if next(examples) % 2:
                return
            params = case.path_parameters if case.path_parameters is not None else {}
            self.real_ids(method, path, params, caller)
            self.real_context(path, params, caller)
            if isinstance(case.body, dict):
                self.real_body(label, case.body, caller)

        return fill

    def real_id(self, method: str, path: str, name: str, caller: Any) -> str:
        fresh = method in ("PUT", "DELETE") and path.startswith("/admin/")
        makers: list[tuple[str, Callable[[], str]]] = [
            ("/admin/providers", lambda: self.new_provider() if fresh else self.provider),
            ("/api/v1/providers", lambda: self.provider),
            ("/admin/ratings", self.rating),
            ("/admin/users", self.user_id),
            ("/admin/devices", self.device_id),
            ("/api/v1/attributions", lambda: self.call("POST", "/api/v1/attributions", {"sessionId": "fuzz"},
                                                       {})["attributionId"]),
        ]
        for prefix, make in makers:
            if path.startswith(prefix):
                return make()
        if name == "skillId":
            return self.installed(caller)
        kind = self._kind(path)
        return self.new_item(kind)["id"] if fresh else self.items[kind]

    def real_ids(self, method: str, path: str, params: dict[str, Any], caller: Any) -> None:
        for name in ("id", "slug", "skillId"):
            if name in params:
                params[name] = self.real_id(method, path, name, caller)
        if "type" in params:
            params["type"] = "skill"
            if "id" in params:
                params["id"] = self.items["skill"]
        if "userId" in params:
            params["userId"] = self.me(caller)

    def real_context(self, path: str, params: dict[str, Any], caller: Any) -> None:
        device = {"X-Device-Token": caller.headers["X-Device-Token"]}
        if "recoveryId" in params:
            params["recoveryId"] = self.call("POST", "/api/v8/recovery/save", {"session_id": "s"}, device)["id"]
        if "sessionId" not in params:
            return
        if path.startswith("/api/v1/sessions"):
            params["sessionId"] = self.call("POST", "/api/v1/sessions/upload", {"sessionId": "s", "data": {}},
                                            {"Authorization": caller.headers["Authorization"]})["transferId"]
            return
        session = params["sessionId"] = unique("fs")
        for n in range(3):
            self.call("POST", f"/api/v8/sessions/{session}/messages",
                      {"type": "user", "role": "user", "content": f"message {n}"}, device)
        if "archiveId" in params or "summaryId" in params:
            compacted = self.call("POST", f"/api/v8/sessions/{session}/compact", {"keep_last_n": 1}, device)
            if "archiveId" in params:
                params["archiveId"] = compacted["archiveId"]
            else:
                params["summaryId"] = compacted["summary"]["id"]
        if "messageId" in params:
            listed = self.call("GET", f"/api/v8/sessions/{session}/messages", None, device)
            params["messageId"] = listed["messages"][0]["uuid"]

    def real_body(self, label: str, body: dict[str, Any], caller: Any) -> None:
        if label in ("POST /api/v1/skills/user/install", "POST /api/v1/users/{userId}/skills"):
            body["skillId"] = self.new_item("skill")["id"]
            body.pop("config", None)
        elif label == "POST /api/v1/skills/user/uninstall":
            body["skillId"] = self.installed(caller)
        elif label.startswith("POST /api/v8/") and label.endswith("/user/install"):
            group = label.split("/")[3]
            body["skill_id"] = self.new_item({"skills": "skill", "mcp": "mcp", "agents": "agent",
                                              "hooks": "hook"}[group])["id"]
            body.pop("config", None)
        elif label in ("POST /api/v1/templates/batch", "POST /api/v8/templates/batch"):
            body["ids"] = [self.items["workflow"], "tpl_not_there"]
        elif label == "POST /api/v8/templates/check-updates":
            body["installed"] = [{"id": self.items["workflow"], "version": "0.1.0"}]
        elif label == "POST /api/v1/auth/login":
            body.update(self.account())
        elif label == "POST /api/v1/auth/refresh":
            body["refreshToken"] = self.refresh_token()

    # -- things of the caller's ----------------------------------------------------------------------------------
    def me(self, caller: Any) -> str:
        return self.call("GET", "/auth/me", None, {"Authorization": caller.headers["Authorization"]})["id"]

    def installed(self, caller: Any) -> str:
        skill = self.new_item("skill")["id"]
        self.call("POST", "/api/v1/skills/user/install", {"skillId": skill},
                  {"Authorization": caller.headers["Authorization"]})
        return skill

    def account(self) -> dict[str, str]:
        email = f"fz-{unique()}@example.com"
        self.call("POST", "/api/v1/auth/register", {"email": email, "password": "fuzz password 1"}, {})
        return {"email": email, "password": "fuzz password 1"}

    def refresh_token(self) -> str:
        account = self.account()
        return self.call("POST", "/api/v1/auth/login", account, {})["refreshToken"]

    def user_id(self) -> str:
        email = f"fz-{unique()}@example.com"
        return self.call("POST", "/api/v1/auth/register", {"email": email, "password": "fuzz password 1"},
                         {})["user"]["id"]

    def device_id(self) -> str:
        return self.call("POST", "/device/register", {"name": "fuzzed"}, {})["deviceId"]

    def rating(self) -> str:
        from ccjk.logic import ratings  # noqa: PLC0415

        self.env()
        return ratings.rate(f"user_{unique()}", self.new_item("skill")["id"], ("skill",), 3, None)["id"]
