"""The client filter's settings (config, client types, rules), their defaults, and the admin `test` route,
which evaluates exactly what the proxy evaluates (logic/client_filter_rules.py) on the stored settings."""

from __future__ import annotations

from typing import Any

from relay import clock
from relay.logic import client_filter_rules as rules_engine
from relay.logic import oplog
from relay.models.entities import ClientFilterSettings, ClientRule, ClientType
from relay.store import records, sequences, settings
from suite.errors import BadRequest, Conflict, NotFound

DEFAULT_TYPES = (
    ("claude_code", "Claude Code", "Claude Code CLI (claude-cli)", "🤖", 100, ""),
    ("codex_cli", "Codex CLI", "OpenAI Codex CLI and its VS Code extension", "🔷", 90, ""),
    ("gemini_cli", "Gemini CLI", "Google Gemini CLI", "💎", 80, ""),
    ("droid_cli", "Droid CLI", "Factory Droid CLI", "🤖", 70, r"^factory-cli/"),
    ("cursor", "Cursor", "Cursor IDE", "📝", 60, r"(?i)cursor"),
)
# client_id → (rule_key, name, type, field path, pattern, priority)
DEFAULT_RULES = {
    "codex_cli": (
        ("codex_cli_ua", "User-Agent", "user_agent", "", r"^(codex_vscode|codex_cli_rs)/[\d.]+", 100),
        ("codex_cli_originator", "originator header", "header", "originator", r"^(codex_vscode|codex_cli_rs)$", 90),
        ("codex_cli_session_id", "session_id header", "header", "session_id", r".{21,}", 80),
        ("codex_cli_instructions", "instructions", "body", "instructions", r"^You are Codex, based on GPT-5", 70),
    ),
    "gemini_cli": (
        ("gemini_cli_ua", "User-Agent", "user_agent", "", r"^GeminiCLI/v?[\d.]+", 100),
        ("gemini_cli_path", "path", "path", "", r"^/gemini", 90),
    ),
}


def _config(item: ClientFilterSettings | None) -> rules_engine.Config:
    if item is None:
        return rules_engine.Config()
    return rules_engine.Config(
        filter_enabled=bool(item.filter_enabled), filter_mode=item.filter_mode or "simple",
        default_allow=bool(item.default_allow), log_unmatched_requests=bool(item.log_unmatched_requests),
        allowed_clients=tuple(c.strip() for c in (item.allowed_clients or "").split(",") if c.strip()))


def snapshot() -> rules_engine.Snapshot:
    """Everything the evaluation needs, read fresh (three reads: the config, the types, the rules)."""
    return _with_types(_config(settings.client_filter()))


def snapshot_with(item: ClientFilterSettings | None) -> rules_engine.Snapshot:
    """The same snapshot from a config item already read (the proxy reads it with the system configs); the
    client types and rules are read only when the filter is on, since `evaluate` never looks at them otherwise."""
    config = _config(item)
    return _with_types(config) if config.filter_enabled else rules_engine.Snapshot(config=config)


def _with_types(config: rules_engine.Config) -> rules_engine.Snapshot:
    stored_rules = records.every(ClientRule, "CRULE")
    by_type: dict[int, list[rules_engine.Rule]] = {}
    for rule in sorted(stored_rules, key=lambda r: (-int(r.priority), r.id)):
        by_type.setdefault(int(rule.client_type_id), []).append(rules_engine.Rule(
            id=rule.id, rule_type=rule.rule_type, pattern=rule.pattern or "", field_path=rule.field_path or "",
            required=bool(rule.required), enabled=bool(rule.enabled), rule_key=rule.rule_key or "",
            rule_name=rule.rule_name or ""))
    types = tuple(rules_engine.ClientType(
        id=t.id, client_id=t.client_id, name=t.name, enabled=bool(t.enabled), priority=int(t.priority),
        ua_pattern=t.ua_pattern or "", icon=t.icon or "", rules=tuple(by_type.get(t.id, ())))
        for t in records.every(ClientType, "CTYPE"))
    return rules_engine.Snapshot(config=config, client_types=types)


