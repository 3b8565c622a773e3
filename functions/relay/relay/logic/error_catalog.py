"""Error messages (the text the proxy answers per error type, replaceable by admins) and error rules (which
upstream answer puts an account in which status). Defaults are the original's; the proxy reads both fresh.

`classify(status, text)` is the rule evaluation the proxy applies to an upstream error (issue 15): the
enabled rules by priority (highest first); a rule matches when its status is 0 or equal and its keyword is
empty or found in the text (case-insensitive).
"""

from __future__ import annotations

from types import SimpleNamespace
from typing import Any

from relay import clock
from relay.logic import oplog
from relay.models.entities import ErrorMessage, ErrorRule
from relay.store import records, sequences
from suite.errors import Conflict, NotFound

# (code, error_type, custom message, description, the original English message)
DEFAULT_MESSAGES: tuple[tuple[int, str, str, str, str], ...] = (
    (400, "bad_request", "请求参数错误", "Generic bad request", "Bad request: invalid parameters"),
    (400, "invalid_model", "无效的模型名称", "Unknown model name", "The model 'xxx' does not exist"),
    (400, "invalid_request", "请求格式错误", "Malformed request body", "Invalid request body"),
    (401, "auth_failed", "认证失败", "API key authentication failed", "Invalid API key provided"),
    (401, "key_disabled", "API Key 已禁用", "The API key is disabled", "This API key has been disabled"),
    (401, "key_expired", "API Key 已过期", "The API key expired", "API key has expired"),
    (401, "key_invalid", "无效的 API Key", "Malformed or unknown API key", "Incorrect API key provided"),
    (403, "forbidden", "无权访问", "Generic permission denied", "Permission denied"),
    (403, "client_not_allowed", "客户端未授权", "Client not in the allowed list", "Client not allowed"),
    (403, "platform_forbidden", "平台访问受限", "Platform not allowed for the key", "Platform access forbidden"),
    (403, "model_forbidden", "模型访问受限", "Model not allowed for the key or package",
     "Model access forbidden for this account"),
    (403, "package_expired", "套餐已过期，请续费", "The user's package expired", "Subscription has expired"),
    (403, "quota_exceeded", "配额已用尽", "Quota used up", "Quota exceeded"),
    (403, "daily_limit", "今日额度已用完，请明天再试", "Daily limit reached", "Daily limit exceeded"),
    (403, "monthly_quota", "本月额度已用完，请下月再试", "Monthly quota reached", "Monthly quota exceeded"),
    (403, "ip_blocked", "访问受限", "IP address blocked", "IP address blocked"),
    (429, "rate_limit", "请求过于频繁，请稍后重试", "Requests per minute exceeded",
     "Rate limit exceeded. Please retry after X seconds"),
    (429, "user_concurrency_limit", "并发请求过多，请稍后重试", "User concurrency limit",
     "Too many concurrent requests"),
    (429, "account_concurrency_limit", "系统繁忙，请稍后重试", "Account concurrency limit",
     "Account concurrency limit reached"),
    (500, "internal_error", "服务器内部错误", "Generic server error", "Internal server error"),
    (502, "upstream_error", "上游服务暂时不可用", "The upstream answered an error", "Upstream service error"),
    (502, "upstream_timeout", "请求超时，请重试", "The upstream timed out", "Request timeout"),
    (502, "upstream_rate_limit", "服务繁忙，请稍后重试", "The upstream rate limited us",
     "429 Too Many Requests / Rate limit reached"),
    (502, "upstream_auth_failed", "上游服务认证失败", "The upstream refused the account (401)",
     "401 Unauthorized / Authentication failed"),
    (403, "upstream_forbidden", "上游服务权限不足", "The upstream forbade the account (403)",
     "403 Forbidden / Permission denied"),
    (502, "token_refresh_failed", "服务暂时不可用", "Token refresh failed", "Failed to refresh access token"),
    (502, "all_accounts_failed", "服务暂时不可用，请稍后重试", "Every upstream account failed",
     "All upstream accounts failed"),
    (502, "unsupported_model", "不支持的模型", "Model not supported", "Model not supported"),
    (503, "no_available_account", "服务暂时不可用，请稍后重试", "No upstream account available",
     "No available upstream account"),
    (503, "maintenance_mode", "系统维护中，请稍后再试", "Maintenance mode", "Service under maintenance"),
    (503, "service_unavailable", "服务暂时不可用", "Generic unavailable", "Service temporarily unavailable"),
)
ORIGINAL = {row[1]: row[4] for row in DEFAULT_MESSAGES}

