"""The client filter: `test` runs the proxy's own evaluation (logic/client_filter_rules.py) on the stored
config, client types and rules."""

from __future__ import annotations

import pytest

CLAUDE_UA = "claude-cli/1.0.83 (external, cli)"
CLAUDE_HEADERS = {"x-app": "cli", "anthropic-version": "2023-06-01", "anthropic-beta": "claude-code-20250219",
                  "x-stainless-os": "Linux"}
CLAUDE_BODY = {"system": [{"type": "text", "text": "You are Claude Code, Anthropic's official CLI for Claude."}],
               "metadata": {"user_id": "user_" + "a" * 64 + "_account__session_0b1c2d3e-aaaa-bbbb-cccc-123456789abc"}}


@pytest.fixture
def filtering(relay, admin):
    relay.env()
    from relay.logic import client_filter  # noqa: PLC0415

    client_filter.init_defaults()
    relay.put("/api/admin/client-filter/config", admin, {"filter_enabled": True, "filter_mode": "simple",
                                                         "default_allow": False, "allowed_clients": []})
    yield relay
    relay.put("/api/admin/client-filter/config", admin, {"filter_enabled": False, "default_allow": True})


def verdict(relay, admin, **probe):
    answer = relay.post("/api/admin/client-filter/test", admin, probe)
    assert answer.status == 200, answer.text
    return answer.json["data"]


def test_off_lets_everything_through(relay, admin):
    relay.put("/api/admin/client-filter/config", admin, {"filter_enabled": False})
    result = verdict(relay, admin, user_agent="curl/8")
    assert result["allowed"] is True


def test_claude_code_simple_and_strict(filtering, admin):
    relay = filtering
    ok = verdict(relay, admin, user_agent=CLAUDE_UA, headers=CLAUDE_HEADERS, body=CLAUDE_BODY)
    assert (ok["allowed"], ok["client_type"], ok["match_details"]["ua_matched"]) == (True, "claude_code", True)
    no_app = verdict(relay, admin, user_agent=CLAUDE_UA, headers={**CLAUDE_HEADERS, "x-app": ""}, body=CLAUDE_BODY)
    assert no_app["allowed"] is False
    assert no_app["match_details"]["headers_valid"] is False
    wrong_prompt = verdict(relay, admin, user_agent=CLAUDE_UA, headers=CLAUDE_HEADERS,
                           body={**CLAUDE_BODY, "system": "Write me a poem about the sea, in French."})
    assert wrong_prompt["allowed"] is False
    assert wrong_prompt["match_details"]["body_valid"] is False
    relay.put("/api/admin/client-filter/config", admin, {"filter_mode": "strict"})
    assert verdict(relay, admin, user_agent="claude-cli/1.0.83", headers=CLAUDE_HEADERS,
                   body=CLAUDE_BODY)["client_type"] == "unknown", "strict wants the full User-Agent"
    assert verdict(relay, admin, user_agent=CLAUDE_UA, headers=CLAUDE_HEADERS, body=CLAUDE_BODY)["allowed"] is True


def test_codex_by_its_rules_and_unknown_clients(filtering, admin):
    relay = filtering
    codex = {"user_agent": "codex_cli_rs/0.20.0", "headers": {"originator": "codex_cli_rs",
                                                              "session_id": "0" * 30},
             "body": {"instructions": "You are Codex, based on GPT-5. You are running..."}}
    assert verdict(relay, admin, **codex)["allowed"] is True
    missing = verdict(relay, admin, **{**codex, "headers": {"originator": "codex_cli_rs"}})
    assert missing["allowed"] is False
    assert verdict(relay, admin, user_agent="python-requests/2.32")["allowed"] is False
    relay.put("/api/admin/client-filter/config", admin, {"default_allow": True})
    assert verdict(relay, admin, user_agent="python-requests/2.32")["allowed"] is True
    relay.put("/api/admin/client-filter/config", admin, {"allowed_clients": ["claude_code"]})
    assert verdict(relay, admin, **codex)["allowed"] is False, "only the allowed clients pass"
    relay.put("/api/admin/client-filter/config", admin, {"allowed_clients": ""})
    key_limited = verdict(relay, admin, **codex, allowed_clients="claude_code")
    assert key_limited["allowed"] is False, "a key's allowed_clients applies too"


