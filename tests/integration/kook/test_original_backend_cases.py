"""Issue 13: the cases of the original backend's HTTP tests (gfchfjh/CSBJJWT v1.11.0,
`backend/tests/test_api_integration.py`, 37 tests) as our own tests, sent with a login token in the documented
`X-API-Token` header. Each test names the original case it covers; where the original accepted several statuses,
ours pins the one we answer. The case that needs the internet (test_check_update: GitHub) is skipped and says so,
with offline variants beside it; test_response_time is skipped (house rules: no timed asserts, bench/ measures);
test_concurrent_requests runs in tests/e2e/kook/test_kook_api.py, against the local stack as processes.

Beside the 37: the Discord webhook format the original accepted, and that really malformed requests keep 422.
"""

from __future__ import annotations

import json

import pytest

from tests.integration.kook.pipeline_support import handler
from tests.integration.kook.replay_client import API_TOKEN, STYLES, ReplayClient, connector, listed, logged_in
from tests.support.lambda_events import FakeLambdaContext, load_event


@pytest.fixture
def connect(moto_stack, kook_env, fake, monkeypatch):
    """Clients as the original's tests called its backend (`X-API-Token`), on the session stack."""
    return connector(moto_stack, monkeypatch, fake.url, header=API_TOKEN)


@pytest.fixture
def backend(connect):
    return logged_in(connect)


TOKEN_COOKIE = '[{"name":"token","value":"test","domain":".kookapp.cn"}]'
COOKIE_WITHOUT_DOMAIN = '[{"name":"token","value":"test"}]'
FULL_WEBHOOK = "https://discord.com/api/webhooks/123456789012345678/" + "x" * 68
TG_TOKEN = "123456:ABC-DEF1234ghIkl-zyx57W2v1u123ew11"


def real_discord(client: ReplayClient) -> None:
    """Discord's own hosts (the tests' default points Discord at the fake, whose origin replaces the hosts)."""
    client.set_env("DISCORD_BASE_URL", "https://discord.com")


def add_discord_bot(client: ReplayClient, name: str, webhook: str = FULL_WEBHOOK) -> int:
    real_discord(client)
    answer = client.post("/api/bots", {"platform": "discord", "name": name, "config": {"webhook_url": webhook}})
    assert answer.status == 200, answer.body
    return answer.body["bot_id"]


# ------------------------------------------------------------------------------------------------ TestAccountsAPI

def test_get_accounts(backend):
    answer = backend.get("/api/accounts")
    assert answer.status == 200
    assert answer.body["success"] is True
    assert answer.body["data"] == []


def test_add_account_with_cookie(backend):
    answer = backend.post("/api/accounts", {"email": "test@example.com", "cookie": TOKEN_COOKIE})
    assert answer.status == 200
    assert answer.body["success"] is True
    assert isinstance(answer.body["account_id"], int)


def test_add_account_invalid_cookie(backend):
    answer = backend.post("/api/accounts", {"email": "test@example.com", "cookie": "invalid_json"})
    assert answer.status == 400
    assert answer.body["error_code"] == "INVALID_COOKIE"
    assert backend.get("/api/accounts").body["data"] == []


def test_delete_account(backend):
    added = backend.post("/api/accounts", {"email": "delete_test@example.com", "cookie": COOKIE_WITHOUT_DOMAIN})
    assert added.status == 200, added.body
    assert backend.delete(f"/api/accounts/{added.body['account_id']}").status == 204
    assert backend.get("/api/accounts").body["data"] == []


def test_start_scraper(backend):
    """The original accepted 200, 400 or 500 (its browser could fail); starting ingestion here cannot."""
    added = backend.post("/api/accounts", {"email": "scraper_test@example.com", "cookie": COOKIE_WITHOUT_DOMAIN})
    started = backend.post(f"/api/accounts/{added.body['account_id']}/start")
    assert started.status == 200
    assert started.body["account"]["status"] == "online"


# ------------------------------------------------------------------------------------------------ TestBotsAPI

@pytest.mark.parametrize("style", STYLES)
def test_get_bots(connect, style):
    client = logged_in(connect, style)
    add_discord_bot(client, "listed")
    assert [b["name"] for b in listed(client.get("/api/bots"), style)] == ["listed"]


def test_add_discord_bot(backend):
    """The original stored any config; its test's webhook has a six-digit id and a four-character token."""
    real_discord(backend)
    answer = backend.post("/api/bots", {"platform": "discord", "name": "测试Discord Bot",
                                        "config": {"webhook_url": "https://discord.com/api/webhooks/123456/test"}})
    assert answer.status == 200, answer.body
    assert answer.body["success"] is True
    assert answer.body["data"]["config"]["webhook_url"].startswith("https://discord.com/api/webhooks/123456/")


