"""relay's pure logic: the captcha PNG, the client-filter evaluation the proxy will reuse, regex vetting,
config value checks."""

from __future__ import annotations

import struct
import zlib

import pytest

from relay.logic import captcha_image
from relay.logic import client_filter_rules as rules


def test_the_captcha_is_a_valid_png():
    data = captcha_image.render("0428")
    assert data[:8] == b"\x89PNG\r\n\x1a\n"
    width, height, depth, colour = struct.unpack(">IIBB", data[16:26])
    assert (width, height, depth, colour) == (120, 40, 8, 2)
    position, chunks = 8, []
    while position < len(data):
        (length,) = struct.unpack(">I", data[position:position + 4])
        kind, body = data[position + 4:position + 8], data[position + 8:position + 8 + length]
        (crc,) = struct.unpack(">I", data[position + 8 + length:position + 12 + length])
        assert zlib.crc32(kind + body) & 0xFFFFFFFF == crc
        chunks.append((kind, body))
        position += 12 + length
    assert [kind for kind, _ in chunks] == [b"IHDR", b"IDAT", b"IEND"]
    assert len(zlib.decompress(chunks[1][1])) == height * (1 + 3 * width)
    assert captcha_image.data_url("1234").startswith("data:image/png;base64,iVBOR")


def snapshot(**config) -> rules.Snapshot:
    codex = rules.ClientType(2, "codex_cli", "Codex", priority=90, rules=(
        rules.Rule(1, "user_agent", pattern=r"^codex_cli_rs/"),
        rules.Rule(2, "header", field_path="originator", pattern=r"^codex_cli_rs$"),
        rules.Rule(3, "body", field_path="instructions", pattern="", required=False),
    ))
    return rules.Snapshot(rules.Config(filter_enabled=True, **config),
                          (rules.ClientType(1, "claude_code", "Claude Code", priority=100), codex))


def test_identification_by_priority_and_rules():
    probe = rules.Probe(user_agent="codex_cli_rs/0.1", headers={"Originator": "codex_cli_rs"})
    verdict = rules.evaluate(snapshot(), probe)
    assert (verdict.allowed, verdict.client_type) == (True, "codex_cli")
    assert verdict.warnings == ["optional rule failed: body instructions"], "an optional rule warns, never refuses"
    refused = rules.evaluate(snapshot(), rules.Probe(user_agent="codex_cli_rs/0.1"))
    assert (refused.allowed, refused.error_type) == (False, "client_not_allowed")


def test_unknown_clients_follow_default_allow():
    unknown = rules.Probe(user_agent="curl/8")
    assert rules.evaluate(snapshot(default_allow=True), unknown).allowed is True
    assert rules.evaluate(snapshot(default_allow=False), unknown).allowed is False
    assert rules.evaluate(rules.Snapshot(rules.Config()), unknown).allowed is True, "filter off"


def test_allowed_clients_globally_and_per_key():
    probe = rules.Probe(user_agent="codex_cli_rs/0.1", headers={"originator": "codex_cli_rs"})
    assert rules.evaluate(snapshot(allowed_clients=("claude_code",)), probe).allowed is False
    assert rules.evaluate(snapshot(), probe, key_allowed_clients="claude_code").allowed is False
    assert rules.evaluate(snapshot(), probe, key_allowed_clients="claude_code,codex_cli").allowed is True


def test_claude_code_checks_follow_the_mode():
    probe = rules.Probe(user_agent="claude-cli/2.0.1 (external, cli)",
                        headers={"x-app": "cli", "anthropic-version": "2023-06-01"},
                        body={"system": "You are Claude Code, Anthropic's official CLI for Claude.",
                              "metadata": {"user_id": "user_" + "0" * 64 + "_account__session_abc"}})
    simple = rules.evaluate(snapshot(), probe)
    assert [r["rule_key"] for r in simple.failed_rules] == ["anthropic_beta"]
    strict = rules.evaluate(snapshot(filter_mode="strict"), probe)
    assert [r["rule_key"] for r in strict.failed_rules] == ["x_stainless_os"]


@pytest.mark.parametrize(("first", "second", "low", "high"), [
    ("You are Claude Code, Anthropic's official CLI for Claude.",
     "You are Claude Code,   Anthropic's official CLI for Claude.", 1.0, 1.0),
    ("You are Claude Code, Anthropic's official CLI for Claude, in a box.",
     "You are Claude Code, Anthropic's official CLI for Claude.", 0.8, 0.99),
    ("Tell me a joke", "You are Claude Code, Anthropic's official CLI for Claude.", 0.0, 0.3),
    ("aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa", "aa", 0.0, 0.1),
])
def test_dice_similarity(first, second, low, high):
    assert low <= rules.dice(first, second) <= high


@pytest.mark.parametrize(("pattern", "allowed"), [
    (r"^(a+)+$", False), (r"(\w*)*x", False), (r"(x{2,})+", False), (r"((ab)+c)*", False), (r"(", False),
    (r"(a|b)+", True), (r"^[(+*)]+$", True), (r"^codex_cli_rs/[\d.]+", True), (r".{21,}", True),
])
def test_saved_patterns_are_vetted(pattern, allowed):
    assert rules.compiles(pattern) is allowed


def test_config_values_are_checked_by_type():
    from relay.logic import configs  # noqa: PLC0415
    from suite.errors import BadRequest  # noqa: PLC0415

    check = configs._check
    assert check(configs.BY_KEY["login_rate_limit_count"], "5") == "5"
    assert check(configs.BY_KEY["captcha_enabled"], True) == "true"
    assert check(configs.BY_KEY["global_price_rate"], "1.50") == "1.5"
    for key, value in (("login_rate_limit_count", "-1"), ("login_rate_limit_count", "²"),
                       ("global_price_rate", "nan"), ("captcha_enabled", "maybe")):
        with pytest.raises(BadRequest):
            check(configs.BY_KEY[key], value)
