"""Device codes, rate-limit headers, app specs: the small pure rules."""

import re

import pytest
from pydantic import ValidationError

from classworks import ids
from classworks.logic import limits
from classworks.models.apps import AppSpec
from classworks.store.apps import search_text, sort_key
from suite.ratelimit import Decision


def test_device_codes_look_like_the_originals():
    codes = {ids.device_code() for _ in range(200)}
    assert all(re.fullmatch(r"[1-9]\d{3}-[0-9A-Z]{4}", code) for code in codes)
    assert len(codes) > 190  # random, not a sequence


def test_rate_limit_headers_draft_7():
    allowed = Decision(allowed=True, count=3, limit=1024, retry_after=0)
    assert limits.headers(limits.KV_READ, allowed, now=960 + 15.2) == {  # 15.2 s into a window
        "RateLimit-Policy": "1024;w=60", "RateLimit": "limit=1024, remaining=1021, reset=45"}
    denied = Decision(allowed=False, count=512, limit=512, retry_after=7)
    assert limits.headers(limits.KV_WRITE, denied, now=0)["RateLimit"] == "limit=512, remaining=0, reset=7"


def test_the_originals_kv_limits():
    assert [lim.limit for lim in (limits.KV_READ, limits.KV_WRITE, limits.KV_DELETE, limits.KV_BATCH)] == \
        [1024, 512, 256, 128]
    assert {lim.window_seconds for lim in (limits.KV_READ, limits.KV_WRITE, limits.KV_DELETE, limits.KV_BATCH)} == {60}


def test_catalogue_sort_keys_order_by_id():
    assert sort_key(2) < sort_key(10) < sort_key(9_999_999_999)


def test_search_text_is_lower_case_and_per_field():
    assert search_text({"name": "Test App", "description": "Great", "developerName": "ZeroCat"}) == \
        "test app\ngreat\nzerocat"


@pytest.mark.parametrize("raw", [
    {"name": "x", "permissionPrefix": ""},
    {"name": "x", "permissionPrefix": "a."},
    {"name": "x", "permissionPrefix": "a b"},
    {"name": "x", "permissionPrefix": "ok", "specialPermissions": ["bad."]},
    {"name": "x", "permissionPrefix": "ok", "admin": True},
    {"name": "", "permissionPrefix": "ok"},
    {"id": 0, "name": "x", "permissionPrefix": "ok"},
])
def test_app_specs_refuse_bad_prefixes_and_unknown_fields(raw):
    with pytest.raises(ValidationError):
        AppSpec.model_validate(raw)


def test_app_spec_defaults():
    spec = AppSpec.model_validate({"name": "x", "permissionPrefix": "classworks.v2"})
    assert (spec.version, spec.specialPermissions, spec.permissionKey, spec.id) == ("1.0.0", [], [], None)
