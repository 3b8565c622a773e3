"""Every environment variable ccjk reads (set in functions/ccjk/template.yaml), typed and checked once per
execution environment (suite.config): `config.get().table`.

Names of tables, queues and secrets reach the code only through here; the providers' base URLs default to the
real robots and are overridden locally (devstack.env, `--env`) to point at fakes.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass

from suite.config import Environment, PerFunction, settings

PROVIDER_DEFAULTS = {
    "feishu": "https://open.feishu.cn",
    "dingtalk": "https://oapi.dingtalk.com",
    "wecom": "https://qyapi.weixin.qq.com",
}


@dataclass(frozen=True)
class Config(PerFunction):
    table: str
    idempotency_table: str
    notify_queue_url: str
    user_jwt_secret_arn: str
    secrets_key_arn: str
    notify_max_receive_count: int  # = the queue's maxReceiveCount: the worker records a final failure on the last
    notify_dedupe_seconds: int  # identical notify requests within this window are answered from the first one
    notification_retention_days: int
    user_token_ttl_seconds: int
    provider_bases: Mapping[str, str]  # feishu | dingtalk | wecom → FEISHU_BASE_URL, DINGTALK_BASE_URL, WECOM_BASE_URL
    # -- issue 18, the real client's core (set on the functions that use them) --------------------------------
    mail_transport: str  # ses | outbox (suite.mail): sign-in codes
    mail_from: str
    mail_outbox_table: str | None  # MailTransport=outbox: every message, per recipient
    reply_callback_secret_arn: str | None  # {"feishu": {...}, "dingtalk": {...}, "wecom": {...}}
    reply_secret_cache_seconds: int
    reply_poll_max_wait_seconds: int  # GET /reply/poll holds a request at most this long
    reply_window_seconds: int  # a notification that waits for a reply takes replies this long
    control_logs_management_url: str | None  # the log WebSocket's management endpoint (pushes)

    def provider_base(self, provider: str) -> str:
        return self.provider_bases[provider]



def _load(env: Environment) -> Config:
    return Config(
        table=env.text("CCJK_TABLE"),
        idempotency_table=env.text("CCJK_IDEMPOTENCY_TABLE"),
        notify_queue_url=env.text("NOTIFY_QUEUE_URL"),
        user_jwt_secret_arn=env.text("USER_JWT_SECRET_ARN"),
        secrets_key_arn=env.text("SECRETS_KEY_ARN"),
        notify_max_receive_count=env.integer("NOTIFY_MAX_RECEIVE_COUNT", 5, minimum=1),
        notify_dedupe_seconds=env.integer("NOTIFY_DEDUPE_SECONDS", 10, minimum=1),
        notification_retention_days=env.integer("NOTIFICATION_RETENTION_DAYS", 30, minimum=1),
        user_token_ttl_seconds=env.integer("USER_TOKEN_TTL_SECONDS", 7 * 24 * 3600, minimum=60),
        provider_bases={name: env.url(f"{name.upper()}_BASE_URL", default)
                        for name, default in PROVIDER_DEFAULTS.items()},
        mail_transport=env.choice("MAIL_TRANSPORT", ("ses", "outbox"), "outbox"),
        mail_from=env.text("MAIL_FROM", "no-reply@claudehome.cn"),
        mail_outbox_table=env.optional("MAIL_OUTBOX_TABLE"),
        reply_callback_secret_arn=env.optional("REPLY_CALLBACK_SECRET_ARN"),
        reply_secret_cache_seconds=env.integer("REPLY_SECRET_CACHE_SECONDS", 300, minimum=0),
        reply_poll_max_wait_seconds=env.integer("REPLY_POLL_MAX_WAIT_SECONDS", 25, minimum=0, maximum=28),
        reply_window_seconds=env.integer("REPLY_WINDOW_HOURS", 24, minimum=1) * 3600,
        control_logs_management_url=env.optional("CONTROL_LOGS_MANAGEMENT_URL"),
    )


get = settings(_load)


# ------------------------------------------------------------------------------- marketplace (issue 18)
# The marketplace functions (catalogue, API v1/v8, rankings, admin) read these through `config.market()`; the
# rest of ccjk never needs them, so they are a settings object of their own.

@dataclass(frozen=True)
class MarketConfig:
    market_table: str  # MarketTable: catalogue, search index, counters, installs, ratings, v8 context, v1 sessions
    admin_credentials_secret_arn: str  # {"username", "password"} for Authorization: Basic on /admin/*
    install_quotas: Mapping[str, int | None]  # tier → installs per kind (None: unlimited)
    access_token_ttl_seconds: int  # API v1 access tokens (JWT)
    refresh_token_ttl_seconds: int  # API v1 refresh tokens (opaque, rotating)
    trending_window_days: int


def _load_market(env: Environment) -> MarketConfig:
    return MarketConfig(
        market_table=env.text("MARKET_TABLE"),
        admin_credentials_secret_arn=env.text("ADMIN_CREDENTIALS_SECRET_ARN"),
        install_quotas={"free": env.integer("FREE_INSTALL_QUOTA", 10, minimum=0),
                        "pro": env.integer("PRO_INSTALL_QUOTA", 100, minimum=0), "enterprise": None},
        access_token_ttl_seconds=env.integer("ACCESS_TOKEN_TTL_SECONDS", 3600, minimum=60),
        refresh_token_ttl_seconds=env.integer("REFRESH_TOKEN_TTL_SECONDS", 30 * 24 * 3600, minimum=3600),
        trending_window_days=env.integer("TRENDING_WINDOW_DAYS", 7, minimum=1),
    )


market = settings(_load_market)
