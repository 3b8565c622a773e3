"""Credentials declared on routes (suite.auth), bodies read strictly (suite.body) and the OpenAPI document that
tells the truth (suite.openapi), through a small service built the way every service is."""

import base64
import json
from typing import Annotated

import pytest
from aws_lambda_powertools.event_handler.openapi.params import Body, Query
from pydantic import BaseModel, Field

from suite import auth
from suite.api import Router, docs_function, http_function
from suite.envelopes import CodeMessageEnvelope, SuccessEnvelope, SuccessFlatEnvelope
from suite.errors import BadRequest, Forbidden, NotFound, Unauthorized
from tests.support.lambda_events import FakeLambdaContext, http_event, response_json

TOKENS = {"good": "device-1", "other": "device-2"}


def _device(event):
    token = auth.header(event, "X-Device-Token")
    if token is None:
        raise auth.MissingCredentials("Missing X-Device-Token header")
    if token not in TOKENS:
        raise Unauthorized("Invalid device token", code="INVALID_TOKEN")
    return TOKENS[token]


def _admin(event):
    token = auth.bearer_token(event)
    if token is None:
        raise auth.MissingCredentials("Missing Authorization header")
    if token != "admin-jwt":
        raise Forbidden("Not an admin")
    return "admin"


DEVICE = auth.Credential("deviceToken", auth.header_scheme("X-Device-Token"), _device)
ADMIN = auth.Credential("bearer", auth.HTTP_BEARER, _admin)

router = Router()


class Rename(BaseModel):
    name: str = Field(min_length=1, max_length=20)


class DeviceView(BaseModel):
    id: str
    name: str


@router.get("/me", auth=DEVICE, returns=DeviceView)
def me():
    return SuccessEnvelope().ok({"id": auth.caller(), "name": "laptop"})


@router.put("/me/name", auth=DEVICE, returns=DeviceView, errors=(404,))
def rename(request: Rename):
    if request.name == "ghost":
        raise NotFound("Device not found")
    return SuccessEnvelope().ok({"id": auth.caller(), "name": request.name})


@router.get("/either", auth=auth.any_of(DEVICE, ADMIN))
def either():
    return SuccessEnvelope().ok({"caller": auth.caller()})


@router.get("/maybe", auth=auth.optional(DEVICE))
def maybe():
    return SuccessEnvelope().ok({"caller": auth.caller()})


@router.get("/export", auth=[ADMIN], media_type="text/csv")
def export():
    return SuccessEnvelope().ok("a,b")


@router.get("/changes", returns=DeviceView, empty=(204,))
def changes():
    return SuccessEnvelope().no_content()


@router.get("/both", auth=[DEVICE, auth.optional(ADMIN)])
def both():
    return SuccessEnvelope().ok({"caller": auth.caller()})


@router.post("/raw", auth=DEVICE, body=list[int] | dict[str, int], requires=("body", "mode"))
def raw(mode: Annotated[str | None, Query()] = None, page: Annotated[str | None, Query()] = None):
    if mode is None:
        raise BadRequest("mode, please")  # the route's own message for a parameter it requires
    return SuccessEnvelope().ok(None)


@router.put("/named", requires=("body",))
def named(request: Annotated[Rename | None, Body()] = None):
    return SuccessEnvelope().ok({"name": request.name if request else "nobody"})


@router.get("/export.json", auth=[ADMIN], media_type="application/json", returns=DeviceView)
def export_json():
    return {"id": "d1", "name": "laptop"}  # sent as is


@router.post("/items", status_code=201)
def create(request: Rename):
    return SuccessEnvelope().created({"name": request.name})


@router.put("/items/<name>", status_code=201, also_status_codes=(200,), returns=DeviceView)
def create_or_refresh(name: str):
    return SuccessEnvelope().ok({"id": name, "name": name}, status=201 if name == "new" else 200)


@router.post("/later", status_code=201)
def create_later(request: "Rename"):  # as modules with `from __future__ import annotations` read it
    return SuccessEnvelope().created({"name": request.name})


class ProtocolError(BaseModel):
    code: int
    message: str


@router.get("/protocol", media_type="text/plain", errors=(400,), error_body=ProtocolError)
def protocol():
    return SuccessEnvelope().ok("ok")


