"""Singleton settings in ConfigTable: the admin password and login tokens, system state, filter rules, system config,
the password-reset code, and the rate-limit windows (suite.ratelimit keeps its items beside these).

Keys: pk "SETTINGS" / sk auth | system_state | filter_rules | system_config | reset_code;
pk "AUTH_TOKEN" / sk <sha-256 of the token> (expires_at TTL).
"""

from __future__ import annotations

from typing import Any

from kook import clock, config
from suite import dynamo
from suite.ratelimit import Decision, limiter_for

SETTINGS = "SETTINGS"
TOKENS = "AUTH_TOKEN"


def _table() -> str:
    return config.get().config_table


def hit_limit(key: str, *, limit: int, window_seconds: int) -> Decision:
    """Count one attempt in `key`'s fixed window (suite.ratelimit: an atomic counter guarded by the limit)."""
    return limiter_for(_table(), sort_key=("sk", "limit")).hit(key, limit=limit, window_seconds=window_seconds)


def clear_limit(key: str, *, window_seconds: int) -> None:
    limiter_for(_table(), sort_key=("sk", "limit")).reset(key, window_seconds=window_seconds)


# ------------------------------------------------------------------------------------------------ password

def auth_settings() -> dict[str, Any] | None:
    return dynamo.get(_table(), SETTINGS, "auth")


def create_password(password_hash: str) -> bool:
    """Set the first password; False when one is already set (setup works once)."""
    return dynamo.put_if(_table(), {"pk": SETTINGS, "sk": "auth", "password_hash": password_hash, "token_generation": 1,
                                    "password_changed_at": clock.iso()}, condition="attribute_not_exists(pk)")


def replace_password(expected_hash: str, new_hash: str) -> int | None:
    """Swap the hash only if it is still `expected_hash`, and start a new token generation (revoking every
    token issued before). Returns the new generation, or None when the password changed meanwhile."""
    try:
        answer = dynamo.update(
            _table(), SETTINGS, "auth",
            "SET password_hash = :new, password_changed_at = :at ADD token_generation :one",
            values={":new": new_hash, ":old": expected_hash, ":at": clock.iso(), ":one": 1},
            condition="password_hash = :old")
    except Exception as exc:
        if dynamo.is_condition_failure(exc):
            return None
        raise
    return int(answer["token_generation"])


def rehash_password(expected_hash: str, new_hash: str) -> None:
    """Upgrade the stored hash to current parameters (same password, tokens stay valid)."""
    try:
        dynamo.update(_table(), SETTINGS, "auth", "SET password_hash = :new",
                      values={":new": new_hash, ":old": expected_hash}, condition="password_hash = :old",
                      return_values="NONE")
    except Exception as exc:
        if not dynamo.is_condition_failure(exc):
            raise


# ------------------------------------------------------------------------------------------------ tokens

def store_token(digest: str, *, generation: int, expires_at: int, hint: str) -> None:
    dynamo.put(_table(), {"pk": TOKENS, "sk": digest, "generation": generation, "expires_at": expires_at,
                          "hint": hint, "created_at": clock.iso()})


def token_with_settings(digest: str) -> tuple[dict[str, Any] | None, dict[str, Any] | None]:
    """(token item, auth settings) in one BatchGetItem: what every authenticated request reads."""
    found = dynamo.batch_get(_table(), [(TOKENS, digest), (SETTINGS, "auth")])
    return found.get((TOKENS, digest)), found.get((SETTINGS, "auth"))


def delete_token(digest: str) -> None:
    dynamo.delete(_table(), TOKENS, digest)


def delete_all_tokens() -> int:
    """Housekeeping after a password change (the generation bump has already revoked them)."""
    keys = [(item["pk"], item["sk"]) for item in dynamo.query_partition(_table(), TOKENS)]
    return dynamo.batch_delete(_table(), keys)


# ------------------------------------------------------------------------------------------------ reset codes

def put_reset_code(digest: str, *, expires_at: int) -> None:
    dynamo.put(_table(), {"pk": SETTINGS, "sk": "reset_code", "digest": digest, "attempts": 0,
                          "expires_at": expires_at, "created_at": clock.iso()})


def reset_code() -> dict[str, Any] | None:
    return dynamo.get(_table(), SETTINGS, "reset_code")


def count_reset_attempt(max_attempts: int) -> bool:
    """Count one guess; False when the code has used up its attempts (or is gone)."""
    try:
        dynamo.update(_table(), SETTINGS, "reset_code", "ADD attempts :one", values={":one": 1, ":max": max_attempts},
                      condition="attribute_exists(pk) AND attempts < :max", return_values="NONE")
    except Exception as exc:
        if dynamo.is_condition_failure(exc):
            return False
        raise
    return True


