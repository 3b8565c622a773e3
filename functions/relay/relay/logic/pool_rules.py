"""The account pool's rules, as plain Python on stored accounts (logic/proxy_accounts.py reads and writes).

- **Candidates**: enabled, a type the route can use, the forced type if the client named one, a credential,
  no proxy (the relay cannot tunnel upstream calls yet: an account that must go through a proxy is left out
  rather than called directly), no live unavailable mark, the model allowed (testing the name the account's
  mapping gives), and status `valid` - or `rate_limited` / `overloaded` whose reset time has passed (half-open:
  one request tries it before the recovery schedule has flipped it back).
- **Order**: highest priority first; within a priority, a weighted random order by `weight`. (The original drew
  one weighted lot over `priority × weight`, so a lower-priority account kept a share of traffic; here priority
  means preference and weight spreads load among equals.) A sticky session's account comes first while usable.
- **Judging an attempt** (`verdict`): success clears the error run; an answer that blames the account (what
  fails over: 429, 401/403, 5xx, 529, a connection error, a first-event error; and a stream that broke) counts
  one error in the account's run. A rate limit whose reset time the upstream named puts the account at once in
  `rate_limited` until then (the upstream said so: no guessing); anything else changes the status only when
  the run reaches `account_error_threshold` (5) within the error window, to what the error rules (admin
  screen "error rules", logic/error_catalog.classify) say for the status and message: `rate_limited` (until the
  named reset, else one hour), `overloaded` (for `unavailable_ttl`), `invalid` (out until an admin or a health
  check brings it back). Plain API-key Claude accounts (`claude-console`) are never made `invalid`; they rest
  as `overloaded` instead (the original never changed their status at all).
"""

from __future__ import annotations

import json
import random
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from typing import Any

from relay.logic.proxy_pool import Credential
from relay.logic.proxy_surfaces import mapped_model
from relay.logic.usage_parsing import CLAUDE, GEMINI, OPENAI, RESPONSES

# which account types can serve which route
TYPES_FOR = {CLAUDE: ("claude-official", "claude-console"), OPENAI: ("openai",),
             RESPONSES: ("openai-responses", "openai"), GEMINI: ("gemini", "gemini-api")}
RESTING = ("rate_limited", "overloaded")
ERROR_WINDOW_SECONDS = 600
RATE_LIMIT_REST_SECONDS = 3600
OAUTH_PLATFORMS = ("claude", "openai")


def mapping_of(account: Any) -> dict[str, str]:
    try:
        found = json.loads(account.model_mapping) if account.model_mapping else {}
    except ValueError:
        return {}
    return {str(k): str(v) for k, v in found.items()} if isinstance(found, dict) else {}


def allows_model(account: Any, model: str) -> bool:
    allowed = [m.strip().lower() for m in (account.allowed_models or "").split(",") if m.strip()]
    if not allowed or not model:
        return True
    return mapped_model(model, mapping_of(account)).lower() in allowed


def usable(account: Any, *, surface: str, account_type: str | None, model: str, now: float,
           marked: Iterable[int] = ()) -> bool:
    if not account.enabled or account.type not in TYPES_FOR.get(surface, ()):
        return False
    if account_type and account.type != account_type:
        return False
    if not account.credential_fields or account.proxy_id or int(account.id) in set(marked):
        return False
    if account.status != "valid":
        reset = account.rate_limit_reset_at
        if account.status not in RESTING or not reset or float(reset) > now:
            return False
    return allows_model(account, model)


def ordered(candidates: list[Any], rng: random.Random, *, first: int | None = None) -> list[Any]:
    """Priority tiers, highest first; a weighted random order within a tier; the account `first` (a sticky
    session's) ahead of all."""
    out: list[Any] = []
    for priority in sorted({int(a.priority or 0) for a in candidates}, reverse=True):
        tier = [a for a in candidates if int(a.priority or 0) == priority]
        while tier:
            chosen = rng.choices(tier, weights=[max(int(a.weight or 0), 1) for a in tier])[0]
            tier.remove(chosen)
            out.append(chosen)
    if first is not None:
        out.sort(key=lambda a: int(a.id) != first)
    return out


def credential(account: Any, creds: Mapping[str, str]) -> Credential | None:
    """How the account authenticates upstream (None: it has nothing the route can use): OAuth types use their
    access token as a bearer (Codex: the session key first, as the original did), API-key types their key."""
    kind = account.type
    if kind == "openai-responses":
        order = ("session_key", "access_token", "api_key")
    elif kind in ("claude-official", "gemini"):
        order = ("access_token", "api_key")
    else:
        order = ("api_key", "access_token")
    name = next((n for n in order if creds.get(n)), None)
    if name is None:
        return None
    return Credential(api_key=creds[name]) if name == "api_key" else Credential(bearer=creds[name])


def needs_refresh(account: Any, creds: Mapping[str, str], now: float, ahead: float) -> bool:
    """An OAuth account whose access token expires within `ahead` seconds (and that can refresh it)."""
    return bool(creds.get("refresh_token")) and account.platform in OAUTH_PLATFORMS and bool(
        creds.get("access_token")) and account.token_expiry is not None and float(account.token_expiry) - now < ahead


@dataclass(frozen=True)
class Verdict:
    """What an attempt means for the account: `count` one more error in its run; `changes` to write at once
    (a status, a reset time), `on_threshold` to write once the run reaches the threshold."""

    count: bool = False
    changes: Mapping[str, Any] | None = None
    on_threshold: Mapping[str, Any] | None = None
    clear: bool = False  # a success after errors (or after a rest): the run ends, the account is valid


def blames_account(kind: str, fail_over: bool) -> bool:
    return fail_over or kind == "broken"


def verdict(account: Any, *, kind: str, status: int | None, fail_over: bool, retry_at: float | None,
            target: str | None, now: float, rest_seconds: int) -> Verdict:
    """How to judge the account after an attempt ended with `kind` (proxy_errors.Outcome); `target` is what the
    error rules say for its status and message (None: no rule matched)."""
    if kind == "ok":
        resting = account.status in RESTING
        return Verdict(clear=bool(account.consecutive_error_count) or resting)
    if not blames_account(kind, fail_over):
        return Verdict()
    limited = status == 429 or target == "rate_limited"
    if limited and retry_at and retry_at > now:
        return Verdict(count=True, changes={"status": "rate_limited", "rate_limit_reset_at": float(retry_at)})
    target = target or ("rate_limited" if limited else "overloaded")
    if target == "invalid" and account.type == "claude-console":
        target = "overloaded"
    if target == "rate_limited":
        until: float | None = float(retry_at) if retry_at and retry_at > now else now + RATE_LIMIT_REST_SECONDS
    elif target == "overloaded":
        until = now + rest_seconds
    else:
        until = None
    return Verdict(count=True, on_threshold={"status": target, "rate_limit_reset_at": until})


def due_for_recovery(account: Any, now: float) -> bool:
    """A resting account whose reset time has passed (the recovery schedule makes it valid again)."""
    reset = account.rate_limit_reset_at
    return account.status in RESTING and reset is not None and float(reset) <= now
