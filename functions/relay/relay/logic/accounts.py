"""Upstream accounts: credentials sealed with KMS and never answered, statuses, health checks, recovery,
OAuth token refresh, and the per-account runtime state the proxy keeps (sessions, leases, unavailable marks).

A credential in a view is `"****"` when set (the admin UI tests it for truthiness) with `has_<field>: true`.
The same mask sent back in an update (the UI's edit form posts what it read) leaves the credential unchanged.
An OAuth token handle (`oauth:<id>`, what /api/admin/oauth/* answer) in `access_token` is replaced by the
tokens it stands for.
"""

from __future__ import annotations

import json
import time
from concurrent.futures import ThreadPoolExecutor, wait
from typing import Any

from relay import clock, config
from relay.logic import configs, oauth, oplog
from relay.models import accounts as shapes
from relay.models.entities import Account
from relay.providers import upstreams
from relay.store import accounts, proxies, secrets, sequences, state, usage
from suite.errors import BadRequest, NotFound
from suite.outbound import ProviderError, UnsafeUrlError, UrlPolicy, validate_url

TYPES: tuple[tuple[str, str, str], ...] = (
    ("claude-official", "Claude Official", "claude"), ("claude-console", "Claude Console", "claude"),
    ("bedrock", "AWS Bedrock", "claude"), ("openai", "OpenAI", "openai"),
    ("openai-responses", "OpenAI Responses", "openai"), ("azure-openai", "Azure OpenAI", "openai"),
    ("gemini", "Gemini OAuth", "gemini"), ("gemini-api", "Gemini API", "gemini"), ("droid", "Droid", "other"),
    ("claude-ccr", "Claude CCR", "claude"),
)
PLATFORM = {value: platform for value, _, platform in TYPES}
CREDENTIALS = ("api_key", "api_secret", "access_token", "refresh_token", "session_key", "aws_access_key",
               "aws_secret_key", "aws_session_token")
MASK = "****"
RECOVERABLE = ("rate_limited", "overloaded", "token_expired", "suspended", "invalid")
SESSION_MARK_SECONDS = 300


def types() -> list[dict[str, str]]:
    return [{"value": value, "label": label, "platform": platform} for value, label, platform in TYPES]


# --- credentials ------------------------------------------------------------------------------------------------

def _open(item: Account) -> dict[str, str]:
    if not item.credentials:
        return {}
    return json.loads(secrets.open_sealed(item.credentials, "credentials", account=item.id))


def _seal(account_id: int, values: dict[str, str]) -> tuple[str | None, set[str] | None]:
    kept = {name: value for name, value in values.items() if value}
    if not kept:
        return None, None
    return secrets.seal(json.dumps(kept), "credentials", account=account_id), set(kept)


def credentials_of(item: Account) -> dict[str, str]:
    """The account's credentials in clear, for a provider call (never for an answer or a log)."""
    return _open(item)


def base_url(text: str | None) -> str | None:
    """An admin-given base URL: https on a public host (or a configured trusted origin), no credentials in it."""
    if not text:
        return None
    trusted = frozenset(config.get().trusted_origins)
    policy = UrlPolicy(allowed_schemes=frozenset({"https", "http"}), allowed_ports=frozenset(range(1, 65536)),
                       trusted_origins=trusted)
    try:
        safe = validate_url(text, policy)
    except UnsafeUrlError as exc:
        raise BadRequest(f"base_url is not allowed: {exc}") from None
    if safe.scheme != "https" and safe.origin not in trusted:
        raise BadRequest("base_url must use https")
    return safe.url.rstrip("/")


def _mapping(text: str | None) -> str | None:
    if text is None:
        return None
    if not text.strip():
        return ""
    try:
        value = json.loads(text)
    except ValueError:
        raise BadRequest("model_mapping must be a JSON object of source → target") from None
    if not isinstance(value, dict) or not all(isinstance(k, str) and isinstance(v, str) for k, v in value.items()):
        raise BadRequest("model_mapping must be a JSON object of source → target")
    return json.dumps(value, ensure_ascii=False, separators=(",", ":"))


def _csv(text: str | None) -> str | None:
    return None if text is None else ",".join(dict.fromkeys(p.strip() for p in text.split(",") if p.strip()))


def _when(text: str | None) -> float | None:
    if not text:
        return None
    try:
        return clock.parse_iso(text)
    except ValueError:
        raise BadRequest("token_expiry must be an ISO-8601 time") from None


