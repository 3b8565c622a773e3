"""Provider-side checks that need no network: Discord webhook URLs, Telegram tokens, update versions, and what
the platform clients send and make of the answers (through a recording HTTP client)."""

import json

import pytest

from kook.logic import updates
from kook.providers import discord, feishu, http, telegram
from suite.outbound import HttpResponse, ProviderError, ResponseHeaders

WEBHOOK = "https://discord.com/api/webhooks/123456789012345678/" + "a" * 68
TG_TOKEN = "123456:ABC-DEF1234ghIkl-zyx57W2v1u123ew11"


@pytest.fixture
def real_discord(monkeypatch):
    monkeypatch.setenv("DISCORD_BASE_URL", "https://discord.com")


def test_real_webhooks_are_accepted(real_discord):
    assert discord.validate_webhook_url(WEBHOOK) == WEBHOOK
    legacy_host = WEBHOOK.replace("discord.com", "discordapp.com")
    assert discord.validate_webhook_url(legacy_host) == legacy_host
    versioned = WEBHOOK.replace("/api/", "/api/v10/")
    assert discord.validate_webhook_url(versioned) == versioned
    assert discord.validate_webhook_url(f"  {WEBHOOK}\n") == WEBHOOK  # pasted with blanks around it
    assert discord.webhook_id(WEBHOOK) == "123456789012345678"


@pytest.mark.parametrize("url", [
    WEBHOOK.replace("https://", "http://"),
    WEBHOOK.replace("discord.com", "discord.com.evil.example"),
    WEBHOOK.replace("discord.com", "127.0.0.1"),
    WEBHOOK + "?wait=true",
    WEBHOOK + "#x",
    "https://discord.com/api/webhooks/123/short",
    "https://discord.com/api/users/@me",
    "https://user:pass@discord.com/api/webhooks/123456789012345678/" + "a" * 68,
    "javascript:alert(1)",
])
def test_everything_else_is_refused(real_discord, url):
    with pytest.raises(discord.InvalidWebhook):
        discord.validate_webhook_url(url)


def test_a_configured_base_url_replaces_the_allowlist(monkeypatch):
    monkeypatch.setenv("DISCORD_BASE_URL", "http://127.0.0.1:8099")
    fake = "http://127.0.0.1:8099/api/webhooks/123456/" + "b" * 30
    assert discord.validate_webhook_url(fake) == fake
    assert discord.webhook_id(fake) == "123456"
    with pytest.raises(discord.InvalidWebhook):
        discord.validate_webhook_url(WEBHOOK)


@pytest.mark.parametrize(("token", "valid"), [("123456:ABC-DEF1234ghIkl-zyx57W2v1u123ew11", True),
                                              ("123456:short", False), ("abc:ABC-DEF1234ghIkl-zyx57W2v1u1", False)])
def test_telegram_token_shape(token, valid):
    assert bool(telegram.TOKEN.match(token)) is valid


def test_version_comparison():
    assert updates.version_tuple("v1.12.0") > updates.version_tuple("1.11.0")
    assert updates.version_tuple("1.11.0-beta") == (1, 11, 0)
    assert updates.version_tuple("v18.0.4") > updates.version_tuple("1.11.0")
    assert updates.version_tuple("latest") == (0,)


# ------------------------------------------------------------------------------------------------ what is sent

class RecordingClient:
    """Stands in for suite.outbound.HttpClient: records each call and answers from a script."""

    def __init__(self, answers):
        self.answers = list(answers)
        self.calls = []

    def _answer(self, method, url, kwargs):
        self.calls.append((method, url, kwargs))
        status, body = self.answers.pop(0)
        return HttpResponse(status=status, headers=ResponseHeaders({"Content-Type": "application/json"}),
                            content=json.dumps(body).encode(), elapsed_ms=12.0, attempts=1)

    def post(self, url, **kwargs):
        return self._answer("POST", url, kwargs)

    def get(self, url, **kwargs):
        return self._answer("GET", url, kwargs)


@pytest.fixture
def recording(monkeypatch):
    """Every provider's HTTP client replaced by one recording client; `recording(answers)` scripts it."""
    feishu._tokens.clear()
    clients = []

    def script(*answers):
        client = RecordingClient(answers)
        clients.append(client)
        for name in ("client", "worker_client"):
            monkeypatch.setattr(http, name, lambda _policy, c=client: c)
        return client

    yield script
    feishu._tokens.clear()


def test_discord_posts_the_text_without_parsing_mentions(real_discord, recording):
    client = recording((200, {"id": "900"}))
    sent = discord.send_text(WEBHOOK, "x" * 2100, username="转发")
    [(method, url, request)] = client.calls
    assert (method, url, request["params"]) == ("POST", WEBHOOK, {"wait": "true"})
    assert request["json"] == {"content": "x" * discord.MAX_CONTENT, "allowed_mentions": {"parse": []},
                               "username": "转发"}
    assert (sent.message_id, sent.latency_ms) == ("900", 12)


def test_discord_says_a_deleted_webhook_is_refused(real_discord, recording):
    recording((404, {"message": "Unknown Webhook"}))
    with pytest.raises(ProviderError) as refused:
        discord.send_text(WEBHOOK, "hi")
    assert (refused.value.reason, refused.value.status) == ("rejected", 404)


def test_telegram_sends_to_the_bot_method_with_the_chat(recording):
    client = recording((200, {"ok": True, "result": {"message_id": 7}}))
    sent = telegram.send_text(TG_TOKEN, "-1001", "hello")
    [(method, url, request)] = client.calls
    assert (method, url) == ("POST", f"https://api.telegram.org/bot{TG_TOKEN}/sendMessage")
    assert request["json"] == {"chat_id": "-1001", "text": "hello", "disable_web_page_preview": True}
    assert sent.message_id == "7"


def test_telegram_rate_limits_carry_the_wait_telegram_asked_for(recording):
    recording((429, {"ok": False, "error_code": 429, "parameters": {"retry_after": 9}}))
    with pytest.raises(ProviderError) as throttled:
        telegram.send_text(TG_TOKEN, "-1001", "hello")
    assert (throttled.value.reason, throttled.value.retry_after) == ("rate_limited", 9.0)


def test_feishu_fetches_a_tenant_token_once_then_sends_with_it(recording):
    client = recording((200, {"code": 0, "tenant_access_token": "t-1", "expire": 7200}),
                       (200, {"code": 0, "data": {"message_id": "om_1"}}),
                       (200, {"code": 0, "data": {"message_id": "om_2"}}))
    first = feishu.send_text("cli_a1", "secret-123", "oc_9", "你好", idempotency_key="k-1")
    feishu.send_text("cli_a1", "secret-123", "oc_9", "again", idempotency_key="k-2")
    token_call, message_call, second_call = client.calls
    assert token_call[1] == "https://open.feishu.cn/open-apis/auth/v3/tenant_access_token/internal"
    assert token_call[2]["json"] == {"app_id": "cli_a1", "app_secret": "secret-123"}
    assert message_call[1] == "https://open.feishu.cn/open-apis/im/v1/messages"
    assert message_call[2]["params"] == {"receive_id_type": "chat_id"}
    assert message_call[2]["headers"] == {"Authorization": "Bearer t-1"}
    assert message_call[2]["json"] == {"receive_id": "oc_9", "msg_type": "text",
                                       "content": json.dumps({"text": "你好"}, ensure_ascii=False), "uuid": "k-1"}
    assert second_call[2]["headers"] == {"Authorization": "Bearer t-1"}  # the cached token
    assert first.message_id == "om_1"
