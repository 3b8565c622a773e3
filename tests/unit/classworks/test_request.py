"""Where credentials are read from, in the original's order of precedence (classworks.access)."""

import json

import pytest

from classworks.access import app_token, body_field, device_password
from classworks.access import presented_site_key as site_key


def req(headers=None, query=None, body=None, *, raw=None):
    """An HTTP API event with these headers (lower case, as API Gateway sends them), query and JSON body."""
    text = raw if raw is not None else (None if body is None else json.dumps(body))
    return {"headers": headers or {}, "queryStringParameters": query or None, "body": text,
            "isBase64Encoded": False}


def test_bearer_wins_and_is_case_insensitive():
    request = req({"authorization": "bearer  tok-a ", "x-app-token": "tok-b"}, {"token": "tok-c"})
    assert app_token(request) == ("tok-a", "authorization")


@pytest.mark.parametrize(("request_", "expected"), [
    (req({"x-app-token": "h"}, {"token": "q"}, {"token": "b"}), ("h", "x-app-token")),
    (req({}, {"token": "q", "apptoken": "q2"}, {"token": "b"}), ("q", "query:token")),
    (req({}, {"apptoken": "q2"}, {"token": "b"}), ("q2", "query:apptoken")),
    (req({}, {}, {"token": "b", "apptoken": "b2"}), ("b", "body:token")),
    (req({}, {}, {"apptoken": "b2"}), ("b2", "body:apptoken")),
    (req({"authorization": "Basic abc"}, {}, {}), (None, None)),  # not a bearer token
    (req({}, {}, {"token": 5}), (None, None)),  # not a string
    (req({}, {}, ["token"]), (None, None)),
    (req(), (None, None)),
])
def test_token_sources_in_order(request_, expected):
    assert app_token(request_) == expected


def test_site_key_header_query_body():
    assert site_key(req({"x-site-key": "h"}, {"sitekey": "q"}, {"sitekey": "b"})) == "h"
    assert site_key(req({}, {"sitekey": "q"}, {"sitekey": "b"})) == "q"
    assert site_key(req({}, {}, {"sitekey": "b"})) == "b"
    assert site_key(req()) is None


def test_device_password_sources():
    assert device_password(req({"x-device-password": "h"}, {"password": "q"})) == "h"
    assert device_password(req({}, {"currentPassword": "c"})) == "c"
    assert device_password(req({}, {}, {"password": "b"})) == "b"
    assert device_password(req()) is None


def test_body_helpers_tolerate_junk():
    assert body_field(req(raw="not json"), "token") is None
    assert body_field(req(raw='{"token": "\\ud800"'), "token") is None  # truncated
    assert body_field(req(raw="[" * 100_000), "token") is None  # too deep for any parser
    assert body_field(req(raw='{"token": "t"}'), "token") == "t"
    broken = {**req(raw="!!!"), "isBase64Encoded": True}
    assert body_field(broken, "token") is None  # not base64
