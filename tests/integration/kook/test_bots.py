"""Bots: per-platform validation (a Discord webhook must be a Discord webhook), secrets sealed and masked, real
test sends through the (fake) platform APIs with latency_ms, deletes cascading to mappings, Telegram chat ids."""

import json

import pytest

from kook.store import bots as bot_store
from kook.store import mappings as mapping_store

TG_TOKEN = "123456789:AAHdqTcvCH1vGWJxfSeofSAs0K5PALDsaw"
FEISHU_SECRET = "feishu-app-secret-value-123"


WEBHOOK_TOKEN = "webhook-token-abcdefghijklmnopqrstuvwxyz"


def webhook(fake):
    return f"{fake.url}/api/webhooks/123456789012345678/{WEBHOOK_TOKEN}"


def add(api, platform, config, name="测试Bot"):
    answer = api.post("/api/bots", {"platform": platform, "name": name, "config": config})
    assert answer.status == 200, answer.body
    return answer.body["bot_id"]


def test_add_each_platform_and_list_with_masked_secrets(api, fake):
    discord_id = add(api, "discord", {"webhook_url": webhook(fake)})
    telegram_id = add(api, "telegram", {"token": TG_TOKEN, "chat_id": "-1001234567890"})  # the original's key
    feishu_id = add(api, "feishu", {"app_id": "cli_a1b2c3", "app_secret": FEISHU_SECRET, "chat_id": "oc_123456"})
    listed = api.get("/api/bots").body["data"]
    assert [b["id"] for b in listed] == [discord_id, telegram_id, feishu_id]
    text = json.dumps(listed)
    for secret in ("webhook-token-abcdefghijklmnopqrstuvwxyz", TG_TOKEN, FEISHU_SECRET):
        assert secret not in text
    telegram = listed[1]
    assert telegram["config"] == {"chat_id": "-1001234567890", "bot_token": "1234****" + TG_TOKEN[-4:]}
    assert telegram["status"] == "active"
    assert telegram["created_at"]
    assert listed[0]["config"]["webhook_url"].endswith("/api/webhooks/123456789012345678/webh****wxyz")
    assert [b["platform"] for b in api.get("/api/bots/", query="platform=feishu").body["data"]] == ["feishu"]
    assert api.get("/api/bots", query="platform=slack").status == 400
    stored = bot_store.get(telegram_id)
    assert TG_TOKEN not in json.dumps(stored)
    assert stored["secret_sealed"].startswith("v1.")


@pytest.mark.parametrize("url", [
    "https://example.com/api/webhooks/123456789012345678/abcdefghijklmnopqrstuvwxyz",  # not Discord
    "http://169.254.169.254/latest/meta-data",  # SSRF
    "https://discord.com/channels/123/456",  # Discord, not a webhook
    "https://discord.com@evil.example/api/webhooks/123456789012345678/abcdefghijklmnopqrstuvwxyz",
    "not a url",
])
def test_discord_webhook_must_be_a_discord_webhook(api, url):
    api.setenv("DISCORD_BASE_URL", "https://discord.com")  # the real allowlist
    answer = api.post("/api/bots", {"platform": "discord", "name": "x", "config": {"webhook_url": url}})
    assert answer.status == 400
    assert answer.body["error_code"] == "DISCORD_WEBHOOK_INVALID"
    assert api.get("/api/bots").body["data"] == []


def test_real_discord_webhooks_are_accepted(api):
    api.setenv("DISCORD_BASE_URL", "https://discord.com")
    for host in ("discord.com", "discordapp.com", "canary.discord.com"):
        url = f"https://{host}/api/webhooks/123456789012345678/{'a' * 68}"
        answer = api.post("/api/bots", {"platform": "discord", "name": host, "config": {"webhook_url": url}})
        assert answer.status == 200


