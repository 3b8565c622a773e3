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
