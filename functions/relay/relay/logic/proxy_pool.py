"""The proxy's seams: who may call (`Gate`), which upstream account serves (`AccountPool`), and where the
result goes (`Gate.finish`). The engine (proxy_engine.py) knows only these protocols.

The relay's implementations work on DynamoDB: logic/proxy_gate.py (`KeyGate`: keys, limits, leases, usage
events) and logic/proxy_accounts.py (`DynamoPool`: the admin's accounts, sticky sessions, cool-down), wired in
logic/proxy_setup.py. The simple ones here are for the engine's own tests: `InMemoryPool` (a fixed list of
accounts, priority then weight, a rest per account from the upstream's reset headers), `OpenGate` (anyone) and
`ClosedGate` (nobody). No configuration reaches them in a deployed stack.
"""

from __future__ import annotations

import random
import threading
import time
from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any, Protocol

from relay.logic.proxy_errors import Outcome
from relay.logic.usage_parsing import Usage


class ProxyRefusal(Exception):
    """The request is refused before any upstream call: `status`, an error `type` and a message, rendered in
    the format of the API the client called."""

    def __init__(self, status: int, error_type: str, message: str, headers: Mapping[str, str] | None = None) -> None:
        super().__init__(message)
        self.status = status
        self.error_type = error_type
        self.message = message
        self.headers = dict(headers or {})


@dataclass(frozen=True)
class ProxyCall:
    """One client request as the gate sees it (before any upstream call)."""

    request_id: str
    surface: str  # claude | openai | gemini | responses
    platform: str  # claude | openai | gemini: the account pool to draw from
    path: str
    model: str
    stream: bool
    account_type: str | None  # forced by "<accountType>,<model>" on the OpenAI route
    headers: Mapping[str, str]  # lower-case names, as the client sent them (credentials included)
    body: Mapping[str, Any]  # the parsed JSON body (read only)
    source_ip: str
    session_hint: str | None  # what identifies a conversation for sticky sessions (not yet scoped to a key)


@dataclass(frozen=True)
class Admission:
    """Who was admitted; the pool and `finish` get it back. `scope` prefixes sticky sessions (e.g. a key id)."""

    key_id: str | None = None
    user_id: str | None = None
    scope: str = ""
    extra: Mapping[str, Any] = field(default_factory=dict)


@dataclass(frozen=True)
class Credential:
    """How the relay authenticates upstream: an API key, or an OAuth bearer token."""

    api_key: str | None = None
    bearer: str | None = None

    def __repr__(self) -> str:  # never print a secret
        return f"Credential(api_key={'set' if self.api_key else None}, bearer={'set' if self.bearer else None})"


@dataclass(frozen=True)
class UpstreamAccount:
    id: str
    type: str  # claude-official | claude-console | openai | openai-responses | gemini | gemini-api ...
    platform: str  # claude | openai | gemini
    base_url: str  # validated with UrlPolicy when configured; the engine appends the API path
    credential: Credential
    model_mapping: Mapping[str, str] = field(default_factory=dict)  # client model → upstream model
    organization_id: str | None = None  # chatgpt-account-id for Codex OAuth accounts
    priority: int = 50  # higher first
    weight: int = 100  # among equal priority


@dataclass(frozen=True)
class SelectionRequest:
    platform: str
    surface: str
    model: str
    account_type: str | None
    session: str | None  # sticky-session id: admission scope + the call's session hint (None: not sticky)
    request_id: str


@dataclass(frozen=True)
class Lease:
    """An account held for one attempt; `token` lets the pool release exactly what it took."""

    account: UpstreamAccount
    token: str = ""


@dataclass(frozen=True)
class RelayResult:
    """How the request ended, for usage accounting and logs (`Gate.finish`)."""

    request_id: str
    surface: str
    model: str
    upstream_model: str | None
    account_id: str | None
    status: int  # what the client got (200 for a stream that began, even if it broke later)
    stream: bool
    usage: Usage
    attempts: int
    outcome: str  # the last attempt's Outcome.kind, or "refused" / "no_account"
    error_type: str | None
    started_at: float
    first_byte_ms: float | None
    duration_ms: float


class AccountPool(Protocol):
    async def acquire(self, request: SelectionRequest, exclude: frozenset[str]) -> Lease | None:
        """An account for this request that is not in `exclude` (already tried), or None when none is left.
        Taking it may take a concurrency slot; `release` gives it back. It may raise ProxyRefusal (every account
        busy: 429) when nothing has been tried yet."""

    async def release(self, lease: Lease, outcome: Outcome) -> None:
        """The attempt ended: free the slot, and judge the account from the outcome (cool-down, status)."""