def _supplied_credentials(body: shapes.AccountCreate | shapes.AccountUpdate) -> tuple[dict[str, str], dict]:
    """Credentials in the body that change something (the mask means "unchanged"), with OAuth handles
    redeemed; and what the handle told about the account (expiry, organization)."""
    given = {name: getattr(body, name) for name in CREDENTIALS if getattr(body, name) not in (None, "", MASK)}
    extra: dict[str, Any] = {}
    for name in ("access_token", "refresh_token"):
        value = given.get(name)
        if value and oauth.is_handle(value):
            tokens = oauth.redeem(value)
            given.pop(name)
            given["access_token"] = tokens["access_token"]
            if tokens.get("refresh_token"):
                given["refresh_token"] = tokens["refresh_token"]
            if tokens.get("session_key"):
                given["session_key"] = tokens["session_key"]
            extra = {"token_expiry": tokens.get("expires_at"), "organization_id": tokens.get("organization_id")}
    return given, extra


# --- views ------------------------------------------------------------------------------------------------------

def views(items: list[Account]) -> list[dict[str, Any]]:
    day = f"D#{clock.day()}"
    counters = usage.many([(f"A#{a.id}", sk) for a in items for sk in (day, "T")]) if items else {}
    proxy_ids = [a.proxy_id for a in items if a.proxy_id]
    found_proxies = proxies.many(proxy_ids) if proxy_ids else {}
    group_names = {g.id: g.name for g in accounts.groups()} if any(a.group_ids for a in items) else {}
    answers = []
    for item in items:
        today = counters.get((f"A#{item.id}", day)) or {}
        total = counters.get((f"A#{item.id}", "T")) or {}
        today_cost = float(today.get("cost", 0))
        proxy = found_proxies.get(item.proxy_id or 0)
        fields = set(item.credential_fields or ())
        data = {name: getattr(item, name) for name in Account.get_attributes()
                if name not in ("pk", "sk", "kind", "kind_order", "credentials", "credential_fields", "group_ids")}
        for name in ("token_expiry", "last_used_at", "last_error_at", "rate_limit_reset_at", "last_health_check_at",
                     "next_health_check_at", "five_hour_resets_at", "seven_day_resets_at",
                     "seven_day_sonnet_resets_at", "created_at", "updated_at"):
            value = data.get(name)
            data[name] = clock.iso(value) if value else None
        data.update({name: MASK if name in fields else "" for name in CREDENTIALS})
        data.update({f"has_{name}": name in fields for name in CREDENTIALS})
        data.update({
            "credential_fields": sorted(fields), "request_count": int(total.get("requests", 0)),
            "today_tokens": int(today.get("total_tokens", 0)), "today_count": int(today.get("requests", 0)),
            "today_cost": round(today_cost, 10), "total_cost": round(float(total.get("cost", 0)), 10),
            "budget_utilization": round(today_cost / float(item.daily_budget) * 100, 2) if item.daily_budget else 0,
            "current_concurrency": len(state.leases(f"A#{item.id}")),
            "proxy": shapes.ProxyBrief(id=proxy.id, name=proxy.name, type=proxy.type, host=proxy.host,
                                       port=int(proxy.port), enabled=bool(proxy.enabled)).model_dump()
            if proxy else None,
            "groups": [{"id": int(g), "name": group_names.get(int(g), "")} for g in sorted(item.group_ids or ())],
            "model_mapping": item.model_mapping or "", "allowed_models": item.allowed_models or "",
            "created_at": clock.iso(item.created_at), "updated_at": clock.iso(item.updated_at or item.created_at),
        })
        answers.append(shapes.AccountView(**data).model_dump())
    return answers


def view(item: Account) -> dict[str, Any]:
    return views([item])[0]


def get(account_id: int) -> Account:
    item = accounts.get(account_id)
    if item is None:
        raise NotFound("account not found")
    return item


def page(page_number: int, page_size: int, *, type_: str | None = None, types_: str | None = None,
         platform: str | None = None, status: str | None = None, search: str | None = None,
         enabled: bool | None = None) -> tuple[list[dict[str, Any]], int]:
    wanted_types = {t.strip() for t in (types_ or "").split(",") if t.strip()} | ({type_} if type_ else set())
    needle = (search or "").strip().lower()
    found = [a for a in sorted(accounts.every(), key=lambda a: a.id, reverse=True)
             if (not wanted_types or a.type in wanted_types) and (not platform or a.platform == platform)
             and (not status or a.status == status) and (enabled is None or bool(a.enabled) == enabled)
             and (not needle or needle in a.name.lower() or needle == str(a.id))]
    start = (page_number - 1) * page_size
    return views(found[start:start + page_size]), len(found)


