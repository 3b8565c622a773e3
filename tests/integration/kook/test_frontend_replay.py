"""Issue 13: the original web front-end (gfchfjh/CSBJJWT v1.11.0, `frontend/src/api/index.js`, the stores and the
screens) replayed against our handlers, screen by screen: the requests exactly as it sends them (paths with
their trailing slash, axios' query strings, its bodies, its `Authorization: Bearer` token or no token at all)
and the fields each screen reads from the answers. docs/kook-frontend.md lists every call with the gap.

Every screen is replayed in both styles of the compatibility setting (`LIST_RESPONSE_STYLE`): the contract's
`{success, data}` (default) and the original's bare arrays, which is what the unmodified screens read; list
answers are read through `listed(answer, style)`, everything else must be the same in both.
"""

from __future__ import annotations

import json

import pytest

from kook.store.logs import Delivery, record_delivery
from tests.integration.kook.pipeline_support import (
    VERIFY_TOKEN,
    channel_event,
    drain,
    live_socket,
    pushed,
    script_targets,
    webhook_body,
)
from tests.integration.kook.replay_client import BARE, STYLES, ReplayClient, connector, listed, logged_in


@pytest.fixture
def connect(moto_stack, kook_env, fake, monkeypatch):
    """Clients of the original front-end (Bearer token), on the session stack; `kook_env` wipes the tables."""
    return connector(moto_stack, monkeypatch, fake.url)


@pytest.fixture(params=STYLES)
def ui(connect, request):
    """A logged-in client of a fresh deployment, in each list style: every screen's reads hold in both."""
    return logged_in(connect, request.param)


# ------------------------------------------------------------------------------------------------ data
# What the screens send, as their forms build it.

KOOK_COOKIE = json.dumps([{"name": "auth", "value": "kook-auth-cookie", "domain": ".kookapp.cn", "path": "/"},
                          {"name": "PHPSESSID", "value": "s1", "domain": ".kookapp.cn", "path": "/"}])
DISCORD_WEBHOOK = "https://discord.com/api/webhooks/1234567890123456789/" + "Ab_-9" * 13  # the form's regex
TG_TOKEN = "1234567890:AAHdqTcvCH1vGWJxfSeofSAs0K5PALDsawQ"
TG_CHAT = "-1001234567890"
FEISHU = {"app_id": "cli_a1b2c3d4e5f6a7b8", "app_secret": "feishu-app-secret-0123456789", "chat_id": "oc_42"}
UI_STATUSES = {"healthy", "warning", "unhealthy", "critical", "error"}  # Advanced.vue getStatusType
RELEASE = {"tag_name": "v1.12.0", "name": "KOOK Forwarder 1.12.0", "body": "**修复**若干问题",
           "html_url": "https://github.com/gfchfjh/CSBJJWT/releases/tag/v1.12.0",
           "published_at": "2025-11-01T00:00:00Z",
           "assets": [{"name": "KOOK-Forwarder-1.12.0-Setup.exe", "size": 1000,
                       "browser_download_url": "https://github.com/gfchfjh/CSBJJWT/releases/download/v1.12.0/x.exe"}]}


def real_discord(ui: ReplayClient) -> None:
    """Discord webhooks on discord.com (the tests' default points Discord at the fake, which replaces the hosts)."""
    ui.set_env("DISCORD_BASE_URL", "https://discord.com")


def add_account(ui: ReplayClient, email: str = "player@example.com") -> int:
    answer = ui.post("/api/accounts", {"email": email, "cookie": KOOK_COOKIE})
    assert answer.status == 200, answer.body
    return answer.body["account_id"]


def add_bot(ui: ReplayClient, platform: str, name: str, config: dict) -> int:
    answer = ui.post("/api/bots", {"platform": platform, "name": name, "config": config})
    assert answer.status == 200, answer.body
    return answer.body["bot_id"]


