"""Target bots: validate each platform's config, seal its secrets, mask them on read, and test a bot for real.

| platform | config | secret part |
|---|---|---|
| discord  | webhook_url (a Discord webhook, checked with the SSRF guard and a Discord allowlist) | webhook_url |
|          | (all platforms) mention_everyone: let KOOK's @全体成员 ping everyone on the target (default off) | |
| telegram | bot_token (alias token), chat_id | bot_token |
| feishu   | app_id, app_secret, chat_id (needed to send) | app_secret |
"""

from __future__ import annotations

import json
import re
from dataclasses import dataclass
from typing import Any

from kook import clock
from kook.errors import fail
from kook.logic import failures
from kook.providers import discord, feishu, telegram
from kook.providers.http import SendResult
from kook.store import bots, mappings, secrets
from suite.outbound import ProviderError
from suite.security.masking import mask_secret

PLATFORMS = ("discord", "telegram", "feishu")
FEISHU_APP_ID = re.compile(r"^[A-Za-z0-9_-]{4,64}$")
FEISHU_CHAT_ID = re.compile(r"^[A-Za-z0-9_-]{4,128}$")
TEST_MESSAGE = "✅ KOOK消息转发系统测试消息：Bot配置正确，可以正常转发。"
_INVALID_CODE = {"discord": "DISCORD_WEBHOOK_INVALID", "telegram": "TELEGRAM_TOKEN_INVALID",
                 "feishu": "FEISHU_APP_INVALID"}


@dataclass(frozen=True)
class CheckedConfig:
    public: dict[str, Any]  # stored and shown as is
    secret: dict[str, str]  # sealed
    masked: dict[str, str]  # shown instead of the secret


def _owner(bot_id: int) -> str:
    return f"bot#{bot_id}"


def _text(config: dict[str, Any], *names: str) -> str:
    for name in names:
        value = config.get(name)
        if value not in (None, ""):
            return str(value).strip()
    return ""


def _masked_webhook(url: str) -> str:
    head, _, token = url.rpartition("/")
    return f"{head}/{mask_secret(token)}"


def _mention_option(config: dict[str, Any]) -> dict[str, bool]:
    """`mention_everyone: true` lets KOOK's @全体成员/@在线成员 ping everyone on the target (Discord @everyone/@here,
    Feishu @所有人). Off by default: a forwarded @all must not wake a whole server unless asked to."""
    return {"mention_everyone": True} if config.get("mention_everyone") in (True, 1, "true", "1") else {}


def check_config(platform: str, config: dict[str, Any]) -> CheckedConfig:
    """Validate a platform's config; unknown keys are ignored. Raises the platform's config error (400)."""
    if platform == "discord":
        raw = _text(config, "webhook_url")
        if not raw:
            raise fail(400, "DISCORD_WEBHOOK_INVALID", "缺少 webhook_url")
        try:
            url = discord.validate_webhook_url(raw)
        except discord.InvalidWebhook as exc:
            raise fail(400, "DISCORD_WEBHOOK_INVALID", f"Discord Webhook地址无效：{exc}") from None
        return CheckedConfig({"webhook_id": discord.webhook_id(url), **_mention_option(config)},
                             {"webhook_url": url}, {"webhook_url": _masked_webhook(url)})
    if platform == "telegram":
        token = _text(config, "bot_token", "token")
        chat_id = _text(config, "chat_id")
        if not telegram.TOKEN.match(token):
            raise fail(400, "TELEGRAM_TOKEN_INVALID")
        if not telegram.CHAT_ID.match(chat_id):
            raise fail(400, "BOT_CONFIG_INVALID", "chat_id 无效或缺失",
                       solution="群组/频道的chat_id形如 -1001234567890，可通过 GET /api/bots/telegram/chat-ids 查询")
        return CheckedConfig({"chat_id": chat_id}, {"bot_token": token}, {"bot_token": mask_secret(token)})
    if platform == "feishu":
        app_id, app_secret, chat_id = _text(config, "app_id"), _text(config, "app_secret"), _text(config, "chat_id")
        if not FEISHU_APP_ID.match(app_id) or not 8 <= len(app_secret) <= 256:
            raise fail(400, "FEISHU_APP_INVALID", "app_id 或 app_secret 无效或缺失")
        if chat_id and not FEISHU_CHAT_ID.match(chat_id):
            raise fail(400, "BOT_CONFIG_INVALID", "chat_id 无效")
        public = {"app_id": app_id, **({"chat_id": chat_id} if chat_id else {}), **_mention_option(config)}
        return CheckedConfig(public, {"app_secret": app_secret}, {"app_secret": mask_secret(app_secret)})
    raise fail(400, "BOT_CONFIG_INVALID", "platform 必须是 discord、telegram 或 feishu")


def public(bot: dict[str, Any]) -> dict[str, Any]:
    return {
        "id": bot["id"], "platform": bot["platform"], "name": bot["name"],
        "config": {**(bot.get("config_public") or {}), **(bot.get("config_masked") or {})},
        "status": bot.get("status", "active"), "created_at": bot.get("created_at"),
        "last_test_at": bot.get("last_test_at"), "last_test_ok": bot.get("last_test_ok"),
    }


