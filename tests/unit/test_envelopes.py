import decimal
import json
import re

import pytest

from suite.envelopes import (
    CodeMessageEnvelope,
    DataEnvelope,
    PlainEnvelope,
    SuccessEnvelope,
    SuccessFlatEnvelope,
    dumps,
    utc_timestamp,
)
from suite.errors import BadRequest, NotFound, TooManyRequests


def body(response):
    return json.loads(response.body) if response.body else None


def test_success_envelope_wraps_data_and_keeps_meta_beside_it():
    response = SuccessEnvelope().ok([1, 2], pagination={"page": 1, "limit": 20, "total": 2, "totalPages": 1})
    assert response.status_code == 200
    assert body(response) == {"success": True, "data": [1, 2],
                              "pagination": {"page": 1, "limit": 20, "total": 2, "totalPages": 1}}


def test_success_envelope_error_is_a_string_with_a_code():
    response = SuccessEnvelope().error(NotFound("Device not found", code="DEVICE_NOT_FOUND"))
    assert response.status_code == 404
    assert body(response) == {"success": False, "error": "Device not found", "code": "DEVICE_NOT_FOUND"}


def test_flat_envelope_spreads_the_payload_and_renders_the_documented_error():
    assert body(SuccessFlatEnvelope().ok({"message": "ok", "account_id": 3})) == {
        "success": True, "message": "ok", "account_id": 3}
    error = BadRequest("Cookie格式无效", code="INVALID_COOKIE", details={"solution": "请检查Cookie格式"})
    rendered = body(SuccessFlatEnvelope().error(error))
    assert rendered["success"] is False
    assert rendered["error_code"] == "INVALID_COOKIE"
    assert rendered["error_message"] == "Cookie格式无效"
    assert rendered["solution"] == "请检查Cookie格式"
    assert re.fullmatch(r"\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d", rendered["timestamp"])
    assert SuccessFlatEnvelope.validation_status == 422


def test_code_message_envelope_uses_the_configured_success_code_and_http_status_on_errors():
    relay = CodeMessageEnvelope()
    assert body(relay.ok({"id": 1})) == {"code": 0, "message": "success", "data": {"id": 1}}
    v8 = CodeMessageEnvelope(success_code=200, success_message="OK")
    assert body(v8.ok(None)) == {"code": 200, "message": "OK", "data": None}
    assert body(relay.error(BadRequest("bad model"))) == {"code": 400, "message": "bad model"}


def test_plain_envelope_returns_payload_and_status_code_errors():
    assert body(PlainEnvelope().ok({"apps": [], "total": 0})) == {"apps": [], "total": 0}
    assert body(PlainEnvelope().error(NotFound("应用不存在"))) == {"statusCode": 404, "message": "应用不存在"}


def test_data_envelope_uses_integer_codes():
    assert body(DataEnvelope().ok({"status": "ok"})) == {"data": {"status": "ok"}}
    assert body(DataEnvelope().error(NotFound("no such cert"))) == {"error": {"code": 404, "what": "no such cert"}}
    error = BadRequest("bad domain", code="4001", details={"key": "domain", "params": {"d": "x"}})
    assert body(DataEnvelope().error(error)) == {"error": {"code": 4001, "what": "bad domain", "key": "domain",
                                                           "params": {"d": "x"}}}


def test_no_content_has_no_body():
    response = DataEnvelope().no_content()
    assert response.status_code == 204
    assert not response.body


def test_error_headers_reach_the_response():
    response = SuccessEnvelope().error(TooManyRequests(retry_after=7))
    assert response.status_code == 429
    assert response.headers["Retry-After"] == "7"


def test_dumps_keeps_integral_decimals_integers_and_text_readable():
    assert dumps({"n": decimal.Decimal("5"), "f": decimal.Decimal("1.5"), "t": "中文"}) == '{"n":5,"f":1.5,"t":"中文"}'
    with pytest.raises(TypeError):
        dumps({"x": object()})


def test_utc_timestamp_is_javascript_iso_form():
    assert re.fullmatch(r"\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{3}Z", utc_timestamp())
