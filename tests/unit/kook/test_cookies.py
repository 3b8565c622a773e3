"""Cookie parsing: the three pasted forms, KOOK cookies only, errors that never quote a cookie value."""

import json

import pytest

from kook.logic import cookies


def names(text):
    return [c.name for c in cookies.parse(text)]


def test_json_array_as_browser_extensions_export_it():
    text = json.dumps([
        {"name": "auth", "value": "a1", "domain": ".kookapp.cn", "path": "/", "httpOnly": True,
         "expirationDate": 1893456000.5},
        {"name": "_ga", "value": "g", "domain": ".google.com"},
        {"name": "lang", "value": "zh", "domain": "www.kookapp.cn", "expires": 1893456000000}])
    parsed = cookies.parse(text)
    assert [(c.name, c.value, c.http_only) for c in parsed] == [("auth", "a1", True), ("lang", "zh", False)]
    assert parsed[0].expires == 1893456000
    assert parsed[1].expires == 1893456000
    assert cookies.detect_format(text) == "json"


def test_json_object_forms():
    assert names('{"auth": "a", "sid": "b"}') == ["auth", "sid"]
    assert names('{"cookies": [{"name": "auth", "value": "a"}]}') == ["auth"]


def test_netscape_file_with_httponly_lines_and_comments():
    text = ("# Netscape HTTP Cookie File\n# comment\n\n"
            "#HttpOnly_.kookapp.cn\tTRUE\t/\tTRUE\t1893456000\tauth\ta=b=c\n"
            ".kaiheila.cn\tTRUE\t/\tFALSE\t0\told\tv\n"
            ".example.com\tTRUE\t/\tFALSE\t0\tother\tv\n")
    parsed = cookies.parse(text)
    assert [(c.name, c.value, c.http_only, c.expires) for c in parsed] == [
        ("auth", "a=b=c", True, 1893456000), ("old", "v", False, None)]
    assert cookies.detect_format(text) == "netscape"


def test_header_string_with_or_without_prefix():
    assert names("auth=abc; PHPSESSID=def;") == ["auth", "PHPSESSID"]
    assert names("Cookie: auth=abc") == ["auth"]
    assert cookies.header(cookies.parse("auth=abc; x=1")) == "auth=abc; x=1"


@pytest.mark.parametrize("text", ["", "   ", "[broken", "[{\"value\": \"SECRETVALUE\"}]", "no equals sign here",
                                  "bad name=SECRETVALUE", "a\tb\tc", json.dumps([{"name": "x", "value": "v",
                                                                                  "domain": ".other.com"}]),
                                  "auth=SECRET\x01VALUE", "x" * 40000])
def test_unusable_text_is_refused_without_quoting_values(text):
    with pytest.raises(cookies.CookieFormatError) as raised:
        cookies.parse(text)
    assert "SECRET" not in str(raised.value)


def test_round_trip_and_summary():
    parsed = cookies.parse("auth=1; b=2")
    assert cookies.loads(cookies.dumps(parsed)) == parsed
    summary = cookies.summary(cookies.parse("sid=1"), fmt="header")
    assert summary == {"format": "header", "count": 1, "names": ["sid"], "expires_at": None,
                       "missing_required": ["auth"]}
