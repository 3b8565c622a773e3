"""`make dev` serves the five services with the exact health shapes, their OpenAPI documents and API
Gateway's behaviour (404s, CORS), and the control API and CLI work against it."""

import json
import re
import subprocess
import sys

import pytest
import requests

from tests.support.lambda_events import REPO_ROOT

HEALTH = {
    "ccjk": "/health",
    "kook": "/health",
    "relay": "/health",
    "classworks": "/api/check",
    "certctrl": "/health",
}


def get(stack, service, path, **kwargs):
    return requests.get(stack.url(service) + path, timeout=30, **kwargs)


def test_the_five_services_are_served(suite_stack):
    assert set(suite_stack.status["services"]) == set(HEALTH)


def test_ccjk_health(suite_stack):
    response = get(suite_stack, "ccjk", "/health")
    assert response.status_code == 200
    assert response.headers["Content-Type"] == "application/json"
    body = response.json()
    assert set(body) == {"status", "timestamp"}
    assert body["status"] == "ok"
    assert re.fullmatch(r"\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{3}Z", body["timestamp"])


@pytest.mark.parametrize(("service", "expected"), [
    ("kook", {"status": "healthy"}),
    ("relay", {"status": "ok"}),
    ("certctrl", {"data": {"status": "ok"}}),
])
def test_fixed_health_shapes(suite_stack, service, expected):
    response = get(suite_stack, service, "/health")
    assert response.status_code == 200
    assert response.json() == expected


def test_classworks_check(suite_stack):
    body = get(suite_stack, "classworks", "/api/check").json()
    assert body["status"] == "success"
    assert body["message"] == "Classworks KV is running"
    assert isinstance(body["time"], int)


@pytest.mark.parametrize("service", sorted(HEALTH))
def test_openapi_document_and_swagger_ui(suite_stack, service):
    document = get(suite_stack, service, "/openapi.json").json()
    assert HEALTH[service] in document["paths"]
    swagger = get(suite_stack, service, "/swagger")
    assert swagger.status_code == 200
    assert swagger.headers["Content-Type"].startswith("text/html")


def test_unknown_route_gets_api_gateways_404(suite_stack):
    # kook declares no `$default` route, so the gateway answers itself
    response = requests.post(suite_stack.url("kook") + "/health", timeout=30)
    assert response.status_code == 404
    assert response.json() == {"message": "Not Found"}


def test_a_default_route_answers_unknown_routes_in_the_services_envelope(suite_stack):
    # ccjk's `$default` route (FallbackFunction) takes what no route serves, a known path's other methods included
    response = requests.post(suite_stack.url("ccjk") + "/health", timeout=30)
    assert response.status_code == 404
    assert response.json()["code"] == "NOT_FOUND"
    assert response.json()["success"] is False


def test_api_gateways_limits_hold_on_a_real_port(suite_stack):
    url = suite_stack.url("ccjk")
    trace = requests.request("TRACE", url + "/health", timeout=30)
    assert (trace.status_code, trace.json()) == (404, {"message": "Not Found"})
    headers = requests.get(url + "/health", headers={"X-Big": "a" * 10240}, timeout=30)
    assert (headers.status_code, headers.json()) == (431, {"message": "Request Header Fields Too Large"})
    body = requests.post(url + "/device/register", data=b"x" * (6 * 1024 * 1024), timeout=60,
                         headers={"Content-Type": "application/json"})
    assert (body.status_code, body.json()) == (413, {"message": "Request Entity Too Large"})
    assert requests.get(url + "/health", timeout=30).status_code == 200  # the gateway is still serving


def test_cors_preflight_is_answered_by_the_gateway(suite_stack):
    response = requests.options(suite_stack.url("ccjk") + "/health", timeout=30, headers={
        "Origin": "https://app.example", "Access-Control-Request-Method": "GET",
        "Access-Control-Request-Headers": "X-Device-Token"})
    assert response.status_code == 204
    assert response.headers["Access-Control-Allow-Origin"] == "*"
    assert response.headers["Access-Control-Allow-Headers"] == "X-Device-Token"


def test_cli_invokes_a_function_through_the_running_stack(suite_stack):
    result = subprocess.run(
        [sys.executable, "-m", "devstack", "--control", suite_stack.control, "invoke", "relay.HealthFunction",
         "-e", "events/relay/health.json"],
        cwd=REPO_ROOT, capture_output=True, text=True, timeout=120, check=True)
    answer = json.loads(result.stdout)
    assert answer["error"] is None
    assert json.loads(answer["result"]["body"]) == {"status": "ok"}


def test_status_counts_invocations(suite_stack):
    get(suite_stack, "kook", "/health")
    status = requests.get(suite_stack.control + "/status", timeout=30).json()
    assert status["functions"]["kook.HealthFunction"]["invocations"] >= 1
