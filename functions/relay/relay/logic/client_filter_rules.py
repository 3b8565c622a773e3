"""The client filter's evaluation: which client a request comes from and whether it may pass. Pure Python on a
`Snapshot` of the admin's settings, so the proxy (issue 15) and the admin `test` route run exactly this code:

    snapshot = client_filter.snapshot()                       # logic/client_filter.py (reads the store)
    verdict = evaluate(snapshot, Probe(user_agent, headers, body, path), key_allowed_clients="claude_code")

Order (the original's, from AIProxyV2): filter off → allowed. Identify the client by the enabled client types,
highest priority first (Claude Code by its User-Agent, simple or strict form; others by their `user_agent`
rules or `ua_pattern`). An identified but disabled type is refused. Claude Code is checked with its fixed rules
(x-app, anthropic-version, anthropic-beta in simple mode, x-stainless-os in strict mode, the system prompt's
similarity to Claude Code's prompts, metadata.user_id's format); other types with their stored rules (a failed
required rule refuses, a failed optional one warns). An unknown client passes only when `default_allow`. Then
the global `allowed_clients` and the key's `allowed_clients` (when set) must name the identified type.

Inputs are cut to fixed lengths before any pattern runs (patterns are admin-written regular expressions).
"""

from __future__ import annotations

import json
import re
from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any

CLAUDE_CODE = "claude_code"
UNKNOWN = "unknown"
SIMPLE_UA = r"^claude-cli/\d+\.\d+\.\d+"
STRICT_UA = (r"^claude-cli/(\d+\.\d+\.\d+)\s*\(external,\s*(cli|claude-vscode|sdk-ts|sdk-cli)"
             r"(?:,\s*agent-sdk/[\w.\-]+)?\)$")
METADATA_USER = r"^user_[a-fA-F0-9]{64}_account__session_[\w-]+$"
PROMPT_THRESHOLD = 0.6
CLAUDE_CODE_PROMPTS = (
    "Analyze if this message indicates a new conversation topic. If it does, extract a 2-3 word title that "
    "captures the new topic. Format your response as a JSON object with two fields: 'isNewTopic' (boolean) and "
    "'title' (string, or null if isNewTopic is false). Only include these fields, no other text.",
    "You are Claude Code, Anthropic's official CLI for Claude.",
    "You are an interactive CLI tool that helps users",
    "You are a Claude agent, built on Anthropic's Claude Agent SDK.",
    "You are Claude Code, Anthropic's official CLI for Claude, running within the Claude Agent SDK.",
    "You are a helpful AI assistant tasked with summarizing conversations.",
    "## Insights",
    "You are an interactive CLI tool that helps users with software engineering tasks",
    "In order to encourage learning",
)
MAX_UA, MAX_HEADER, MAX_BODY_VALUE, MAX_PROMPT = 512, 1024, 4096, 8192


@dataclass(frozen=True)
class Config:
    filter_enabled: bool = False
    filter_mode: str = "simple"  # simple | strict
    default_allow: bool = True
    log_unmatched_requests: bool = True
    allowed_clients: tuple[str, ...] = ()


@dataclass(frozen=True)
class Rule:
    id: int
    rule_type: str  # user_agent | header | body | path | custom
    pattern: str = ""
    field_path: str = ""
    required: bool = True
    enabled: bool = True
    rule_key: str = ""
    rule_name: str = ""


@dataclass(frozen=True)
class ClientType:
    id: int
    client_id: str
    name: str
    enabled: bool = True
    priority: int = 0
    ua_pattern: str = ""
    icon: str = ""
    rules: tuple[Rule, ...] = ()


@dataclass(frozen=True)
class Snapshot:
    config: Config
    client_types: tuple[ClientType, ...] = ()


@dataclass(frozen=True)
class Probe:
    user_agent: str = ""
    headers: Mapping[str, str] = field(default_factory=dict)
    body: Mapping[str, Any] = field(default_factory=dict)
    path: str = ""


@dataclass
class Verdict:
    allowed: bool = True
    client_type: str = UNKNOWN
    client_name: str = ""
    reason: str = ""
    error_type: str = ""  # client_not_allowed when refused
    matched_rules: list[dict[str, Any]] = field(default_factory=list)
    failed_rules: list[dict[str, Any]] = field(default_factory=list)
    warnings: list[str] = field(default_factory=list)
    ua_matched: bool = False

    def refuse(self, reason: str) -> None:
        self.allowed, self.reason, self.error_type = False, reason, "client_not_allowed"

    def as_dict(self) -> dict[str, Any]:
        headers_valid = not any(r["rule_type"] == "header" for r in self.failed_rules)
        body_valid = not any(r["rule_type"] in ("body", "custom") for r in self.failed_rules)
        return {"allowed": self.allowed, "client_type": self.client_type, "client_name": self.client_name,
                "reason": self.reason, "error_type": self.error_type, "matched_rules": self.matched_rules,
                "failed_rules": self.failed_rules, "warnings": self.warnings,
                "details": {"reason": self.reason} if self.reason else {},
                "match_details": {"ua_matched": self.ua_matched, "headers_valid": headers_valid,
                                  "body_valid": body_valid}}