@router.post("/protocol", media_type="text/plain", body=str, body_media_type="text/plain", requires=("body",),
             error_body=ProtocolError)
def protocol_packets():
    return SuccessEnvelope().ok("ok")


@router.post("/items/batch")
def create_many(request: list[Rename]):
    return SuccessEnvelope().ok([item.name for item in request])


@router.post("/rename-maybe")
def rename_maybe(request: Rename | None = None):
    return SuccessEnvelope().ok({"name": request.name if request else None})


@pytest.fixture(scope="module")
def handler():
    return http_function(SuccessEnvelope(), router)[1]


def call(handler, method, path, **kwargs):
    response = handler(http_event(method, path, **kwargs), FakeLambdaContext())
    return response["statusCode"], response_json(response) if response.get("body") else None


# -- credentials -----------------------------------------------------------------------------------------------

def test_declared_credential_authenticates_and_gives_the_caller(handler):
    assert call(handler, "GET", "/me", headers={"X-Device-Token": "good"}) == (
        200, {"success": True, "data": {"id": "device-1", "name": "laptop"}})


@pytest.mark.parametrize("headers", [{}, {"X-Device-Token": "forged"}])
def test_missing_or_bad_credentials_are_401(handler, headers):
    status, body = call(handler, "GET", "/me", headers=headers)
    assert status == 401
    assert body["success"] is False


@pytest.mark.parametrize("raw", [b'{"name": ""}', b"{not json", b"[1,2]"])
def test_credentials_are_checked_before_the_body(handler, raw):
    """An anonymous caller learns nothing about the body: 401, not 400."""
    status, body = call(handler, "PUT", "/me/name", raw_body=raw)
    assert (status, body["code"]) == (401, "UNAUTHORIZED")
    status, body = call(handler, "PUT", "/me/name", raw_body=raw, headers={"X-Device-Token": "forged"})
    assert (status, body["code"]) == (401, "INVALID_TOKEN")
    status, body = call(handler, "PUT", "/me/name", raw_body=raw, headers={"X-Device-Token": "good"})
    assert (status, body["code"]) == (400, "VALIDATION_ERROR")


def test_any_of_takes_the_credential_present_and_refuses_a_bad_one(handler):
    assert call(handler, "GET", "/either", headers={"X-Device-Token": "other"})[1]["data"] == {"caller": "device-2"}
    assert call(handler, "GET", "/either", headers={"Authorization": "Bearer admin-jwt"})[1]["data"] == {
        "caller": "admin"}
    assert call(handler, "GET", "/either")[0] == 401
    assert call(handler, "GET", "/either", headers={"X-Device-Token": "forged",
                                                     "Authorization": "Bearer admin-jwt"})[0] == 401
    assert call(handler, "GET", "/either", headers={"Authorization": "Bearer user-jwt"})[0] == 403


def test_optional_lets_anonymous_in_but_not_bad_credentials(handler):
    assert call(handler, "GET", "/maybe")[1]["data"] == {"caller": None}
    assert call(handler, "GET", "/maybe", headers={"X-Device-Token": "good"})[1]["data"] == {"caller": "device-1"}
    assert call(handler, "GET", "/maybe", headers={"X-Device-Token": "forged"})[0] == 401


def test_the_caller_does_not_leak_into_the_next_request(handler):
    assert call(handler, "GET", "/me", headers={"X-Device-Token": "good"})[0] == 200
    assert auth.caller() == "device-1"  # same thread, after the request
    assert call(handler, "GET", "/maybe")[1]["data"] == {"caller": None}


# -- bodies ----------------------------------------------------------------------------------------------------

def _base64_event(method, path, data: bytes, content_type: str, **kwargs):
    event = http_event(method, path, raw_body=data, headers={"content-type": content_type, **kwargs})
    event["body"] = base64.b64encode(data).decode()
    event["isBase64Encoded"] = True
    return event