def test_add_telegram_bot(backend):
    answer = backend.post("/api/bots", {"platform": "telegram", "name": "测试Telegram Bot",
                                        "config": {"bot_token": TG_TOKEN, "chat_id": "-1001234567890"}})
    assert answer.status == 200
    assert TG_TOKEN not in json.dumps(answer.body)  # shown masked


def test_add_feishu_bot(backend):
    answer = backend.post("/api/bots", {"platform": "feishu", "name": "测试飞书Bot",
                                        "config": {"app_id": "cli_test123456", "app_secret": "test_secret_abc123"}})
    assert answer.status == 200
    assert answer.body["data"]["config"]["app_id"] == "cli_test123456"


def test_get_bots_by_platform(backend):
    add_discord_bot(backend, "d")
    backend.post("/api/bots", {"platform": "telegram", "name": "t",
                               "config": {"bot_token": TG_TOKEN, "chat_id": "-1001234567890"}})
    answer = backend.get("/api/bots", query={"platform": "discord"})
    assert answer.status == 200
    assert [b["platform"] for b in answer.body["data"]] == ["discord"]


def test_delete_bot(backend):
    """The original's case adds `https://discord.com/api/webhooks/test` (no id, no token), which it stored
    unchecked; we refuse that URL (test_discord_urls_that_are_not_webhooks_stay_refused) and delete a real one."""
    bot_id = add_discord_bot(backend, "待删除Bot")
    assert backend.delete(f"/api/bots/{bot_id}").status == 200
    assert backend.get("/api/bots").body["data"] == []


@pytest.mark.parametrize("url", [
    "https://discord.com/api/webhooks/123456/test",
    "https://discord.com/api/webhooks/1/t",
    "https://discordapp.com/api/webhooks/123456789012345678/short",
    "https://discord.com/api/v10/webhooks/1234/abc-DEF_123",
    FULL_WEBHOOK,
    "https://canary.discord.com/api/webhooks/123456789012345678/" + "y" * 68,
])
def test_discord_webhooks_in_discords_own_format_are_accepted(backend, url):
    """Any `https://discord.com/api/webhooks/<id>/<token>`, as the original accepted (issue 13)."""
    real_discord(backend)
    answer = backend.post("/api/bots", {"platform": "discord", "name": "d", "config": {"webhook_url": url}})
    assert answer.status == 200, answer.body


@pytest.mark.parametrize("url", [
    "https://discord.com/api/webhooks/test",  # the original's test_delete_bot URL: no id, no token
    "https://discord.com/api/webhooks/123456/",  # no token
    "https://discord.com/api/webhooks/abc/def",  # the id is not a number
    "https://discord.com/api/webhooks/123456/test/slack",  # Slack-compatible endpoint, another payload
    "http://discord.com/api/webhooks/123456/test",  # not https
    "https://discord.com.evil.example/api/webhooks/123456/test",  # another host
    "https://example.com/api/webhooks/123456/test",
    "https://127.0.0.1/api/webhooks/123456/test",  # private addresses
    "https://169.254.169.254/api/webhooks/123456/test",
])
def test_discord_urls_that_are_not_webhooks_stay_refused(backend, url):
    real_discord(backend)
    answer = backend.post("/api/bots", {"platform": "discord", "name": "d", "config": {"webhook_url": url}})
    assert answer.status == 400
    assert answer.body["error_code"] == "DISCORD_WEBHOOK_INVALID"
    assert backend.get("/api/bots").body["data"] == []


# ------------------------------------------------------------------------------------------------ TestMappingsAPI

@pytest.mark.parametrize("style", STYLES)
def test_get_mappings(connect, style):
    client = logged_in(connect, style)
    bot_id = add_discord_bot(client, "映射Bot")
    client.post("/api/mappings", {"kook_channel_id": "9876543210", "target_bot_id": bot_id})
    assert [m["kook_channel_id"] for m in listed(client.get("/api/mappings"), style)] == ["9876543210"]


def test_add_mapping(backend):
    bot_id = add_discord_bot(backend, "映射测试Bot")
    answer = backend.post("/api/mappings", {"kook_server_id": "1234567890", "kook_channel_id": "9876543210",
                                            "kook_channel_name": "测试频道", "target_platform": "discord",
                                            "target_bot_id": bot_id, "target_channel_id": "discord_channel_123"})
    assert answer.status == 200
    assert answer.body["success"] is True
    assert answer.body["data"]["target_bot_id"] == bot_id


