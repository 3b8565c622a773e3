"""Every environment variable certctrl reads, typed and checked once per execution environment (suite.config).

Table names are read only by the functions that use them (a function gets the variables of its tables), so they
are optional here and `require()` names the missing one when code reaches for a table it was not given.
"""

from __future__ import annotations

import json
from collections.abc import Mapping
from dataclasses import dataclass, field

from suite.config import ConfigError, Environment, PerFunction, settings


@dataclass(frozen=True)
class Config(PerFunction):
    stage: str
    accounts_table: str | None
    devices_table: str | None
    feed_table: str | None
    connections_table: str | None
    catalog_table: str | None
    mail_outbox_table: str | None
    mail_transport: str
    mail_from: str
    device_jwt_secret: str | None
    ws_management_url: str | None
    verification_uri: str
    session_ttl_seconds: int
    access_token_ttl_seconds: int
    refresh_token_ttl_seconds: int
    registration_retry_seconds: int
    poll_interval_seconds: int
    max_wait_seconds: int
    feed_max_signals: int
    feed_retention_days: int
    payment_channels: tuple[str, ...]
    # issue 17: certificates, CAs, ACME, delivery (docs/certctrl.md §8)
    certificates_table: str | None = None
    secrets_key_arn: str | None = None
    jobs_queue_url: str | None = None
    acme_directories: Mapping[str, str] = field(default_factory=dict)  # operator directories (e.g. a local pebble)
    acme_ca_bundle: str | None = None  # a PEM file trusted for those directories only (local pebble)
    acme_dns_zone: str = "acme-dns.cjj365.cc"  # CNAME delegation targets: <cert_key>.acme.<zone>
    acme_dns_zone_id: str | None = None  # its Route 53 hosted zone
    step_delay_cap_seconds: int = 900  # the longest an issue waits between two steps (tests and pebble: 1)
    http01_agent_port: int = 80  # where agents that serve HTTP-01 themselves listen (acme.http01.start)
    event_bus: str = "default"  # EventBridge bus of certctrl's events (expiry warnings)
    renew_shards: int = 4  # partitions of the sparse renewal and expiry indexes
    renewal_batch: int = 200  # certificates one sweep enqueues at most (the rest wait for the next run)



def _load(env: Environment) -> Config:
    return Config(
        stage=env.text("STAGE", "dev"),
        accounts_table=env.optional("ACCOUNTS_TABLE"),
        devices_table=env.optional("DEVICES_TABLE"),
        feed_table=env.optional("FEED_TABLE"),
        connections_table=env.optional("CONNECTIONS_TABLE"),
        catalog_table=env.optional("CATALOG_TABLE"),
        mail_outbox_table=env.optional("MAIL_OUTBOX_TABLE"),
        mail_transport=env.choice("MAIL_TRANSPORT", ("ses", "outbox"), "outbox"),
        mail_from=env.text("MAIL_FROM", "no-reply@cjj365.cc"),
        device_jwt_secret=env.optional("DEVICE_JWT_SECRET_ARN"),
        ws_management_url=env.optional("WS_MANAGEMENT_URL"),
        verification_uri=env.text("DEVICE_VERIFICATION_URI", "https://cjj365.cc/device-verify"),
        session_ttl_seconds=env.integer("SESSION_TTL_SECONDS", 7 * 24 * 3600, minimum=300),
        access_token_ttl_seconds=env.integer("ACCESS_TOKEN_TTL_SECONDS", 3600, minimum=60),
        refresh_token_ttl_seconds=env.integer("REFRESH_TOKEN_TTL_SECONDS", 30 * 24 * 3600, minimum=3600),
        registration_retry_seconds=env.integer("REGISTRATION_RETRY_SECONDS", 600, minimum=0),
        poll_interval_seconds=env.integer("UPDATES_POLL_INTERVAL_SECONDS", 60, minimum=1),
        max_wait_seconds=env.integer("UPDATES_MAX_WAIT_SECONDS", 20, minimum=0, maximum=25),
        feed_max_signals=env.integer("FEED_MAX_SIGNALS", 1000, minimum=1),
        feed_retention_days=env.integer("FEED_RETENTION_DAYS", 30, minimum=1),
        payment_channels=env.csv("PAYMENT_CHANNELS", ("alipay", "wechatpay")),
        certificates_table=env.optional("CERTIFICATES_TABLE"),
        secrets_key_arn=env.optional("SECRETS_KEY_ARN"),
        jobs_queue_url=env.optional("CERT_JOBS_QUEUE_URL"),
        acme_directories=_directories(env.text("ACME_DIRECTORIES", "") or "{}"),
        acme_ca_bundle=env.optional("ACME_CA_BUNDLE"),
        acme_dns_zone=env.text("ACME_DNS_ZONE", "acme-dns.cjj365.cc").strip().strip(".").lower(),
        acme_dns_zone_id=env.optional("ACME_DNS_ZONE_ID"),
        step_delay_cap_seconds=env.integer("ISSUE_STEP_DELAY_CAP_SECONDS", 900, minimum=0, maximum=900),
        http01_agent_port=env.integer("ACME_HTTP01_AGENT_PORT", 80, minimum=1, maximum=65535),
        event_bus=env.text("CERT_EVENTS_BUS", "default"),
        renew_shards=env.integer("RENEW_SHARDS", 4, minimum=1, maximum=64),
        renewal_batch=env.integer("RENEWAL_BATCH", 200, minimum=1),
    )


