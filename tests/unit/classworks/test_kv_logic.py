"""Pure parts of the KV logic: strict JSON, compact encoding, listing parameters, item size bound."""

import pytest

from classworks.logic import kv
from classworks.store.kv import ITEM_LIMIT_BYTES, item_size
from suite.errors import BadRequest


@pytest.mark.parametrize(("text", "expected"), [
    (None, {}), ("", {}), ("   ", {}), ("null", None), ("[]", []), ("{}", {}),
    ('{"a":[1,2.5,"中"]}', {"a": [1, 2.5, "中"]}), ("12345678901234567890", 12345678901234567890),
])
def test_parse_json(text, expected):
    assert kv.parse_json(text) == expected


@pytest.mark.parametrize("text", ["NaN", '{"a": Infinity}', "1e400", "{'a': 1}", "{", '{"a":1} x'])
def test_parse_json_refuses_what_json_does_not_allow(text):
    with pytest.raises(ValueError):  # noqa: PT011  (json's own errors are ValueErrors)
        kv.parse_json(text)


def test_encode_is_compact_utf8_and_exact():
    assert kv.encode({"a": [], "b": {}, "c": "作业", "d": 1.5, "e": 10**20}) == \
        '{"a":[],"b":{},"c":"作业","d":1.5,"e":100000000000000000000}'


def test_listing_defaults_and_validation():
    listing = kv.Listing.from_query({})
    assert (listing.sort_by, listing.sort_dir, listing.limit, listing.skip) == ("key", "asc", 100, 0)
    assert kv.Listing.from_query({"limit": "5000"}).limit == kv.LIST_MAX_LIMIT  # clamped
    for bad in ({"sortBy": "value"}, {"sortBy": "key; DROP"}, {"sortDir": "up"}, {"limit": "-1"},
                {"skip": "x"}, {"limit": "1.5"}):
        with pytest.raises(BadRequest):
            kv.Listing.from_query(bad)


def test_negative_skip_message_is_chinese_and_names_the_parameter():
    with pytest.raises(BadRequest) as caught:
        kv.Listing.from_query({"skip": "-3"})
    assert caught.value.message == "参数 skip 必须是非负整数"


def test_load_more_links_the_next_page_only_when_there_is_one():
    listing = kv.Listing("updatedAt", "desc", 10, 0)
    assert listing.next_page("/api/kv", 25) == "/api/kv?sortBy=updatedAt&sortDir=desc&limit=10&skip=10"
    assert kv.Listing("key", "asc", 10, 20).next_page("/api/kv", 25) is None
    assert kv.Listing("key", "asc", 0, 0).next_page("/api/kv", 25) is None


def test_the_body_limit_fits_in_one_item():
    largest = "x" * kv.MAX_BODY_BYTES
    assert item_size("d" * 191, "k" * 191, largest, "255.255.255.255, 10.0.0.1") < ITEM_LIMIT_BYTES
    assert item_size("d", "k", "中" * (ITEM_LIMIT_BYTES // 3 + 1), "") > ITEM_LIMIT_BYTES
