"""The resolver factory: routes, and every failure rendered in the service's own envelope."""

import io
import json
import logging

import pytest
from aws_lambda_powertools import Logger
from pydantic import BaseModel, Field

from suite import observability
from suite.api import Router, docs_function, http_function
from suite.envelopes import PlainEnvelope, SuccessEnvelope, SuccessFlatEnvelope
from suite.errors import Conflict
from tests.support.lambda_events import FakeLambdaContext, http_event, response_json

router = Router()


class DeviceIn(BaseModel):
    name: str = Field(min_length=1, max_length=100)
    type: str = Field(pattern="^(desktop|mobile|web|cli)$")


@router.post("/device/register")
def register(device: DeviceIn):
    return SuccessEnvelope().created({"name": device.name})


@router.get("/device/<deviceId>")
def get_device(deviceId: str):
    if deviceId == "taken":
        raise Conflict("Device already bound", code="DEVICE_BOUND")
    if deviceId == "boom":
        raise RuntimeError("secret table name suite-prod-Devices leaked?")
    return {"id": deviceId}


def call(handler, event):
    return handler(event, FakeLambdaContext())


@pytest.fixture(scope="module")
def handler():
    return http_function(SuccessEnvelope(), router)[1]


def test_route_with_validated_body(handler):
    response = call(handler, http_event("POST", "/device/register", body={"name": "mac", "type": "cli"}))
    assert response["statusCode"] == 201
    assert response_json(response) == {"success": True, "data": {"name": "mac"}}


def test_schema_violation_is_a_400_in_the_envelope_naming_the_field(handler):
    response = call(handler, http_event("POST", "/device/register", body={"name": "", "type": "tablet"}))
    assert response["statusCode"] == 400
    body = response_json(response)
    assert body["success"] is False
    assert body["code"] == "VALIDATION_ERROR"
    assert body["error"].startswith("name:")
    assert {e["field"] for e in body["details"]["errors"]} == {"name", "type"}


def test_invalid_json_is_a_400_not_a_500(handler):
    response = call(handler, http_event("POST", "/device/register", raw_body=b"{not json"))
    assert response["statusCode"] == 400
    assert response_json(response)["error"] == "Request body must be a valid JSON object"


def test_api_error_keeps_its_status_and_code(handler):
    event = http_event("GET", "/device/taken", route="/device/{deviceId}", path_parameters={"deviceId": "taken"})
    response = call(handler, event)
    assert response["statusCode"] == 409
    assert response_json(response) == {"success": False, "error": "Device already bound", "code": "DEVICE_BOUND"}


def test_unexpected_exception_is_a_generic_500_without_details(monkeypatch):
    log_stream = io.StringIO()
    logger = Logger(service="api-error-test", logger_handler=logging.StreamHandler(log_stream))
    monkeypatch.setattr(observability, "logger", lambda: logger)
    handler = http_function(SuccessEnvelope(), router)[1]
    event = http_event("GET", "/device/boom", route="/device/{deviceId}", path_parameters={"deviceId": "boom"})
    response = call(handler, event)
    assert response["statusCode"] == 500
    assert response_json(response) == {"success": False, "error": "Internal server error", "code": "INTERNAL_ERROR"}
    assert "suite-prod-Devices" not in response["body"]
    assert "suite-prod-Devices" in log_stream.getvalue()  # the details go to the log, not to the caller


def test_unknown_route_is_a_404_in_the_envelope(handler):
    response = call(handler, http_event("GET", "/nope"))
    assert response["statusCode"] == 404
    assert response_json(response)["success"] is False


def test_validation_status_follows_the_envelope():
    handler = http_function(SuccessFlatEnvelope(), router)[1]
    response = call(handler, http_event("POST", "/device/register", body={"name": "x"}))
    assert response["statusCode"] == 422
    assert response_json(response)["error_code"] == "VALIDATION_ERROR"
    plain = http_function(PlainEnvelope(), router)[1]
    response = call(plain, http_event("POST", "/device/register", body={}))
    assert response["statusCode"] == 400
    assert response_json(response)["statusCode"] == 400


