"""Accounts: the three cookie formats, secrets sealed, list/delete/start/stop, servers and channels from the
(fake) KOOK API through the cache, the path alias, cookie update and status, captcha."""

import json

import pytest

from kook.store import accounts as account_store
from tests.integration.kook.conftest import scripted_kook

JSON_COOKIE = json.dumps([{"name": "auth", "value": "auth-value-1", "domain": ".kookapp.cn", "httpOnly": True,
                           "expirationDate": 4102444800},
                          {"name": "other_site", "value": "x", "domain": ".example.com"}])
NETSCAPE_COOKIE = ("# Netscape HTTP Cookie File\n"
                   "#HttpOnly_.kookapp.cn\tTRUE\t/\tTRUE\t4102444800\tauth\tauth-value-2\n"
                   ".kookapp.cn\tTRUE\t/\tFALSE\t0\tPHPSESSID\tsess-2\n")
HEADER_COOKIE = "auth=auth-value-3; PHPSESSID=sess-3"
GUILDS = [{"id": "1001", "name": "游戏公会", "icon": "https://img.kookapp.cn/1.png"},
          {"id": "1002", "name": "Dev Guild", "icon": ""}]
CHANNELS = {"1001": [{"id": "2001", "name": "公告频道", "type": 1, "is_category": False},
                     {"id": "2000", "name": "分组", "type": 1, "is_category": True},
                     {"id": "2002", "name": "语音", "type": 2, "is_category": False}],
            "1002": [{"id": "2101", "name": "announcements", "type": 1}]}


def add(api, email="user@example.com", **fields):
    answer = api.post("/api/accounts", {"email": email, **fields})
    assert answer.status == 200, answer.body
    return answer.body["account_id"]


@pytest.mark.parametrize(("cookie", "secret", "fmt"), [(JSON_COOKIE, "auth-value-1", "json"),
                                                      (NETSCAPE_COOKIE, "auth-value-2", "netscape"),
                                                      (HEADER_COOKIE, "auth-value-3", "header")])
def test_each_cookie_format_is_accepted_and_sealed(api, cookie, secret, fmt):
    answer = api.post("/api/accounts", {"email": "user@example.com", "cookie": cookie})
    assert answer.status == 200
    assert answer.body["message"] == "账号添加成功"
    assert answer.body["account_id"] >= 1
    stored = account_store.get(answer.body["account_id"])
    assert stored["cookie_sealed"].startswith("v1.")
    assert secret not in json.dumps(stored)
    assert stored["cookie_meta"]["format"] == fmt
    listed = api.get("/api/accounts").body["data"]
    assert listed[0]["email"] == "user@example.com"
    assert listed[0]["status"] == "offline"
    assert listed[0]["has_cookie"] is True
    assert secret not in json.dumps(listed)


def test_list_has_the_documented_fields_and_the_trailing_slash_form(api):
    add(api, cookie=HEADER_COOKIE)
    body = api.get("/api/accounts/").body
    assert body["success"] is True
    assert {"id", "email", "status", "last_active", "created_at"} <= set(body["data"][0])


@pytest.mark.parametrize("cookie", ["[not json", "just some words", "[{\"name\": \"a\"}]",
                                    json.dumps([{"name": "sid", "value": "1", "domain": ".example.com"}])])
def test_unusable_cookies_get_invalid_cookie(api, cookie):
    answer = api.post("/api/accounts", {"email": "user@example.com", "cookie": cookie})
    assert answer.status == 400
    assert answer.body["error_code"] == "INVALID_COOKIE"
    assert answer.body["solution"]
    assert api.get("/api/accounts").body["data"] == []  # nothing half-written


def test_bad_input_is_a_clear_4xx(api):
    assert api.post("/api/accounts", {"email": "not-an-email", "password": "pw123456"}).status == 400
    assert api.post("/api/accounts", {"email": "a@example.com"}).body["error_code"] == "MISSING_PARAM"
    assert api.post("/api/accounts", raw_body=b"{nope").status == 422


def test_duplicate_email_is_refused(api):
    add(api, password="kook-pass-1")
    again = api.post("/api/accounts", {"email": "USER@example.com", "password": "kook-pass-2"})
    assert again.status == 409
    assert len(api.get("/api/accounts").body["data"]) == 1


def test_delete_answers_204_then_404(api):
    account_id = add(api, cookie=HEADER_COOKIE)
    answer = api.delete(f"/api/accounts/{account_id}")
    assert answer.status == 204
    assert not answer.raw.get("body")
    missing = api.delete(f"/api/accounts/{account_id}")
    assert missing.status == 404
    assert missing.body["error_code"] == "ACCOUNT_NOT_FOUND"
    assert add(api, cookie=HEADER_COOKIE) != account_id  # the e-mail is free again, with a new id