def delete_reset_code() -> None:
    dynamo.delete(_table(), SETTINGS, "reset_code")


def reset_password(code_digest: str, new_hash: str) -> int | None:
    """Set a new password and consume the reset code in one transaction (the code works once).
    Returns the new token generation, or None when the code was used or replaced meanwhile."""
    transaction = dynamo.Transaction()
    transaction.delete(_table(), SETTINGS, "reset_code", condition="digest = :d", values={":d": code_digest})
    transaction.update(_table(), SETTINGS, "auth",
                       "SET password_hash = :new, password_changed_at = :at ADD token_generation :one",
                       values={":new": new_hash, ":at": clock.iso(), ":one": 1}, condition="attribute_exists(pk)")
    if not transaction.commit_if_conditions_hold():
        return None
    settings = auth_settings() or {}
    return int(settings.get("token_generation", 1))


# ------------------------------------------------------------------------------------------------ system state

def system_state() -> dict[str, Any]:
    """Ingestion/forwarding state; created as "running" the first time anybody asks (a fresh deployment runs)."""
    state = dynamo.get(_table(), SETTINGS, "system_state")
    if state is not None:
        return state
    fresh = {"pk": SETTINGS, "sk": "system_state", "service_running": True, "started_at": clock.iso(),
             "updated_at": clock.iso(), "revision": 1}
    try:
        dynamo.put(_table(), fresh, condition="attribute_not_exists(pk)")
    except Exception as exc:
        if not dynamo.is_condition_failure(exc):
            raise
        return dynamo.get(_table(), SETTINGS, "system_state") or fresh
    return fresh


def set_service_running(running: bool, *, restart: bool = False) -> dict[str, Any]:
    """Persist start/stop/restart. The ingestion schedules and forwarding workers read `service_running`."""
    current = system_state()
    assignments = ["service_running = :running", "updated_at = :now"]
    if running and (restart or not current.get("service_running")):
        assignments.append("started_at = :now")  # uptime counts from the last (re)start
    if not running:
        assignments.append("stopped_at = :now")
    expression = "SET " + ", ".join(assignments) + " ADD revision :one"
    if restart:
        expression += ", restart_count :one"
    return dynamo.update(_table(), SETTINGS, "system_state", expression,
                         values={":running": running, ":now": clock.iso(), ":one": 1})


def touch_ingest_heartbeat(source: str) -> None:
    """Called by the ingestion side (issue 6) whenever it receives KOOK events: drives the freshness check."""
    dynamo.update(_table(), SETTINGS, "system_state",
                  "SET last_ingest_at = :now, last_ingest_source = :src, "
                  "service_running = if_not_exists(service_running, :on), started_at = if_not_exists(started_at, :now)",
                  values={":now": clock.iso(), ":src": source, ":on": True}, return_values="NONE")


# ------------------------------------------------------------------------------------------------ documents

def document(name: str) -> dict[str, Any] | None:
    """A settings document (filter_rules, system_config, auto_backup): its `value`, or None."""
    item = dynamo.get(_table(), SETTINGS, name)
    return item.get("value") if item else None


def save_document(name: str, value: dict[str, Any]) -> None:
    """Replace a whole settings document (filter rules are saved as one unit)."""
    dynamo.put(_table(), {"pk": SETTINGS, "sk": name, "value": value, "updated_at": clock.iso()})


def merge_document(name: str, changes: dict[str, Any], *, attempts: int = 5) -> dict[str, Any]:
    """Merge `changes` into a settings document without losing a concurrent change of other keys: the write is
    conditional on the revision that was read, and a lost race reads again."""
    for _attempt in range(attempts):
        item = dynamo.get(_table(), SETTINGS, name) or {}
        revision = int(item.get("revision", 0))
        merged = {**item.get("value", {}), **changes}
        if not item:
            condition, values = "attribute_not_exists(pk)", None
        elif "revision" in item:
            condition, values = "revision = :revision", {":revision": revision}
        else:  # written by save_document (e.g. a restore), which keeps no revision
            condition, values = "attribute_exists(pk) AND attribute_not_exists(revision)", None
        try:
            dynamo.put(_table(), {"pk": SETTINGS, "sk": name, "value": merged, "revision": revision + 1,
                                  "updated_at": clock.iso()}, condition=condition, values=values)
        except Exception as exc:
            if dynamo.is_condition_failure(exc):
                continue
            raise
        return merged
    raise RuntimeError(f"settings document {name} kept changing")