@pytest.mark.parametrize(("data", "content_type", "status"), [
    (b'{"name": "\xff\xfe"}', "application/json", 400),            # not UTF-8
    (b'{"name": "caf\xe9"}', "text/plain; charset=utf-8", 400),     # not UTF-8 under a textual type
    (b'{"name": "x"}', "multipart/form-data", 400),                # no boundary
    (b'{"name": "x"}', "text/plain", 415),                         # not JSON
])
def test_undecodable_bodies_are_4xx_in_the_envelope(handler, data, content_type, status):
    event = _base64_event("POST", "/items", data, content_type)
    response = handler(event, FakeLambdaContext())
    assert response["statusCode"] == status, response
    assert response_json(response)["success"] is False


@pytest.mark.parametrize("raw", [b'{"name": "\\ud800"}', b'{"\\udfff": 1, "name": "ok"}', b'{"name": "x"',
                                 b'"just a string"', b"[" * 100_000])
def test_unstorable_or_broken_json_is_a_400(handler, raw):
    status, body = call(handler, "POST", "/items", raw_body=raw)
    assert status == 400, body
    assert body["code"] == "VALIDATION_ERROR"


@pytest.mark.parametrize(("path", "raw"), [("/items", b'[{"name": "x"}, "junk"]'), ("/rename-maybe", b"[null, null]"),
                                           ("/rename-maybe", b'[{"name": "x"}]')])
def test_an_array_is_not_one_body(handler, path, raw):
    # Powertools would validate a one-value body against the array's first element.
    status, body = call(handler, "POST", path, raw_body=raw)
    assert (status, body["code"]) == (400, "VALIDATION_ERROR"), body


def test_a_route_that_reads_a_list_takes_an_array_and_an_optional_body_may_be_absent(handler):
    assert call(handler, "POST", "/items/batch", raw_body=b'[{"name": "a"}, {"name": "b"}]') == (
        200, {"success": True, "data": ["a", "b"]})
    assert call(handler, "POST", "/rename-maybe")[1]["data"] == {"name": None}
    assert call(handler, "POST", "/rename-maybe", raw_body=b'{"name": "z"}')[1]["data"] == {"name": "z"}


def test_a_valid_surrogate_pair_is_accepted(handler):
    status, body = call(handler, "POST", "/items", raw_body=b'{"name": "\\ud83d\\ude00"}')
    assert (status, body["data"]) == (201, {"name": "\U0001f600"})


def test_multipart_without_boundary_is_a_400_on_every_route(handler):
    status, body = call(handler, "GET", "/me", headers={"X-Device-Token": "good",
                                                        "content-type": "multipart/form-data"}, raw_body=b"x")
    assert (status, body["code"]) == (400, "INVALID_BODY")


# -- the OpenAPI document --------------------------------------------------------------------------------------

@pytest.fixture(scope="module")
def document():
    docs = docs_function(SuccessEnvelope(), [router], title="T", version="1")[1]
    response = docs(http_event("GET", "/openapi.json"), FakeLambdaContext())
    return json.loads(response["body"])


def test_security_is_declared_per_operation(document):
    schemes = document["components"]["securitySchemes"]
    assert schemes == {"deviceToken": {"type": "apiKey", "in": "header", "name": "X-Device-Token"},
                       "bearer": {"type": "http", "scheme": "bearer"}}
    paths = document["paths"]
    assert paths["/me"]["get"]["security"] == [{"deviceToken": []}]
    assert paths["/either"]["get"]["security"] == [{"deviceToken": []}, {"bearer": []}]
    assert paths["/maybe"]["get"]["security"] == [{"deviceToken": []}, {}]
    assert "security" not in paths["/items"]["post"]


def test_several_credentials_on_one_route_are_all_required(handler, document):
    """The requirement is every combination of their alternatives: device token and (admin or nobody)."""
    assert document["paths"]["/both"]["get"]["security"] == [{"deviceToken": [], "bearer": []}, {"deviceToken": []}]
    assert call(handler, "GET", "/both")[0] == 401
    assert call(handler, "GET", "/both", headers={"X-Device-Token": "good"})[1]["data"] == {"caller": None}
    assert call(handler, "GET", "/both", headers={"X-Device-Token": "good",
                                                   "Authorization": "Bearer user-jwt"})[0] == 403


def test_a_body_the_route_reads_itself_is_documented(document):
    operation = document["paths"]["/raw"]["post"]
    schema = operation["requestBody"]["content"]["application/json"]["schema"]
    assert [option["type"] for option in schema["anyOf"]] == ["array", "object"]
    assert set(operation["responses"]) == {"200", "400", "401"}  # the route decides its content types: no 415


