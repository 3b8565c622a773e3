"""Upstream credentials for the proxy: opened from their KMS seal, and OAuth access tokens refreshed ahead of
their expiry, one refresher at a time per account.

`usable_credentials(account, now)` gives the account's credentials, refreshing an access token that expires
within `REFRESH_AHEAD_SECONDS` first. The refresh is single-flight across every execution environment: the
refresher holds a lock item in the state table (`LOCK#REFRESH#<account>`, a conditional put that only one
writer wins, 60 s TTL so a killed refresher cannot hold it); the others use the current token while it is still
valid, or wait a few seconds for the new one. A failed refresh is recorded on the account (`last_error`) and
never bans it: an access token that is still valid is used, an expired one makes the pool skip the account for
this request (the recovery schedule tries again). The maintenance schedule refreshes the tokens that expire
within `SCHEDULE_AHEAD_SECONDS`, so a busy proxy rarely has to.
"""

from __future__ import annotations

import json
import time
from typing import Any

from relay import clock, ids
from relay.logic import pool_rules
from relay.providers import upstreams
from relay.store import accounts, secrets, state
from suite.outbound import ProviderError

REFRESH_AHEAD_SECONDS = 300
SCHEDULE_AHEAD_SECONDS = 600
LOCK_SECONDS = 60
WAIT_SECONDS = 5.0
STILL_VALID_SECONDS = 30


def open_credentials(account: Any) -> dict[str, str]:
    if not account.credentials:
        return {}
    return json.loads(secrets.open_sealed(account.credentials, "credentials", account=account.id))


def usable_credentials(account: Any, now: float | None = None, *, ahead: float = REFRESH_AHEAD_SECONDS,
                       wait: float = WAIT_SECONDS) -> dict[str, str] | None:
    """The credentials to call with now; None when the access token has expired and no fresh one came."""
    now = clock.now() if now is None else now
    creds = open_credentials(account)
    if not pool_rules.needs_refresh(account, creds, now, ahead):
        return creds
    try:
        refreshed = refresh(account, now, ahead=ahead)
    except RefreshFailed:
        return creds if _valid(account.token_expiry, now) else None
    if refreshed is not None:
        return refreshed
    if _valid(account.token_expiry, now):
        return creds  # someone else refreshes: the current token still works
    deadline = time.monotonic() + wait
    while time.monotonic() < deadline:  # another environment is refreshing: its token will be stored soon
        time.sleep(0.25)
        fresh = accounts.get(account.id)
        if fresh is not None and _valid(fresh.token_expiry, clock.now()):
            return open_credentials(fresh)
    return None


class RefreshFailed(Exception):
    """The provider refused or failed the refresh (recorded on the account)."""


def _valid(expiry: float | None, now: float) -> bool:
    return expiry is not None and float(expiry) - now > STILL_VALID_SECONDS


def refresh(account: Any, now: float, *, ahead: float) -> dict[str, str] | None:
    """Refresh the account's tokens if this caller wins the lock: the new credentials, or None when another
    caller holds the lock; RefreshFailed when the provider refused (recorded on the account)."""
    name, token = f"REFRESH#{account.id}", ids.token()
    if not state.take_lock(name, token, seconds=LOCK_SECONDS):
        return None
    try:
        current = accounts.get(account.id)
        if current is None:
            return None
        creds = open_credentials(current)
        if not pool_rules.needs_refresh(current, creds, now, ahead):
            return creds  # refreshed by someone else just before we took the lock
        try:
            tokens = (upstreams.claude_refresh if current.platform == "claude" else upstreams.openai_refresh)(
                creds["refresh_token"])
        except ProviderError as exc:
            accounts.set_state(current.id, {"last_error": f"token refresh failed: {exc.message}"[:500],
                                            "last_error_at": clock.now()})
            raise RefreshFailed(exc.message) from None
        merged = {**creds, "access_token": tokens.access_token}
        if tokens.refresh_token:
            merged["refresh_token"] = tokens.refresh_token
        changes: dict[str, Any] = {
            "credentials": secrets.seal(json.dumps(merged), "credentials", account=current.id),
            "credential_fields": {name for name, value in merged.items() if value},
            "token_expiry": clock.now() + tokens.expires_in if tokens.expires_in else None,
            "updated_at": clock.now()}
        if current.status == "token_expired":
            changes["status"] = "valid"
        accounts.update(current, changes)
        return merged
    finally:
        state.release_lock(name, token)


def refresh_due(now: float | None = None, every: list[Any] | None = None) -> dict[str, int]:
    """The maintenance schedule's pass: refresh every enabled OAuth account whose token expires soon."""
    now = clock.now() if now is None else now
    done = failed = 0
    for account in accounts.every() if every is None else every:
        if not account.enabled or account.platform not in pool_rules.OAUTH_PLATFORMS or account.token_expiry is None:
            continue
        if float(account.token_expiry) - now >= SCHEDULE_AHEAD_SECONDS or "refresh_token" not in (
                account.credential_fields or ()):
            continue
        try:
            done += refresh(account, now, ahead=SCHEDULE_AHEAD_SECONDS) is not None
        except RefreshFailed:
            failed += 1
    return {"refreshed": done, "refresh_failed": failed}