def add_mapping(ui: ReplayClient, bot_id: int, channel: str = "9876543210", name: str = "公告频道") -> int:
    answer = ui.post("/api/mappings", {"kook_server_id": "1234567890", "kook_channel_id": channel,
                                       "kook_channel_name": name, "target_platform": "telegram",
                                       "target_bot_id": bot_id, "target_channel_id": TG_CHAT})
    assert answer.status == 200, answer.body
    return answer.body["mapping_id"]


def script_kook(fake) -> None:
    """KOOK answers one server with a text and a voice channel."""
    def page(items):
        return {"code": 0, "message": "", "data": {"items": items, "meta": {"page": 1, "page_total": 1,
                                                                            "page_size": 100, "total": len(items)}}}
    fake.respond(json=page([{"id": "1234567890", "name": "游戏公会", "icon": ""}]), path="/api/v3/guild/list")
    fake.respond(json=page([{"id": "9876543210", "name": "公告", "type": 1},
                            {"id": "9876543211", "name": "语音", "type": 2}]), path="/api/v3/channel/list")


def deliveries() -> None:
    """Two log rows today, written the way the pipeline writes them."""
    record_delivery(Delivery(kook_message_id="msg_1", target="1", status="success", target_platform="discord",
                             kook_channel_id="9876543210", target_channel="", target_bot_id=1, mapping_id=1,
                             content="测试消息", sender_name="用户A", latency_ms=1200))
    record_delivery(Delivery(kook_message_id="msg_2", target="2", status="failed", target_platform="telegram",
                             kook_channel_id="9876543210", target_channel=TG_CHAT, target_bot_id=2, mapping_id=2,
                             content="第二条", sender_name="用户B", error_message="Bad Request: chat not found"))


# ------------------------------------------------------------------------------------------------ login, router

def test_login_screen_sets_the_password_and_logs_in(connect):
    ui = connect()
    assert ui.get("/auth/status").body["password_set"] is False  # router guard: fetch() without a token
    assert ui.post("/auth/setup", {"password": "admin-pass-1"}).status == 200
    assert ui.get("/auth/status").body["password_set"] is True
    login = ui.post("/auth/login", {"password": "admin-pass-1", "remember": True})
    assert login.status == 200
    ui.token = login.body["token"]  # localStorage auth_token
    assert ui.post("/auth/verify-token").status == 200


def test_router_wizard_check_sends_no_token_and_stays_refused(ui):
    """router/index.js checkNeedsWizard: fetch('/api/accounts') and fetch('/api/bots') carry no token. Auth stays
    on for what reveals data, so the unmodified router sends every page to /wizard (docs/kook-frontend.md)."""
    browser = ui.anonymous()
    for path in ("/api/accounts", "/api/bots"):
        answer = browser.get(path)
        assert answer.status == 401
        assert answer.body["error_code"] == "AUTH_FAILED"


@pytest.mark.parametrize(("method", "path"), [
    ("GET", "/api/accounts/"),
    ("GET", "/api/bots/"),
    ("GET", "/api/logs/"),
    ("GET", "/api/mappings/"),
    ("POST", "/api/accounts/"),
    ("POST", "/api/bots/"),
    ("POST", "/api/mappings/"),
    ("GET", "/api/system/status/"),
    ("POST", "/api/system/start/"),
    ("GET", "/api/logs/stats/"),
    ("GET", "/api/health/check/"),
    ("GET", "/api/updates/status/"),
    ("GET", "/health/"),
    ("GET", "/auth/status/"),
])
def test_every_path_also_answers_with_a_trailing_slash(ui, method, path):
    """FastAPI served both forms (a 307 to the declared one, which browsers follow); we answer both directly."""
    without = ui.request(method, path.rstrip("/"), {} if method == "POST" else None)
    with_slash = ui.request(method, path, {} if method == "POST" else None)
    assert with_slash.status == without.status
    assert with_slash.status != 404


# ------------------------------------------------------------------------------------------------ accounts