def test_export_mappings(backend):
    answer = backend.get("/api/mappings/export")
    assert answer.status == 200
    assert answer.body["mappings"] == []
    assert answer.body["version"] == "1.0"


def test_import_mappings(backend):
    """The original's row names bot 1 without creating it: the import answers 200 and reports the row."""
    answer = backend.post("/api/mappings/import", {"mappings": [{
        "kook_server_id": "test_server", "kook_channel_id": "test_channel", "kook_channel_name": "导入测试",
        "target_platform": "discord", "target_bot_id": 1, "target_channel_id": "discord_test"}]})
    assert answer.status == 200
    assert (answer.body["success_count"], answer.body["failed_count"]) == (0, 1)
    assert answer.body["errors"][0]["channel"] == "导入测试"


def test_delete_mapping(backend):
    bot_id = add_discord_bot(backend, "删除测试Bot")
    added = backend.post("/api/mappings", {"kook_server_id": "delete_test", "kook_channel_id": "delete_test_channel",
                                           "kook_channel_name": "待删除", "target_platform": "discord",
                                           "target_bot_id": bot_id, "target_channel_id": "test"})
    assert backend.delete(f"/api/mappings/{added.body['mapping_id']}").status == 200
    assert backend.get("/api/mappings").body["data"] == []


# ------------------------------------------------------------------------------------------------ TestLogsAPI

@pytest.mark.parametrize("style", STYLES)
def test_get_logs(connect, style):
    assert listed(logged_in(connect, style).get("/api/logs"), style) == []


def test_get_logs_with_filters(backend):
    answer = backend.get("/api/logs", query={"limit": 50, "status": "success", "platform": "discord"})
    assert answer.status == 200
    assert answer.body["data"] == []


def test_get_logs_stats(backend):
    answer = backend.get("/api/logs/stats")
    assert answer.status == 200
    assert answer.body["total"] == 0


def test_clear_old_logs(backend):
    answer = backend.post("/api/logs/clear", query={"days": 30})
    assert answer.status == 200
    assert answer.body["deleted"] == 0


# ------------------------------------------------------------------------------------------------ TestSystemAPI

def test_get_system_status(backend):
    answer = backend.get("/api/system/status")
    assert answer.status == 200
    assert answer.body["service_running"] is True


def test_get_cache_stats(backend):
    answer = backend.get("/api/cache/stats")
    assert answer.status == 200
    assert {"cache_size", "hit_rate", "miss_rate", "total_hits", "total_misses"} <= set(answer.body)


def test_health_check(backend):
    answer = backend.anonymous().get("/health")
    assert answer.status == 200
    assert answer.body == {"status": "healthy"}


# ------------------------------------------------------------------------------------------------ TestAuthAPI

def test_login(backend):
    refused = backend.anonymous().post("/api/auth/login", {"password": "test_password"})
    assert refused.status == 401
    assert refused.body["error_code"] == "WRONG_PASSWORD"
    accepted = backend.anonymous().post("/api/auth/login", {"password": "admin-pass-1"})
    assert accepted.status == 200
    assert accepted.body["expires_in"] == 2592000


def test_verify_token(backend):
    assert backend.anonymous().post("/api/auth/verify", {"token": "test_token"}).status == 401
    assert backend.anonymous().post("/api/auth/verify", {"token": backend.token}).status == 200


def test_change_password(backend):
    answer = backend.post("/api/auth/change-password", {"old_password": "old_pass", "new_password": "new_pass"})
    assert answer.status == 401
    assert answer.body["error_code"] == "WRONG_PASSWORD"


# ------------------------------------------------------------------------------------------------ TestBackupAPI

def test_create_backup(backend):
    answer = backend.post("/api/backup/create")
    assert answer.status == 200
    assert answer.body["backup_id"].startswith("backup_")


def test_list_backups(backend):
    """The original answered `{backups: [...]}`; its test accepts a list or `backups`. `data` stays beside it."""
    created = backend.post("/api/backup/create").body
    answer = backend.get("/api/backup/list")
    assert answer.status == 200
    assert [b["backup_id"] for b in answer.body["backups"]] == [created["backup_id"]]
    assert answer.body["backups"] == answer.body["data"]


def test_restore_backup(backend):
    """`test_backup` is outside our backup-name pattern: no such backup, 404 (not a 422)."""
    answer = backend.post("/api/backup/restore", {"backup_id": "test_backup"})
    assert answer.status == 404
    assert answer.body["error_code"] == "CONFIG_NOT_FOUND"
    assert answer.body["detail"]


# ------------------------------------------------------------------------------------------------ TestSmartMappingAPI

