"""One usage event per proxied request: what the gate queues when a request ends (`build`) and what the usage
worker does with it (`record`): the request log, the day / month / all-time counters of the user, the key, the
account, the package and the whole relay, in one transaction guarded by a marker of the request id, so a
redelivered event (SQS delivers at least once) counts once (store/usage.py). The key's and the account's
`last_used_at` follow.

A request that never reached an upstream (refused by the gate: a model not allowed, a limit reached; or no
account free) is logged but not counted (`counted: false`); one that reached an upstream is counted, answered
or not.
"""

from __future__ import annotations

import dataclasses
import json
from typing import Any

from relay.logic import proxy_checks
from relay.logic.proxy_pool import RelayResult
from relay.logic.proxy_tickets import Ticket
from relay.store import accounts, api_keys, usage

DEFAULT_RETENTION_DAYS = 30
_FIELDS = {f.name: f for f in dataclasses.fields(usage.UsageEvent)}
_INTS = ("user_id", "api_key_id", "account_id", "user_package_id", "input_tokens", "output_tokens",
         "cache_creation_tokens", "cache_read_tokens", "status_code", "duration_ms", "upstream_status_code",
         "retention_days")


def _account_id(value: str | None) -> int | None:
    return int(value) if value and value.isdigit() else None


def build(grant: proxy_checks.Grant, ticket: Ticket | None, result: RelayResult) -> usage.UsageEvent:
    """The event for a request that passed authentication (`ticket` is None when `admit` refused it)."""
    prices = proxy_checks.Prices()
    rate = 1.0
    if ticket is not None:
        table = ticket.prices
        prices = table.get(result.model.lower()) or table.get((result.upstream_model or "").lower()) or prices
        rate = ticket.rate
    counted = ticket is not None and result.attempts > 0
    account = _account_id(result.account_id)
    success = result.outcome == "ok" and result.status < 400
    retention = ticket.number("record_retention_days", DEFAULT_RETENTION_DAYS) if ticket else DEFAULT_RETENTION_DAYS
    return usage.UsageEvent(
        request_id=result.request_id, user_id=grant.user_id, api_key_id=grant.key_id, model=result.model,
        account_id=account, account_name=(ticket.account_names.get(result.account_id or "", "") if ticket else ""),
        user_package_id=grant.user_package_id, platform=ticket.platform if ticket else "",
        input_tokens=result.usage.input_tokens, output_tokens=result.usage.output_tokens,
        cache_creation_tokens=result.usage.cache_creation_tokens, cache_read_tokens=result.usage.cache_read_tokens,
        **proxy_checks.costs(result.usage, prices, rate),
        status_code=result.status, success=success,
        error="" if success else (result.error_type or result.outcome or "")[:200],
        duration_ms=int(result.duration_ms), upstream_status_code=result.status if account else 0,
        path=ticket.path if ticket else "", request_ip=ticket.source_ip if ticket else "",
        user_agent=(ticket.user_agent if ticket else "")[:500],
        session_id=(ticket.session_hint or "")[:200] if ticket else "", at=result.started_at,
        retention_days=max(1, int(retention)), counted=counted)


def parse(body: str) -> usage.UsageEvent:
    """An event from its queue message; ValueError for a message that is not one (it ends in the DLQ)."""
    data: Any = json.loads(body)
    if not isinstance(data, dict) or not isinstance(data.get("request_id"), str) or not data["request_id"]:
        raise ValueError("not a usage event: request_id missing")
    fields = {name: value for name, value in data.items() if name in _FIELDS}
    for name in _INTS:
        if fields.get(name) is not None:
            fields[name] = int(fields[name])
    if not isinstance(fields.get("user_id"), int):
        raise ValueError("not a usage event: user_id missing")
    return usage.UsageEvent(**fields)


def record(body: str) -> bool:
    """Write one event (the usage worker); False when it had been written before (a redelivery)."""
    event = parse(body)
    written = usage.record(event)
    if written and event.api_key_id:
        api_keys.touch(event.user_id, event.api_key_id, event.at)
    if written and event.account_id:
        accounts.touch(event.account_id, event.at)
    return written