def evaluate_request(user_agent: str, headers: dict[str, str], body: dict[str, Any], *, path: str,
                     key_allowed_clients: str = "") -> dict[str, Any]:
    probe = rules_engine.Probe(user_agent=user_agent, headers=headers, body=body, path=path)
    return rules_engine.evaluate(snapshot(), probe, key_allowed_clients=key_allowed_clients).as_dict()


# --- config -------------------------------------------------------------------------------------------------------

def config_view() -> dict[str, Any]:
    item = settings.client_filter()
    config = _config(item)
    return {"filter_enabled": config.filter_enabled, "filter_mode": config.filter_mode,
            "default_allow": config.default_allow, "log_unmatched_requests": config.log_unmatched_requests,
            "allowed_clients": list(config.allowed_clients), "strict_mode": config.filter_mode == "strict",
            "updated_at": clock.iso(item.updated_at) if item and item.updated_at else None}


def update_config(changes: dict[str, Any]) -> dict[str, Any]:
    before = config_view()
    item = settings.client_filter() or ClientFilterSettings("CONFIG", "CLIENT_FILTER")
    if "allowed_clients" in changes and changes["allowed_clients"] is not None:
        value = changes["allowed_clients"]
        items = value if isinstance(value, list) else str(value).split(",")
        changes["allowed_clients"] = ",".join(dict.fromkeys(c.strip() for c in items if c.strip()))
    if changes.get("strict_mode") is not None and changes.get("filter_mode") is None:
        changes["filter_mode"] = "strict" if changes["strict_mode"] else "simple"
    for name in ("filter_enabled", "filter_mode", "default_allow", "log_unmatched_requests", "allowed_clients"):
        if changes.get(name) is not None:
            setattr(item, name, changes[name])
    item.updated_at = clock.now()
    settings.save_client_filter(item)
    after = config_view()
    oplog.changed(before, after)
    return after


# --- client types ---------------------------------------------------------------------------------------------

def type_view(item: ClientType, rule_count: int | None = None) -> dict[str, Any]:
    return {"id": item.id, "client_id": item.client_id, "name": item.name, "display_name": item.name,
            "description": item.description or "", "icon": item.icon or "", "ua_pattern": item.ua_pattern or "",
            "enabled": bool(item.enabled), "priority": int(item.priority),
            "rule_count": rule_count if rule_count is not None else 0, "created_at": clock.iso(item.created_at),
            "updated_at": clock.iso(item.updated_at or item.created_at)}


def types() -> list[dict[str, Any]]:
    counts: dict[int, int] = {}
    for rule in records.every(ClientRule, "CRULE"):
        counts[int(rule.client_type_id)] = counts.get(int(rule.client_type_id), 0) + 1
    found = sorted(records.every(ClientType, "CTYPE"), key=lambda t: (-int(t.priority), t.id))
    return [type_view(t, counts.get(t.id, 0)) for t in found]


def get_type(type_id: int) -> ClientType:
    item = records.get(ClientType, "CTYPE", type_id)
    if item is None:
        raise NotFound("client type not found")
    return item


def _check_pattern(pattern: str | None, what: str) -> None:
    if pattern and not rules_engine.compiles(pattern):
        raise BadRequest(f"{what} is not a valid regular expression")


def create_type(fields: dict[str, Any], *, audit: bool = True) -> dict[str, Any]:
    _check_pattern(fields.get("ua_pattern"), "ua_pattern")
    now = clock.now()
    item = records.new(ClientType, "CTYPE", sequences.next_id("client_type"), **fields, created_at=now,
                       updated_at=now)
    try:
        records.create(item, unique=("CTYPEID", item.client_id))
    except records.Taken:
        raise Conflict("a client type with this client_id exists") from None
    answer = type_view(item)
    if audit:
        oplog.changed(None, answer, target=item.id, name=item.client_id)
    return answer


def update_type(type_id: int, changes: dict[str, Any]) -> dict[str, Any]:
    item = get_type(type_id)
    before = type_view(item)
    changes = {k: v for k, v in changes.items() if v is not None}
    _check_pattern(changes.get("ua_pattern"), "ua_pattern")
    if changes:
        changes["updated_at"] = clock.now()
        try:
            moved = ("CTYPEID", item.client_id, changes.get("client_id", item.client_id))
            if not records.update(item, changes, unique=moved):
                raise NotFound("client type not found")
        except records.Taken:
            raise Conflict("a client type with this client_id exists") from None
        item = get_type(type_id)
    after = type_view(item)
    oplog.changed(before, after, target=item.id, name=item.client_id)
    return after