def test_what_a_route_requires_but_checks_itself_is_required_in_the_document(handler, document):
    operation = document["paths"]["/raw"]["post"]
    assert operation["requestBody"]["required"] is True
    assert {p["name"]: p["required"] for p in operation["parameters"]} == {"mode": True, "page": False}
    status, body = call(handler, "POST", "/raw", headers={"X-Device-Token": "good"}, raw_body=b"[1]")
    assert (status, body["error"]) == (400, "mode, please")
    named = document["paths"]["/named"]["put"]["requestBody"]
    assert named["required"] is True
    assert named["content"]["application/json"]["schema"] == {"$ref": "#/components/schemas/Rename"}  # no null


def test_statuses_and_bodies_follow_the_envelope(document):
    rename_op = document["paths"]["/me/name"]["put"]
    assert set(rename_op["responses"]) == {"200", "400", "401", "404", "415"}
    assert "422" not in json.dumps(document["paths"])  # this envelope answers validation errors with 400
    ok = rename_op["responses"]["200"]["content"]["application/json"]["schema"]
    assert ok["properties"]["data"] == {"$ref": "#/components/schemas/DeviceView"}
    assert document["components"]["schemas"]["DeviceView"]["required"] == ["id", "name"]
    error = rename_op["responses"]["404"]["content"]["application/json"]["schema"]
    assert error == {"$ref": "#/components/schemas/ErrorBody"}
    assert document["components"]["schemas"]["ErrorBody"]["required"] == ["success", "error", "code"]
    assert set(document["paths"]["/items"]["post"]["responses"]) == {"201", "400", "415"}
    assert set(document["paths"]["/later"]["post"]["responses"]) == {"201", "400", "415"}
    csv = document["paths"]["/export"]["get"]["responses"]["200"]["content"]
    assert csv == {"text/csv": {"schema": {"type": "string"}}}
    as_is = document["paths"]["/export.json"]["get"]["responses"]["200"]["content"]
    assert as_is == {"application/json": {"schema": {"$ref": "#/components/schemas/DeviceView"}}}  # no envelope
    changes = document["paths"]["/changes"]["get"]["responses"]
    assert {"200", "204"} <= set(changes)
    assert changes["204"] == {"description": "No Content"}  # no body


def test_a_route_may_succeed_with_more_than_one_status(document):
    responses = document["paths"]["/items/{name}"]["put"]["responses"]
    assert set(responses) == {"200", "201", "400"}
    assert responses["200"]["content"] == responses["201"]["content"]
    assert (responses["200"]["description"], responses["201"]["description"]) == ("OK", "Created")


def test_a_protocols_own_error_body_is_documented_beside_the_envelopes(document):
    responses = document["paths"]["/protocol"]["get"]["responses"]
    assert set(responses) == {"200", "400"}
    assert set(responses["200"]["content"]) == {"text/plain"}
    assert responses["400"]["content"]["application/json"]["schema"] == {
        "anyOf": [{"$ref": "#/components/schemas/ErrorBody"}, {"$ref": "#/components/schemas/ProtocolError"}]}
    assert document["components"]["schemas"]["ProtocolError"]["required"] == ["code", "message"]
    me = document["paths"]["/me"]["get"]["responses"]["401"]["content"]["application/json"]["schema"]
    assert me == {"$ref": "#/components/schemas/ErrorBody"}  # other routes keep the envelope's alone
    sent = document["paths"]["/protocol"]["post"]["requestBody"]
    assert (sent["required"], sent["content"]) == (True, {"text/plain": {"schema": {"type": "string"}}})


def test_each_envelope_describes_its_own_bodies():
    for envelope, validation in ((SuccessFlatEnvelope(), "422"), (CodeMessageEnvelope(), "400")):
        docs = docs_function(envelope, [router], title="T", version="1")[1]
        document = json.loads(docs(http_event("GET", "/openapi.json"), FakeLambdaContext())["body"])
        responses = document["paths"]["/me/name"]["put"]["responses"]
        assert validation in responses
        assert document["components"]["schemas"]["ErrorBody"] == envelope.error_schema()
