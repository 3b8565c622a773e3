"""kook's OpenAPI document says what the wire says: every answer has a schema, who may call, the envelope's 422
for validation, the CSV export as text/csv, and the bodies sent as they are outside the envelope. (That the
answers really match is the fuzz test's part: tests/integration/kook/test_openapi_fuzz.py.)"""

import json

import pytest

from kook.handlers import docs
from tests.support.lambda_events import FakeLambdaContext, http_event

PUBLIC = {("GET", "/health"), ("GET", "/"), ("POST", "/api/auth/login"), ("POST", "/auth/login"),
          ("POST", "/api/auth/verify"), ("GET", "/auth/status"), ("POST", "/auth/setup"),
          ("POST", "/auth/reset-password"), ("GET", "/api/password-reset/check-email-config"),
          ("POST", "/api/password-reset/send-code"), ("POST", "/api/password-reset/verify-code"),
          ("POST", "/api/password-reset/reset-password"), ("POST", "/kook/webhook/{account_id}")}
AS_IS = {("GET", "/health"): "Liveness", ("GET", "/"): "Banner", ("GET", "/api/logs/stats"): "LogStats",
         ("GET", "/api/logs/export/json"): "LogExport", ("POST", "/api/backup/export"): "BackupFile",
         ("GET", "/api/backup/download/{filename}"): "BackupFile"}


@pytest.fixture(scope="module")
def document():
    return json.loads(docs.handler(http_event("GET", "/openapi.json"), FakeLambdaContext())["body"])


def operations(document):
    return [(method.upper(), path, operation) for path, item in document["paths"].items()
            for method, operation in item.items()]


def test_every_operation_answers_with_a_schema(document):
    found = operations(document)
    assert len(found) > 90
    for method, path, operation in found:
        success = {status: r for status, r in operation["responses"].items() if status.startswith("2")}
        assert len(success) == 1, (method, path)
        status, response = next(iter(success.items()))
        if status == "204":
            assert "content" not in response
            continue
        ((media, body),) = response["content"].items()
        if (method, path) == ("GET", "/api/logs/export/csv"):
            assert (media, body["schema"]) == ("text/csv", {"type": "string"})
        elif (method, path) in AS_IS:
            model = AS_IS[method, path]
            assert (media, body["schema"]) == ("application/json", {"$ref": f"#/components/schemas/{model}"})
        elif (method, path) == ("POST", "/kook/webhook/{account_id}"):
            assert {ref["$ref"] for ref in body["schema"]["anyOf"]} == {"#/components/schemas/Challenge",
                                                                        "#/components/schemas/Received"}
        else:  # in the envelope: {success: true} beside the model's fields
            flag, model = body["schema"]["allOf"]
            assert flag["properties"]["success"] == {"type": "boolean", "const": True}, (method, path)
            assert model["$ref"].startswith("#/components/schemas/"), (method, path)


def test_every_api_route_but_the_public_ones_takes_the_login_token(document):
    assert document["components"]["securitySchemes"] == {
        "ApiToken": {"type": "apiKey", "in": "header", "name": "X-API-Token",
                     "description": "A login token (POST /api/auth/login) or the deployment's static API token"},
        "BearerToken": {"type": "http", "scheme": "bearer",
                        "description": "The same token as `Authorization: Bearer <token>` (the original's frontend)"}}
    for method, path, operation in operations(document):
        if (method, path) in PUBLIC:
            assert "security" not in operation, (method, path)
            assert "401" not in operation["responses"] or path.startswith(("/api/auth", "/auth/"))
        else:
            assert operation["security"] == [{"ApiToken": []}, {"BearerToken": []}], (method, path)
            assert "401" in operation["responses"], (method, path)


def test_validation_is_422_in_the_envelope(document):
    for method, path, operation in operations(document):
        if "requestBody" in operation or operation.get("parameters"):
            assert "422" in operation["responses"], (method, path)
            assert operation["responses"]["422"]["content"]["application/json"]["schema"] == {
                "$ref": "#/components/schemas/ErrorBody"}
    assert "HTTPValidationError" not in document["components"]["schemas"]


def test_the_automatic_backup_reads_an_optional_keep(document):
    operation = document["paths"]["/api/backup/auto-backup"]["post"]
    schema = json.dumps(operation["requestBody"]["content"]["application/json"]["schema"])
    assert "AutoBackupIn" in schema
    assert document["components"]["schemas"]["AutoBackupIn"]["properties"]["keep"]["anyOf"][0] == {
        "type": "integer", "minimum": 1, "maximum": 100}
    assert {"409", "415", "422"} <= set(operation["responses"])


@pytest.mark.parametrize(("method", "path", "statuses"), [
    ("POST", "/api/accounts", {"200", "400", "401", "409", "415", "422"}),
    ("DELETE", "/api/accounts/{account_id}", {"204", "401", "404", "422"}),
    ("GET", "/api/accounts/{account_id}/servers", {"200", "400", "401", "404", "422", "429", "502", "504"}),
    ("POST", "/api/bots/{bot_id}/test", {"200", "400", "401", "404", "422", "429", "502", "504"}),
    ("POST", "/api/auth/login", {"200", "401", "409", "415", "422", "429"}),
    ("POST", "/kook/webhook/{account_id}", {"200", "400", "403", "404", "422", "503"}),
])
def test_each_status_a_route_answers_is_listed(document, method, path, statuses):
    assert set(document["paths"][path][method.lower()]["responses"]) == statuses