def delete_type(type_id: int) -> None:
    item = get_type(type_id)
    if any(int(r.client_type_id) == item.id for r in records.every(ClientRule, "CRULE")):
        raise Conflict("the client type still has rules; delete them first")
    if not records.delete(item, unique=("CTYPEID", item.client_id)):
        raise NotFound("client type not found")
    oplog.changed(type_view(item), None, target=item.id, name=item.client_id)


# --- rules -----------------------------------------------------------------------------------------------------

def rule_view(item: ClientRule) -> dict[str, Any]:
    return {"id": item.id, "client_type_id": int(item.client_type_id), "rule_key": item.rule_key or "",
            "rule_name": item.rule_name or "", "description": item.description or "", "rule_type": item.rule_type,
            "pattern": item.pattern or "", "field_path": item.field_path or "", "field_name": item.field_path or "",
            "enabled": bool(item.enabled), "required": bool(item.required), "priority": int(item.priority),
            "created_at": clock.iso(item.created_at), "updated_at": clock.iso(item.updated_at or item.created_at)}


def rules(client_type_id: int | None = None) -> list[dict[str, Any]]:
    found = sorted(records.every(ClientRule, "CRULE"), key=lambda r: (int(r.client_type_id), -int(r.priority), r.id))
    return [rule_view(r) for r in found if client_type_id is None or int(r.client_type_id) == client_type_id]


def get_rule(rule_id: int) -> ClientRule:
    item = records.get(ClientRule, "CRULE", rule_id)
    if item is None:
        raise NotFound("rule not found")
    return item


def create_rule(fields: dict[str, Any], *, audit: bool = True) -> dict[str, Any]:
    get_type(fields["client_type_id"])
    _check_pattern(fields.get("pattern"), "pattern")
    now = clock.now()
    rule_id = sequences.next_id("client_rule")
    item = records.new(ClientRule, "CRULE", rule_id, kind_order=f"{int(fields['client_type_id']):012d}#{rule_id:012d}",
                       **fields, created_at=now, updated_at=now)
    records.create(item)
    answer = rule_view(item)
    if audit:
        oplog.changed(None, answer, target=item.id, name=item.rule_key)
    return answer


def update_rule(rule_id: int, changes: dict[str, Any]) -> dict[str, Any]:
    item = get_rule(rule_id)
    before = rule_view(item)
    changes = {k: v for k, v in changes.items() if v is not None}
    _check_pattern(changes.get("pattern"), "pattern")
    if "client_type_id" in changes:
        get_type(changes["client_type_id"])
        changes["kind_order"] = f"{int(changes['client_type_id']):012d}#{item.id:012d}"
    if changes:
        changes["updated_at"] = clock.now()
        if not records.update(item, changes):
            raise NotFound("rule not found")
        item = get_rule(rule_id)
    after = rule_view(item)
    oplog.changed(before, after, target=item.id, name=item.rule_key)
    return after


def delete_rule(rule_id: int) -> None:
    item = get_rule(rule_id)
    if not records.delete(item):
        raise NotFound("rule not found")
    oplog.changed(rule_view(item), None, target=item.id, name=item.rule_key)


def init_defaults() -> dict[str, int]:
    """The original's client types and their rules, for the types that do not exist yet (the seed runs this)."""
    present = {t.client_id for t in records.every(ClientType, "CTYPE")}
    added_types = added_rules = 0
    for client_id, name, description, icon, priority, ua_pattern in DEFAULT_TYPES:
        if client_id in present:
            continue
        created = create_type({"client_id": client_id, "name": name, "description": description, "icon": icon,
                               "priority": priority, "ua_pattern": ua_pattern, "enabled": True}, audit=False)
        added_types += 1
        for key, rule_name, rule_type, field_path, pattern, rule_priority in DEFAULT_RULES.get(client_id, ()):
            create_rule({"client_type_id": created["id"], "rule_key": key, "rule_name": rule_name,
                         "rule_type": rule_type, "field_path": field_path, "pattern": pattern,
                         "priority": rule_priority, "required": True, "enabled": True}, audit=False)
            added_rules += 1
    return {"client_types": added_types, "rules": added_rules}