def _nested_quantifier(pattern: str) -> bool:
    """A group that holds a quantifier (at any depth) and is itself repeated: "(a+)+", "(\\w*)*", "((ab)+c)*",
    "(x{2,})+" - the classic catastrophic-backtracking shape. Python's re has no time limit, so such patterns
    are refused when saved."""
    stack: list[bool] = []  # per open group: has it seen a quantifier?
    index = 0
    while index < len(pattern):
        char = pattern[index]
        if char == "\\":
            index += 2
            continue
        if char == "[":  # a character class quantifies nothing inside
            index = pattern.find("]", index + 2) if pattern[index + 1:index + 2] == "]" else pattern.find("]", index)
            if index < 0:
                return False
            index += 1
            continue
        if char == "(":
            stack.append(False)
        elif char == ")" and stack:
            inner = stack.pop()
            rest = pattern[index + 1:]
            repeated = rest[:1] in ("+", "*") or re.match(r"\{\d*,", rest) is not None
            if inner and repeated:
                return True
            if stack:
                stack[-1] = stack[-1] or inner
        elif stack and (char in "+*" or (char == "{" and re.match(r"\{\d*,?\d*\}", pattern[index:]))):
            stack[-1] = True
        index += 1
    return False


def compiles(pattern: str) -> bool:
    """A pattern an admin may save: it compiles, and repeats no group that holds a quantifier."""
    try:
        re.compile(pattern)
    except re.error:
        return False
    return not _nested_quantifier(pattern)


def _match(pattern: str, value: str) -> bool:
    if not pattern:
        return True
    try:
        return re.search(pattern, value) is not None
    except re.error:
        return False


def _header(headers: Mapping[str, str], name: str) -> str:
    wanted = name.lower()
    for key, value in headers.items():
        if str(key).lower() == wanted:
            return str(value)[:MAX_HEADER]
    return ""


def _body_value(body: Mapping[str, Any], path: str) -> str:
    current: Any = body
    for part in [p for p in path.split(".") if p]:
        if not isinstance(current, Mapping):
            return ""
        current = current.get(part)
    if current is None:
        return ""
    if isinstance(current, str):
        return current[:MAX_BODY_VALUE]
    return json.dumps(current, ensure_ascii=False)[:MAX_BODY_VALUE]


def _normalise(text: str) -> str:
    return re.sub(r"\s+", " ", text.replace("__PLACEHOLDER__", " ")).strip()


def dice(first: str, second: str) -> float:
    """Dice coefficient of the two texts' character bigrams, as multisets: 2·|A∩B| / (|A| + |B|), between 0 and 1.
    (The original divided by the number of *distinct* bigrams while counting shared ones with multiplicity, so
    repetitive text could score above 1 and pass the check.)"""
    a, b = _normalise(first), _normalise(second)
    if a == b:
        return 1.0
    if len(a) < 2 or len(b) < 2:
        return 0.0
    pairs_a: dict[str, int] = {}
    pairs_b: dict[str, int] = {}
    for text, pairs in ((a, pairs_a), (b, pairs_b)):
        for index in range(len(text) - 1):
            pairs[text[index:index + 2]] = pairs.get(text[index:index + 2], 0) + 1
    shared = sum(min(count, pairs_b.get(pair, 0)) for pair, count in pairs_a.items())
    return 2.0 * shared / (sum(pairs_a.values()) + sum(pairs_b.values()))


def _system_prompts(body: Mapping[str, Any]) -> list[str]:
    system = body.get("system")
    if isinstance(system, str) and system:
        return [system[:MAX_PROMPT]]
    if isinstance(system, list):
        return [str(item["text"])[:MAX_PROMPT] for item in system
                if isinstance(item, Mapping) and isinstance(item.get("text"), str) and item["text"]]
    return []


def _prompt_check(body: Mapping[str, Any]) -> tuple[bool, str, str]:
    prompts = _system_prompts(body)
    if not prompts:
        return True, "", "no system prompt (passes)"
    best = 0.0
    for prompt in prompts:
        for template in CLAUDE_CODE_PROMPTS:
            best = max(best, dice(prompt, template))
        if best >= PROMPT_THRESHOLD:
            return True, prompt[:100], f"similarity {best:.2f} >= {PROMPT_THRESHOLD}"
    return False, prompts[0][:100], f"similarity {best:.2f} < {PROMPT_THRESHOLD}"