def test_accounts_screen_adds_accounts_with_the_trailing_slash(ui):
    by_cookie = ui.post("/api/accounts/", {"email": "cookie@example.com", "cookie": KOOK_COOKIE})
    assert by_cookie.status == 200
    assert by_cookie.body["success"] is True
    by_password = ui.post("/api/accounts/", {"email": "password@example.com", "password": "kook-password"})
    assert by_password.status == 200
    assert {a["email"] for a in listed(ui.get("/api/accounts"), ui.style)} == {"cookie@example.com",
                                                                         "password@example.com"}


@pytest.mark.parametrize("style", STYLES)
def test_accounts_screen_reads_the_list(connect, style):
    ui = logged_in(connect, style)
    started = add_account(ui, "one@example.com")
    add_account(ui, "two@example.com")
    assert ui.post(f"/api/accounts/{started}/start").status == 200
    accounts = listed(ui.get("/api/accounts/"), style)
    assert [a["email"] for a in sorted(accounts, key=lambda a: a["id"])] == ["one@example.com", "two@example.com"]
    for account in accounts:
        assert isinstance(account["id"], int)
        assert account["status"] in ("online", "offline")
        assert "last_active" in account
        assert isinstance(account["created_at"], str)
    assert {a["id"]: a["status"] for a in accounts}[started] == "online"


def test_accounts_screen_starts_stops_polls_captcha_and_deletes(ui):
    account = add_account(ui)
    assert ui.post(f"/api/accounts/{account}/start").status == 200
    captcha = ui.get(f"/api/accounts/{account}/captcha")  # polled every 3 s for each account
    assert captcha.status == 200
    assert captcha.body["required"] is False
    assert {"image_url", "timestamp"} <= set(captcha.body)
    assert ui.post(f"/api/accounts/{account}/stop").status == 200
    assert listed(ui.get("/api/accounts"), ui.style)[0]["status"] == "offline"
    assert ui.delete(f"/api/accounts/{account}").status in (200, 204)
    assert listed(ui.get("/api/accounts"), ui.style) == []


def test_errors_carry_the_detail_the_screens_show(ui):
    """utils/error.js and the views show `error.response.data.detail` (FastAPI's field) or `.message`."""
    refused = ui.post("/api/accounts", {"email": "x@example.com", "cookie": "invalid_json"})
    assert refused.status == 400
    assert refused.body["error_code"] == "INVALID_COOKIE"
    assert refused.body["detail"] == refused.body["error_message"]
    assert refused.body["detail"]


# ------------------------------------------------------------------------------------------------ bots

def test_bots_screen_adds_each_platform_with_the_trailing_slash(ui):
    real_discord(ui)
    configs = {"discord": {"webhook_url": DISCORD_WEBHOOK}, "telegram": {"token": TG_TOKEN, "chat_id": TG_CHAT},
               "feishu": FEISHU}
    for platform, config in configs.items():
        answer = ui.post("/api/bots/", {"platform": platform, "name": f"{platform} 机器人", "config": config})
        assert answer.status == 200, answer.body
        assert answer.body["data"]["platform"] == platform  # the wizard keeps response.data
        assert isinstance(answer.body["data"]["id"], int)


@pytest.mark.parametrize("style", STYLES)
def test_bots_screen_and_mapping_screen_read_the_bot_list(connect, style):
    ui = logged_in(connect, style)
    real_discord(ui)
    add_bot(ui, "discord", "游戏公告Bot", {"webhook_url": DISCORD_WEBHOOK})
    add_bot(ui, "feishu", "飞书Bot", FEISHU)
    (discord,) = listed(ui.get("/api/bots/", query={"platform": "discord"}), style)  # BotList.vue
    assert (discord["name"], discord["status"]) == ("游戏公告Bot", "active")
    assert discord["config"]["webhook_url"].startswith("https://discord.com/api/webhooks/")
    (feishu,) = listed(ui.get("/api/bots/", query={"platform": "feishu"}), style)
    assert (feishu["config"]["app_id"], feishu["config"]["chat_id"]) == (FEISHU["app_id"], FEISHU["chat_id"])
    every = listed(ui.get("/api/bots/"), style)  # Mapping.vue: all bots, filtered by platform in the page
    assert sorted((b["platform"], b["name"]) for b in every) == [("discord", "游戏公告Bot"), ("feishu", "飞书Bot")]
    assert all(isinstance(b["id"], int) for b in every)


