"""What relay's integration tests share: a client that signs in, users made directly, usage traffic."""

from __future__ import annotations

import uuid
from dataclasses import dataclass
from typing import Any

import pytest

from tests.support.api_client import Answer, ApiClient
from tests.support.moto_stack import wipe_tables

PASSWORD = "correct-horse-battery"


@dataclass
class Person:
    id: int
    username: str
    token: str
    role: str

    @property
    def headers(self) -> dict[str, str]:
        return {"Authorization": f"Bearer {self.token}"}


class Relay:
    """ApiClient for relay plus the shortcuts tests need (users and configs made through relay's own logic)."""

    def __init__(self, stack: Any, monkeypatch: pytest.MonkeyPatch, **overrides: str) -> None:
        self.stack = stack
        self.client = ApiClient(stack, "relay", monkeypatch, overrides=overrides)

    def env(self, function: str = "relay.PortalFunction") -> dict[str, str]:
        return self.client.use_env(function)

    # -- requests as a person --------------------------------------------------------------------------------
    def call(self, method: str, path: str, who: Person | None = None, body: Any = None, **kwargs: Any) -> Answer:
        headers = {**(who.headers if who else {}), **kwargs.pop("headers", {})}
        return self.client.request(method, path, body, headers=headers, **kwargs)

    def get(self, path: str, who: Person | None = None, **kwargs: Any) -> Answer:
        return self.call("GET", path, who, **kwargs)

    def post(self, path: str, who: Person | None = None, body: Any = None, **kwargs: Any) -> Answer:
        return self.call("POST", path, who, body, **kwargs)

    def put(self, path: str, who: Person | None = None, body: Any = None, **kwargs: Any) -> Answer:
        return self.call("PUT", path, who, body, **kwargs)

    def delete(self, path: str, who: Person | None = None, **kwargs: Any) -> Answer:
        return self.call("DELETE", path, who, **kwargs)

    # -- shortcuts ---------------------------------------------------------------------------------------------
    def person(self, role: str = "user", *, username: str | None = None, password: str = PASSWORD,
               status: str = "active", email: str | None = None) -> Person:
        self.env()
        from relay.logic import auth, users  # noqa: PLC0415 (after the environment is set)

        name = username or f"{role}-{uuid.uuid4().hex[:10]}"
        user = users.create(name, password, role=role, status=status, email=email)
        return Person(user.id, name, auth.issue(user.id, name, role), role)

    def configure(self, **values: Any) -> None:
        self.env()
        from relay.logic import configs  # noqa: PLC0415

        configs.update(list(values.items()))

    def package(self, admin: Person, user: Person, **fields: Any) -> dict[str, Any]:
        """A quota package template given to `user`; the user's package as the admin API answers."""
        template = self.post("/api/admin/packages", admin, {"name": f"pkg-{uuid.uuid4().hex[:6]}", "type": "quota",
                                                             "quota_amount": 50, "duration": 30, **fields})
        assert template.status == 201, template.text
        held = self.post(f"/api/admin/user-packages/user/{user.id}", admin, {"package_id": template.json["data"]["id"]})
        assert held.status == 201, held.text
        return held.json["data"]

    def traffic(self, **fields: Any) -> bool:
        """Count one proxied request (what the proxy's usage consumer does)."""
        self.env()
        from relay.store import usage  # noqa: PLC0415

        return usage.record(usage.UsageEvent(**{"request_id": uuid.uuid4().hex, **fields}))


PROVIDERS = ("CLAUDE_AI", "ANTHROPIC_CONSOLE", "ANTHROPIC", "OPENAI_AUTH", "OPENAI", "GOOGLE_OAUTH", "GEMINI")


def provider_overrides(url: str) -> dict[str, str]:
    """Environment that points every provider relay calls at one fake (and trusts its origin)."""
    host_port = url.split("://", 1)[1].rstrip("/")
    return {**{f"{name}_BASE_URL": url for name in PROVIDERS},
            "RELAY_TRUSTED_ORIGINS": f"http://{host_port}", "PROXY_PROBE_TARGET": "api.anthropic.com:443"}


def fresh(stack: Any) -> None:
    wipe_tables(stack, "relay")
