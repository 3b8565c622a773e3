"""The marketplace block's operations in ccjk's OpenAPI document (issue 18): who may call each one is what the
route inventory says, every status has its body in the family's own envelope (v8: `{code, message, success,
error}`; v1, public and admin: `{success, error, message, code}`), invalid requests are 400, never 422."""

import json

import pytest

from devstack.route_coverage import inventory
from tests.support.lambda_events import FakeLambdaContext, http_event

MARKET_ERROR = "#/components/schemas/ErrorBodyMarketEnvelope"
V8_ERROR = "#/components/schemas/ErrorBodyV8Envelope"
SCHEMES = {"admin": [{"adminBasic": []}], "user": [{"userJwt": []}],
           "device": [{"deviceToken": []}, {"deviceBearer": []}]}
CORE = {("POST", "/api/v1/devices/register"), ("POST", "/api/v1/handshake"), ("POST", "/api/v1/sync")}  # the core's
# Aliases of core routes: their credentials and envelope are the core routes' own.
ALIASES = {("POST", "/api/v1/bind/use"): [{"deviceToken": []}, {}], ("POST", "/api/v1/notify"): [{"deviceToken": []}],
           ("GET", "/api/v1/reply/poll"): [{"deviceToken": []}]}


@pytest.fixture(scope="module")
def document():
    from ccjk.handlers import docs  # noqa: PLC0415

    return json.loads(docs.handler(http_event("GET", "/openapi.json"), FakeLambdaContext())["body"])


def market_rows():
    return [row for row in inventory("ccjk") if row["group"] in ("api-v1", "api-v8", "public", "admin")
            and (row["method"], row["path"]) not in CORE]


def test_every_marketplace_row_is_an_operation(document):
    missing = [f"{r['method']} {r['path']}" for r in market_rows()
               if r["method"].lower() not in document["paths"].get(r["path"], {})]
    assert missing == []
    assert len(market_rows()) == 25 + 9 + 58 + 52


@pytest.mark.parametrize("row", market_rows(), ids=lambda r: f"{r['method']} {r['path']}")
def test_security_is_what_the_inventory_says(document, row):
    operation = document["paths"][row["path"]][row["method"].lower()]
    security = operation.get("security")
    if (row["method"], row["path"]) in ALIASES:
        assert security == ALIASES[(row["method"], row["path"])]
    elif row["auth"] == "none":
        assert security in (None, [{"userJwt": []}, {}]), security  # public, or a user token when one is sent
    else:
        assert security == SCHEMES[row["auth"]]


@pytest.mark.parametrize("row", market_rows(), ids=lambda r: f"{r['method']} {r['path']}")
def test_bodies_are_in_the_family_envelope(document, row):
    operation = document["paths"][row["path"]][row["method"].lower()]
    expected_error = V8_ERROR if row["path"].startswith("/api/v8/") else MARKET_ERROR
    if (row["method"], row["path"]) in ALIASES:
        expected_error = "#/components/schemas/ErrorBody"
    assert "422" not in operation["responses"]
    for status, response in operation["responses"].items():
        content = response.get("content")
        if status.startswith("2") and status != "204":
            assert content, (status, "a success without a schema")
            if row["path"].startswith("/api/v8/") and row["path"] != "/api/v8/health":
                schema = content["application/json"]["schema"]
                assert schema["properties"]["code"] == {"type": "integer", "const": 200}
        elif status == "304":
            assert content is None
        elif not status.startswith("2"):
            assert content["application/json"]["schema"] == {"$ref": expected_error}, status
    if "requestBody" in operation or operation.get("parameters"):
        assert "400" in operation["responses"]


def test_each_family_has_its_error_body(document):
    schemas = document["components"]["schemas"]
    assert schemas["ErrorBodyV8Envelope"]["required"] == ["code", "message", "success", "error"]
    assert schemas["ErrorBodyMarketEnvelope"]["required"] == ["success", "error", "message", "code"]
    assert document["components"]["securitySchemes"]["adminBasic"]["scheme"] == "basic"


def test_etag_route_documents_its_304(document):
    responses = document["paths"]["/api/v8/templates/{id}"]["get"]["responses"]
    assert {"200", "304", "404"} <= set(responses)