def require(bot_id: int) -> dict[str, Any]:
    bot = bots.get(bot_id)
    if bot is None:
        raise fail(404, "BOT_NOT_FOUND")
    return bot


def list_bots(platform: str | None = None) -> list[dict[str, Any]]:
    if platform and platform not in PLATFORMS:
        raise fail(400, "INVALID_PARAM", "platform 必须是 discord、telegram 或 feishu")
    return [public(b) for b in bots.list_all() if not platform or b["platform"] == platform]


def add(platform: str, name: str, config: dict[str, Any]) -> dict[str, Any]:
    checked = check_config(platform, config)
    bot_id = bots.new_id()
    bot = {"id": bot_id, "platform": platform, "name": name.strip(), "status": "active", "created_at": clock.iso(),
           "config_public": checked.public, "config_masked": checked.masked,
           "secret_sealed": secrets.seal(json.dumps(checked.secret), field="bot_config", owner=_owner(bot_id))}
    bots.create(bot)
    return public(bot)


def delete(bot_id: int) -> int:
    """Delete a bot and the mappings that forward to it; returns how many mappings went with it."""
    require(bot_id)
    attached = mappings.for_bot(bot_id)
    if not bots.delete(bot_id):
        raise fail(404, "BOT_NOT_FOUND")
    return mappings.delete_many(attached)


def secret_config(bot: dict[str, Any]) -> dict[str, str]:
    """The bot's opened secrets merged with its public config (for sending; never returned or logged)."""
    opened = json.loads(secrets.open_sealed(bot["secret_sealed"], field="bot_config", owner=_owner(bot["id"])))
    return {**(bot.get("config_public") or {}), **opened}


def send_text(bot: dict[str, Any], text: str, *, chat_id: str | None = None) -> SendResult:
    """Send plain text through the bot's platform (the pipeline's senders build on the same providers)."""
    config = secret_config(bot)
    if bot["platform"] == "discord":
        return discord.send_text(config["webhook_url"], text)
    target = chat_id or config.get("chat_id")
    if not target:
        raise fail(400, "BOT_CONFIG_INVALID", "该Bot没有配置 chat_id，无法发送消息",
                   solution="请在Bot配置中填写 chat_id")
    if bot["platform"] == "telegram":
        return telegram.send_text(config["bot_token"], target, text)
    return feishu.send_text(config["app_id"], config["app_secret"], target, text)


def test(bot_id: int) -> dict[str, Any]:
    """Send a real test message; the latency is the platform call's (token fetch included for Feishu)."""
    bot = require(bot_id)
    try:
        result = send_text(bot, TEST_MESSAGE)
    except ProviderError as exc:
        bots.record_test(bot_id, ok=False)
        raise failures.as_api_error(exc, rejected_code=_INVALID_CODE[bot["platform"]],
                                    rejected_message=f"测试消息发送失败：{exc.message}") from None
    bots.record_test(bot_id, ok=True)
    if bot.get("status") == bots.FAILING:
        bots.set_status(bot_id, "active", reason="a test message was delivered")  # forwarding resumes
    return {"message": "测试消息发送成功", "latency_ms": result.latency_ms}


def check(bot_id: int) -> dict[str, Any]:
    """Check a bot's credentials without posting a message (webhook info, getMe, tenant token)."""
    bot = require(bot_id)
    config = secret_config(bot)
    try:
        if bot["platform"] == "discord":
            info, latency = discord.webhook_info(config["webhook_url"])
            detail = f"webhook {info.get('name') or ''}".strip()
        elif bot["platform"] == "telegram":
            info, latency = telegram.get_me(config["bot_token"])
            detail = f"@{info.get('username')}"
        else:
            _token, latency = feishu.tenant_token(config["app_id"], config["app_secret"])
            detail = "tenant_access_token ok"
    except ProviderError as exc:
        return {"bot_id": bot_id, "platform": bot["platform"], "healthy": False, "message": exc.message,
                "latency_ms": None, "checked_at": clock.iso()}
    return {"bot_id": bot_id, "platform": bot["platform"], "healthy": True, "message": detail,
            "latency_ms": latency, "checked_at": clock.iso()}


def telegram_chats(*, token: str | None = None, bot_id: int | None = None) -> list[dict[str, Any]]:
    if bot_id is not None:
        bot = require(bot_id)
        if bot["platform"] != "telegram":
            raise fail(400, "BOT_CONFIG_INVALID", "该Bot不是Telegram Bot")
        token = secret_config(bot)["bot_token"]
    if not token or not telegram.TOKEN.match(token):
        raise fail(400, "TELEGRAM_TOKEN_INVALID")
    try:
        return telegram.recent_chats(token)
    except ProviderError as exc:
        raise failures.as_api_error(exc, rejected_code="TELEGRAM_TOKEN_INVALID") from None