def test_telegram_bot_config_is_read_as_token(ui):
    """BotList.vue shows `row.config.token?.substring(0, 20)`; the token is shown masked, never in full."""
    add_bot(ui, "telegram", "TG", {"token": TG_TOKEN, "chat_id": TG_CHAT})
    (bot,) = listed(ui.get("/api/bots/", query={"platform": "telegram"}), ui.style)
    assert bot["config"]["chat_id"] == TG_CHAT
    assert isinstance(bot["config"]["token"], str)
    assert bot["config"]["token"]
    assert bot["config"]["token"] != TG_TOKEN
    assert bot["config"]["token"] == bot["config"]["bot_token"]


def test_bots_screen_tests_and_deletes_a_bot(ui, fake):
    fake.respond(json={"ok": True, "result": {"message_id": 7}}, path=f"/bot{TG_TOKEN}/sendMessage")
    bot = add_bot(ui, "telegram", "TG", {"token": TG_TOKEN, "chat_id": TG_CHAT})
    tested = ui.post(f"/api/bots/{bot}/test")
    assert tested.status == 200
    assert tested.body["success"] is True
    assert isinstance(tested.body["message"], str)
    assert ui.delete(f"/api/bots/{bot}").status in (200, 204)
    assert listed(ui.get("/api/bots"), ui.style) == []


def test_wizard_reads_telegram_chat_ids_as_id_and_title(ui, fake):
    fake.respond(json={"ok": True, "result": [{"update_id": 1, "message": {
        "message_id": 1, "text": "hi", "chat": {"id": -1001234567890, "type": "supergroup", "title": "公告群"}}}]},
        path=f"/bot{TG_TOKEN}/getUpdates")
    answer = ui.get("/api/bots/telegram/chat-ids", query={"token": TG_TOKEN})
    assert answer.status == 200
    assert [(c["id"], c["title"]) for c in answer.body["chat_ids"]] == [(TG_CHAT, "公告群")]
    assert isinstance(answer.body["message"], str)


# ------------------------------------------------------------------------------------------------ mappings

@pytest.mark.parametrize("style", STYLES)
def test_mappings_screen_adds_and_lists_with_the_trailing_slash(connect, style):
    ui = logged_in(connect, style)
    bot = add_bot(ui, "telegram", "TG", {"token": TG_TOKEN, "chat_id": TG_CHAT})
    form = {"kook_server_id": "1234567890", "kook_channel_id": "9876543210", "kook_channel_name": "公告频道",
            "target_platform": "telegram", "target_bot_id": bot, "target_channel_id": TG_CHAT}
    assert ui.post("/api/mappings/", form).status == 200
    (row,) = listed(ui.get("/api/mappings/"), style)
    assert {k: row[k] for k in ("kook_channel_name", "target_platform", "target_channel_id")} == {
        "kook_channel_name": "公告频道", "target_platform": "telegram", "target_channel_id": TG_CHAT}
    assert row["enabled"]
    assert isinstance(row["id"], int)


