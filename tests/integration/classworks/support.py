"""The request client of the classworks integration tests (see conftest.py for the fixtures)."""

from __future__ import annotations

import importlib
import json
import uuid
from dataclasses import dataclass
from typing import Any
from urllib.parse import urlencode

import pytest

from classworks.logic import apps
from devstack.http_gateway import RouteTable
from tests.support.lambda_events import FakeLambdaContext, http_event
from tests.support.moto_stack import use_function_env


@dataclass
class Answer:
    status: int
    headers: dict[str, str]
    text: str

    @property
    def json(self) -> Any:
        return json.loads(self.text) if self.text else None


class Api:
    def __init__(self, monkeypatch: pytest.MonkeyPatch, suite: Any) -> None:
        self.monkeypatch = monkeypatch
        self.suite = suite
        self.routes = RouteTable()
        for function in suite.stack("classworks").functions():
            for route in function.routes:
                self.routes.add(route, function)
        # Logic called directly (fixtures) sees the same tables as the functions.
        use_function_env(monkeypatch, suite, "classworks.KvFunction")

    def env(self, function_key: str) -> dict[str, str]:
        return use_function_env(self.monkeypatch, self.suite, function_key)

    def __call__(self, method: str, path: str, *, body: Any = None, raw_body: bytes | None = None,
                 headers: dict[str, str] | None = None, query: dict[str, Any] | str = "",
                 ip: str = "127.0.0.1") -> Answer:
        bound, params, _ = self.routes.match(method, path)
        assert bound is not None, f"no route for {method} {path}"
        function = bound.runtime
        use_function_env(self.monkeypatch, self.suite, function.key)
        raw_query = query if isinstance(query, str) else urlencode(query)
        event = http_event(method, path, route=bound.route.path, body=body, raw_body=raw_body,
                           headers=headers, query=raw_query, path_parameters=params)
        event["requestContext"]["http"]["sourceIp"] = ip
        module = importlib.import_module(function.handler.rsplit(".", 1)[0])
        result = module.handler(event, FakeLambdaContext(function_name=function.name))
        return Answer(result["statusCode"], dict(result.get("headers") or {}), result.get("body") or "")

    # --- fixtures as one-liners ----------------------------------------------------------------------
    def app(self, prefix: str | None = None, **fields: Any) -> dict[str, Any]:
        prefix = prefix or f"app{uuid.uuid4().hex[:8]}"
        spec = {"name": f"App {prefix}", "description": "d", "developerName": "dev", "permissionPrefix": prefix,
                **fields}
        app, _created = apps.save_app(apps.AppSpec.model_validate(spec))
        return app

    def device(self, **fields: Any) -> str:
        device_uuid = fields.pop("uuid", None) or f"dev-{uuid.uuid4().hex[:12]}"
        answer = self("POST", "/api/devices", body={"uuid": device_uuid, "deviceName": "Room 301", **fields})
        assert answer.status == 201, answer.text
        return device_uuid

    def install(self, app_id: int, device_uuid: str, **kwargs: Any) -> str:
        answer = self("POST", f"/api/apps/{app_id}/install/{device_uuid}", **kwargs)
        assert answer.status == 200, answer.text
        return answer.json["token"]


def bearer(token: str) -> dict[str, str]:
    return {"Authorization": f"Bearer {token}"}


def stored_items(table_env: str = "CLASSWORKS_TABLE") -> list[dict[str, Any]]:
    """Every raw item of a table (tests only: shipped code never scans), to look at what is at rest."""
    import os  # noqa: PLC0415

    from suite import aws  # noqa: PLC0415

    ddb = aws.client("dynamodb")
    items: list[dict[str, Any]] = []
    request: dict[str, Any] = {"TableName": os.environ[table_env]}
    while True:
        page = ddb.scan(**request)
        items.extend(page["Items"])
        if "LastEvaluatedKey" not in page:
            return items
        request["ExclusiveStartKey"] = page["LastEvaluatedKey"]
