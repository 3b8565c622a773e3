"""The local API Gateway: route precedence, the event it builds, the answer it maps back, CORS."""

import base64
import json

import pytest

from devstack.http_gateway import Cors, RouteTable, answer_from_invocation, build_event, compile_path
from devstack.runtime import Invocation
from devstack.template import HttpRoute
from tests.support.lambda_events import REPO_ROOT


def table(*routes):
    result = RouteTable()
    for method, path in routes:
        result.add(HttpRoute(method=method, path=path, api="Api", event_name=path), runtime=f"{method} {path}")
    return result


def test_literal_beats_parameter_beats_greedy_and_method_beats_any():
    routes = table(("GET", "/apps/{id}"), ("GET", "/apps/with-permission-key"), ("ANY", "/{proxy+}"),
                   ("ANY", "/apps/{id}"), ("POST", "/apps/{id}/install/{deviceUuid}"))
    bound, params, _ = routes.match("GET", "/apps/with-permission-key")
    assert bound.route.path == "/apps/with-permission-key"
    bound, params, _ = routes.match("GET", "/apps/42")
    assert (bound.route.method, bound.route.path, params) == ("GET", "/apps/{id}", {"id": "42"})
    bound, params, _ = routes.match("DELETE", "/apps/42")
    assert (bound.route.method, bound.route.path) == ("ANY", "/apps/{id}")
    bound, params, _ = routes.match("GET", "/a/b/c")
    assert (bound.route.path, params) == ("/{proxy+}", {"proxy": "a/b/c"})
    bound, params, _ = routes.match("POST", "/apps/7/install/d%2F1")
    assert params == {"id": "7", "deviceUuid": "d/1"}


def test_no_match_reports_whether_the_path_exists():
    routes = table(("GET", "/health"))
    assert routes.match("POST", "/health") == (None, {}, True)
    assert routes.match("GET", "/nope") == (None, {}, False)


def test_greedy_parameter_must_be_last():
    with pytest.raises(ValueError, match="greedy"):
        compile_path("/{proxy+}/x")


def test_event_has_the_shape_sam_generates():
    golden = json.loads((REPO_ROOT / "tests/fixtures/http-api-proxy.sam.json").read_text())
    event = build_event(method="POST", raw_path="/path/to/resource", raw_query="parameter1=value1&parameter1=value2"
                        "&parameter2=value", headers=[("Header1", "value1"), ("Header2", "value1"),
                                                      ("Header2", "value2"), ("Cookie", "cookie1; cookie2"),
                                                      ("Host", "id.execute-api.us-east-1.amazonaws.com")],
                        body=b'{"test":"body"}', route_key="$default", path_parameters={"parameter1": "value1"},
                        source_ip="192.168.0.1", api_id="api-id")
    ignored = {"authentication", "authorizer"}  # mTLS and JWT authorizers are not part of our APIs
    assert set(golden["requestContext"]) - ignored == set(event["requestContext"])
    assert set(golden["requestContext"]["http"]) == set(event["requestContext"]["http"])
    assert set(golden) - {"stageVariables"} == set(event)
    assert event["cookies"] == golden["cookies"]
    assert event["queryStringParameters"] == golden["queryStringParameters"]
    assert event["headers"]["header2"] == "value1,value2"
    assert "cookie" not in event["headers"]
    assert event["body"] == '{"test":"body"}'
    assert event["isBase64Encoded"] is False


def test_binary_bodies_are_base64():
    event = build_event(method="PUT", raw_path="/f", raw_query="", headers=[("content-type", "image/png")],
                        body=b"\x89PNG\x00", route_key="PUT /f", path_parameters={}, source_ip="1.2.3.4", api_id="a")
    assert event["isBase64Encoded"] is True
    assert base64.b64decode(event["body"]) == b"\x89PNG\x00"


def test_answers_are_mapped_like_payload_format_2():
    answer = answer_from_invocation(Invocation("r", result={
        "statusCode": 201, "headers": {"X-A": "1"}, "cookies": ["s=1; HttpOnly"], "body": "aGk=",
        "isBase64Encoded": True}))
    assert answer.status == 201
    assert ("Set-Cookie", "s=1; HttpOnly") in answer.headers
    assert answer.body == b"hi"
    plain = answer_from_invocation(Invocation("r", result={"hello": "world"}))
    assert (plain.status, json.loads(plain.body)) == (200, {"hello": "world"})
    failed = answer_from_invocation(Invocation("r", error={"errorType": "Sandbox.Timedout"}))
    assert (failed.status, json.loads(failed.body)) == (500, {"message": "Internal Server Error"})


def test_cors_preflight_and_decoration():
    cors = Cors({"AllowOrigins": ["https://app.example"], "AllowMethods": ["GET", "POST"],
                 "AllowHeaders": ["content-type", "x-device-token"], "MaxAge": 600})
    answer = cors.preflight("https://app.example", "POST", "Content-Type, X-Device-Token, X-Other")
    headers = dict(answer.headers)
    assert answer.status == 204
    assert headers["Access-Control-Allow-Origin"] == "https://app.example"
    assert headers["Access-Control-Allow-Headers"] == "Content-Type,X-Device-Token"
    assert headers["Access-Control-Max-Age"] == "600"
    denied = cors.preflight("https://evil.example", "POST", None)
    assert "Access-Control-Allow-Origin" not in dict(denied.headers)
    wildcard = Cors({"AllowOrigins": ["*"], "AllowMethods": ["*"]})
    answer = answer_from_invocation(Invocation("r", result={"ok": True}))
    wildcard.decorate("https://any.example", answer)
    assert ("Access-Control-Allow-Origin", "*") in answer.headers
