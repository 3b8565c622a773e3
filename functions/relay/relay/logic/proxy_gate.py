"""The proxy's gate on DynamoDB (the `Gate` of logic/proxy_pool.py): who calls, whether this call may go
upstream, and what it cost. The rules are logic/proxy_checks.py; this module reads what they need and writes
the per-request state.

- `authenticate`: the key (digest lookup: one GetItem for the pointer, one BatchGetItem for the key and its
  owner), its status and expiry, the owner's status: 401s.
- `admit`: side by side, the `CONFIG` partition (system configs and the client-filter config: one Query), the
  model catalogue, the global model mappings, the key's package and its spend counters (BatchGetItem); then
  platform, model, client filter (the admin `test` route's evaluation), package, daily and monthly limits; then
  the per-minute limit (an atomic counter) and, last, the user's concurrency slot (store/leases.py). Each
  refusal carries its catalogue error type and the admin's text for it when one is enabled.
- `finish`: gives the slot back and queues one usage event (SQS) with the tokens and their cost.
"""

from __future__ import annotations

import dataclasses
from collections.abc import Mapping
from typing import Any

from relay import clock, config, ids
from relay.logic import catalog, client_filter, configs, error_catalog, proxy_checks, usage_events
from relay.logic import client_filter_rules as filter_rules
from relay.logic.proxy_pool import Admission, ProxyCall, ProxyRefusal, RelayResult
from relay.logic.proxy_tickets import Remembered, Ticket, Tickets, call, together
from relay.store import api_keys, leases, limits, packages, settings, usage, usage_queue
from relay.store import catalog as catalog_store
from suite import observability

LEASE_MARGIN_SECONDS = 30
# The catalogue's prices and the global model mappings are read at most this often per execution environment
# (admins change them rarely; an edit reaches the proxy within this many seconds). Everything else (keys, users,
# packages, limits, configs, the client filter, accounts) is read on every request.
CATALOGUE_SECONDS = 5.0


async def worded(refusal: ProxyRefusal) -> ProxyRefusal:
    """The refusal with the admin's text for its error type, when one is enabled (the original's custom error
    messages); the relay's own text otherwise."""
    text = await call(error_catalog.text_for, refusal.error_type)
    if not text:
        return refusal
    return ProxyRefusal(refusal.status, refusal.error_type, text, refusal.headers)


def lease_seconds(values: Mapping[str, str], settings_: config.ProxyConfig) -> int:
    """How long a concurrency lease lives: the configured `concurrency_ttl`, but never less than the longest a
    request may run here (a slot must not be freed while its request still runs)."""
    try:
        configured = int(float(values.get("concurrency_ttl", "300")))
    except ValueError:
        configured = 300
    return max(configured, settings_.max_request_seconds + LEASE_MARGIN_SECONDS)


def grant_for(secret: str) -> proxy_checks.Grant:
    """The grant of a presented key (blocking; also what access.PROXY_KEY runs), or a 401 ProxyRefusal."""
    if not proxy_checks.looks_like_key(secret):
        raise ProxyRefusal(401, "key_invalid", "invalid API key")
    key, user = api_keys.holder(ids.key_digest(secret))
    return proxy_checks.grant_of(key, user, clock.now())


def _spend(grant: proxy_checks.Grant, counters: Mapping[tuple[str, str], Mapping[str, Any]],
           now: float) -> proxy_checks.Spend:
    day, week, month = clock.day(now), clock.iso_week(now), clock.month(now)

    def value(pk: str, sk: str, name: str) -> float:
        return float((counters.get((pk, sk)) or {}).get(name, 0) or 0)

    key, package = f"K#{grant.key_id}", f"P#{grant.user_package_id}"
    return proxy_checks.Spend(
        key_requests_today=int(value(key, f"D#{day}", "requests")),
        key_cost_this_month=value(key, f"MO#{month}", "cost"),
        package_today=value(package, f"D#{day}", "cost"), package_this_week=value(package, f"W#{week}", "cost"),
        package_this_month=value(package, f"MO#{month}", "cost"), package_total=value(package, "T", "cost"))


def _counter_keys(grant: proxy_checks.Grant, now: float) -> list[tuple[str, str]]:
    keys = [(f"K#{grant.key_id}", f"D#{clock.day(now)}"), (f"K#{grant.key_id}", f"MO#{clock.month(now)}")]
    if grant.user_package_id:
        owner = f"P#{grant.user_package_id}"
        keys += [(owner, f"D#{clock.day(now)}"), (owner, f"W#{clock.iso_week(now)}"), (owner, f"MO#{clock.month(now)}"),
                 (owner, "T")]
    return keys


def _prices(models: list[Any]) -> dict[str, proxy_checks.Prices]:
    table: dict[str, proxy_checks.Prices] = {}
    for model in models:
        prices = proxy_checks.prices_of(model)
        for name in (model.name, *proxy_checks.csv(model.aliases)):
            table.setdefault(name.lower(), prices)
    return table