def _result(key: str, name: str, rule_type: str, passed: bool, actual: str, *, message: str, required: bool) -> dict:
    return {"rule_key": key, "rule_name": name, "rule_type": rule_type, "passed": passed, "actual_value": actual,
            "message": message, "required": required}


def _claude_code_checks(probe: Probe, mode: str) -> list[dict[str, Any]]:
    checks = []
    headers = ["x-app", "anthropic-version", "anthropic-beta" if mode == "simple" else "x-stainless-os"]
    for name in headers:
        value = _header(probe.headers, name)
        checks.append(_result(name.replace("-", "_"), f"{name} header", "header", value != "", value,
                              message=f"the request carries {name}", required=True))
    passed, actual, message = _prompt_check(probe.body)
    checks.append(_result("system_prompt", "system prompt similarity", "custom", passed, actual, message=message,
                          required=True))
    user = _body_value(probe.body, "metadata.user_id")
    checks.append(_result("metadata_user_id", "metadata.user_id format", "body", _match(METADATA_USER, user), user,
                          message="user_{64 hex}_account__session_{uuid}", required=True))
    return checks


def _rule_check(rule: Rule, probe: Probe) -> dict[str, Any]:
    if rule.rule_type == "user_agent":
        actual = probe.user_agent[:MAX_UA]
        passed = _match(rule.pattern, actual)
    elif rule.rule_type in ("header", "body"):
        actual = (_header(probe.headers, rule.field_path) if rule.rule_type == "header"
                  else _body_value(probe.body, rule.field_path))
        passed = actual != "" if rule.pattern in ("", ".+") else _match(rule.pattern, actual)
    elif rule.rule_type == "path":
        actual = probe.path[:MAX_HEADER]
        passed = _match(rule.pattern, actual)
    elif rule.rule_type == "custom" and rule.rule_key == "claude_code_system_prompt":
        passed, actual, _ = _prompt_check(probe.body)
    else:
        actual, passed = "", False
    name = rule.rule_name or rule.rule_key or f"{rule.rule_type} {rule.field_path}".strip()
    return _result(rule.rule_key, name, rule.rule_type, passed, actual,
                   message="passed" if passed else "failed", required=rule.required)


def identify(snapshot: Snapshot, probe: Probe) -> ClientType | None:
    agent = probe.user_agent[:MAX_UA]
    strict = snapshot.config.filter_mode == "strict"
    for client in sorted(snapshot.client_types, key=lambda c: (-c.priority, c.id)):
        if client.client_id == CLAUDE_CODE:
            if _match(STRICT_UA if strict else SIMPLE_UA, agent):
                return client
            continue
        if client.ua_pattern and _match(client.ua_pattern, agent):
            return client
        if any(r.enabled and r.rule_type == "user_agent" and r.pattern and _match(r.pattern, agent)
               for r in client.rules):
            return client
    return None


def evaluate(snapshot: Snapshot, probe: Probe, *, key_allowed_clients: str = "") -> Verdict:
    verdict = Verdict()
    if not snapshot.config.filter_enabled:
        verdict.reason = "the client filter is off"
        return _key_check(verdict, key_allowed_clients, None)
    client = identify(snapshot, probe)
    if client is None:
        verdict.client_name = "unknown client"
        if not snapshot.config.default_allow:
            verdict.refuse("unknown client; unknown clients are refused")
        elif snapshot.config.log_unmatched_requests:
            verdict.warnings.append("the client could not be identified")
        return verdict if not verdict.allowed else _key_check(verdict, key_allowed_clients, None)
    verdict.client_type, verdict.client_name, verdict.ua_matched = client.client_id, client.name, True
    if not client.enabled:
        verdict.refuse("this client type is disabled")
        return verdict
    checks = (_claude_code_checks(probe, snapshot.config.filter_mode) if client.client_id == CLAUDE_CODE
              else [_rule_check(rule, probe) for rule in client.rules if rule.enabled])
    for check in checks:
        if check["passed"]:
            verdict.matched_rules.append(check)
            continue
        verdict.failed_rules.append(check)
        if check["required"]:
            verdict.refuse(f"rule failed: {check['rule_name']}")
        else:
            verdict.warnings.append(f"optional rule failed: {check['rule_name']}")
    if verdict.allowed and snapshot.config.allowed_clients and client.client_id not in snapshot.config.allowed_clients:
        verdict.refuse(f"{client.client_id} is not among the allowed clients")
    return _key_check(verdict, key_allowed_clients, client)


def _key_check(verdict: Verdict, key_allowed_clients: str, client: ClientType | None) -> Verdict:
    allowed = [c.strip() for c in (key_allowed_clients or "").split(",") if c.strip()]
    if verdict.allowed and allowed and client is not None and client.client_id not in allowed:
        verdict.refuse(f"this API key does not allow {client.client_id}")
    return verdict