def test_mappings_screen_imports_applies_a_template_and_deletes(ui):
    bot = add_bot(ui, "telegram", "TG", {"token": TG_TOKEN, "chat_id": TG_CHAT})
    row = {"kook_server_id": "1234567890", "kook_channel_id": "9876543210", "kook_channel_name": "公告频道",
           "target_platform": "telegram", "target_bot_id": bot, "target_channel_id": TG_CHAT}
    imported = ui.post("/api/mappings/import", {"mappings": [row], "replace_existing": False})
    assert imported.status == 200
    assert (imported.body["success_count"], imported.body["failed_count"], imported.body["errors"]) == (1, 0, [])
    template = [{"kook_server_id": "template", "kook_channel_id": key, "kook_channel_name": name,
                 "target_platform": "telegram", "target_bot_id": bot, "target_channel_id": key}
                for key, name in (("announcements", "📢 公告频道"), ("events", "🎉 活动频道"))]
    applied = ui.post("/api/mappings/import", {"mappings": template, "replace_existing": True})
    assert applied.body["success_count"] == 2
    mappings = listed(ui.get("/api/mappings"), ui.style)
    assert sorted(m["kook_channel_id"] for m in mappings) == ["announcements", "events"]
    assert ui.delete(f"/api/mappings/{mappings[0]['id']}").status in (200, 204)
    assert len(listed(ui.get("/api/mappings"), ui.style)) == 1


def test_mapping_export_takes_the_token_the_browser_can_send(ui):
    """exportMappings uses bare axios (no interceptor): no header. A link can carry `?token=`."""
    add_mapping(ui, add_bot(ui, "telegram", "TG", {"token": TG_TOKEN, "chat_id": TG_CHAT}))
    browser = ui.anonymous()
    assert browser.get("/api/mappings/export").status == 401  # the unmodified button
    assert browser.get("/api/mappings/export", query={"token": "kk_not-a-login"}).status == 401
    exported = browser.get("/api/mappings/export", query={"token": ui.token})
    assert exported.status == 200
    assert exported.body["version"] == "1.0"
    assert [m["kook_channel_id"] for m in exported.body["mappings"]] == ["9876543210"]


# ------------------------------------------------------------------------------------------------ smart mapping

@pytest.mark.parametrize("style", STYLES)
def test_smart_mapping_dialog_suggests_and_applies(connect, fake, style):
    """Mapping.vue generateSmartSuggestions → applySmartSuggestions, request for request."""
    script_kook(fake)
    ui = logged_in(connect, style)
    add_account(ui)
    add_bot(ui, "telegram", "announcements", {"token": TG_TOKEN, "chat_id": TG_CHAT})
    account_id = listed(ui.get("/api/accounts/"), style)[0]["id"]
    servers = ui.get(f"/api/accounts/{account_id}/servers").body["servers"]
    kook_servers = []
    for server in servers:
        channels = ui.get(f"/api/accounts/{account_id}/servers/{server['id']}/channels").body["channels"]
        kook_servers.append({"id": server["id"], "name": server["name"], "channels": channels})
    bots = listed(ui.get("/api/bots/"), style)
    answer = ui.post("/api/smart-mapping/suggest", {"account_id": account_id, "kook_servers": kook_servers,
                                                     "target_bots": bots})
    assert answer.status == 200, answer.body
    suggestions = answer.body if style == BARE else answer.body["suggestions"]
    assert [s["kook_channel_name"] for s in suggestions] == ["公告"]  # the voice channel is not suggested
    (suggestion,) = suggestions
    assert (suggestion["target_channel_name"], suggestion["target_platform"]) == ("announcements", "telegram")
    assert 0.5 <= suggestion["confidence"] <= 1
    assert isinstance(suggestion["reason"], str)
    assert ui.post("/api/smart-mapping/apply", suggestions).status == 200  # the array itself is the body
    (mapping,) = listed(ui.get("/api/mappings/"), style)
    assert (mapping["kook_channel_id"], mapping["target_bot_id"]) == ("9876543210", bots[0]["id"])


# ------------------------------------------------------------------------------------------------ logs

