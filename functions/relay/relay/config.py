"""Every environment variable relay reads, typed and checked once per execution environment (suite.config)."""

from __future__ import annotations

from dataclasses import dataclass

from suite.config import Environment, settings


@dataclass(frozen=True)
class Config:
    stage: str


def _load(env: Environment) -> Config:
    return Config(stage=env.text("STAGE", "dev"))


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
    # Development and benchmarks only, until keys and accounts are wired: a JSON list of accounts
    # ({id, type, platform, base_url, api_key | bearer, model_mapping, priority, weight}) served to anyone.
    # Empty (the default and every deployed stack): the proxy refuses every call with 401.
    dev_accounts: str


def _load_proxy(env: Environment) -> ProxyConfig:
    return ProxyConfig(
        keepalive_seconds=env.number("RELAY_PROXY_KEEPALIVE_SECONDS", 15.0, minimum=0.01),
        first_byte_timeout=env.number("RELAY_PROXY_FIRST_BYTE_TIMEOUT", 120.0, minimum=0.01),
        connect_timeout=env.number("RELAY_PROXY_CONNECT_TIMEOUT", 10.0, minimum=0.01),
        read_timeout=env.number("RELAY_PROXY_READ_TIMEOUT", 300.0, minimum=0.01),
        max_attempts=env.integer("RELAY_PROXY_MAX_ATTEMPTS", 3, minimum=1, maximum=10),
        trusted_origins=env.csv("RELAY_TRUSTED_ORIGINS", ()),
        dev_accounts=env.text("RELAY_PROXY_DEV_ACCOUNTS", ""),
    )


proxy = settings(_load_proxy)