def _directories(text: str) -> dict[str, str]:
    """ACME_DIRECTORIES: a JSON object of provider name → directory URL the operator trusts."""
    try:
        value = json.loads(text)
    except ValueError:
        raise ConfigError("ACME_DIRECTORIES must be a JSON object of name → directory URL") from None
    if not isinstance(value, dict) or not all(isinstance(k, str) and isinstance(v, str) for k, v in value.items()):
        raise ConfigError("ACME_DIRECTORIES must be a JSON object of name → directory URL")
    return {k.strip().lower(): v.strip() for k, v in value.items()}


get = settings(_load)


# --- wallets, payments, stablecoins (issue 20; docs/certctrl-money.md) ------------------------------------------
# A settings object of its own, so the money engines never touch the base Config above (and merge apart from it).


@dataclass(frozen=True)
class MoneyConfig(PerFunction):
    ledger_table: str | None
    catalog_table: str | None
    secrets_key_arn: str | None
    currencies: tuple[str, ...]
    system_shards: int
    idempotency_days: int
    quote_ttl_seconds: int
    fx_spread_bps: int
    fx_source_url: str | None
    fx_source_base: str
    trade_prefix: str
    alipay_app_id: str | None
    alipay_gateway_url: str
    alipay_notify_url: str | None
    alipay_return_url: str | None
    alipay_secret_arn: str | None
    wechatpay_mch_id: str | None
    wechatpay_app_id: str | None
    wechatpay_base_url: str
    wechatpay_notify_url: str | None
    wechatpay_secret_arn: str | None
    payment_expiry_minutes: int
    stablecoin_confirmations: int
    # the wiring (issue 20): the deposit scan's JSON-RPC nodes and token contracts (logic/money_jobs.py)
    stablecoin_rpc_urls: dict[str, str] = field(default_factory=dict)
    stablecoin_contracts: dict[str, dict[str, str]] = field(default_factory=dict)



def _json_object(env: Environment, name: str) -> dict:
    text = env.optional(name)
    if text is None:
        return {}
    try:
        value = json.loads(text)
    except ValueError:
        raise ConfigError(f"{name} must be a JSON object") from None
    if not isinstance(value, dict):
        raise ConfigError(f"{name} must be a JSON object")
    return value


def _load_money(env: Environment) -> MoneyConfig:
    return MoneyConfig(
        ledger_table=env.optional("LEDGER_TABLE"),
        catalog_table=env.optional("CATALOG_TABLE"),
        secrets_key_arn=env.optional("SECRETS_KEY_ARN"),
        currencies=env.csv("WALLET_CURRENCIES", ("CNY", "USD", "USDT", "USDC")),
        system_shards=env.integer("LEDGER_SYSTEM_SHARDS", 8, minimum=1, maximum=64),
        idempotency_days=env.integer("IDEMPOTENCY_RETENTION_DAYS", 30, minimum=1),
        quote_ttl_seconds=env.integer("QUOTE_TTL_SECONDS", 600, minimum=30, maximum=86400),
        fx_spread_bps=env.integer("FX_SPREAD_BPS", 0, minimum=0, maximum=2000),
        fx_source_url=env.optional("FX_SOURCE_URL"),
        fx_source_base=env.text("FX_SOURCE_BASE", "USD"),
        trade_prefix=env.text("PAYMENT_TRADE_PREFIX", "CC"),
        alipay_app_id=env.optional("ALIPAY_APP_ID"),
        alipay_gateway_url=env.url("ALIPAY_GATEWAY_URL", "https://openapi.alipay.com/gateway.do"),
        alipay_notify_url=env.optional("ALIPAY_NOTIFY_URL"),
        alipay_return_url=env.optional("ALIPAY_RETURN_URL"),
        alipay_secret_arn=env.optional("ALIPAY_SECRET_ARN"),
        wechatpay_mch_id=env.optional("WECHATPAY_MCH_ID"),
        wechatpay_app_id=env.optional("WECHATPAY_APP_ID"),
        wechatpay_base_url=env.url("WECHATPAY_BASE_URL", "https://api.mch.weixin.qq.com"),
        wechatpay_notify_url=env.optional("WECHATPAY_NOTIFY_URL"),
        wechatpay_secret_arn=env.optional("WECHATPAY_SECRET_ARN"),
        payment_expiry_minutes=env.integer("PAYMENT_EXPIRY_MINUTES", 30, minimum=5, maximum=7 * 24 * 60),
        stablecoin_confirmations=env.integer("STABLECOIN_CONFIRMATIONS", 12, minimum=1),
        stablecoin_rpc_urls={str(k): str(v) for k, v in _json_object(env, "STABLECOIN_RPC_URLS").items() if v},
        stablecoin_contracts=_json_object(env, "STABLECOIN_TOKEN_CONTRACTS"),
    )