def test_docs_function_serves_openapi_and_swagger():
    handler = docs_function(SuccessEnvelope(), [router], title="Test API", version="9.9.9")[1]
    document = response_json(call(handler, http_event("GET", "/openapi.json")))
    assert document["info"] == {"title": "Test API", "version": "9.9.9"}
    assert set(document["paths"]) == {"/device/register", "/device/{deviceId}"}
    swagger = call(handler, http_event("GET", "/swagger"))
    assert swagger["statusCode"] == 200
    assert swagger["headers"]["Content-Type"] == "text/html"
    assert "swagger-ui" in swagger["body"].lower()
    assert json.loads(call(handler, http_event("GET", "/swagger", query="format=json"))["body"])["openapi"]


slashes = Router()


@slashes.get("/")
def root():
    return {"at": "root"}


@slashes.get("/items")
def items():
    return {"at": "items"}


@slashes.get("/items/<itemId>")
def item(itemId: str):
    return {"at": "item", "id": itemId}


@slashes.get("/items/<itemId>/parts")
def parts(itemId: str):
    return {"at": "parts", "id": itemId}


@pytest.mark.parametrize(("path", "expected"), [
    ("/items", {"at": "items"}),
    ("/items/", {"at": "items"}),
    ("/items/7", {"at": "item", "id": "7"}),
    ("/items/7/", {"at": "item", "id": "7"}),
    ("/items/7/parts/", {"at": "parts", "id": "7"}),
    ("/", {"at": "root"}),
    ("/items//", None),  # one trailing slash, never more
    ("//", None),  # `/` itself matches exactly
    ("/items/7//parts", None),
])
def test_one_trailing_slash_is_ignored_when_resolving(path, expected):
    """API Gateway routes `/items/` to the route `/items`; the resolver answers it instead of a 404."""
    handler = http_function(SuccessEnvelope(), slashes)[1]
    response = call(handler, http_event("GET", path))
    if expected is None:
        assert response["statusCode"] == 404
    else:
        assert response["statusCode"] == 200, response
        assert response_json(response) == expected


@pytest.mark.parametrize("path", ["/", "//", "/items", "/items/", "/items//", "/items/7", "/items/7/", "/items/7//",
                                  "/items/7/parts", "/items/7/parts/", "/nope/"])
def test_the_resolver_and_the_local_gateway_agree_on_trailing_slashes(path):
    """devstack's RouteTable (the local gateway and the tests' ApiClient) sends a path to a function exactly when
    the function's resolver then serves it."""
    from devstack.http_gateway import compile_path  # noqa: PLC0415

    templates = ["/", "/items", "/items/{itemId}", "/items/{itemId}/parts"]
    gateway_routes = any(compile_path(template)[0].match(path) for template in templates)
    handler = http_function(SuccessEnvelope(), slashes)[1]
    assert (call(handler, http_event("GET", path))["statusCode"] == 200) is gateway_routes


greedy = Router()


@greedy.get("/repos/<repo_id>/tags")
def repo_tags(repo_id: str):
    return {"tags": repo_id}


@greedy.get("/repos/<repo_id>/<git_path+>")
def repo_git(repo_id: str, git_path: str):
    return {"repo": repo_id, "git_path": git_path}


def test_a_greedy_parameter_takes_the_rest_of_the_path_and_a_literal_route_still_wins():
    handler = http_function(SuccessEnvelope(), greedy)[1]
    answer = call(handler, http_event("GET", "/repos/7/tools.git/info/refs"))
    assert response_json(answer) == {"repo": "7", "git_path": "tools.git/info/refs"}
    assert response_json(call(handler, http_event("GET", "/repos/7/tags"))) == {"tags": "7"}
    assert call(handler, http_event("GET", "/repos/7"))["statusCode"] == 404  # {name+} needs a segment


def test_a_greedy_parameter_is_an_ordinary_path_parameter_in_the_document():
    _, docs = docs_function(SuccessEnvelope(), [greedy], title="t", version="1")
    document = response_json(call(docs, http_event("GET", "/openapi.json")))
    operation = document["paths"]["/repos/{repo_id}/{git_path}"]["get"]
    assert {p["name"] for p in operation["parameters"] if p["in"] == "path"} == {"repo_id", "git_path"}