@pytest.mark.parametrize("style", STYLES)
def test_logs_screen_reads_the_list(connect, style):
    ui = logged_in(connect, style)
    deliveries()
    answer = ui.get("/api/logs/", query={"limit": 1000, "status": ""})  # axios sends the empty filter
    rows = listed(answer, style)
    assert [r["kook_message_id"] for r in rows] == ["msg_2", "msg_1"]  # newest first
    for row in rows:
        assert {"status", "target_platform", "latency_ms", "created_at", "kook_channel_id", "sender_name",
                "content", "message_type", "error_message", "target_channel"} <= set(row)
    by_id = {r["kook_message_id"]: r for r in rows}
    assert (by_id["msg_1"]["status"], by_id["msg_1"]["latency_ms"]) == ("success", 1200)
    assert by_id["msg_2"]["error_message"] == "Bad Request: chat not found"
    if style == BARE:  # the envelope's total and page, where an array has no room for them
        assert answer.headers["x-total-count"] == "2"


@pytest.mark.parametrize(("path", "content_type"), [("/api/logs/export/csv", "text/csv"),
                                                    ("/api/logs/export/json", "application/json")])
def test_log_exports_take_the_token_the_browser_can_send(ui, path, content_type):
    deliveries()
    browser = ui.anonymous()
    assert browser.get(path, query={"limit": 1000, "status": ""}).status == 401  # the unmodified button
    exported = browser.get(path, query={"limit": 1000, "status": "", "token": ui.token})
    assert exported.status == 200
    assert exported.headers["content-type"].startswith(content_type)
    assert "msg_1" in json.dumps(exported.body, ensure_ascii=False)


def socket(ui: ReplayClient, event_file: str, *, stage: str = "logs", connection_id: str = "conn-replay-logs",
           token: str | None = None, body: str | None = None) -> dict:
    """The live-log WebSocket function, as API Gateway calls it for `ws://…/ws/<stage>`."""
    ui.api.use_env("kook.LiveSocketFunction")
    return live_socket(event_file, stage=stage, connection_id=connection_id, token=token, body=body)


def test_logs_socket_needs_a_token_query_and_answers_the_json_ping(ui, pipeline):
    """utils/websocket.js: `new WebSocket('ws://…/ws/logs')` (no token: refused), heartbeat `{"type":"ping"}`."""
    assert socket(ui, "live-socket-connect.json")["statusCode"] == 401  # the unmodified front-end
    assert socket(ui, "live-socket-connect.json", token=ui.token)["statusCode"] == 200
    answer = socket(ui, "live-socket-ping.json", body=json.dumps({"type": "ping"}))
    assert json.loads(answer["body"]) == {"type": "pong"}


def test_logs_socket_pushes_new_log_rows_in_the_original_style(connect, pipeline, fake):
    """Logs.vue listens for `new_log` and unshifts the message (minus `type`) as a row of its table. One message
    cannot be both that and the contract's `{"type": "log", "data": {...}}`, so the list style decides."""
    ui = logged_in(connect, BARE)
    script_targets(fake)
    source = ui.post("/api/accounts", {"email": "bot@example.com", "bot_token": "1/bot",
                                       "verify_token": VERIFY_TOKEN}).body["account_id"]
    assert ui.post(f"/api/accounts/{source}/start").status == 200
    add_mapping(ui, add_bot(ui, "telegram", "TG", {"token": TG_TOKEN, "chat_id": TG_CHAT}), channel="1001")
    assert socket(ui, "live-socket-connect.json", token=ui.token)["statusCode"] == 200
    assert socket(ui, "live-socket-connect.json", token=ui.token, stage="ws",  # the contract's path
                  connection_id="conn-replay-ws")["statusCode"] == 200
    sent = ui.anonymous().post(f"/kook/webhook/{source}", raw_body=webhook_body(channel_event("1001", "m-live")),
                               headers={"content-type": "application/json"})
    assert sent.body["result"] == "queued", sent.body
    drain(pipeline)
    pushes = pushed("conn-replay-logs", take=True)
    rows = [p for p in pushes if p["type"] == "new_log"]
    assert rows, pushes
    row = rows[-1]
    assert (row["kook_message_id"], row["kook_channel_id"], row["target_platform"], row["status"]) == (
        "m-live", "1001", "telegram", "success")
    assert {"content", "sender_name", "message_type", "latency_ms", "error_message", "target_channel",
            "created_at"} <= set(row)
    contract = pushed("conn-replay-ws", take=True)
    assert {p["type"] for p in contract} == {"log"}  # /ws keeps the contract's message in both styles
    assert contract[-1]["data"]["message_id"] == "m-live"


