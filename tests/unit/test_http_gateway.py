"""The local API Gateway: route precedence, the event it builds, the answer it maps back, CORS, and API Gateway's
and Lambda's limits (payload sizes, header sizes, the integration timeout, methods, malformed requests)."""

import base64
import contextlib
import json
import socket
import textwrap
import threading
import time
from pathlib import Path

import pytest

from devstack.http_gateway import (
    MAX_REQUEST_BYTES,
    Cors,
    HttpApi,
    RouteTable,
    answer_from_invocation,
    build_event,
    compile_path,
    handler_class,
)
from devstack.logs import LogSink
from devstack.runtime import MAX_EVENT_BYTES, MAX_RESULT_BYTES, FunctionRuntime, Invocation, json_size
from devstack.template import FunctionSpec, HttpApiSpec, HttpRoute, open_suite
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


# ------------------------------------------------------------------------------------------------ limits

MB = 1024 * 1024


class FakeRuntime:
    """A function that answers `result` after `delay` seconds (no worker process)."""

    def __init__(self, result=None, *, delay=0.0):
        self.result = {"statusCode": 200, "body": "ok"} if result is None else result
        self.delay = delay
        self.events = []

    def invoke(self, event):
        self.events.append(event)
        time.sleep(self.delay)
        return Invocation("r", result=self.result)


def api(*routes, timeout_ms=30000):
    """An HTTP API (no sockets) whose routes are (method, path, runtime)."""
    result = RouteTable()
    for method, path, runtime in routes:
        result.add(HttpRoute(method=method, path=path, api="Api", event_name="E", timeout_ms=timeout_ms), runtime)
    return HttpApi(service="demo", api=HttpApiSpec("Api", None), table=result, logs=LogSink(quiet=True))


def function_runtime():
    spec = FunctionSpec(stack=None, logical_id="Fn", handler="app.handler", code_dir=Path("."), layer_dirs=[],
                        runtime="python3.12", timeout=3, memory=128, environment={})
    return FunctionRuntime(spec, {}, LogSink(quiet=True))


def call(gateway, method, path, body=b"", headers=()):
    return gateway.handle(method, path, list(headers), body, "127.0.0.1")


def test_a_body_over_10_mb_is_413_before_routing():
    gateway = api(("POST", "/items", FakeRuntime()))
    for path in ("/items", "/unknown"):
        answer = call(gateway, "POST", path, b"x" * (MAX_REQUEST_BYTES + 1))
        assert (answer.status, json.loads(answer.body)) == (413, {"message": "Request Entity Too Large"})


