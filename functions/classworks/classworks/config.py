"""Every environment variable classworks reads, typed and checked once per execution environment (suite.config).

The template gives every function the tables, the KMS key and the site-key secret (Globals); only the live
and Socket.IO functions get LIVE_MANAGEMENT_URL, and those that accept WebSocket connections
SOCKET_GREET_QUEUE_URL. SOCKETIO_POLL_WAIT_MS (default 20 000) bounds a polling GET's wait: tests and
benchmarks shorten it. The operator's seed command sets CLASSWORKS_TABLE alone, so everything but
that table is read as optional here and demanded where it is used (a ConfigError naming the variable).
"""

from __future__ import annotations

from dataclasses import dataclass

from suite.config import ConfigError, Environment, settings


@dataclass(frozen=True)
class Config:
    table: str  # CLASSWORKS_TABLE: apps, devices, installs and tokens, namespaces, device codes, live rooms
    kv_table: str | None  # KV_TABLE: the devices' values
    rate_limit_table: str | None  # RATE_LIMIT_TABLE: suite.ratelimit counters
    secrets_key_arn: str | None  # SECRETS_KEY_ARN: the KMS key sealing app tokens
    site_key_secret_arn: str | None  # SITE_KEY_SECRET_ARN: {"siteKey": ...}; absent: no site key at all
    live_management_url: str | None  # LIVE_MANAGEMENT_URL: the WebSocket stage's management API
    socket_greet_queue_url: str | None  # SOCKET_GREET_QUEUE_URL: websocket-only Socket.IO clients to greet
    socketio_poll_wait_ms: int  # SOCKETIO_POLL_WAIT_MS: the longest wait of a polling GET


def _load(env: Environment) -> Config:
    return Config(table=env.text("CLASSWORKS_TABLE"), kv_table=env.optional("KV_TABLE"),
                  rate_limit_table=env.optional("RATE_LIMIT_TABLE"), secrets_key_arn=env.optional("SECRETS_KEY_ARN"),
                  site_key_secret_arn=env.optional("SITE_KEY_SECRET_ARN"),
                  live_management_url=env.optional("LIVE_MANAGEMENT_URL"),
                  socket_greet_queue_url=env.optional("SOCKET_GREET_QUEUE_URL"),
                  socketio_poll_wait_ms=env.integer("SOCKETIO_POLL_WAIT_MS", default=20_000, minimum=0,
                                                    maximum=20_000))


get = settings(_load)


def _required(value: str | None, name: str) -> str:
    if not value:
        raise ConfigError(f"environment variable {name} is required")
    return value


def table() -> str:
    return get().table


def kv_table() -> str:
    return _required(get().kv_table, "KV_TABLE")


def rate_limit_table() -> str:
    return _required(get().rate_limit_table, "RATE_LIMIT_TABLE")


def secrets_key_arn() -> str:
    return _required(get().secrets_key_arn, "SECRETS_KEY_ARN")


def live_management_url() -> str:
    return _required(get().live_management_url, "LIVE_MANAGEMENT_URL")


def socket_greet_queue_url() -> str:
    return _required(get().socket_greet_queue_url, "SOCKET_GREET_QUEUE_URL")