def test_types_and_rules_crud(filtering, admin):
    relay = filtering
    docs_shape = relay.post("/api/admin/client-filter/client-types", admin,
                            {"name": "aider", "display_name": "Aider", "ua_pattern": "^aider/", "enabled": True})
    assert docs_shape.status == 201, docs_shape.text
    aider = docs_shape.json["data"]
    assert (aider["client_id"], aider["name"]) == ("aider", "Aider")
    assert relay.post("/api/admin/client-filter/client-types", admin, {"client_id": "aider", "name": "x"}).status \
        == 409
    assert relay.post("/api/admin/client-filter/client-types", admin, {"name": "bad", "ua_pattern": "(("}).status \
        == 400
    rule = relay.post("/api/admin/client-filter/rules", admin, {"client_type_id": aider["id"], "rule_type": "header",
                                                                "field_name": "x-aider", "pattern": ".+",
                                                                "required": True})
    assert rule.status == 201
    assert rule.json["data"]["field_path"] == "x-aider"
    listed = relay.get("/api/admin/client-filter/rules", admin, query={"client_type_id": aider["id"]}).json["data"]
    assert [r["id"] for r in listed] == [rule.json["data"]["id"]]
    assert verdict(relay, admin, user_agent="aider/0.1")["allowed"] is False
    assert verdict(relay, admin, user_agent="aider/0.1", headers={"X-Aider": "1"})["allowed"] is True
    relay.put(f"/api/admin/client-filter/rules/{rule.json['data']['id']}/toggle", admin)
    assert verdict(relay, admin, user_agent="aider/0.1")["allowed"] is True
    relay.put(f"/api/admin/client-filter/client-types/{aider['id']}/toggle", admin)
    assert verdict(relay, admin, user_agent="aider/0.1")["allowed"] is False, "a disabled type is refused"
    assert relay.delete(f"/api/admin/client-filter/client-types/{aider['id']}", admin).status == 409
    relay.delete(f"/api/admin/client-filter/rules/{rule.json['data']['id']}", admin)
    assert relay.delete(f"/api/admin/client-filter/client-types/{aider['id']}", admin).status == 200
    config = relay.get("/api/admin/client-filter/config", admin).json["data"]
    assert config["filter_enabled"] is True
    assert relay.post("/api/admin/client-filter/reload", admin).status == 200


@pytest.mark.parametrize("pattern", [r"^(a+)+$", r"(\w*)*x", r"(x{2,})+", r"((ab)+c)*"])
def test_catastrophic_patterns_are_refused(filtering, admin, pattern):
    relay = filtering
    answer = relay.post("/api/admin/client-filter/client-types", admin, {"client_id": "evil", "name": "Evil",
                                                                         "ua_pattern": pattern})
    assert answer.status == 400


def test_inputs_are_cut_before_patterns_run():
    from relay.logic import client_filter_rules as rules  # noqa: PLC0415

    snapshot = rules.Snapshot(rules.Config(filter_enabled=True, default_allow=False), (
        rules.ClientType(1, "x", "X", rules=(rules.Rule(1, "user_agent", pattern=r"^x{600}"),)),))
    assert rules.evaluate(snapshot, rules.Probe(user_agent="x" * 100_000)).allowed is False
    assert rules.compiles(r"^claude-cli/\d+\.\d+\.\d+")
    assert rules.compiles(r".{21,}")
    assert rules.dice("abc", "abc") == 1.0
    assert rules.dice("", "abc") == 0.0
