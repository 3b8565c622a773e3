"""The five health functions answer exactly the shapes of their specs, from their events/ files."""

import importlib
import re

import pytest

from tests.support.lambda_events import FakeLambdaContext, load_event, response_json
from tests.support.moto_stack import moto_suite, use_function_env

ISO_MS = re.compile(r"\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{3}Z")


@pytest.fixture(scope="module")
def suite():
    with moto_suite() as loaded:
        yield loaded


def invoke(monkeypatch, suite, key, event_file):
    spec = suite.function(key)
    use_function_env(monkeypatch, suite, key)
    module = importlib.import_module(spec.handler.rsplit(".", 1)[0])
    return module.handler(load_event(event_file), FakeLambdaContext(function_name=spec.name))


def test_ccjk(monkeypatch, suite):
    response = invoke(monkeypatch, suite, "ccjk.HealthFunction", "ccjk/health.json")
    body = response_json(response)
    assert response["statusCode"] == 200
    assert set(body) == {"status", "timestamp"}
    assert body["status"] == "ok"
    assert ISO_MS.fullmatch(body["timestamp"])


@pytest.mark.parametrize(("service", "expected"), [
    ("kook", {"status": "healthy"}),
    ("relay", {"status": "ok"}),
    ("certctrl", {"data": {"status": "ok"}}),
])
def test_fixed_shapes(monkeypatch, suite, service, expected):
    response = invoke(monkeypatch, suite, f"{service}.HealthFunction", f"{service}/health.json")
    assert response["statusCode"] == 200
    assert response["headers"]["Content-Type"] == "application/json"
    assert response_json(response) == expected


def test_classworks_check(monkeypatch, suite):
    response = invoke(monkeypatch, suite, "classworks.HealthFunction", "classworks/health.json")
    body = response_json(response)
    assert set(body) == {"status", "message", "time"}
    assert body["status"] == "success"
    assert body["message"] == "Classworks KV is running"
    assert isinstance(body["time"], int)
    assert body["time"] > 1_700_000_000_000  # milliseconds


@pytest.mark.parametrize("service", ["ccjk", "kook", "relay", "classworks", "certctrl"])
def test_docs_function_serves_the_openapi_document(monkeypatch, suite, service):
    document = response_json(invoke(monkeypatch, suite, f"{service}.DocsFunction", f"{service}/docs.json"))
    assert document["openapi"].startswith("3.")
    health_path = "/api/check" if service == "classworks" else "/health"
    assert "get" in document["paths"][health_path]