# --- writes ---------------------------------------------------------------------------------------------------

def _check_proxy(proxy_id: int | None) -> None:
    if proxy_id is not None and proxies.get(proxy_id) is None:
        raise BadRequest("proxy_id: no such proxy config")


def create(body: shapes.AccountCreate) -> dict[str, Any]:
    _check_proxy(body.proxy_id)
    given, extra = _supplied_credentials(body)
    account_id = sequences.next_id("account")
    sealed, fields = _seal(account_id, given)
    now = clock.now()
    plain = {name: getattr(body, name) for name in (
        "description", "account_type", "daily_budget", "organization_id", "subscription_level", "opus_access",
        "aws_region", "azure_endpoint", "azure_deployment_name", "azure_api_version", "proxy_id")
        if getattr(body, name) is not None}
    item = accounts.new(
        account_id, name=body.name, type=body.type, platform=PLATFORM[body.type], status="valid",
        enabled=True if body.enabled is None else body.enabled, priority=body.priority or 50,
        weight=body.weight or 100, max_concurrency=body.max_concurrency or 5, base_url=base_url(body.base_url),
        model_mapping=_mapping(body.model_mapping) or "", allowed_models=_csv(body.allowed_models) or "",
        credentials=sealed, credential_fields=fields, token_expiry=extra.get("token_expiry") or _when(
            body.token_expiry), created_at=now, updated_at=now,
        **{**plain, **({"organization_id": extra["organization_id"]} if extra.get("organization_id") else {})})
    accounts.create(item)
    answer = view(item)
    oplog.changed(None, answer, target=item.id, name=item.name)
    return answer


def _plain_changes(body: shapes.AccountUpdate) -> dict[str, Any]:
    fields = body.model_dump(exclude_unset=True)
    changes: dict[str, Any] = {name: fields[name] for name in (
        "name", "description", "enabled", "priority", "weight", "max_concurrency", "account_type", "daily_budget",
        "organization_id", "subscription_level", "opus_access", "aws_region", "azure_endpoint",
        "azure_deployment_name", "azure_api_version", "status", "last_error") if fields.get(name) is not None}
    converters = {"base_url": base_url, "model_mapping": _mapping, "allowed_models": _csv, "token_expiry": _when}
    for name, convert in converters.items():
        if fields.get(name):
            changes[name] = convert(fields[name])
    if fields.get("proxy_id") is not None:
        _check_proxy(fields["proxy_id"])
        changes["proxy_id"] = fields["proxy_id"]
    for flag, name, cleared in (("clear_proxy", "proxy_id", None), ("clear_model_mapping", "model_mapping", ""),
                                ("clear_allowed_models", "allowed_models", "")):
        if getattr(body, flag):
            changes[name] = cleared
    return changes


def update(account_id: int, body: shapes.AccountUpdate) -> dict[str, Any]:
    item = get(account_id)
    before = view(item)
    changes = _plain_changes(body)
    given, extra = _supplied_credentials(body)
    if given:
        changes["credentials"], changes["credential_fields"] = _seal(item.id, {**_open(item), **given})
        if extra.get("token_expiry"):
            changes["token_expiry"] = extra["token_expiry"]
    if changes:
        changes["updated_at"] = clock.now()
        if not accounts.update(item, changes):
            raise NotFound("account not found")
        item = get(account_id)
    after = view(item)
    oplog.changed(before, after, target=item.id, name=item.name)
    return after


def delete(account_id: int) -> None:
    item = get(account_id)
    before = view(item)
    if not accounts.delete(item):
        raise NotFound("account not found")
    state.clear_unavailable(item.id)
    oplog.changed(before, None, target=item.id, name=item.name)


def set_status(account_id: int, status: str, last_error: str | None) -> dict[str, Any]:
    item = get(account_id)
    before = view(item)
    changes: dict[str, Any] = {"status": status, "updated_at": clock.now()}
    if last_error is not None:
        changes["last_error"] = last_error or None
    if status == "valid":
        changes.update({"consecutive_error_count": 0, "rate_limit_reset_at": None})
    if not accounts.update(item, changes):
        raise NotFound("account not found")
    after = view(get(account_id))
    oplog.changed(before, after, target=item.id, name=item.name)
    return after