# (http status (0 = any), keyword ("" = any), target status, priority, description)
DEFAULT_RULES: tuple[tuple[int, str, str, int, str], ...] = (
    (401, "", "invalid", 100, "HTTP 401 authentication failed"),
    (403, "account has been suspended", "invalid", 120, "Account suspended"),
    (403, "account is disabled", "invalid", 120, "Account disabled"),
    (403, "account has been disabled", "invalid", 120, "Account disabled"),
    (403, "banned", "invalid", 120, "Account banned"),
    (403, "billing", "invalid", 110, "Billing problem"),
    (403, "permission_error", "rate_limited", 90, "HTTP 403 permission error (temporary)"),
    (403, "permission denied", "rate_limited", 90, "HTTP 403 permission denied (temporary)"),
    (403, "", "rate_limited", 80, "Other HTTP 403 (temporary)"),
    (429, "", "rate_limited", 100, "HTTP 429 rate limited"),
    (529, "", "overloaded", 100, "HTTP 529 overloaded"),
    (503, "", "overloaded", 100, "HTTP 503 unavailable"),
    (0, "rate limit", "rate_limited", 50, "Rate-limit keyword"),
    (0, "rate_limit", "rate_limited", 50, "Rate-limit keyword"),
    (0, "overloaded", "overloaded", 50, "Overloaded keyword"),
    (0, "overloaded_error", "overloaded", 50, "Overloaded error"),
    (0, "authentication_error", "invalid", 50, "Authentication error"),
    (0, "api_error", "overloaded", 50, "API error (temporary)"),
    (0, "invalid_api_key", "invalid", 50, "Invalid API key"),
    (0, "invalid api key", "invalid", 50, "Invalid API key"),
    (0, "token expired", "invalid", 50, "Token expired"),
    (0, "oauth token has expired", "invalid", 50, "OAuth token expired"),
    (0, "please run /login", "invalid", 50, "Sign-in required"),
    (0, "all retries failed", "invalid", 50, "Every retry failed"),
)


# --- messages --------------------------------------------------------------------------------------------------

def message_view(item: ErrorMessage) -> dict[str, Any]:
    return {"id": item.id, "code": int(item.code), "error_type": item.error_type,
            "custom_message": item.custom_message, "original_message": ORIGINAL.get(item.error_type, ""),
            "enabled": bool(item.enabled), "description": item.description or "",
            "created_at": clock.iso(item.created_at), "updated_at": clock.iso(item.updated_at or item.created_at)}


def messages(code: int | None = None) -> list[dict[str, Any]]:
    found = sorted(records.every(ErrorMessage, "EMSG"), key=lambda m: (int(m.code), m.error_type))
    return [message_view(m) for m in found if code is None or int(m.code) == code]


def get_message(message_id: int) -> ErrorMessage:
    item = records.get(ErrorMessage, "EMSG", message_id)
    if item is None:
        raise NotFound("error message not found")
    return item


def create_message(fields: dict[str, Any], *, audit: bool = True) -> dict[str, Any]:
    now = clock.now()
    item = records.new(ErrorMessage, "EMSG", sequences.next_id("error_message"), **fields, created_at=now,
                       updated_at=now)
    try:
        records.create(item, unique=("EMSGTYPE", item.error_type))
    except records.Taken:
        raise Conflict("a message for this error type exists") from None
    answer = message_view(item)
    if audit:
        oplog.changed(None, answer, target=item.id, name=item.error_type)
    return answer


def update_message(message_id: int, changes: dict[str, Any]) -> dict[str, Any]:
    item = get_message(message_id)
    before = message_view(item)
    changes = {k: v for k, v in changes.items() if v is not None}
    if changes:
        changes["updated_at"] = clock.now()
        try:
            moved = ("EMSGTYPE", item.error_type, changes.get("error_type", item.error_type))
            if not records.update(item, changes, unique=moved):
                raise NotFound("error message not found")
        except records.Taken:
            raise Conflict("a message for this error type exists") from None
        item = get_message(message_id)
    after = message_view(item)
    oplog.changed(before, after, target=item.id, name=item.error_type)
    return after


def delete_message(message_id: int) -> None:
    item = get_message(message_id)
    if not records.delete(item, unique=("EMSGTYPE", item.error_type)):
        raise NotFound("error message not found")
    oplog.changed(message_view(item), None, target=item.id, name=item.error_type)


def set_all_messages(enabled: bool) -> dict[str, int]:
    changed = 0
    for item in records.every(ErrorMessage, "EMSG"):
        if bool(item.enabled) != enabled and records.update(item, {"enabled": enabled, "updated_at": clock.now()}):
            changed += 1
    oplog.changed(None, {"enabled": enabled, "affected": changed})
    return {"affected": changed}


def init_messages() -> dict[str, int]:
    """Add the default message of every error type that has none."""
    present = {m.error_type for m in records.every(ErrorMessage, "EMSG")}
    added = 0
    for code, error_type, text, description, _ in DEFAULT_MESSAGES:
        if error_type not in present:
            try:
                create_message({"code": code, "error_type": error_type, "custom_message": text, "enabled": True,
                                "description": description}, audit=False)
                added += 1
            except Conflict:
                continue
    oplog.changed(None, {"added": added})
    return {"added": added, "total": len(present) + added}


