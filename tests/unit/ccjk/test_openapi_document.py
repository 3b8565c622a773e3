"""ccjk's OpenAPI document tells the truth (issue 11): each operation's security, its statuses (400 for invalid
requests, never 422), and the schema of what it answers. The fuzz test (tests/integration/ccjk/
test_openapi_fuzz.py) holds the service to it."""

import json

import pytest

from devstack.route_coverage import served
from devstack.template import open_suite
from tests.support.lambda_events import REPO_ROOT, FakeLambdaContext, http_event

SERVED = served(open_suite(REPO_ROOT / "template.yaml").stack("ccjk"))
PUBLIC = {"GET /health", "POST /auth/register", "POST /auth/login", "POST /auth/verify",
          # the platforms' callbacks: authenticated by each platform's signature, not by a credential of ours
          "POST /reply/feishu", "POST /reply/dingtalk", "GET /reply/wechat", "POST /reply/wechat",
          # the CLI's anonymous start-up calls (limited per install id and address)
          "POST /api/v1/devices/register", "POST /api/v1/handshake", "POST /api/v1/sync"}
# What the platforms expect, not the envelope: Feishu/DingTalk JSON of their own, WeCom plain text.
RAW = {"POST /reply/feishu", "POST /reply/dingtalk", "GET /reply/wechat", "POST /reply/wechat"}
DEVICE_OR_USER = {"POST /api/control/mobile/send-card"}
DEVICE_OPTIONAL = {"POST /device/register", "POST /bind/use"}
USER = {"POST /notify/batch", "GET /auth/me", "POST /bind/generate", "GET /bind/status/{code}", "GET /bind/devices",
        "DELETE /bind/devices/{deviceId}", "POST /cloud-sync/push", "POST /cloud-sync/pull",
        "GET /cloud-sync/status", "POST /cloud-sync/resolve-conflict", "POST /auth/logout"}
NO_DATA = {"GET /health", "DELETE /device", "DELETE /device/{deviceId}", "DELETE /bind/devices/{deviceId}",
           "POST /auth/logout"}


@pytest.fixture(scope="module")
def document():
    from ccjk.handlers import docs  # noqa: PLC0415 (after the service's environment is set)

    return json.loads(docs.handler(http_event("GET", "/openapi.json"), FakeLambdaContext())["body"])


def operations(document):
    return {f"{method.upper()} {path}": operation for path, item in document["paths"].items()
            for method, operation in item.items()}


def test_every_operation_declares_who_may_call_it(document):
    schemes = document["components"]["securitySchemes"]
    assert schemes["deviceToken"] | {"description": None} == {"type": "apiKey", "in": "header",
                                                                "name": "X-Device-Token", "description": None}
    assert schemes["userJwt"] | {"description": None} == {"type": "http", "scheme": "bearer", "bearerFormat": "JWT",
                                                            "description": None}
    found = operations(document)
    assert set(found) == {f"{method} {path}" for method, path in SERVED if method != "WS"}
    for label, operation in found.items():
        if label in PUBLIC:
            expected = None
        elif label in DEVICE_OPTIONAL:
            expected = [{"deviceToken": []}, {}]
        elif label in USER:
            expected = [{"userJwt": []}]
        elif label in DEVICE_OR_USER:
            expected = [{"deviceToken": []}, {"deviceBearer": []}, {"userJwt": []}]
        else:
            expected = [{"deviceToken": []}]
        assert operation.get("security") == expected, label


def test_invalid_requests_are_documented_as_400_never_422(document):
    assert "422" not in json.dumps(document["paths"])
    for label, operation in operations(document).items():
        if "requestBody" in operation or operation.get("parameters"):
            assert {"400", "415"} & set(operation["responses"]), label


@pytest.mark.parametrize(("label", "statuses"), [
    ("POST /device/register", {"200", "201", "400", "401", "415", "429"}),
    ("POST /notify", {"202", "400", "401", "409", "415", "429", "503"}),
    ("POST /notify/batch", {"202", "400", "401", "404", "409", "415"}),
    ("GET /notify/history", {"200", "400", "401", "404"}),
    ("POST /auth/login", {"200", "400", "401", "415", "429", "503"}),
    ("POST /bind/generate", {"201", "400", "401", "429", "503"}),
    ("DELETE /device/{deviceId}", {"200", "400", "401", "404", "409"}),
])
def test_statuses_are_the_ones_the_route_answers(document, label, statuses):
    assert set(operations(document)[label]["responses"]) == statuses


def test_every_answer_has_a_schema_in_the_envelope(document):
    schemas = document["components"]["schemas"]
    for label, operation in operations(document).items():
        for status, response in operation["responses"].items():
            if label in RAW and status.startswith("2"):
                assert set(response["content"]) == ({"text/plain"} if "wechat" in label else {"application/json"})
                continue
            schema = response["content"]["application/json"]["schema"]
            if not status.startswith("2"):
                assert schema == {"$ref": "#/components/schemas/ErrorBody"}, (label, status)
            elif label not in NO_DATA:
                data = schema["properties"]["data"]
                for reference in [d["$ref"] for d in data.get("anyOf", [data])]:  # a model, or one of several
                    assert reference.removeprefix("#/components/schemas/") in schemas, label
    assert schemas["DeviceView"]["required"] == ["deviceId", "id", "name", "type", "platform", "hostname",
                                                 "version", "userId", "channels", "createdAt", "lastActiveAt",
                                                 "lastSeenAt", "status"]
