"""The proxy's account pool on DynamoDB (the `AccountPool` of logic/proxy_pool.py): the real upstream accounts
of the admin screens, their KMS-sealed credentials, concurrency slots, sticky sessions and cool-down. The rules
are logic/pool_rules.py; this module reads and writes.

`acquire` reads the accounts (one Query of the `byKind` index), the unavailable marks (one Query) and the
request's sticky session (GetItem) side by side, orders the usable accounts, and takes the first one whose
concurrency slot it gets (store/leases.py: at most `max_concurrency` requests per account, leases with a TTL).
Its credentials are opened (KMS, data keys cached) and an OAuth token that expires soon is refreshed first
(logic/account_tokens.py, single-flight). A new or moved sticky binding is written (TTL `session_ttl` minutes,
renewed when less than `session_renewal_ttl` is left). No usable account: 503 `no_available_account`; every
usable account busy: 429 `account_concurrency_limit` (after a failover, None: the engine answers with the last
upstream error).

`release` gives the slot back and judges the account from the attempt (pool_rules.verdict): errors are counted
atomically on the account (`consecutive_error_count`, restarted after `ERROR_WINDOW_SECONDS` of quiet), a status
change waits for `account_error_threshold` of them, except a rate limit whose reset the upstream named.
"""

from __future__ import annotations

import random
from dataclasses import dataclass
from typing import Any

import anyio

from relay import clock, config
from relay.logic import account_tokens, configs, error_catalog, pool_rules
from relay.logic.proxy_gate import lease_seconds, worded
from relay.logic.proxy_pool import Lease, ProxyRefusal, SelectionRequest, UpstreamAccount
from relay.logic.proxy_surfaces import DEFAULT_BASE_URLS, mapped_model
from relay.logic.proxy_tickets import Ticket, Tickets, call, together
from relay.store import accounts, leases, state
from suite import observability

DEFAULT_ACCOUNT_CONCURRENCY = 5


@dataclass(frozen=True)
class _Held:
    account: Any
    owner: str
    request_id: str
    values: dict[str, str]
    session: str | None