class Gate(Protocol):
    async def authenticate(self, headers: Mapping[str, str], source_ip: str) -> Admission:
        """Who calls (the API key), before the body is read: raise ProxyRefusal (401) for no or a bad key."""

    async def admit(self, call: ProxyCall, admission: Admission) -> Admission:
        """Whether this call may go upstream (key status and expiry, platforms, models, client filter, rpm,
        concurrency leases, daily/monthly limits, package): raise ProxyRefusal (403/429). What it returns is
        what `finish` gets back (leases taken, prices)."""

    async def finish(self, admission: Admission, result: RelayResult) -> None:
        """The request ended (answered, refused upstream, or cancelled): release leases, record usage."""


class OpenGate:
    """Admits everyone (the engine's tests only)."""

    def __init__(self) -> None:
        self.results: list[RelayResult] = []

    async def authenticate(self, headers: Mapping[str, str], source_ip: str) -> Admission:
        return Admission(scope="dev")

    async def admit(self, call: ProxyCall, admission: Admission) -> Admission:
        return admission

    async def finish(self, admission: Admission, result: RelayResult) -> None:
        self.results.append(result)
        del self.results[:-1000]


class ClosedGate:
    """Refuses every call (the engine's tests)."""

    async def authenticate(self, headers: Mapping[str, str], source_ip: str) -> Admission:
        if not any(headers.get(name) for name in ("authorization", "x-api-key", "x-goog-api-key")):
            raise ProxyRefusal(401, "authentication_error", "API key missing")
        raise ProxyRefusal(401, "authentication_error", "invalid API key")

    async def admit(self, call: ProxyCall, admission: Admission) -> Admission:
        raise ProxyRefusal(401, "authentication_error", "invalid API key")

    async def finish(self, admission: Admission, result: RelayResult) -> None:
        return None


class InMemoryPool:
    """A fixed list of accounts: highest priority first, weighted random among equals, sticky sessions in a
    dict, and an account that failed over rests until the upstream's reset time (or `rest_seconds`)."""

    def __init__(self, accounts: list[UpstreamAccount], *, rest_seconds: float = 60.0,
                 clock: Any = time.time, rng: random.Random | None = None) -> None:
        self.accounts = list(accounts)
        self.rest_seconds = rest_seconds
        self.clock = clock
        self.rng = rng or random.Random()  # noqa: S311 - load spreading, not security
        self.resting: dict[str, float] = {}  # account id → until (epoch seconds)
        self.sessions: dict[str, str] = {}  # session → account id
        self.outcomes: list[tuple[str, Outcome]] = []  # (account id, outcome), for tests
        self.in_flight: dict[str, int] = {}
        self._lock = threading.Lock()

    def _usable(self, account: UpstreamAccount, request: SelectionRequest, exclude: frozenset[str]) -> bool:
        if account.id in exclude or account.platform != request.platform:
            return False
        if request.account_type and account.type != request.account_type:
            return False
        return self.resting.get(account.id, 0) <= self.clock()

    async def acquire(self, request: SelectionRequest, exclude: frozenset[str]) -> Lease | None:
        with self._lock:
            candidates = [a for a in self.accounts if self._usable(a, request, exclude)]
            if not candidates:
                return None
            bound = self.sessions.get(request.session) if request.session else None
            chosen = next((a for a in candidates if a.id == bound), None)
            if chosen is None:
                top = max(a.priority for a in candidates)
                best = [a for a in candidates if a.priority == top]
                chosen = self.rng.choices(best, weights=[max(a.weight, 1) for a in best])[0]
            if request.session:
                self.sessions[request.session] = chosen.id
            self.in_flight[chosen.id] = self.in_flight.get(chosen.id, 0) + 1
            return Lease(chosen, token=request.request_id)

    async def release(self, lease: Lease, outcome: Outcome) -> None:
        with self._lock:
            account_id = lease.account.id
            self.in_flight[account_id] = self.in_flight.get(account_id, 1) - 1
            self.outcomes.append((account_id, outcome))
            if outcome.fail_over:
                now = self.clock()
                self.resting[account_id] = outcome.retry_at if outcome.retry_at else now + self.rest_seconds
                for session, bound in list(self.sessions.items()):
                    if bound == account_id:
                        del self.sessions[session]
