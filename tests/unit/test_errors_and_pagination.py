import pytest

from suite import errors
from suite.pagination import (
    ItemsPagination,
    OffsetPagination,
    PagePagination,
    SkipPagination,
    decode_cursor,
    encode_cursor,
    query_int,
)


@pytest.mark.parametrize(
    ("error_type", "status"),
    [
        (errors.BadRequest, 400), (errors.Unauthorized, 401), (errors.Forbidden, 403), (errors.NotFound, 404),
        (errors.MethodNotAllowed, 405), (errors.Conflict, 409), (errors.Gone, 410), (errors.PayloadTooLarge, 413),
        (errors.UnprocessableEntity, 422), (errors.TooManyRequests, 429), (errors.ApiError, 500),
        (errors.UpstreamFailure, 502), (errors.ServiceUnavailable, 503), (errors.GatewayTimeout, 504),
    ],
)
def test_error_types_map_to_statuses(error_type, status):
    error = error_type()
    assert error.status == status
    assert error.message
    assert error.code


def test_an_error_can_carry_its_own_status_and_retry_after():
    assert errors.ApiError("Payment required", status=402).status == 402
    limited = errors.TooManyRequests(retry_after=0.2)
    assert limited.headers == {"Retry-After": "1"}


@pytest.mark.parametrize("raw", ["abc", "1.5", "-", "1e3", "9" * 20, "²", "--5", "+-1", "٣"])
def test_query_int_rejects_junk_naming_the_parameter(raw):
    with pytest.raises(errors.BadRequest, match="limit"):
        query_int({"limit": raw}, "limit", default=20)


def test_query_int_defaults_bounds_and_clamps():
    assert query_int({}, "limit", default=20) == 20
    assert query_int({"limit": ""}, "limit", default=20) == 20
    assert query_int({"limit": "500"}, "limit", default=20, maximum=100) == 100
    with pytest.raises(errors.BadRequest, match="at most 100"):
        query_int({"limit": "500"}, "limit", default=20, maximum=100, clamp=False)
    with pytest.raises(errors.BadRequest, match="at least 0"):
        query_int({"skip": "-1"}, "skip", default=0)


def test_page_pagination_meta():
    page = PagePagination.from_query({"page": "3", "limit": "20"})
    assert page.offset == 40
    assert page.meta(45) == {"pagination": {"page": 3, "limit": 20, "total": 45, "totalPages": 3}}
    assert PagePagination.from_query({}).meta(0)["pagination"]["totalPages"] == 0
    with pytest.raises(errors.BadRequest):
        PagePagination.from_query({"page": "0"})


def test_skip_offset_and_items_styles():
    skip = SkipPagination.from_query({"limit": "5", "skip": "10"})
    assert skip.meta(42) == {"total": 42, "limit": 5, "skip": 10}
    offset = OffsetPagination.from_query({"offset": "7"})
    assert offset.meta(9) == {"offset": 7, "limit": 100, "total": 9}
    items = ItemsPagination.from_query({"page": "2", "pageSize": "10"})
    assert items.offset == 10
    assert items.body(["a"], 11) == {"items": ["a"], "total": 11, "page": 2, "page_size": 10}


def test_cursor_round_trip_and_pinning():
    key = {"pk": "USER#1", "sk": "DEVICE#9"}
    token = encode_cursor(key)
    assert "=" not in token
    assert decode_cursor(token) == key
    assert decode_cursor(token, expected={"pk": "USER#1"}) == key
    with pytest.raises(errors.BadRequest, match="cursor"):
        decode_cursor(token, expected={"pk": "USER#2"})
    with pytest.raises(errors.BadRequest, match="cursor"):
        decode_cursor("not-base64-json!")
    assert encode_cursor(None) is None
    assert decode_cursor(None) is None