money = settings(_load_money)


# ------------------------------------------------------------------------------------------------- issue 19
# WebAuthn, sign-in providers, notifications, tunnels and the feature-flagged extras (docs/certctrl.md §8): their
# own settings object, so the functions of issue 16 read nothing more at cold start.

PROVIDER_DEFAULTS = {
    "github": "https://github.com",  # authorize and access_token
    "github-api": "https://api.github.com",  # /user, /user/emails
    "weixin-open": "https://open.weixin.qq.com",  # qrconnect (the QR page)
    "weixin-api": "https://api.weixin.qq.com",  # sns/oauth2/access_token, sns/userinfo, cgi-bin (notifications)
}


@dataclass(frozen=True)
class Extended(PerFunction):
    notifications_table: str | None
    tunnels_table: str | None
    notify_events_queue_url: str | None
    notify_deliveries_queue_url: str | None
    sign_in_secret_arn: str | None
    secrets_key_arn: str | None
    ws_tunnel_management_url: str | None
    frontend_url: str
    public_api_url: str
    hooks_base_url: str
    webauthn_rp_id: str
    webauthn_rp_name: str
    webauthn_origins: tuple[str, ...]
    webauthn_challenge_seconds: int
    step_up_seconds: int
    oauth_state_seconds: int
    device_offline_grace_seconds: int
    tunnel_wait_seconds: int
    tunnel_stage: str
    webhook_log_days: int
    tunnel_session_days: int
    enabled_features: tuple[str, ...]
    provider_urls: dict[str, str]



    def base_url(self, provider: str) -> str:
        """`<PROVIDER>_BASE_URL` (tests point it at a fake on 127.0.0.1) or the provider's own."""
        return self.provider_urls[provider]

    def feature(self, name: str) -> bool:
        return name in self.enabled_features


def _load_extended(env: Environment) -> Extended:
    from suite.outbound import provider_base_url  # noqa: PLC0415  (reads <NAME>_BASE_URL)

    return Extended(
        notifications_table=env.optional("NOTIFICATIONS_TABLE"),
        tunnels_table=env.optional("TUNNELS_TABLE"),
        notify_events_queue_url=env.optional("NOTIFY_EVENTS_QUEUE_URL"),
        notify_deliveries_queue_url=env.optional("NOTIFY_DELIVERIES_QUEUE_URL"),
        sign_in_secret_arn=env.optional("SIGN_IN_PROVIDERS_SECRET_ARN"),
        secrets_key_arn=env.optional("SECRETS_KEY_ARN"),
        ws_tunnel_management_url=env.optional("WS_TUNNEL_MANAGEMENT_URL"),
        frontend_url=env.url("FRONTEND_URL", "https://cjj365.cc"),
        public_api_url=env.url("PUBLIC_API_URL", "https://api.cjj365.cc"),
        hooks_base_url=env.url("HOOKS_BASE_URL", "https://hook.cjj365.cc/hooks"),
        webauthn_rp_id=env.text("WEBAUTHN_RP_ID", "cjj365.cc"),
        webauthn_rp_name=env.text("WEBAUTHN_RP_NAME", "cert-ctrl"),
        webauthn_origins=env.csv("WEBAUTHN_ORIGINS", ("https://cjj365.cc",)),
        webauthn_challenge_seconds=env.integer("WEBAUTHN_CHALLENGE_SECONDS", 300, minimum=30, maximum=900),
        step_up_seconds=env.integer("STEP_UP_SECONDS", 900, minimum=60, maximum=86400),
        oauth_state_seconds=env.integer("OAUTH_STATE_SECONDS", 600, minimum=60, maximum=3600),
        device_offline_grace_seconds=env.integer("DEVICE_OFFLINE_GRACE_SECONDS", 600, minimum=0, maximum=900),
        tunnel_wait_seconds=env.integer("TUNNEL_WAIT_SECONDS", 25, minimum=1, maximum=26),
        tunnel_stage=env.text("TUNNEL_STAGE", "tunnel"),
        webhook_log_days=env.integer("TUNNEL_WEBHOOK_LOG_DAYS", 7, minimum=1, maximum=90),
        tunnel_session_days=env.integer("TUNNEL_SESSION_DAYS", 30, minimum=1, maximum=365),
        enabled_features=env.csv("ENABLED_FEATURES", ("txt-as-url",)),
        provider_urls={name: provider_base_url(name, default) for name, default in PROVIDER_DEFAULTS.items()},
    )


extended = settings(_load_extended)