class KeyGate:
    def __init__(self, settings_: config.ProxyConfig, tickets: Tickets) -> None:
        self.settings = settings_
        self.tickets = tickets
        self.catalogue = Remembered(lambda: (catalog_store.pricing(), catalog.effective_mappings()),
                                    CATALOGUE_SECONDS, lambda: clock.now())  # noqa: PLW0108 - tests move relay.clock.now

    # --- who calls -----------------------------------------------------------------------------------------
    async def authenticate(self, headers: Mapping[str, str], source_ip: str) -> Admission:
        secret = proxy_checks.presented_key(headers)
        try:
            if secret is None:
                raise ProxyRefusal(401, "auth_failed",
                                   "API key missing: send it as Authorization: Bearer sk-... or x-api-key")
            grant = await call(grant_for, secret)
        except ProxyRefusal as refusal:
            raise await worded(refusal) from None
        return Admission(key_id=str(grant.key_id), user_id=str(grant.user_id), scope=f"k{grant.key_id}",
                         extra={"grant": grant})

    # --- may this call go upstream -------------------------------------------------------------------------
    async def admit(self, call_: ProxyCall, admission: Admission) -> Admission:
        grant: proxy_checks.Grant = admission.extra["grant"]
        try:
            ticket = await self._check(call_, grant)
        except ProxyRefusal as refusal:
            raise await worded(refusal) from None
        self.tickets.put(ticket)
        return dataclasses.replace(admission, extra={**admission.extra, "ticket": ticket})

    async def _check(self, call_: ProxyCall, grant: proxy_checks.Grant) -> Ticket:
        now = clock.now()
        package_of = (lambda: packages.get_user_package(grant.user_id, grant.user_package_id)) \
            if grant.user_package_id else (lambda: None)
        stored, (models, mappings), package, counters = await together(
            settings.everything, self.catalogue.get, package_of, lambda: usage.many(_counter_keys(grant, now)))
        stored_configs, filter_item = stored
        values = configs.effective(stored_configs)
        proxy_checks.check_platform(grant, call_.platform)
        entry = proxy_checks.catalogue_entry(models, call_.model) if call_.model else None
        proxy_checks.check_model(grant, call_.model, entry, package)
        snapshot = await call(client_filter.snapshot_with, filter_item)
        probe = filter_rules.Probe(user_agent=call_.headers.get("user-agent", ""), headers=call_.headers,
                                   body=call_.body, path=call_.path)
        verdict = filter_rules.evaluate(snapshot, probe, key_allowed_clients=grant.allowed_clients)
        if not verdict.allowed:
            raise ProxyRefusal(403, "client_not_allowed", f"client not allowed: {verdict.reason}")
        spend = _spend(grant, counters, now)
        proxy_checks.check_package(grant, package, spend, now)
        proxy_checks.check_key_limits(grant, spend)
        if grant.rate_limit > 0:
            decision = await call(lambda: limits.hit(f"rpm:k{grant.key_id}", limit=grant.rate_limit,
                                                     window_seconds=60))
            if not decision.allowed:
                raise ProxyRefusal(429, "rate_limit", f"rate limit of {grant.rate_limit} requests per minute reached;"
                                   f" retry after {decision.retry_after} s",
                                   {"retry-after": str(decision.retry_after)})
        owner = f"U#{grant.user_id}"
        limit = grant.max_concurrency or int(configs.number("default_concurrency_max", values))
        taken = await call(lambda: leases.take(owner, call_.request_id, limit=limit,
                                               ttl=lease_seconds(values, self.settings)))
        if not taken:
            raise ProxyRefusal(429, "user_concurrency_limit",
                               f"too many concurrent requests (at most {limit} at a time)", {"retry-after": "1"})
        return Ticket(request_id=call_.request_id, grant=grant, values=values,
                      upstream_model=mappings.get(call_.model, call_.model), prices=_prices(models),
                      rate=proxy_checks.price_rate(grant, configs.number("global_price_rate", values)),
                      platform=call_.platform, path=call_.path, user_agent=call_.headers.get("user-agent", ""),
                      source_ip=call_.source_ip, session_hint=call_.session_hint, user_lease=owner)

    # --- the request ended ---------------------------------------------------------------------------------
    async def finish(self, admission: Admission, result: RelayResult) -> None:
        ticket = self.tickets.pop(result.request_id)
        grant: proxy_checks.Grant = admission.extra["grant"]
        log = observability.logger()
        if ticket is not None and ticket.user_lease:
            try:
                await call(leases.give_back, ticket.user_lease, result.request_id)
            except Exception:  # the answer is out; the lease's TTL frees the slot
                log.exception("proxy: concurrency slot not given back", extra={"request_id": result.request_id})
        try:
            await call(usage_queue.send, dataclasses.asdict(usage_events.build(grant, ticket, result)))
        except Exception:  # the answer is out; the failure is logged
            log.exception("proxy: usage event not queued", extra={"request_id": result.request_id})
