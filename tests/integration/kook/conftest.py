"""kook integration tests: every kook function's handler on the session's moto stack (tests/integration/conftest.py,
resources from the real templates), fake providers (KOOK, Discord, Telegram, Feishu, GitHub) on 127.0.0.1, and the
shared test client (tests/support/api_client.py) with the admin's login.

Each test starts with empty kook tables and bucket. A test that changes the environment does it through the
client (`api.setenv(...)`): the client gives every request its function's template environment plus those
overrides, as a deployment would.
"""

from __future__ import annotations

import json
from collections.abc import Iterator
from typing import Any

import pytest

from devstack.fake_provider import FakeProvider
from kook.store import logs, secrets
from suite import aws, config
from suite.security import passwords
from tests.support.api_client import Answer, ApiClient
from tests.support.moto_stack import wipe_tables

PASSWORD = "admin-pass-1"
PROVIDERS = ("KOOK", "DISCORD", "TELEGRAM", "FEISHU", "GITHUB_API")
LOGGED_IN = object()  # `token=` default: send the client's login token


@pytest.fixture(scope="package")
def fake():
    with FakeProvider() as provider:
        yield provider


class KookApi(ApiClient):
    """The shared client with the admin's login: every request carries the login token as `X-API-Token` unless it
    says otherwise (`token=None`: anonymous, `token="..."`: that token)."""

    def __init__(self, stack: Any, monkeypatch: pytest.MonkeyPatch, *, overrides: dict[str, str]) -> None:
        super().__init__(stack, "kook", monkeypatch, overrides=overrides)
        self.functions = [f for f in stack.stack("kook").functions() if f.routes]
        self.token: str | None = None

    def request(self, method: str, path: str, body: Any = None, *, token: Any = LOGGED_IN,
                headers: dict[str, str] | None = None, **kwargs: Any) -> Answer:
        sent = dict(headers or {})
        chosen = self.token if token is LOGGED_IN else token
        if chosen:
            sent.setdefault("x-api-token", chosen)
        return super().request(method, path, body, headers=sent, **kwargs)

    def call(self, method: str, path: str, body: Any = None, **kwargs: Any) -> Answer:
        return self.request(method, path, body, **kwargs)

    def setenv(self, name: str, value: str) -> None:
        """Change one variable for this test's requests and direct calls (read afresh, as on a cold start)."""
        self.overrides[name] = value
        self.monkeypatch.setenv(name, value)
        config.reset_all()

    def login(self, password: str = PASSWORD) -> str:
        answer = self.post("/api/auth/login", {"password": password}, token=None)
        assert answer.status == 200, answer.body
        self.token = answer.body["token"]
        return self.token


def wipe_bucket(stack: Any) -> None:
    s3 = aws.client("s3")
    bucket = stack.function("kook.HealthFunction").environment["BACKUP_BUCKET"]
    for page in s3.get_paginator("list_object_versions").paginate(Bucket=bucket):
        for entry in page.get("Versions", []) + page.get("DeleteMarkers", []):
            s3.delete_object(Bucket=bucket, Key=entry["Key"], VersionId=entry["VersionId"])


def provider_overrides(fake: FakeProvider) -> dict[str, str]:
    """Every provider pointed at the fake (and the tests' own metrics namespace)."""
    return {**{f"{provider}_BASE_URL": fake.url for provider in PROVIDERS},
            "POWERTOOLS_METRICS_NAMESPACE": "Suite/kook-tests"}


@pytest.fixture
def kook_env(moto_stack, fake, monkeypatch) -> Iterator[dict[str, str]]:
    """The kook functions' environment (same Globals for all), providers pointed at the fake, empty tables."""
    env = {**moto_stack.function("kook.AccountsFunction").environment, **provider_overrides(fake)}
    for name, value in env.items():
        monkeypatch.setenv(name, value)
    config.reset_all()
    passwords.reset()
    secrets.reset()
    logs.forget_retention()
    fake.reset()
    wipe_tables(moto_stack, "kook")
    wipe_bucket(moto_stack)
    yield env
    fake.reset()
    config.reset_all()


@pytest.fixture
def anonymous(moto_stack, fake, kook_env, monkeypatch) -> KookApi:
    return KookApi(moto_stack, monkeypatch, overrides=provider_overrides(fake))


@pytest.fixture
def api(moto_stack, fake, kook_env, monkeypatch) -> KookApi:
    """A client with the admin password set up and a login token."""
    client = KookApi(moto_stack, monkeypatch, overrides=provider_overrides(fake))
    answer = client.post("/auth/setup", {"password": PASSWORD}, token=None)
    assert answer.status == 200, answer.body
    client.login()
    return client


def kook_page(items: list[dict[str, Any]], *, page: int = 1, page_total: int = 1) -> dict[str, Any]:
    return {"code": 0, "message": "", "data": {"items": items, "meta": {"page": page, "page_total": page_total,
                                                                        "page_size": 100, "total": len(items)}}}


def scripted_kook(fake: FakeProvider, guilds: list[dict[str, Any]], channels: dict[str, list[dict[str, Any]]]) -> None:
    """KOOK's /guild/list and /channel/list?guild_id= on the fake."""
    fake.respond(json=kook_page(guilds), path="/api/v3/guild/list")

    def channel_list(request):
        guild = request.query.get("guild_id", [""])[0]
        body = json.dumps(kook_page(channels.get(guild, []))).encode()
        return 200, {"Content-Type": "application/json"}, body

    fake.respond_with(channel_list, path="/api/v3/channel/list")


@pytest.fixture
def pipeline(moto_stack, kook_env, monkeypatch) -> Iterator[dict[str, str]]:
    """The forwarding pipeline's environment: empty queues (DLQs included) and media bucket, cold caches; the
    queues are emptied again afterwards, so other tests see an idle pipeline."""
    from kook.logic import live_push, pacing, webhook  # noqa: PLC0415
    from kook.providers import feishu  # noqa: PLC0415
    from tests.integration.kook.pipeline_support import purge  # noqa: PLC0415

    monkeypatch.setenv("MOTO_SQS_ENFORCE_STRICT_QUEUE_PURGE_BEHAVIOUR", "false")  # purge between tests
    env = dict(kook_env)
    for name, value in moto_stack.function("kook.ReplayFunction").environment.items():
        if name.endswith("_DLQ_URL"):
            env[name] = value
            monkeypatch.setenv(name, value)
    queues = [value for name, value in env.items() if name.endswith(("_QUEUE_URL", "_DLQ_URL"))]
    for url in queues:
        purge(url)
    s3 = aws.client("s3")
    for page in s3.get_paginator("list_objects_v2").paginate(Bucket=env["MEDIA_BUCKET"]):
        for entry in page.get("Contents", []):
            s3.delete_object(Bucket=env["MEDIA_BUCKET"], Key=entry["Key"])
    pacing.reset()
    monkeypatch.setattr(pacing, "interval", lambda _platform: 0.0)  # pacing itself: tests/unit/kook
    webhook._opened.cache_clear()
    live_push.forget_listeners()
    feishu._tokens.clear()
    yield env
    for url in queues:
        purge(url)
