"""Notification channels of a device: which robot URLs are acceptable, how they are stored and shown.

A webhook URL must be the provider's own endpoint: the scheme, host and port of the provider's base URL
(FEISHU_BASE_URL, DINGTALK_BASE_URL, WECOM_BASE_URL; the real providers unless configured) and the provider's
robot path. `suite.outbound.validate_url` enforces that (and refuses private, metadata and spelled-out IP
addresses) when the URL is saved, and again before every send. The URL carries the robot's credential (the
Feishu hook token, DingTalk access_token, WeCom key), so it is sealed like the signing secret; clients see a
masked form, and `configured: true` instead of any secret.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import TYPE_CHECKING
from urllib.parse import parse_qsl, urlencode

from ccjk import clock, providers
from ccjk.models.entities import Channel, Device
from ccjk.store import secrets
from suite.errors import BadRequest
from suite.security.masking import mask_secret

if TYPE_CHECKING:
    from suite.outbound import SafeUrl

# suite.outbound (requests, urllib3) is imported where a URL is checked, and the sealing (cryptography) in store:
# reading a device or listing channels needs neither, which keeps those cold starts short.

ALIASES = {"feishu": "feishu", "dingtalk": "dingtalk", "wecom": "wecom", "wechat": "wecom"}
MAX_SECRET_LENGTH = 256


@dataclass(frozen=True)
class ChannelUpdate:
    """One channel of a PUT, normalised from either request form (`webhookUrl`/`secret` or `config{}`)."""

    label: str
    enabled: bool
    webhook: str | None
    secret: str | None
    secret_given: bool  # an explicit `secret: null` or "" removes the secret; leaving it out keeps it

    @property
    def provider(self) -> str:
        return ALIASES[self.label]


def canonical(name: str) -> str | None:
    return ALIASES.get(name.strip().lower())


def check_webhook(provider: str, url: str) -> SafeUrl:
    """The URL rebuilt from its validated parts, or a 400 naming what is wrong (never echoing the URL)."""
    from suite.outbound import UnsafeUrlError, validate_url  # noqa: PLC0415

    try:
        safe = validate_url(url, providers.policy(provider))
    except UnsafeUrlError as exc:
        raise BadRequest(f"{provider} webhook URL is not allowed: {exc}", code="INVALID_WEBHOOK") from None
    endpoint = providers.ROBOTS[provider].ENDPOINT
    if endpoint.credential_query is None:
        token = safe.path[len(endpoint.path_prefix):]
        if not token or "/" in token or safe.query:
            raise BadRequest(f"{provider} webhook URL must end with the robot's hook token", code="INVALID_WEBHOOK")
    else:
        query = dict(parse_qsl(safe.query, keep_blank_values=True))
        if safe.path != endpoint.path_prefix or not query.get(endpoint.credential_query):
            raise BadRequest(f"{provider} webhook URL needs {endpoint.path_prefix}?{endpoint.credential_query}=...",
                             code="INVALID_WEBHOOK")
    return safe


def masked(provider: str, safe: SafeUrl) -> str:
    """The URL with its credential masked, e.g. https://open.feishu.cn/open-apis/bot/v2/hook/abcd****wxyz."""
    origin = safe.url[: len(safe.url) - len(safe.path) - (len(safe.query) + 1 if safe.query else 0)]
    endpoint = providers.ROBOTS[provider].ENDPOINT
    if endpoint.credential_query is None:
        token = safe.path[len(endpoint.path_prefix):]
        return f"{origin}{endpoint.path_prefix}{mask_secret(token)}"
    pairs = [(k, mask_secret(v) if k == endpoint.credential_query else v)
             for k, v in parse_qsl(safe.query, keep_blank_values=True)]
    return f"{origin}{safe.path}?{urlencode(pairs, safe='*')}"


# ------------------------------------------------------------------------------------------------ sealing

def open_webhook(device_id: str, channel: Channel) -> tuple[str, str | None]:
    """The plaintext webhook URL and secret of a channel, for sending only (never returned, never logged)."""
    url = secrets.open_channel_part(device_id, channel.provider, "webhook", channel.webhook_sealed)
    secret = None
    if channel.secret_sealed:
        secret = secrets.open_channel_part(device_id, channel.provider, "secret", channel.secret_sealed)
    return url, secret


# ------------------------------------------------------------------------------------------------ updates

def apply(device: Device, updates: list[ChannelUpdate]) -> dict[str, Channel]:
    """The device's new channel set: exactly the channels listed (PUT replaces), each validated and sealed.

    A channel that is already configured keeps its webhook when the update leaves it out or sends back the
    masked form (clients round-trip what GET showed them), and keeps its secret unless `secret` is given.
    """
    seen: set[str] = set()
    result: dict[str, Channel] = {}
    now_iso = clock.iso()
    for update in updates:
        provider = update.provider
        if provider in seen:
            raise BadRequest(f"channel {provider} is listed twice", code="VALIDATION_ERROR")
        seen.add(provider)
        existing = device.channels.get(provider)

        if update.webhook and not (existing and update.webhook == existing.webhook_display):
            safe = check_webhook(provider, update.webhook)
            webhook_sealed = secrets.seal_channel_part(device.device_id, provider, "webhook", safe.url)
            display = masked(provider, safe)
        elif existing:
            webhook_sealed, display = existing.webhook_sealed, existing.webhook_display
        else:
            raise BadRequest(f"webhookUrl is required for channel {update.label}", code="VALIDATION_ERROR")

        secret_sealed = existing.secret_sealed if existing else None
        if update.secret_given:
            if update.secret:
                if provider == "wecom":
                    raise BadRequest("wecom robots are not signed: remove the secret", code="VALIDATION_ERROR")
                if len(update.secret) > MAX_SECRET_LENGTH:
                    raise BadRequest("secret is too long", code="VALIDATION_ERROR")
                secret_sealed = secrets.seal_channel_part(device.device_id, provider, "secret", update.secret)
            else:
                secret_sealed = None

        result[provider] = Channel(provider=provider, label=update.label, enabled=update.enabled,
                                   webhook_sealed=webhook_sealed, webhook_display=display,
                                   secret_sealed=secret_sealed, updated_at=now_iso)
    return result


def view(channel: Channel) -> dict[str, object]:
    """What clients see of a channel: both the spec's form and the typed client's `config` form, no secrets."""
    secret_configured = bool(channel.secret_sealed)
    return {
        "type": channel.label,
        "enabled": channel.enabled,
        "configured": True,
        "webhookUrl": channel.webhook_display,
        "secretConfigured": secret_configured,
        "config": {"webhook": channel.webhook_display, "secretConfigured": secret_configured},
        "updatedAt": channel.updated_at or None,
    }


def views(device: Device) -> list[dict[str, object]]:
    order = {p: i for i, p in enumerate(("feishu", "dingtalk", "wecom"))}
    return [view(c) for c in sorted(device.channels.values(), key=lambda c: order[c.provider])]
