"""The catalogues: API key permissions (logic/permissions.py), DNS providers for DNS-01, payment channels and
FX rates.

DNS providers: `cname-delegation` needs no credentials (the user points `_acme-challenge.<domain>` at a name in
our zone, issue 17); the others list the credential fields a user supplies (stored KMS-encrypted by issue 17).
Payment channels are the ones the deployment enables (PAYMENT_CHANNELS). FX rates are decimal strings from
CatalogTable (seeded for `make dev`; issue 20 adds the admin writes and a scheduled fetch).
"""

from __future__ import annotations

from typing import Any

from certctrl import config
from certctrl.store import catalog

DNS_PROVIDERS: tuple[dict[str, Any], ...] = (
    {"id": "cname-delegation", "name": "CNAME delegation to cert-ctrl (no credentials)", "fields": [],
     "cname_delegation": True},
    {"id": "route53", "name": "Amazon Route 53", "cname_delegation": False, "fields": [
        {"name": "access_key_id", "label": "Access key ID", "secret": False},
        {"name": "secret_access_key", "label": "Secret access key", "secret": True},
        {"name": "hosted_zone_id", "label": "Hosted zone ID (optional)", "secret": False}]},
    {"id": "cloudflare", "name": "Cloudflare", "cname_delegation": False, "fields": [
        {"name": "api_token", "label": "API token (Zone.DNS edit)", "secret": True}]},
    {"id": "aliyun", "name": "Alibaba Cloud DNS", "cname_delegation": False, "fields": [
        {"name": "access_key_id", "label": "AccessKey ID", "secret": False},
        {"name": "access_key_secret", "label": "AccessKey secret", "secret": True}]},
    {"id": "dnspod", "name": "Tencent Cloud DNSPod", "cname_delegation": False, "fields": [
        {"name": "secret_id", "label": "SecretId", "secret": False},
        {"name": "secret_key", "label": "SecretKey", "secret": True}]},
)

PAYMENT_CHANNELS: tuple[dict[str, Any], ...] = (
    {"id": "alipay", "name": "Alipay (page pay)", "currencies": ["CNY"]},
    {"id": "wechatpay", "name": "WeChat Pay (Native)", "currencies": ["CNY"]},
    {"id": "stablecoin", "name": "Stablecoin top-up", "currencies": ["USDT", "USDC"]},
)


def dns_providers() -> list[dict[str, Any]]:
    return [dict(p) for p in DNS_PROVIDERS]


def payment_channels() -> list[dict[str, Any]]:
    enabled = set(config.get().payment_channels)
    return [{**channel, "enabled": channel["id"] in enabled} for channel in PAYMENT_CHANNELS]


def fx_rates() -> list[dict[str, Any]]:
    return [{"base": item["base"], "quote": item["quote"], "rate": str(item["rate"]),
             "updated_at": int(item.get("updated_at_ms", 0))} for item in catalog.fx_rates()]