def test_get_kook_servers(backend):
    answer = backend.get("/api/smart-mapping/kook-servers")
    assert answer.status == 400
    assert answer.body["error_code"] == "MISSING_PARAM"
    assert "account_id" in answer.body["detail"]


def test_get_kook_channels(backend):
    answer = backend.get("/api/smart-mapping/kook-channels", query={"server_id": "test"})
    assert answer.status == 400
    assert answer.body["error_code"] == "MISSING_PARAM"
    assert "account_id" in answer.body["detail"]


def test_auto_match_channels(backend):
    answer = backend.post("/api/smart-mapping/auto-match")
    assert answer.status == 400
    assert answer.body["error_code"] == "MISSING_PARAM"
    assert answer.body["detail"]


@pytest.mark.parametrize(("method", "path", "body", "query"), [
    ("POST", "/api/backup/restore", {"backup_id": 5}, None),
    ("POST", "/api/backup/restore", {"backup_id": ["backup_20251019_153000"]}, None),
    ("POST", "/api/smart-mapping/auto-match", {"account_id": "abc"}, None),
    ("GET", "/api/smart-mapping/kook-servers", None, {"account_id": "abc"}),
    ("POST", "/api/smart-mapping/suggest", {"account_id": 1, "kook_servers": "not a list"}, None),
])
def test_really_malformed_requests_keep_422(backend, method, path, body, query):
    answer = backend.request(method, path, body, query=query)
    assert answer.status == 422
    assert answer.body["error_code"] == "INVALID_PARAM"


# ------------------------------------------------------------------------------------------------ TestWebSocketAPI

def test_websocket_connection(backend, pipeline):
    """The original's case only says the endpoint exists: `/ws` takes the login token and answers a ping."""
    backend.api.use_env("kook.LiveSocketFunction")
    connect = load_event("kook/live-socket-connect.json")
    connect["queryStringParameters"] = {"token": backend.token}
    assert handler("kook.handlers.live_socket.handler")(connect, FakeLambdaContext())["statusCode"] == 200
    ping = load_event("kook/live-socket-ping.json")
    ping["body"] = "ping"
    answer = handler("kook.handlers.live_socket.handler")(ping, FakeLambdaContext())
    assert json.loads(answer["body"]) == {"type": "pong"}


# ------------------------------------------------------------------------------------------------ TestHealthAPI

def test_health_check_detail(backend):
    answer = backend.get("/api/health/check")
    assert answer.status == 200
    assert {"redis", "database", "worker", "scrapers"} <= set(answer.body["components"])


# ------------------------------------------------------------------------------------------------ TestUpdateAPI

@pytest.mark.skip(reason="needs the internet: the original's case calls GitHub's releases API "
                         "(api.github.com/repos/gfchfjh/CSBJJWT/releases/latest); see the offline cases below")
def test_check_update(backend):
    backend.set_env("GITHUB_API_BASE_URL", "https://api.github.com")
    answer = backend.get("/api/updates/check")
    assert answer.status == 200
    assert answer.body["current_version"] == "1.11.0"


def test_check_update_against_a_release(backend, fake):
    fake.respond(json={"tag_name": "v1.11.0", "name": "1.11.0", "body": "", "assets": [],
                       "html_url": "https://github.com/gfchfjh/CSBJJWT/releases/tag/v1.11.0",
                       "published_at": "2025-10-20T00:00:00Z"}, path="/repos/gfchfjh/CSBJJWT/releases/latest")
    answer = backend.get("/api/updates/check")
    assert answer.status == 200
    assert (answer.body["current_version"], answer.body["update_available"]) == ("1.11.0", False)


def test_check_update_when_github_is_unreachable(backend):
    """What the original's case meets without the internet: 200 `{success: false}`, the version still there."""
    backend.set_env("GITHUB_API_BASE_URL", "http://127.0.0.1:9")  # nothing listens on the discard port
    answer = backend.get("/api/updates/check")
    assert answer.status == 200
    assert answer.body["success"] is False
    assert answer.body["current_version"] == "1.11.0"


# ------------------------------------------------------------------------------------------------ TestPerformance

# test_concurrent_requests (50 requests at once) runs against the local stack as processes, where concurrency is
# real: tests/e2e/kook/test_kook_api.py::test_management_scenario. In-process handlers share one resolver.


@pytest.mark.skip(reason="the original's case is a timed assert (under 1 s): house rules keep timers out of tests; "
                         "response times are measured in bench/ (cold_start.py, aws_calls.py)")
def test_response_time(backend):
    assert backend.get("/api/system/status").status == 200