def text_for(error_type: str) -> str | None:
    """The admin's text for an error type when one is enabled (what the proxy answers), else None."""
    for item in records.every(ErrorMessage, "EMSG"):
        if item.error_type == error_type and item.enabled:
            return item.custom_message
    return None


# --- rules -------------------------------------------------------------------------------------------------------

def _rule_order(priority: int, rule_id: int) -> str:
    return f"{1_000_000 - int(priority):07d}#{rule_id:012d}"


def rule_view(item: ErrorRule) -> dict[str, Any]:
    return {"id": item.id, "http_status_code": int(item.http_status_code), "http_status": int(item.http_status_code),
            "keyword": item.keyword or "", "target_status": item.target_status, "priority": int(item.priority),
            "enabled": bool(item.enabled), "description": item.description or "",
            "created_at": clock.iso(item.created_at), "updated_at": clock.iso(item.updated_at or item.created_at)}


def rules() -> list[ErrorRule]:
    return sorted(records.every(ErrorRule, "ERULE"), key=lambda r: (-int(r.priority), r.id))


def get_rule(rule_id: int) -> ErrorRule:
    item = records.get(ErrorRule, "ERULE", rule_id)
    if item is None:
        raise NotFound("error rule not found")
    return item


def create_rule(fields: dict[str, Any], *, audit: bool = True) -> dict[str, Any]:
    now = clock.now()
    rule_id = sequences.next_id("error_rule")
    item = records.new(ErrorRule, "ERULE", rule_id, kind_order=_rule_order(fields.get("priority", 0), rule_id),
                       **fields, created_at=now, updated_at=now)
    records.create(item)
    answer = rule_view(item)
    if audit:
        oplog.changed(None, answer, target=item.id, name=item.keyword)
    return answer


def update_rule(rule_id: int, changes: dict[str, Any]) -> dict[str, Any]:
    item = get_rule(rule_id)
    before = rule_view(item)
    changes = {k: v for k, v in changes.items() if v is not None}
    if "priority" in changes:
        changes["kind_order"] = _rule_order(changes["priority"], item.id)
    if changes:
        changes["updated_at"] = clock.now()
        if not records.update(item, changes):
            raise NotFound("error rule not found")
        item = get_rule(rule_id)
    after = rule_view(item)
    oplog.changed(before, after, target=item.id, name=item.keyword)
    return after


def delete_rule(rule_id: int) -> None:
    item = get_rule(rule_id)
    if not records.delete(item):
        raise NotFound("error rule not found")
    oplog.changed(rule_view(item), None, target=item.id, name=item.keyword)


def set_all_rules(enabled: bool) -> dict[str, int]:
    changed = 0
    for item in records.every(ErrorRule, "ERULE"):
        if bool(item.enabled) != enabled and records.update(item, {"enabled": enabled, "updated_at": clock.now()}):
            changed += 1
    oplog.changed(None, {"enabled": enabled, "affected": changed})
    return {"affected": changed}


def reset_rules() -> dict[str, int]:
    """Every rule back to the defaults: the current rules are removed, the defaults created."""
    removed = 0
    for item in records.every(ErrorRule, "ERULE"):
        removed += records.delete(item)
    for status, keyword, target, priority, description in DEFAULT_RULES:
        create_rule({"http_status_code": status, "keyword": keyword, "target_status": target, "priority": priority,
                     "enabled": True, "description": description}, audit=False)
    oplog.changed({"rules": removed}, {"rules": len(DEFAULT_RULES)})
    return {"removed": removed, "created": len(DEFAULT_RULES), "rule_count": len(DEFAULT_RULES)}


def effective_rules() -> list[Any]:
    """The stored rules, or the defaults while none are stored (a relay whose admin never opened the screen
    still judges upstream errors the original's way)."""
    stored = rules()
    if stored:
        return stored
    return [SimpleNamespace(http_status_code=status, keyword=keyword, target_status=target, priority=priority,
                            enabled=True)
            for status, keyword, target, priority, _ in sorted(DEFAULT_RULES, key=lambda r: -r[3])]


def classify(status: int, text: str, enabled_rules: list[ErrorRule] | None = None) -> str | None:
    """The account status an upstream error calls for (None: no rule matches)."""
    lowered = (text or "").lower()
    for rule in enabled_rules if enabled_rules is not None else rules():
        if not rule.enabled:
            continue
        if int(rule.http_status_code) not in (0, status):
            continue
        if rule.keyword and rule.keyword.lower() not in lowered:
            continue
        return rule.target_status
    return None