class DynamoPool:
    def __init__(self, settings: config.ProxyConfig, tickets: Tickets, *, rng: random.Random | None = None) -> None:
        self.settings = settings
        self.tickets = tickets
        self.rng = rng or random.Random()  # noqa: S311 - spreading load, not security
        self._held: dict[str, _Held] = {}

    # --- taking an account ---------------------------------------------------------------------------------
    async def acquire(self, request: SelectionRequest, exclude: frozenset[str]) -> Lease | None:
        ticket = self.tickets.get(request.request_id)
        session = request.session
        every, marks, bound, values = await together(
            accounts.pool, state.unavailable_marks, lambda: state.session(session) if session else None,
            lambda: dict(ticket.values) if ticket else configs.effective())
        now = clock.now()
        model = ticket.upstream_model if ticket else request.model
        marked = {int(m["account_id"]) for m in marks if "account_id" in m}
        candidates = [a for a in every if str(a.id) not in exclude and pool_rules.usable(
            a, surface=request.surface, account_type=request.account_type, model=model, now=now, marked=marked)]
        first = int(bound["account_id"]) if bound and bound.get("account_id") is not None else None
        busy = 0
        for account in pool_rules.ordered(candidates, self.rng, first=first):
            owner = f"A#{account.id}"
            limit = int(account.max_concurrency or 0)
            if limit > 0 and not await call(self._take, owner, request.request_id, limit, values):
                busy += 1
                continue
            held = _Held(account, owner if limit > 0 else "", request.request_id, values, session)
            try:  # until the engine holds the lease, the slot is given back here (an error, a cancelled request)
                upstream = await self._upstream(account, request.model, model, now)
                if upstream is not None and session:
                    await self._bind(session, bound, account, ticket, values)
            except BaseException:
                await self._give_back(held)
                raise
            if upstream is None:
                await self._give_back(held)
                continue
            token = f"{account.id}:{request.request_id}"
            self._held[token] = held
            if ticket is not None:
                ticket.account_names[str(account.id)] = account.name
            return Lease(upstream, token=token)
        if exclude:
            return None
        if busy:
            raise await worded(ProxyRefusal(429, "account_concurrency_limit",
                                            "every upstream account is busy; retry shortly", {"retry-after": "1"}))
        raise await worded(ProxyRefusal(503, "no_available_account",
                                        "no upstream account is available for this request"))

    async def _give_back(self, held: _Held) -> None:
        if held.owner:
            with anyio.CancelScope(shield=True):  # also when the request is being cancelled
                await call(leases.give_back, held.owner, held.request_id)

    def _take(self, owner: str, request_id: str, limit: int, values: dict[str, str]) -> bool:
        return leases.take(owner, request_id, limit=limit, ttl=lease_seconds(values, self.settings))

    async def _upstream(self, account: Any, client_model: str, model: str, now: float) -> UpstreamAccount | None:
        """The account as the engine calls it; None when it has no credential to call with now."""
        creds = await call(account_tokens.usable_credentials, account, now)
        credential = pool_rules.credential(account, creds or {})
        if credential is None:
            return None
        # the engine maps the client's model with this: the global mapping (already in `model`), then the account's
        final = mapped_model(model, pool_rules.mapping_of(account)) if model else model
        return UpstreamAccount(
            id=str(account.id), type=account.type, platform=account.platform,
            base_url=account.base_url or DEFAULT_BASE_URLS.get(account.type, ""), credential=credential,
            model_mapping={client_model: final} if final != client_model else {},
            organization_id=account.organization_id, priority=int(account.priority or 0),
            weight=int(account.weight or 0))

    async def _bind(self, session: str, bound: dict[str, Any] | None, account: Any, ticket: Ticket | None,
                    values: dict[str, str]) -> None:
        """Bind the session to the account (or renew a binding that ends soon)."""
        now = clock.now()
        ttl = max(int(configs.number("session_ttl", values) * 60), 60)
        renew = configs.number("session_renewal_ttl", values) * 60
        same = bound is not None and bound.get("account_id") == account.id
        if same and float(bound.get("expires_at") or 0) - now > renew:
            return
        grant = ticket.grant if ticket else None
        details = {"model": ticket.upstream_model, "client_ip": ticket.source_ip} if ticket else {}
        await call(lambda: state.put_session(
            session, account_id=account.id, user_id=grant.user_id if grant else None,
            api_key_id=grant.key_id if grant else None, ttl=ttl,
            created_at=bound.get("created_at") if same and bound else None, platform=account.platform,
            last_used_at=now, **details))

    # --- giving it back ------------------------------------------------------------------------------------
    async def release(self, lease: Lease, outcome: Any) -> None:
        held = self._held.pop(lease.token, None)
        if held is None:
            return
        try:
            await self._give_back(held)
            await call(self._judge, held, outcome)
        except Exception:  # the attempt is over; the lease's TTL and the next error catch up
            observability.logger().exception("proxy: account not released cleanly",
                                             extra={"account_id": held.account.id, "request_id": held.request_id})

    def _judge(self, held: _Held, outcome: Any) -> None:
        account, values, now = held.account, held.values, clock.now()
        failing = pool_rules.blames_account(outcome.kind, outcome.fail_over)
        target = None
        if failing:
            text = f"{outcome.error_type or ''} {outcome.message or ''}"
            target = error_catalog.classify(int(outcome.status or 0), text, error_catalog.effective_rules())
        verdict = pool_rules.verdict(account, kind=outcome.kind, status=outcome.status, fail_over=outcome.fail_over,
                                     retry_at=outcome.retry_at, target=target, now=now,
                                     rest_seconds=int(configs.number("unavailable_ttl", values)))
        if verdict.clear:
            accounts.set_state(account.id, {"status": "valid", "consecutive_error_count": 0,
                                            "rate_limit_reset_at": None}, expect_status=account.status)
            return
        if not verdict.count:
            return
        message = f"{outcome.kind} {outcome.status or ''} {outcome.error_type or ''}: {outcome.message}".strip()
        run = accounts.count_error(account.id, now=now, since=now - pool_rules.ERROR_WINDOW_SECONDS, message=message)
        changes = verdict.changes
        if changes is None and verdict.on_threshold is not None and run >= int(
                configs.number("account_error_threshold", values)):
            changes = verdict.on_threshold
        if changes:
            accounts.set_state(account.id, {**changes, "updated_at": now})
            if changes.get("status") != "valid" and held.session:
                state.delete(f"SESSION#{held.session}", "SESSION")  # the conversation moves on

