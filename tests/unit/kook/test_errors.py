"""The original's error catalogue and the documented error body."""

import json

from kook.api import ENVELOPE
from kook.errors import CODES, GENERIC_TO_KOOK, fail
from suite.errors import ApiError, NotFound, UnprocessableEntity


def body(error):
    return json.loads(ENVELOPE.error(error).body)


def test_catalogue_names_and_numbers_are_unique_and_complete():
    numbers = [code.number for code in CODES.values()]
    assert len(numbers) == len(set(numbers))
    assert {1000, 1001, 1100, 1101, 1104, 1201, 1205, 1300, 1302, 1303, 1304, 1305, 1405} <= set(numbers)
    assert all(code.solution for code in CODES.values())
    assert set(GENERIC_TO_KOOK.values()) <= set(CODES)


def test_fail_builds_the_documented_error():
    error = fail(400, "INVALID_COOKIE")
    answer = body(error)
    # the documented fields, and `detail` (FastAPI's name, read by the original web front-end; issue 13)
    assert set(answer) == {"success", "error_code", "error_message", "solution", "timestamp", "details", "detail"}
    assert answer["detail"] == answer["error_message"]
    assert answer["success"] is False
    assert answer["error_code"] == "INVALID_COOKIE"
    assert answer["error_message"] == "Cookie格式无效"
    assert answer["details"] == {"code": 1201}
    assert ENVELOPE.error(error).status_code == 400


def test_rate_limits_carry_retry_after():
    error = fail(429, "RATE_LIMIT_EXCEEDED", retry_after=17)
    assert error.status == 429
    assert error.headers["Retry-After"] == "17"


def test_unusual_statuses_keep_their_status():
    assert fail(507, "DATABASE_ERROR").status == 507


def test_shared_layer_errors_get_catalogue_codes():
    validation = body(UnprocessableEntity("email: field required", code="VALIDATION_ERROR"))
    assert validation["error_code"] == "INVALID_PARAM"
    assert validation["details"]["code"] == 1001
    assert validation["solution"]
    unexpected = body(ApiError())
    assert unexpected["error_code"] == "UNKNOWN_ERROR"
    assert unexpected["error_message"] == "Internal server error"
    assert body(NotFound("Route not found"))["error_code"] == "NOT_FOUND"  # not in the catalogue: kept as is
