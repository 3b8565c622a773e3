"""Provider-side checks that need no network: Discord webhook URLs, Telegram tokens, update versions."""

import pytest

from kook.logic import updates
from kook.providers import discord, telegram

WEBHOOK = "https://discord.com/api/webhooks/123456789012345678/" + "a" * 68


@pytest.fixture
def real_discord(monkeypatch):
    monkeypatch.setenv("DISCORD_BASE_URL", "https://discord.com")


def test_real_webhooks_are_accepted(real_discord):
    assert discord.validate_webhook_url(WEBHOOK) == WEBHOOK
    assert discord.validate_webhook_url(WEBHOOK.replace("discord.com", "discordapp.com")).startswith("https://")
    assert discord.validate_webhook_url(WEBHOOK.replace("/api/", "/api/v10/"))
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
    assert discord.validate_webhook_url("http://127.0.0.1:8099/api/webhooks/123456/" + "b" * 30)
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
