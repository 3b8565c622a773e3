"""The proxy's engine as configured: the gate (API keys, limits, usage events: logic/proxy_gate.py), the account
pool (the admin's upstream accounts: logic/proxy_accounts.py) and the streaming transport. Both seams work on
DynamoDB; there is no other configuration (no fixed account list, no open gate: every call needs an `sk-` key
created through the API).
"""

from __future__ import annotations

import functools

from relay import config
from relay.logic.proxy_accounts import DynamoPool
from relay.logic.proxy_engine import Engine
from relay.logic.proxy_gate import KeyGate
from relay.logic.proxy_pool import AccountPool, Gate
from relay.logic.proxy_tickets import Tickets
from relay.providers.upstream_http import HttpTransport


def _gate_and_pool(settings: config.ProxyConfig) -> tuple[Gate, AccountPool]:
    tickets = Tickets()
    return KeyGate(settings, tickets), DynamoPool(settings, tickets)


@functools.cache
def engine() -> Engine:
    """One engine per execution environment (its HTTP client keeps upstream connections warm)."""
    settings = config.proxy()
    gate, pool = _gate_and_pool(settings)
    transport = HttpTransport(settings.trusted_origins, connect_timeout=settings.connect_timeout,
                              read_timeout=settings.read_timeout)
    return Engine(gate, pool, transport, keepalive_seconds=settings.keepalive_seconds,
                  first_byte_timeout=settings.first_byte_timeout, max_attempts=settings.max_attempts)