def test_start_and_stop_persist_the_ingestion_state(api):
    account_id = add(api, cookie=HEADER_COOKIE)
    started = api.post(f"/api/accounts/{account_id}/start")
    assert started.body == {"success": True, "message": "抓取器启动成功", "account": started.body["account"]}
    assert account_store.get(account_id)["ingestion_enabled"] is True
    assert api.get("/api/accounts").body["data"][0]["status"] == "online"
    assert api.post(f"/api/accounts/{account_id}/stop").status == 200
    assert account_store.get(account_id)["ingestion_enabled"] is False
    assert api.post("/api/accounts/999/start").status == 404


def test_servers_and_channels_come_from_kook_through_the_cache(api, fake):
    scripted_kook(fake, GUILDS, CHANNELS)
    account_id = add(api, cookie=HEADER_COOKIE)
    servers = api.get(f"/api/accounts/{account_id}/servers")
    assert servers.body == {"success": True, "servers": GUILDS}
    request = fake.requests[0]
    assert request.path == "/api/v3/guild/list"
    assert request.headers["Cookie"] == "auth=auth-value-3; PHPSESSID=sess-3"
    assert api.get(f"/api/accounts/{account_id}/servers").body["servers"] == GUILDS
    assert len(fake.requests) == 1  # the second answer came from the DynamoDB cache

    channels = api.get(f"/api/accounts/{account_id}/channels", query="server_id=1001").body["channels"]
    assert channels == [{"id": "2001", "name": "公告频道", "type": "text", "server_id": "1001", "parent_id": ""},
                        {"id": "2002", "name": "语音", "type": "voice", "server_id": "1001", "parent_id": ""}]
    alias = api.get(f"/api/accounts/{account_id}/servers/1002/channels").body["channels"]
    assert [c["name"] for c in alias] == ["announcements"]
    assert fake.requests[-1].query["guild_id"] == ["1002"]
    stats = api.get("/api/cache/stats").body
    assert stats["total_hits"] >= 1
    assert stats["cache_size"] == 3
    assert api.get(f"/api/accounts/{account_id}/channels").body["error_code"] == "MISSING_PARAM"


def test_bot_token_accounts_use_kook_bot_authorization(api, fake):
    scripted_kook(fake, GUILDS, CHANNELS)
    account_id = add(api, bot_token="1/MTAxNTU=/kook-bot-token-value")
    api.get(f"/api/accounts/{account_id}/servers", query="refresh=true")
    assert fake.requests[0].headers["Authorization"] == "Bot 1/MTAxNTU=/kook-bot-token-value"


def test_expired_cookie_is_reported_and_remembered(api, fake):
    fake.respond(status=401, json={"code": 401, "message": "你的用户认证信息已过期"}, path="/api/v3/guild/list")
    account_id = add(api, cookie=HEADER_COOKIE)
    answer = api.get(f"/api/accounts/{account_id}/servers")
    assert answer.status == 400
    assert answer.body["error_code"] == "INVALID_COOKIE"
    assert "cookie" in answer.body["solution"].lower()
    assert api.get(f"/api/accounts/{account_id}/cookie-status").body["valid"] is False


def test_kook_outage_is_a_5xx_in_the_documented_shape(api, fake):
    fake.fail(times=None, status=502, path="/api/v3/guild/list")
    account_id = add(api, cookie=HEADER_COOKIE)
    answer = api.get(f"/api/accounts/{account_id}/servers")
    assert answer.status == 502
    assert answer.body["error_code"] == "NETWORK_ERROR"


def test_update_cookie_and_cookie_status(api, fake):
    account_id = add(api, password="kook-pass-1")
    before = api.get(f"/api/accounts/{account_id}/cookie-status").body
    assert before["has_cookie"] is False
    assert before["valid"] is False
    updated = api.put(f"/api/accounts/{account_id}/cookie", {"cookie": NETSCAPE_COOKIE})
    assert updated.status == 200
    assert updated.body["account"]["has_cookie"] is True
    status = api.get(f"/api/accounts/{account_id}/cookie-status").body
    assert status["has_cookie"] is True
    assert status["format"] == "netscape"
    assert status["cookie_count"] == 2
    assert status["expires_at"].startswith("2100-01-01")
    assert status["expired"] is False
    assert status["missing_required"] == []
    assert api.put(f"/api/accounts/{account_id}/cookie", {"cookie": "garbage"}).body["error_code"] == "INVALID_COOKIE"


def test_captcha_round_trip(api):
    account_id = add(api, password="kook-pass-1")
    assert api.get(f"/api/accounts/{account_id}/captcha").body == {
        "success": True, "required": False, "image_url": None, "timestamp": None}
    assert api.post(f"/api/accounts/{account_id}/captcha", {"code": "ab12"}).status == 409
    account_store.put_captcha(account_id, {"required": True, "image_url": "https://img.kookapp.cn/c.png"})
    pending = api.get(f"/api/accounts/{account_id}/captcha").body
    assert pending["required"] is True
    assert pending["image_url"] == "https://img.kookapp.cn/c.png"
    assert api.post(f"/api/accounts/{account_id}/captcha", {"code": "ab12"}).status == 200
    assert account_store.captcha(account_id)["code"] == "ab12"
