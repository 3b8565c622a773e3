"""kook integration tests: every kook function's handler on moto (resources from the real templates), fake
providers (KOOK, Discord, Telegram, Feishu, GitHub) on 127.0.0.1, one authenticated client per test.

The moto suite lives for the whole package; each test starts with empty kook tables and bucket.
"""

from __future__ import annotations

import base64
import importlib
import json
import re
from collections.abc import Iterator
from dataclasses import dataclass
from typing import Any

import pytest

from devstack.fake_provider import FakeProvider
from kook.store import logs, secrets
from suite import aws, config
from suite.security import passwords
from tests.support.lambda_events import FakeLambdaContext, http_event, response_json
from tests.support.moto_stack import moto_suite

PASSWORD = "admin-pass-1"
PROVIDERS = ("KOOK", "DISCORD", "TELEGRAM", "FEISHU", "GITHUB_API")
LOGGED_IN = object()  # `token=` default: send the client's login token


@pytest.fixture(scope="package")
def suite():
    with moto_suite() as loaded:
        yield loaded


@pytest.fixture(scope="package")
def fake():
    with FakeProvider() as provider:
        yield provider


@dataclass
class Answer:
    status: int
    body: Any
    raw: dict[str, Any]

    @property
    def headers(self) -> dict[str, str]:
        return {k.lower(): v for k, v in (self.raw.get("headers") or {}).items()}


class KookApi:
    """Calls the kook function that serves `method path`, the way API Gateway would route it."""

    def __init__(self, suite: Any) -> None:
        self.suite = suite
        self.functions = [f for f in suite.stack("kook").functions() if f.routes]
        self.token: str | None = None

    def _route(self, method: str, path: str) -> tuple[Any, str, dict[str, str]]:
        dynamic = []
        for function in self.functions:
            for route in function.routes:
                if route.method != method:
                    continue
                if route.path == path:
                    return function, route.path, {}
                if "{" in route.path:
                    dynamic.append((function, route.path))
        for function, template in dynamic:
            pattern = "^" + re.sub(r"\\\{(\w+)\\\}", r"(?P<\1>[^/]+)", re.escape(template)) + "$"
            match = re.match(pattern, path)
            if match:
                return function, template, match.groupdict()
        raise AssertionError(f"no kook route serves {method} {path}")

    def call(self, method: str, path: str, body: Any = None, *, query: str = "", token: Any = LOGGED_IN,
             headers: dict[str, str] | None = None, raw_body: bytes | None = None,
             source_ip: str = "127.0.0.1") -> Answer:
        function, template, params = self._route(method, path)
        config.reset_all()  # the environment may have changed since the last request (as on a cold start)
        sent = dict(headers or {})
        chosen = self.token if token is LOGGED_IN else token
        if chosen:
            sent.setdefault("x-api-token", chosen)
        event = http_event(method, path, route=template, body=body, headers=sent, query=query,
                           path_parameters=params, raw_body=raw_body)
        event["requestContext"]["http"]["sourceIp"] = source_ip
        module = importlib.import_module(function.handler.rsplit(".", 1)[0])
        raw = module.handler(event, FakeLambdaContext(function_name=function.name))
        try:
            body_out = response_json(raw)
        except ValueError:  # a CSV or other text download
            body_out = base64.b64decode(raw["body"]).decode() if raw.get("isBase64Encoded") else raw.get("body")
        return Answer(raw["statusCode"], body_out, raw)

    def get(self, path: str, **kwargs: Any) -> Answer:
        return self.call("GET", path, **kwargs)

    def post(self, path: str, body: Any = None, **kwargs: Any) -> Answer:
        return self.call("POST", path, body, **kwargs)

    def put(self, path: str, body: Any = None, **kwargs: Any) -> Answer:
        return self.call("PUT", path, body, **kwargs)

    def delete(self, path: str, **kwargs: Any) -> Answer:
        return self.call("DELETE", path, **kwargs)

    def login(self, password: str = PASSWORD) -> str:
        answer = self.post("/api/auth/login", {"password": password}, token=None)
        assert answer.status == 200, answer.body
        self.token = answer.body["token"]
        return self.token


def wipe_tables(suite: Any) -> None:
    """Delete every item of the kook tables (tests may Scan; shipped code never does)."""
    ddb = aws.client("dynamodb")
    for variable in ("CONFIG_TABLE", "LOGS_TABLE"):
        table = _env_value(suite, variable)
        paginator = ddb.get_paginator("scan")
        for page in paginator.paginate(TableName=table, ProjectionExpression="pk, sk"):
            for item in page["Items"]:
                ddb.delete_item(TableName=table, Key={"pk": item["pk"], "sk": item["sk"]})


def wipe_bucket(suite: Any) -> None:
    s3 = aws.client("s3")
    bucket = _env_value(suite, "BACKUP_BUCKET")
    for page in s3.get_paginator("list_object_versions").paginate(Bucket=bucket):
        for entry in page.get("Versions", []) + page.get("DeleteMarkers", []):
            s3.delete_object(Bucket=bucket, Key=entry["Key"], VersionId=entry["VersionId"])


def _env_value(suite: Any, name: str) -> str:
    return suite.function("kook.HealthFunction").environment[name]


@pytest.fixture
def kook_env(suite, fake, monkeypatch) -> Iterator[dict[str, str]]:
    """The kook functions' environment (same Globals for all), providers pointed at the fake, empty tables."""
    env = dict(suite.function("kook.AccountsFunction").environment)
    for name, value in env.items():
        monkeypatch.setenv(name, value)
    for provider in PROVIDERS:
        monkeypatch.setenv(f"{provider}_BASE_URL", fake.url)
    monkeypatch.setenv("POWERTOOLS_METRICS_NAMESPACE", "Suite/kook-tests")
    config.reset_all()
    passwords.reset()
    secrets.reset()
    logs.forget_retention()
    fake.reset()
    wipe_tables(suite)
    wipe_bucket(suite)
    yield env
    fake.reset()


@pytest.fixture
def api(suite, kook_env) -> KookApi:
    """A client with the admin password set up and a login token."""
    client = KookApi(suite)
    answer = client.post("/auth/setup", {"password": PASSWORD}, token=None)
    assert answer.status == 200, answer.body
    client.login()
    return client


@pytest.fixture
def anonymous(suite, kook_env) -> KookApi:
    return KookApi(suite)


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
def pipeline(suite, kook_env, monkeypatch) -> Iterator[dict[str, str]]:
    """The forwarding pipeline's environment: empty queues (DLQs included) and media bucket, cold caches; the
    queues are emptied again afterwards, so other tests see an idle pipeline."""
    from kook.logic import live_push, pacing, webhook  # noqa: PLC0415
    from kook.providers import feishu  # noqa: PLC0415
    from tests.integration.kook.pipeline_support import purge  # noqa: PLC0415

    monkeypatch.setenv("MOTO_SQS_ENFORCE_STRICT_QUEUE_PURGE_BEHAVIOUR", "false")  # purge between tests
    env = dict(kook_env)
    for name, value in suite.function("kook.ReplayFunction").environment.items():
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