def test_an_event_over_lambdas_6_mib_is_413_and_nothing_runs(monkeypatch):
    runtime = function_runtime()
    monkeypatch.setattr(runtime, "_acquire", lambda _id: pytest.fail("no worker may be started"))
    gateway = api(("POST", "/items", runtime))
    text = call(gateway, "POST", "/items", b"x" * (6 * MB + 1), [("content-type", "text/plain")])
    assert (text.status, json.loads(text.body)) == (413, {"message": "Request Entity Too Large"})
    # 4.7 MB of binary is 6.3 MB of base64 in the event: Lambda refuses the event, not the body
    binary = call(gateway, "POST", "/items", b"\x89" * (47 * MB // 10), [("content-type", "image/png")])
    assert binary.status == 413
    assert runtime.invocations == 0


def test_lambdas_event_limit_is_exact():
    assert MAX_EVENT_BYTES == 6_291_456
    assert json_size({"body": "é" * 3}) == len('{"body":"ééé"}'.encode())  # UTF-8, no escapes, no spaces


class _Worker:
    alive = True

    def __init__(self, result):
        self.result = result

    def call(self, event, request_id, timeout):
        return {"result": self.result}

    def kill(self):
        pass


def test_a_result_over_lambdas_limit_is_a_function_error_and_api_gateways_500(monkeypatch):
    runtime = function_runtime()
    body = "x" * (MAX_RESULT_BYTES - len('{"statusCode":200,"body":""}'))
    monkeypatch.setattr(runtime, "_acquire", lambda _id: (_Worker({"statusCode": 200, "body": body}), None))
    assert runtime.invoke({}).ok  # exactly at the limit
    monkeypatch.setattr(runtime, "_acquire", lambda _id: (_Worker({"statusCode": 200, "body": body + "x"}), None))
    invocation = runtime.invoke({})
    assert invocation.error["errorType"] == "Function.ResponseSizeTooLarge"
    assert invocation.result is None
    answer = answer_from_invocation(invocation)
    assert (answer.status, json.loads(answer.body)) == (500, {"message": "Internal Server Error"})


def test_a_function_slower_than_the_integration_timeout_is_503_and_runs_on():
    slow = FakeRuntime(delay=0.5)
    gateway = api(("GET", "/slow", slow), timeout_ms=100)
    started = time.monotonic()
    answer = call(gateway, "GET", "/slow")
    assert time.monotonic() - started < 0.45
    assert (answer.status, json.loads(answer.body)) == (503, {"message": "Service Unavailable"})
    assert len(slow.events) == 1  # invoked; its answer is dropped when it comes
    quick = api(("GET", "/quick", FakeRuntime(delay=0.05)), timeout_ms=100)
    assert call(quick, "GET", "/quick").status == 200


def test_the_integration_timeout_is_at_most_30_seconds(monkeypatch):
    waited = []
    monkeypatch.setattr("devstack.http_gateway._invoke_within",
                        lambda runtime, event, timeout: waited.append(timeout) or runtime.invoke(event))
    call(api(("GET", "/x", FakeRuntime()), timeout_ms=120_000), "GET", "/x")
    call(api(("GET", "/x", FakeRuntime()), timeout_ms=5_000), "GET", "/x")
    assert waited == [30.0, 5.0]


@pytest.mark.parametrize("method", ["TRACE", "CONNECT", "PROPFIND", "BREW"])
def test_methods_no_route_can_name_are_api_gateways_404(method):
    anything = FakeRuntime()
    gateway = api(("ANY", "/{proxy+}", anything))
    answer = call(gateway, method, "/health")
    assert (answer.status, json.loads(answer.body)) == (404, {"message": "Not Found"})
    assert anything.events == []
    assert call(gateway, "GET", "/health").status == 200


def test_template_routes_carry_their_integration_timeout(tmp_path):
    path = tmp_path / "template.yaml"
    path.write_text(textwrap.dedent("""
        Transform: AWS::Serverless-2016-10-31
        Resources:
          Fn:
            Type: AWS::Serverless::Function
            Properties:
              Handler: app.handler
              CodeUri: .
              Events:
                Quick: {Type: HttpApi, Properties: {Path: /quick, Method: GET, TimeoutInMillis: 5000}}
                Default: {Type: HttpApi, Properties: {Path: /default, Method: GET}}
    """))
    [fn] = open_suite(path).functions()
    assert {r.path: r.timeout_ms for r in fn.routes} == {"/quick": 5000, "/default": 30000}


# ------------------------------------------------------------------------------------------------ on the wire

def exchange(gateway, raw: bytes, *, chunk: int = 1 << 16):
    """Send raw bytes to the gateway's request handler over a socket pair; (status, headers, body) of the answer."""
    client, server = socket.socketpair()

    def serve():  # what socketserver does with a connection: handle it, then close it
        try:
            handler_class(gateway)(server, ("127.0.0.1", 40000), None)
        finally:
            server.close()

    worker = threading.Thread(target=serve)
    worker.start()
    for start in range(0, len(raw), chunk):
        try:
            client.sendall(raw[start:start + chunk])
        except (BrokenPipeError, ConnectionResetError):
            break  # the gateway answered and hung up before the request ended
    with contextlib.suppress(OSError):
        client.shutdown(socket.SHUT_WR)
    received = b""
    while data := client.recv(1 << 16):
        received += data
    worker.join(5)
    client.close()
    head, _, body = received.partition(b"\r\n\r\n")
    status_line, *header_lines = head.decode("latin-1").split("\r\n")
    headers = dict(line.split(": ", 1) for line in header_lines)
    return int(status_line.split()[1]), headers, body


def raw_request(request_line: str, *headers: str, body: bytes = b"") -> bytes:
    return ("\r\n".join([request_line, "Host: localhost", *headers]) + "\r\n\r\n").encode("latin-1") + body


def assert_json(answer, status, message):
    got_status, headers, body = answer
    assert (got_status, headers.get("Content-Type"), json.loads(body)) == (status, "application/json",
                                                                           {"message": message})


def test_request_line_and_headers_over_10240_bytes_are_431():
    echo = FakeRuntime()
    gateway = api(("GET", "/echo", echo))
    fits = 10240 - len("GET /echo HTTP/1.1") - len("localhost") - len("close")  # header names do not count
    ok = exchange(gateway, raw_request("GET /echo HTTP/1.1", "Connection: close", f"X-Big: {'a' * fits}"))
    assert ok[0] == 200
    too_big = exchange(gateway, raw_request("GET /echo HTTP/1.1", "Connection: close", f"X-Big: {'a' * (fits + 1)}"))
    assert_json(too_big, 431, "Request Header Fields Too Large")
    assert len(echo.events) == 1


@pytest.mark.parametrize(("raw", "status", "message"), [
    (raw_request("TRACE /echo HTTP/1.1"), 404, "Not Found"),
    (raw_request("BREW /echo HTTP/1.1"), 404, "Not Found"),
    (raw_request("GET /echo HTTX/1.1"), 400, "Bad Request"),
    (raw_request("GET /echo HTTP/9.9"), 505, "HTTP Version Not Supported"),
    (raw_request("GET /echo HTTP/2.0"), 505, "HTTP Version Not Supported"),
    (b"\x16\x03\x01 garbage\r\n\r\n", 400, "Bad Request"),
    (raw_request("GET /" + "a" * 70000 + " HTTP/1.1"), 431, "Request Header Fields Too Large"),
    (raw_request("GET /echo HTTP/1.1", "X-Long: " + "a" * 70000), 431, "Request Header Fields Too Large"),
    (raw_request("GET /echo HTTP/1.1", *[f"X-{i}: 1" for i in range(120)]), 431, "Request Header Fields Too Large"),
    (raw_request("POST /echo HTTP/1.1", "Content-Length: nope"), 400, "Bad Request"),
    (raw_request("POST /echo HTTP/1.1", "Content-Length: -1"), 400, "Bad Request"),
    (raw_request("POST /echo HTTP/1.1", "Content-Length: 1", "Content-Length: 2", body=b"ab"), 400, "Bad Request"),
    (raw_request("POST /echo HTTP/1.1", "Transfer-Encoding: gzip"), 400, "Bad Request"),
    (raw_request("POST /echo HTTP/1.1", "Transfer-Encoding: chunked", body=b"zz\r\n"), 400, "Bad Request"),
    (raw_request("POST /echo HTTP/1.1", "Content-Length: 10", body=b"short"), 400, "Bad Request"),
])
def test_malformed_requests_get_json_never_an_html_page(raw, status, message):
    echo = FakeRuntime()
    answer = exchange(api(("ANY", "/echo", echo)), raw)
    assert_json(answer, status, message)
    assert b"<html" not in answer[2].lower()
    assert echo.events == []


def test_a_declared_body_over_10_mb_is_413_without_reading_it_into_memory():
    answer = exchange(api(("POST", "/echo", FakeRuntime())),
                      raw_request("POST /echo HTTP/1.1", f"Content-Length: {MAX_REQUEST_BYTES + 1}",
                                  body=b"x" * (MAX_REQUEST_BYTES + 1)))
    assert_json(answer, 413, "Request Entity Too Large")
    assert answer[1]["Connection"] == "close"


def test_chunked_bodies_reach_the_function():
    echo = FakeRuntime()
    answer = exchange(api(("POST", "/echo", echo)),
                      raw_request("POST /echo HTTP/1.1", "Transfer-Encoding: chunked", "Connection: close",
                                  "Content-Type: application/json", body=b"4\r\n{\"a\"\r\n3;x=1\r\n:1}\r\n0\r\n\r\n"))
    assert answer[0] == 200
    assert echo.events[0]["body"] == '{"a":1}'