def recover(account_id: int) -> dict[str, Any]:
    """Back into the pool at once: status valid, errors and marks cleared."""
    item = get(account_id)
    before = view(item)
    accounts.update(item, {"status": "valid", "last_error": None, "consecutive_error_count": 0,
                           "suspended_count": 0, "rate_limit_reset_at": None, "updated_at": clock.now()})
    state.clear_unavailable(item.id)
    after = view(get(account_id))
    oplog.changed(before, after, target=item.id, name=item.name)
    return {"message": "account recovered", "status": "valid"}


# --- health checks and tokens ---------------------------------------------------------------------------------

def _judge(status_code: int) -> tuple[bool, str]:
    if 200 <= status_code < 300:
        return True, "healthy"
    if status_code in (401, 403):
        return False, f"credentials refused (HTTP {status_code})"
    if status_code == 429:
        return False, "rate limited (HTTP 429)"
    return False, f"provider answered HTTP {status_code}"


def probe(item: Account) -> dict[str, Any]:
    """Ask the provider whether the account's credential works; record the answer on the account."""
    creds = _open(item)
    started = time.monotonic()
    http_status = None
    try:
        if item.type == "claude-official" and creds.get("access_token"):
            upstreams.claude_usage(creds["access_token"])
            http_status, healthy, message = 200, True, "healthy"
        elif creds.get("api_key") or creds.get("access_token"):
            http_status = upstreams.probe(item.platform, item.base_url or upstreams.default_base(item.platform),
                                          api_key=creds.get("api_key"), bearer=creds.get("access_token"))
            healthy, message = _judge(http_status)
        else:
            healthy, message = False, "no credential that can be probed"
    except ProviderError as exc:
        healthy, message, http_status = False, exc.message, exc.status
    latency = int((time.monotonic() - started) * 1000)
    now = clock.now()
    changes: dict[str, Any] = {"last_health_check_at": now, "updated_at": now}
    status = item.status
    if healthy:
        changes["consecutive_error_count"] = 0
        if item.status in RECOVERABLE and configs.flag("health_check_auto_recovery"):
            status = changes["status"] = "valid"
            changes["last_error"] = None
    else:
        changes["last_error"] = message[:500]
        changes["last_error_at"] = now
        if http_status == 429:
            status = changes["status"] = "rate_limited"
    accounts.update(item, changes)
    return shapes.HealthResult(healthy=healthy, message=message, status=status, http_status=http_status,
                               latency_ms=latency).model_dump()


def health_check(account_id: int) -> dict[str, Any]:
    item = get(account_id)
    result = probe(item)
    oplog.changed({"status": item.status}, result, target=item.id, name=item.name)
    return result


def refresh_token(account_id: int) -> dict[str, Any]:
    item = get(account_id)
    creds = _open(item)
    refresh = creds.get("refresh_token")
    if not refresh:
        raise BadRequest("the account has no refresh token")
    try:
        if item.platform == "claude":
            tokens = upstreams.claude_refresh(refresh)
        elif item.platform == "openai":
            tokens = upstreams.openai_refresh(refresh)
        else:
            raise BadRequest(f"token refresh is not supported for {item.type} accounts")
    except ProviderError as exc:
        accounts.update(item, {"last_error": exc.message[:500], "last_error_at": clock.now()})
        raise BadRequest(f"token refresh failed: {exc.message}") from None
    merged = {**creds, "access_token": tokens.access_token}
    if tokens.refresh_token:
        merged["refresh_token"] = tokens.refresh_token
    sealed, fields = _seal(item.id, merged)
    changes: dict[str, Any] = {"credentials": sealed, "credential_fields": fields, "updated_at": clock.now(),
                               "token_expiry": clock.now() + tokens.expires_in if tokens.expires_in else None}
    if item.status == "token_expired":
        changes["status"] = "valid"
    accounts.update(item, changes)
    oplog.changed({"token_expiry": clock.iso(item.token_expiry) if item.token_expiry else None},
                  {"token_expiry": clock.iso(changes["token_expiry"]) if changes["token_expiry"] else None},
                  target=item.id, name=item.name)
    return {"message": "token refreshed",
            "token_expiry": clock.iso(changes["token_expiry"]) if changes["token_expiry"] else None}


HEALTH_KEY = ("HEALTHCHECK", "STATUS")
HEALTH_DEADLINE_SECONDS = 20


def health_status() -> dict[str, Any]:
    values = configs.effective()
    last = state.get(*HEALTH_KEY)
    return shapes.HealthStatus(
        enabled=configs.flag("account_health_check_enabled", values),
        interval_minutes=int(configs.number("account_health_check_interval", values)), running=False,
        last_run_at=clock.iso(last["finished_at"]) if last else None,
        last_result={k: last[k] for k in ("checked", "healthy", "unhealthy", "skipped")} if last else None,
    ).model_dump()


