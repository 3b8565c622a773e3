"""The proxy's engine as configured: which gate, which account pool, which transport.

Until keys and accounts are wired (the next task replaces `_gate_and_pool` with the DynamoDB-backed
implementations), a deployed stack has `ClosedGate` (every call 401) and no accounts; `RELAY_PROXY_DEV_ACCOUNTS`
(local stack, benchmarks) serves a fixed list of accounts to anyone.
"""

from __future__ import annotations

import functools
import json
from typing import Any

from relay import config
from relay.logic.proxy_engine import Engine
from relay.logic.proxy_pool import AccountPool, ClosedGate, Credential, Gate, InMemoryPool, OpenGate, UpstreamAccount
from relay.logic.proxy_surfaces import DEFAULT_BASE_URLS
from relay.providers.upstream_http import HttpTransport

PLATFORM_OF_TYPE = {"claude-official": "claude", "claude-console": "claude", "openai": "openai",
                    "openai-responses": "openai", "gemini": "gemini", "gemini-api": "gemini"}


def dev_accounts(text: str) -> list[UpstreamAccount]:
    """Accounts from RELAY_PROXY_DEV_ACCOUNTS (a JSON list); a malformed list is a configuration error."""
    items: Any = json.loads(text)
    if not isinstance(items, list):
        raise ValueError("RELAY_PROXY_DEV_ACCOUNTS must be a JSON list")
    accounts = []
    for index, item in enumerate(items):
        kind = str(item.get("type", "claude-console"))
        accounts.append(UpstreamAccount(
            id=str(item.get("id", f"dev-{index + 1}")), type=kind,
            platform=str(item.get("platform") or PLATFORM_OF_TYPE.get(kind, "openai")),
            base_url=str(item.get("base_url") or DEFAULT_BASE_URLS.get(kind, "")),
            credential=Credential(api_key=item.get("api_key"), bearer=item.get("bearer")),
            model_mapping=dict(item.get("model_mapping") or {}), organization_id=item.get("organization_id"),
            priority=int(item.get("priority", 50)), weight=int(item.get("weight", 100))))
    return accounts


def _gate_and_pool(settings: config.ProxyConfig) -> tuple[Gate, AccountPool]:
    if settings.dev_accounts.strip():
        return OpenGate(), InMemoryPool(dev_accounts(settings.dev_accounts))
    return ClosedGate(), InMemoryPool([])


@functools.cache
def engine() -> Engine:
    """One engine per execution environment (its HTTP client keeps upstream connections warm)."""
    settings = config.proxy()
    gate, pool = _gate_and_pool(settings)
    transport = HttpTransport(settings.trusted_origins, connect_timeout=settings.connect_timeout,
                              read_timeout=settings.read_timeout)
    return Engine(gate, pool, transport, keepalive_seconds=settings.keepalive_seconds,
                  first_byte_timeout=settings.first_byte_timeout, max_attempts=settings.max_attempts)
