"""Every environment variable relay reads, typed and checked once per execution environment (suite.config)."""

from __future__ import annotations

from dataclasses import dataclass

from suite.config import Environment, settings


@dataclass(frozen=True)
class Config:
    stage: str
    table: str  # RelayTable: entities (PynamoDB models)
    state_table: str  # RelayStateTable: captcha, limiter windows, sessions, leases, marks (TTL)
    usage_table: str  # RelayUsageTable: usage counters
    logs_table: str  # RelayLogsTable: request and operation logs
    secrets_key_arn: str  # KMS key sealing upstream credentials and proxy passwords
    jwt_secret_arn: str  # Secrets Manager: {"kid": "...", "secret": "..."} or {"active": ..., "keys": {...}}
    jwt_ttl_seconds: int
    jwt_issuer: str
    # Origins (scheme://host:port) an admin may point accounts and proxies at although they are not public:
    # fake providers and proxies on 127.0.0.1 in tests and `make dev`. Empty in a deployed stack.
    trusted_origins: tuple[str, ...]
    proxy_probe_target: str  # host:port a proxy connectivity test tunnels to
    log_groups: tuple[str, ...]  # name=/aws/lambda/<function> pairs the system-logs routes may read
    access_log_group: str
    metrics_namespace: str
    utc_offset: str  # where days, weeks and months of usage begin ("+08:00"); UTC by default


def _load(env: Environment) -> Config:
    return Config(
        stage=env.text("STAGE", "dev"),
        table=env.text("RELAY_TABLE", ""),
        state_table=env.text("RELAY_STATE_TABLE", ""),
        usage_table=env.text("RELAY_USAGE_TABLE", ""),
        logs_table=env.text("RELAY_LOGS_TABLE", ""),
        secrets_key_arn=env.text("SECRETS_KEY_ARN", ""),
        jwt_secret_arn=env.text("JWT_SECRET_ARN", ""),
        jwt_ttl_seconds=env.integer("JWT_TTL_SECONDS", 86400, minimum=60),
        jwt_issuer=env.text("JWT_ISSUER", "relay"),
        trusted_origins=env.csv("RELAY_TRUSTED_ORIGINS", ()),
        proxy_probe_target=env.text("PROXY_PROBE_TARGET", "api.anthropic.com:443"),
        log_groups=env.csv("RELAY_LOG_GROUPS", ()),
        access_log_group=env.text("RELAY_ACCESS_LOG_GROUP", ""),
        metrics_namespace=env.text("POWERTOOLS_METRICS_NAMESPACE", "Suite/relay"),
        utc_offset=env.text("RELAY_UTC_OFFSET", "+00:00"),
    )


get = settings(_load)


# --- the proxy (functions ProxyFunction and ProxyStreamFunction) ---------------------------------------------

@dataclass(frozen=True)
class ProxyConfig:
    keepalive_seconds: float  # `: keepalive` after this much silence on a stream
    first_byte_timeout: float  # an upstream silent this long before its first byte is skipped (failover)
    connect_timeout: float
    read_timeout: float  # the longest silence in the middle of an upstream answer
    max_attempts: int  # accounts tried per request (failover before the first byte)
    # Origins (scheme://host:port) upstream accounts may point at although they are not public: fakes on
    # 127.0.0.1 in tests and `make dev`. Empty in a deployed stack. (The admin side reads the same variable.)
    trusted_origins: tuple[str, ...]
    usage_queue_url: str  # UsageQueue: one usage event per request (the usage worker writes it)
    # The longest a request may run in this function (its timeout): a concurrency lease lives at least this
    # long (plus a margin), so a slot is never freed while its request still runs.
    max_request_seconds: int


def _load_proxy(env: Environment) -> ProxyConfig:
    return ProxyConfig(
        keepalive_seconds=env.number("RELAY_PROXY_KEEPALIVE_SECONDS", 15.0, minimum=0.01),
        first_byte_timeout=env.number("RELAY_PROXY_FIRST_BYTE_TIMEOUT", 120.0, minimum=0.01),
        connect_timeout=env.number("RELAY_PROXY_CONNECT_TIMEOUT", 10.0, minimum=0.01),
        read_timeout=env.number("RELAY_PROXY_READ_TIMEOUT", 300.0, minimum=0.01),
        max_attempts=env.integer("RELAY_PROXY_MAX_ATTEMPTS", 3, minimum=1, maximum=10),
        trusted_origins=env.csv("RELAY_TRUSTED_ORIGINS", ()),
        usage_queue_url=env.text("RELAY_USAGE_QUEUE_URL", ""),
        max_request_seconds=env.integer("RELAY_PROXY_MAX_REQUEST_SECONDS", 900, minimum=1, maximum=900),
    )


proxy = settings(_load_proxy)
