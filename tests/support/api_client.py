"""The one test client of the integration tests: a request goes where API Gateway would send it.

    client = ApiClient(moto_stack, "ccjk", monkeypatch)
    answer = client.post("/device/register", {"name": "laptop"})
    answer.status, answer.json, answer.headers["content-type"], answer.text

The route is matched against the service template's routes with API Gateway's precedence (devstack's
RouteTable, the same code the local stack uses), the event is built as the local stack builds it, and the
function's real handler runs with exactly that function's template environment (set with monkeypatch, plus any
`overrides` the test gives, e.g. provider base URLs pointing at fakes).
"""

from __future__ import annotations

import base64
import importlib
import json
from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any
from urllib.parse import urlencode

import pytest

from devstack.http_gateway import RouteTable, build_event
from devstack.template import FunctionSpec, Suite
from tests.support.lambda_events import FakeLambdaContext, http_event


@dataclass
class Answer:
    """One response: status, headers (lower-case names), the body as text and, when it is JSON, parsed."""

    status: int
    headers: dict[str, str]
    text: str
    function: str = ""
    raw: dict[str, Any] = field(default_factory=dict, repr=False)

    @property
    def json(self) -> Any:
        return json.loads(self.text) if self.text else None

    @property
    def body(self) -> Any:
        """The parsed JSON body, or the text when the body is not JSON (CSV downloads, HTML)."""
        try:
            return self.json
        except ValueError:
            return self.text


class ApiClient:
    def __init__(self, stack: Suite, service: str, monkeypatch: pytest.MonkeyPatch, *,
                 overrides: Mapping[str, str] | None = None, default_headers: Mapping[str, str] | None = None,
                 source_ip: str = "127.0.0.1") -> None:
        self.stack = stack
        self.service = service
        self.monkeypatch = monkeypatch
        self.overrides = dict(overrides or {})
        self.default_headers = dict(default_headers or {})
        self.source_ip = source_ip
        self.routes = RouteTable()
        for function in stack.stack(service).functions():
            for route in function.routes:
                self.routes.add(route, function)

    # -- environment --------------------------------------------------------------------------------------------
    def use_env(self, function: FunctionSpec | str) -> dict[str, str]:
        """Give the test process a function's template environment (and the test's overrides)."""
        spec = self.stack.function(function) if isinstance(function, str) else function
        env = {**spec.environment, **self.overrides}
        for name, value in env.items():
            self.monkeypatch.setenv(name, value)
        from suite import config  # noqa: PLC0415 (the layer is imported once the environment is known)

        config.reset_all()
        return env

    # -- requests -----------------------------------------------------------------------------------------------
    def request(self, method: str, path: str, body: Any = None, *, raw_body: bytes | None = None,
                headers: Mapping[str, str] | None = None, query: Mapping[str, Any] | str = "",
                source_ip: str | None = None, base64_body: bool = False) -> Answer:
        bound, params, _known = self.routes.match(method, path)
        if bound is None:
            raise AssertionError(f"no {self.service} route serves {method} {path}")
        function = bound.runtime
        self.use_env(function)
        raw_query = query if isinstance(query, str) else urlencode(query, doseq=True)
        sent = {**self.default_headers, **(headers or {})}
        event = http_event(method, path, route=bound.route.path, body=body, raw_body=raw_body, headers=sent,
                           query=raw_query, path_parameters=params)
        event["requestContext"]["http"]["sourceIp"] = source_ip or self.source_ip
        if base64_body and event.get("body"):
            data = event["body"].encode("utf-8", errors="surrogatepass") if not event["isBase64Encoded"] else \
                base64.b64decode(event["body"])
            event["body"], event["isBase64Encoded"] = base64.b64encode(data).decode(), True
        return self._invoke(function, event)

    def send(self, method: str, raw_path: str, raw_query: str, headers: list[tuple[str, str]],
             body: bytes) -> Answer | None:
        """A request exactly as it came off the wire (the fuzzing bridge): no header added, nothing encoded.
        None when no route matches (API Gateway answers that itself)."""
        bound, params, _known = self.routes.match(method, raw_path)
        if bound is None:
            return None
        event = build_event(method=method, raw_path=raw_path, raw_query=raw_query,
                            headers=[*headers, ("host", "localhost")], body=body,
                            route_key=f"{method} {bound.route.path}", path_parameters=params,
                            source_ip=self.source_ip, api_id="test")
        self.use_env(bound.runtime)
        return self._invoke(bound.runtime, event)

    def _invoke(self, function: FunctionSpec, event: dict[str, Any]) -> Answer:
        module = importlib.import_module(function.handler.rsplit(".", 1)[0])
        handler = getattr(module, function.handler.rsplit(".", 1)[1])
        raw = handler(event, FakeLambdaContext(function_name=function.name))
        text = raw.get("body") or ""
        if raw.get("isBase64Encoded"):
            text = base64.b64decode(text).decode("utf-8", errors="replace")
        headers_out = {str(k).lower(): str(v) for k, v in (raw.get("headers") or {}).items()}
        return Answer(raw["statusCode"], headers_out, text, function.key, raw)

    def get(self, path: str, **kwargs: Any) -> Answer:
        return self.request("GET", path, **kwargs)

    def post(self, path: str, body: Any = None, **kwargs: Any) -> Answer:
        return self.request("POST", path, body, **kwargs)

    def put(self, path: str, body: Any = None, **kwargs: Any) -> Answer:
        return self.request("PUT", path, body, **kwargs)

    def patch(self, path: str, body: Any = None, **kwargs: Any) -> Answer:
        return self.request("PATCH", path, body, **kwargs)

    def delete(self, path: str, **kwargs: Any) -> Answer:
        return self.request("DELETE", path, **kwargs)