@pytest.mark.parametrize(("platform", "config", "code"), [
    ("telegram", {"bot_token": "not-a-token", "chat_id": "-100"}, "TELEGRAM_TOKEN_INVALID"),
    ("telegram", {"bot_token": TG_TOKEN}, "BOT_CONFIG_INVALID"),
    ("feishu", {"app_id": "cli_x1", "app_secret": "short"}, "FEISHU_APP_INVALID"),
    ("feishu", {"app_secret": FEISHU_SECRET}, "FEISHU_APP_INVALID"),
])
def test_platform_config_is_validated(api, platform, config, code):
    answer = api.post("/api/bots", {"platform": platform, "name": "x", "config": config})
    assert answer.status == 400
    assert answer.body["error_code"] == code


def test_unknown_platform_is_refused(api):
    assert api.post("/api/bots", {"platform": "slack", "name": "x", "config": {}}).status == 422


def test_discord_test_sends_a_real_message(api, fake):
    fake.respond(json={"id": "m1"}, path="/api/webhooks/")
    bot_id = add(api, "discord", {"webhook_url": webhook(fake)})
    answer = api.post(f"/api/bots/{bot_id}/test")
    assert answer.status == 200
    assert answer.body["message"] == "测试消息发送成功"
    assert isinstance(answer.body["latency_ms"], int)
    sent = fake.requests[-1]
    assert sent.method == "POST"
    assert sent.path == "/api/webhooks/123456789012345678/webhook-token-abcdefghijklmnopqrstuvwxyz"
    assert sent.query == {"wait": ["true"]}
    assert "测试消息" in sent.json["content"]
    assert sent.json["allowed_mentions"] == {"parse": []}
    assert bot_store.get(bot_id)["last_test_ok"] is True


def test_telegram_test_calls_send_message(api, fake):
    fake.respond(json={"ok": True, "result": {"message_id": 7}}, path=f"/bot{TG_TOKEN}/sendMessage")
    bot_id = add(api, "telegram", {"bot_token": TG_TOKEN, "chat_id": "-1001234567890"})
    answer = api.post(f"/api/bots/{bot_id}/test")
    assert answer.status == 200
    assert answer.body["latency_ms"] >= 0
    assert fake.requests[-1].json["chat_id"] == "-1001234567890"


def test_feishu_test_fetches_a_tenant_token_then_sends(api, fake):
    fake.respond(json={"code": 0, "tenant_access_token": "t-abc", "expire": 7200},
                 path="/open-apis/auth/v3/tenant_access_token/internal")
    fake.respond(json={"code": 0, "data": {"message_id": "om_1"}}, path="/open-apis/im/v1/messages")
    bot_id = add(api, "feishu", {"app_id": "cli_a1b2c3", "app_secret": FEISHU_SECRET, "chat_id": "oc_123456"})
    assert api.post(f"/api/bots/{bot_id}/test").status == 200
    token_call, send_call = fake.requests[-2:]
    assert token_call.json == {"app_id": "cli_a1b2c3", "app_secret": FEISHU_SECRET}
    assert send_call.headers["Authorization"] == "Bearer t-abc"
    assert send_call.query == {"receive_id_type": ["chat_id"]}
    assert send_call.json["receive_id"] == "oc_123456"
    assert json.loads(send_call.json["content"])["text"]


def test_feishu_test_needs_a_chat_id(api, fake):
    bot_id = add(api, "feishu", {"app_id": "cli_a1b2c3", "app_secret": FEISHU_SECRET})
    answer = api.post(f"/api/bots/{bot_id}/test")
    assert answer.status == 400
    assert answer.body["error_code"] == "BOT_CONFIG_INVALID"


