"""Where credentials are read from, in the original's order of precedence."""

import json

import pytest

from classworks.logic.request import Request, app_token, device_password, site_key


def req(headers=None, query=None, body=None):
    return Request(headers=headers or {}, query=query or {}, body_text=None if body is None else json.dumps(body))


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
    request = Request(body_text="not json")
    assert request.json_body is None
    assert request.body_field("token") is None
    assert Request(body_text="中").body_bytes == 3
