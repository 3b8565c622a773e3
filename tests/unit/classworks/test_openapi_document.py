"""classworks' OpenAPI document tells the truth (issue 11): who may call each route, every status with its body,
400 (not 422) for invalid requests, the KV bodies the routes read themselves."""

import json

import pytest

from classworks.handlers import docs
from tests.support.lambda_events import FakeLambdaContext, http_event

SITE_KEY, DEVICE, APP_TOKEN = {"siteKey": []}, {"devicePassword": []}, {"appToken": []}


@pytest.fixture(scope="module")
def document():
    return json.loads(docs.handler(http_event("GET", "/openapi.json"), FakeLambdaContext())["body"])


SOCKET_IO = "/socket.io"  # Engine.IO's own answers: text/plain payloads, its {code, message} errors


def operations(document, *, engine_io: bool = False):
    found = [(method.upper(), path, operation) for path, item in document["paths"].items()
             for method, operation in item.items()]
    assert len(found) == 47  # every HTTP route of contracts/routes/classworks.tsv
    return [entry for entry in found if (entry[1] == SOCKET_IO) is engine_io]


def test_validation_errors_are_documented_as_400_never_422(document):
    assert "422" not in json.dumps(document["paths"])
    assert "HTTPValidationError" not in document["components"]["schemas"]
    for method, path, operation in operations(document):
        assert "400" in operation["responses"], (method, path)
        assert operation["responses"]["400"]["content"]["application/json"]["schema"] == {
            "$ref": "#/components/schemas/ErrorBody"}
    assert document["components"]["schemas"]["ErrorBody"]["required"] == ["statusCode", "message"]


def test_engine_io_answers_are_text_and_its_errors_its_own(document):
    polling = operations(document, engine_io=True)
    assert {method for method, _, _ in polling} == {"GET", "POST"}
    for method, _path, operation in polling:
        assert set(operation["responses"]["200"]["content"]) == {"text/plain"}
        assert operation["responses"]["400"]["content"]["application/json"]["schema"] == {"anyOf": [
            {"$ref": "#/components/schemas/ErrorBody"}, {"$ref": "#/components/schemas/EngineError"}]}
        assert "security" not in operation, method
    assert document["components"]["schemas"]["EngineError"]["required"] == ["code", "message"]
    assert "content" not in document["paths"][SOCKET_IO]["post"]["responses"]["413"]


def test_every_answer_has_its_schema(document):
    for method, path, operation in operations(document):
        success = [status for status in operation["responses"] if status.startswith("2")]
        assert len(success) == 1, (method, path)
        if success[0] == "204":
            assert "content" not in operation["responses"]["204"]
            continue
        schema = operation["responses"][success[0]]["content"]["application/json"]["schema"]
        assert schema, (method, path)


@pytest.mark.parametrize(("method", "path", "security"), [
    ("GET", "/api/kv/{key}", [APP_TOKEN]),
    ("POST", "/api/kv/_batchimport", [APP_TOKEN]),
    ("GET", "/api/apps", [SITE_KEY]),
    ("GET", "/api/apps/{id}/installations", [SITE_KEY]),
    ("POST", "/api/apps/{id}/install/{deviceUuid}", [{**SITE_KEY, **DEVICE}, SITE_KEY]),
    ("POST", "/api/apps/{id}/authorize", [{**SITE_KEY, **DEVICE}, SITE_KEY]),
    ("PUT", "/api/devices/{deviceUuid}/name", [DEVICE, {}]),
    ("GET", "/api/apps/tokens", [DEVICE, {}]),
])
def test_security_is_declared_where_credentials_are_checked(document, method, path, security):
    operation = document["paths"][path][method.lower()]
    assert operation["security"] == security
    assert "401" in operation["responses"]


def test_public_routes_declare_no_security(document):
    for method, path in (("POST", "/api/devices"), ("GET", "/api/devices/{deviceUuid}"), ("GET", "/api/check"),
                         ("POST", "/api/auth/device/code"), ("GET", "/api/auth/device/token")):
        assert "security" not in document["paths"][path][method.lower()], (method, path)


def test_the_schemes_say_where_else_each_credential_may_come_from(document):
    schemes = document["components"]["securitySchemes"]
    assert schemes["appToken"]["scheme"] == "bearer"
    assert "?token" in schemes["appToken"]["description"]
    assert (schemes["siteKey"]["in"], schemes["siteKey"]["name"]) == ("header", "X-Site-Key")
    assert (schemes["devicePassword"]["in"], schemes["devicePassword"]["name"]) == ("header", "X-Device-Password")


def test_kv_write_bodies_are_documented_and_answers_are_listed(document):
    write = document["paths"]["/api/kv/{key}"]["post"]
    body = write["requestBody"]["content"]["application/json"]["schema"]
    assert [option["type"] for option in body["anyOf"]] == ["object", "array"]
    assert set(write["responses"]) == {"200", "400", "401", "403", "413", "429"}
    batch = document["paths"]["/api/kv/_batchimport"]["post"]
    assert batch["requestBody"]["content"]["application/json"]["schema"]["type"] == "object"
    assert set(document["paths"]["/api/kv/{key}"]["delete"]["responses"]) == {"204", "400", "401", "403", "404",
                                                                               "429"}
    created = document["paths"]["/api/devices"]["post"]["responses"]
    assert set(created) == {"201", "400", "409", "415"}
    assert created["201"]["content"]["application/json"]["schema"] == {"$ref": "#/components/schemas/Registered"}
