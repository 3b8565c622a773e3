"""Configuration from the function's environment (set in functions/ccjk/template.yaml), read when first used.

Names of tables, queues and secrets reach the code only through these variables; provider base URLs default to
the real providers and are overridden locally (devstack.env, `--env`) to point at fakes.
"""

from __future__ import annotations

import os


def _required(name: str) -> str:
    value = os.environ.get(name, "")
    if not value:
        raise RuntimeError(f"environment variable {name} is not set")
    return value


def _int(name: str, default: int) -> int:
    value = os.environ.get(name, "").strip()
    return int(value) if value else default


def table_name() -> str:
    return _required("CCJK_TABLE")


def idempotency_table_name() -> str:
    return _required("CCJK_IDEMPOTENCY_TABLE")


def notify_queue_url() -> str:
    return _required("NOTIFY_QUEUE_URL")


def user_jwt_secret_arn() -> str:
    return _required("USER_JWT_SECRET_ARN")


def secrets_key_arn() -> str:
    return _required("SECRETS_KEY_ARN")


def notify_max_receive_count() -> int:
    """The queue's maxReceiveCount: the worker records a final failure on the last receive."""
    return _int("NOTIFY_MAX_RECEIVE_COUNT", 5)


def notify_dedupe_seconds() -> int:
    """How long an identical notify request is answered from the first one instead of notifying again."""
    return _int("NOTIFY_DEDUPE_SECONDS", 10)


def notification_retention_days() -> int:
    return _int("NOTIFICATION_RETENTION_DAYS", 30)


def user_token_ttl_seconds() -> int:
    return _int("USER_TOKEN_TTL_SECONDS", 7 * 24 * 3600)


def provider_base(provider: str) -> str:
    """FEISHU_BASE_URL, DINGTALK_BASE_URL, WECOM_BASE_URL (the real endpoints unless overridden)."""
    from suite.outbound import provider_base_url  # noqa: PLC0415  (lazy: requests is heavy at cold start)

    return provider_base_url(provider, PROVIDER_DEFAULTS[provider])


PROVIDER_DEFAULTS = {
    "feishu": "https://open.feishu.cn",
    "dingtalk": "https://oapi.dingtalk.com",
    "wecom": "https://qyapi.weixin.qq.com",
}