def test_failed_tests_use_the_platform_error_codes(api, fake):
    fake.respond(status=404, json={"message": "Unknown Webhook", "code": 10015}, path="/api/webhooks/")
    fake.respond(status=401, json={"ok": False, "error_code": 401, "description": "Unauthorized"}, path="/bot")
    discord_id = add(api, "discord", {"webhook_url": webhook(fake)})
    telegram_id = add(api, "telegram", {"bot_token": TG_TOKEN, "chat_id": "-1001234567890"})
    failed = api.post(f"/api/bots/{discord_id}/test")
    assert failed.status == 400
    assert failed.body["error_code"] == "DISCORD_WEBHOOK_INVALID"
    assert api.post(f"/api/bots/{telegram_id}/test").body["error_code"] == "TELEGRAM_TOKEN_INVALID"
    assert bot_store.get(discord_id)["last_test_ok"] is False


def test_platform_outage_and_rate_limit(api, fake):
    bot_id = add(api, "discord", {"webhook_url": webhook(fake)})
    fake.fail(times=None, status=500, path="/api/webhooks/")
    outage = api.post(f"/api/bots/{bot_id}/test")
    assert outage.status == 502
    assert outage.body["error_code"] == "NETWORK_ERROR"
    fake.reset()
    fake.throttle(times=None, retry_after=30, path="/api/webhooks/")
    limited = api.post(f"/api/bots/{bot_id}/test")
    assert limited.status == 429
    assert limited.headers["retry-after"] == "30"


def test_delete_bot_cascades_to_its_mappings(api, fake):
    bot_id = add(api, "discord", {"webhook_url": webhook(fake)})
    other = add(api, "telegram", {"bot_token": TG_TOKEN, "chat_id": "-1001234567890"})
    for channel, target in (("c1", bot_id), ("c2", bot_id), ("c3", other)):
        assert api.post("/api/mappings", {"kook_channel_id": channel, "target_bot_id": target}).status == 200
    answer = api.delete(f"/api/bots/{bot_id}")
    assert answer.body == {"success": True, "message": "Bot已删除", "deleted_mappings": 2}
    assert [m["target_bot_id"] for m in mapping_store.list_all()] == [other]
    assert api.delete(f"/api/bots/{bot_id}").status == 404
    assert api.post(f"/api/bots/{bot_id}/test").body["error_code"] == "BOT_NOT_FOUND"


def test_telegram_chat_ids(api, fake):
    fake.respond(json={"ok": True, "result": [
        {"update_id": 1, "message": {"chat": {"id": -1001, "type": "supergroup", "title": "群组A"}}},
        {"update_id": 2, "my_chat_member": {"chat": {"id": -1002, "type": "channel", "title": "频道B"}}},
        {"update_id": 3, "message": {"chat": {"id": -1001, "type": "supergroup", "title": "群组A"}}}]},
        path=f"/bot{TG_TOKEN}/getUpdates")
    answer = api.get("/api/bots/telegram/chat-ids", query=f"token={TG_TOKEN}")
    assert answer.body["chat_ids"] == [{"chat_id": "-1001", "type": "supergroup", "title": "群组A"},
                                       {"chat_id": "-1002", "type": "channel", "title": "频道B"}]
    bot_id = add(api, "telegram", {"bot_token": TG_TOKEN, "chat_id": "-1001"})
    assert api.get("/api/bots/telegram/chat-ids", query=f"bot_id={bot_id}").body["count"] == 2
    assert api.get("/api/bots/telegram/chat-ids", query="token=bad").body["error_code"] == "TELEGRAM_TOKEN_INVALID"


def test_health_check_bot_does_not_send(api, fake):
    fake.respond(json={"ok": True, "result": {"id": 1, "username": "kook_forward_bot"}}, path=f"/bot{TG_TOKEN}/getMe")
    bot_id = add(api, "telegram", {"bot_token": TG_TOKEN, "chat_id": "-1001"})
    answer = api.post(f"/api/health/check-bot/{bot_id}").body
    assert answer["healthy"] is True
    assert answer["message"] == "@kook_forward_bot"
    assert [r.path for r in fake.requests] == [f"/bot{TG_TOKEN}/getMe"]
    fake.reset()
    fake.respond(status=401, json={"ok": False}, path="/bot")
    assert api.post(f"/api/health/check-bot/{bot_id}").body["healthy"] is False