# ------------------------------------------------------------------------------------------------ stats

def test_home_reads_todays_stats(ui):
    deliveries()
    stats = ui.get("/api/logs/stats").body  # Home.vue every 10 s, Charts.vue
    assert (stats["total"], stats["success"], stats["failed"]) == (2, 1, 1)
    assert stats["success_rate"] == 50.0
    assert stats["avg_latency"] == 1200
    assert stats["avg_latency_ms"] == 1200  # the contract's name stays


def test_charts_read_the_hourly_trend(ui):
    deliveries()
    trend = ui.get("/api/logs/stats/trend", query={"hours": 24}).body
    assert len(trend["hours"]) == len(trend["counts"]) == 24
    assert sum(trend["counts"]) == 2


def test_charts_read_platforms_and_counts(ui):
    deliveries()
    answer = ui.get("/api/logs/stats/platforms").body
    assert answer["platforms"] == ["Discord", "Telegram", "飞书"]
    assert answer["counts"] == [1, 1, 0]


# ------------------------------------------------------------------------------------------------ system

def test_layout_and_home_read_the_system_status(ui):
    add_account(ui, "a@example.com")
    started = add_account(ui, "b@example.com")
    ui.post(f"/api/accounts/{started}/start")
    status = ui.get("/api/system/status").body  # Layout.vue every 5 s, Home.vue
    assert status["service_running"] is True
    assert status["redis_connected"] is True
    assert status["queue_size"] == 0
    assert status["active_scrapers"] == 1


def test_layout_starts_and_stops_the_service(ui):
    assert ui.post("/api/system/stop").status == 200
    assert ui.get("/api/system/status").body["service_running"] is False
    assert ui.post("/api/system/start").status == 200
    assert ui.get("/api/system/status").body["service_running"] is True


def test_filter_screen_saves_rules_and_reads_them_from_data(ui):
    rules = {"scope": "global", "channel_id": "", "keyword_blacklist": ["广告"], "keyword_whitelist": [],
             "keyword_filter_enabled": True, "user_blacklist": [{"id": "42", "name": "spammer"}],
             "user_whitelist": [], "user_filter_enabled": True, "message_types": ["text", "image", "file", "link"],
             "only_mention_all": False}
    assert ui.post("/api/system/filter-rules", rules).status == 200
    read = ui.get("/api/system/filter-rules").body["data"]  # Filter.vue: Object.assign(rules, response.data)
    assert read["keyword_blacklist"] == ["广告"]
    assert read["user_blacklist"] == [{"id": "42", "name": "spammer"}]
    assert read["keyword_filter_enabled"] is True


def test_settings_reads_and_saves_the_system_config_in_data(ui):
    saved = ui.post("/api/system/system-config", {"imageStrategy": "direct", "logRetentionDays": 3,
                                                  "theme": "dark", "autoStart": False})
    assert saved.status == 200
    answer = ui.get("/api/system/system-config").body
    assert answer["success"] is True
    assert (answer["data"]["imageStrategy"], answer["data"]["logRetentionDays"]) == ("direct", 3)


def test_settings_reads_storage_usage_and_paths_in_data(ui):
    usage = ui.get("/api/system/storage-usage").body
    assert usage["success"] is True
    assert isinstance(usage["data"]["image"]["size_gb"], int | float)
    assert isinstance(usage["data"]["log"]["size_mb"], int | float)
    paths = ui.get("/api/system/paths").body
    assert paths["success"] is True
    assert isinstance(paths["data"]["image_storage"], str)
    assert isinstance(paths["data"]["log_dir"], str)