def trigger_health_check() -> dict[str, Any]:
    """Probe every enabled account with a credential, a few at a time, within the function's time."""
    candidates = [a for a in accounts.every() if a.enabled and a.credential_fields]
    results: list[dict[str, Any]] = []
    with ThreadPoolExecutor(max_workers=8) as pool:
        futures = [pool.submit(probe, item) for item in candidates]
        done, pending = wait(futures, timeout=HEALTH_DEADLINE_SECONDS)
        for future in pending:
            future.cancel()
        results = [f.result() for f in done if f.exception() is None]
    summary = {"checked": len(results), "healthy": sum(1 for r in results if r["healthy"]),
               "unhealthy": sum(1 for r in results if not r["healthy"]),
               "skipped": len(candidates) - len(results), "finished_at": clock.now()}
    state.put(*HEALTH_KEY, summary, ttl=30 * 86400)
    oplog.changed(None, summary)
    return {"message": "health check finished", **{k: v for k, v in summary.items() if k != "finished_at"}}


# --- runtime state of one account -------------------------------------------------------------------------------

def concurrency(account_id: int) -> dict[str, Any]:
    item = get(account_id)
    current = len(state.leases(f"A#{item.id}"))
    limit = int(item.max_concurrency or 5)
    return {"account_id": item.id, "current": current, "limit": limit, "available": max(0, limit - current)}


def set_concurrency_limit(account_id: int, limit: int) -> dict[str, Any]:
    item = get(account_id)
    accounts.update(item, {"max_concurrency": limit, "updated_at": clock.now()})
    oplog.changed({"max_concurrency": int(item.max_concurrency)}, {"max_concurrency": limit}, target=item.id,
                  name=item.name)
    return concurrency(account_id)


def reset_concurrency(account_id: int) -> dict[str, Any]:
    item = get(account_id)
    cleared = state.clear_leases(f"A#{item.id}")
    oplog.changed({"leases": cleared}, {"leases": 0}, target=item.id, name=item.name)
    return concurrency(account_id)


def clear_sessions(account_id: int) -> dict[str, Any]:
    item = get(account_id)
    removed = state.delete_sessions([s for s in state.sessions() if s.get("account_id") == item.id])
    oplog.changed({"sessions": removed}, {"sessions": 0}, target=item.id, name=item.name)
    return {"message": f"removed {removed} sessions", "removed": removed}


def mark_unavailable(account_id: int, seconds: int, reason: str) -> dict[str, Any]:
    item = get(account_id)
    mark = state.mark_unavailable(item.id, reason, seconds)
    oplog.changed(None, mark, target=item.id, name=item.name)
    return unavailable_view(mark)


def clear_unavailable(account_id: int) -> dict[str, Any]:
    item = get(account_id)
    state.clear_unavailable(item.id)
    oplog.changed({"unavailable": True}, {"unavailable": False}, target=item.id, name=item.name)
    return {"message": "unavailable mark cleared"}


def unavailable_view(mark: dict[str, Any]) -> dict[str, Any]:
    until = float(mark.get("until") or mark.get("expires_at") or 0)
    return {"account_id": int(mark["account_id"]), "reason": mark.get("reason", ""), "until": clock.iso(until),
            "remaining_ttl": max(0, int(until - clock.now()))}


def test_message(account_id: int, model: str | None, message: str | None) -> dict[str, Any]:
    """Send one short message through the account and report what came back (docs' /api/admin/proxy/test)."""
    item = get(account_id)
    creds = _open(item)
    default_model = {"claude": "claude-3-5-haiku-20241022", "gemini": "gemini-2.0-flash"}.get(item.platform,
                                                                                              "gpt-4.1-mini")
    started = time.monotonic()
    try:
        status, text = upstreams.send_message(
            item.platform, item.base_url or upstreams.default_base(item.platform), model or default_model,
            message or "ping", api_key=creds.get("api_key"), bearer=creds.get("access_token"))
    except ProviderError as exc:
        return {"success": False, "status_code": exc.status, "message": exc.message, "response": "",
                "latency_ms": int((time.monotonic() - started) * 1000), "account_id": item.id}
    return {"success": 200 <= status < 300, "status_code": status, "message": "ok" if status < 300 else "failed",
            "response": text, "latency_ms": int((time.monotonic() - started) * 1000), "account_id": item.id}