def test_settings_cleanups_answer_count_and_size(ui):
    images = ui.post("/api/system/cleanup-images", {"days": 7})
    assert images.body["success"] is True
    assert (images.body["count"], images.body["size_mb"]) == (0, 0)
    deliveries()
    logs = ui.post("/api/system/cleanup-logs", raw_body=b"", headers={"content-type": "application/json"})
    assert logs.status == 200  # axios posts `null`: a JSON content type and no body
    assert logs.body["success"] is True
    assert isinstance(logs.body["count"], int)
    assert isinstance(logs.body["size_mb"], int | float)


# ------------------------------------------------------------------------------------------------ health

@pytest.mark.parametrize("path", ["/api/health/status", "/api/health/check"])
def test_health_view_reads_success_and_data(ui, path):
    """Advanced.vue: `if (result.success) healthStatus = result.data` (status on mount, check on the button)."""
    add_bot(ui, "telegram", "TG", {"token": TG_TOKEN, "chat_id": TG_CHAT})
    answer = ui.get(path).body
    assert answer["success"] is True
    data = answer["data"]
    assert data["overall_status"] in UI_STATUSES
    for name in ("redis", "worker", "scrapers", "storage"):
        assert data["components"][name]["status"] in UI_STATUSES
        assert isinstance(data["components"][name]["message"], str)
    (bot,) = data["components"]["bots"]
    assert (bot["bot_name"], bot["platform"]) == ("TG", "telegram")
    assert bot["status"] in UI_STATUSES
    assert isinstance(data["timestamp"], str)


# ------------------------------------------------------------------------------------------------ updates

def test_update_check_is_read_at_the_top_and_in_data(ui, fake):
    fake.respond(json=RELEASE, path="/repos/gfchfjh/CSBJJWT/releases/latest")
    answer = ui.get("/api/updates/check").body
    assert answer["success"] is True
    # Settings.vue reads the top level
    assert (answer["has_update"], answer["latest_version"], answer["release_notes"]) == (True, "1.12.0",
                                                                                         RELEASE["body"])
    assert answer["download_url"]
    assert answer["update_available"] is True  # the contract's name stays
    # Advanced.vue reads data
    data = answer["data"]
    assert (data["has_update"], data["current_version"], data["latest_version"]) == (True, "1.11.0", "1.12.0")
    assert data["release_notes"] == RELEASE["body"]
    assert data["published_at"] == RELEASE["published_at"]
    assert data["release_url"] == RELEASE["html_url"]
    assert data["downloads"]["windows"] == RELEASE["assets"][0]["browser_download_url"]
    assert isinstance(data["checked_at"], str)


@pytest.mark.parametrize("github", ["refused", "failing"])
def test_update_check_when_github_cannot_be_reached(ui, fake, github):
    """The original answered 200 `{success: false, message}` when its GitHub call failed."""
    if github == "refused":
        ui.set_env("GITHUB_API_BASE_URL", "http://127.0.0.1:9")  # nothing listens on the discard port
    else:
        fake.fail(times=None, status=503, path="/repos/gfchfjh/CSBJJWT/releases/latest")
    answer = ui.get("/api/updates/check", query={"refresh": "true"})
    assert answer.status == 200
    assert answer.body["success"] is False
    assert isinstance(answer.body["message"], str)
    assert answer.body["current_version"] == "1.11.0"


# ------------------------------------------------------------------------------------------------ backups

def test_settings_backup_reads_the_backup_file(ui):
    answer = ui.post("/api/backup/create").body
    assert answer["success"] is True
    assert answer["backup_file"] == f"{answer['backup_id']}.json"


def test_restore_answers_the_backup_file(ui):
    created = ui.post("/api/backup/create").body
    restored = ui.post("/api/backup/restore", {"backup_id": created["backup_id"]})
    assert restored.status == 200
    assert restored.body["backup_file"] == f"{created['backup_id']}.json"
