"""Issue 13: the contract's response examples still hold, unchanged, in the default list style.

Every `json` example of docs/contracts/kook-forwarder-api.md (the contract as vendored) is read from the document
with the request of its section (the `http` block before it), the request is sent to our handlers with the
deployment's defaults (`LIST_RESPONSE_STYLE` unset, i.e. `envelope`), and our answer must have every field of the
example with the example's JSON type, lists with at least one row shaped like the example's first row (fields we
add beside the contract's are allowed: issue 13 adds the original front-end's). A `null` in an example is any value.

The two examples without a request of their own are checked against what they describe: the error body (an
invalid cookie) here, the WebSocket push (`{"type": "log", "data": {...}}` on `/ws`) in
test_frontend_replay.py::test_logs_socket_pushes_new_log_rows_in_the_original_style.
"""

from __future__ import annotations

import json
import re
from pathlib import Path
from typing import Any

import pytest

from kook.store import accounts as account_store
from kook.store.logs import Delivery, record_delivery
from tests.integration.kook.conftest import scripted_kook

CONTRACT = Path(__file__).resolve().parents[3] / "docs" / "contracts" / "kook-forwarder-api.md"
BLOCK = re.compile(r"^(#{2,3} [^\n]*)$|^```(\w+)\n(.*?)^```", re.MULTILINE | re.DOTALL)
TG_TOKEN = "123456789:AAHdqTcvCH1vGWJxfSeofSAs0K5PALDsaw"
WEBHOOK_TOKEN = "webhook-token-abcdefghijklmnopqrstuvwxyz"
RELEASE = {"tag_name": "v1.12.0", "name": "KOOK Forwarder 1.12.0", "body": "修复若干问题",
           "html_url": "https://github.com/gfchfjh/CSBJJWT/releases/tag/v1.12.0",
           "published_at": "2025-11-01T00:00:00Z",
           "assets": [{"name": "KOOK-Forwarder-1.12.0-Setup.exe", "size": 1000,
                       "browser_download_url": "https://github.com/x/releases/download/v1.12.0/Setup.exe"}]}


def contract_examples() -> tuple[dict[str, tuple[Any, Any]], list[Any]]:
    """{"METHOD /path?query": (the request's body text or "", the example)} for the examples under a request, and
    the examples without one."""
    paired: dict[str, tuple[Any, Any]] = {}
    unpaired: list[Any] = []
    request = body = None
    for match in BLOCK.finditer(CONTRACT.read_text(encoding="utf-8")):
        heading, language, text = match.groups()
        if heading:
            request = None  # an example belongs to the request of its own section
        elif language == "http":
            request, _, rest = text.partition("\n")
            request = request.strip()
            body = rest.split("\n\n", 1)[1] if "\n\n" in rest else ""  # after the headers
        elif language == "json":
            example = json.loads(text.replace("[...]", "[]"))  # the export's elided rows
            if request is None:
                unpaired.append(example)
            else:
                assert request not in paired, f"two examples for {request}"
                paired[request] = (body, example)
    return paired, unpaired


def kind(value: Any) -> str:
    if isinstance(value, bool):
        return "boolean"
    if isinstance(value, int | float):
        return "number"
    return type(value).__name__


def mismatches(ours: Any, example: Any, where: str = "") -> list[str]:
    """Where our answer lacks a field of the example or has another JSON type ([] if it has the example's shape)."""
    if example is None:
        return []
    if kind(ours) != kind(example):
        return [f"{where or '.'}: {kind(ours)} {ours!r}, the example has {kind(example)} {example!r}"]
    if isinstance(example, dict):
        found = []
        for key, value in example.items():
            if key not in ours:
                found.append(f"{where}.{key}: missing")
            else:
                found += mismatches(ours[key], value, f"{where}.{key}")
        return found
    if isinstance(example, list) and example:
        if not ours:
            return [f"{where}: empty, the example has rows"]
        return mismatches(ours[0], example[0], f"{where}[0]")
    return []


def set_up(api, fake) -> dict[str, Any]:
    """One of everything the examples show: an account with a KOOK server, a Discord bot, a mapping, log rows, a
    release on GitHub. Answers the ids the contract's paths name."""
    scripted_kook(fake, [{"id": "1234567890", "name": "游戏公会", "icon": "https://img.kookapp.cn/icon.png"}],
                  {"1234567890": [{"id": "9876543210", "name": "公告频道", "type": 1}]})
    fake.respond(json={"id": "m1"}, path="/api/webhooks/")
    fake.respond(json=RELEASE, path="/repos/gfchfjh/CSBJJWT/releases/latest")
    cookie = json.dumps([{"name": "token", "value": "xxx", "domain": ".kookapp.cn"}])
    account = api.post("/api/accounts", {"email": "first@example.com", "cookie": cookie})
    assert account.status == 200, account.body
    account_store.mark_active(account.body["account_id"])  # the example's account has delivered events
    bot = api.post("/api/bots", {"platform": "discord", "name": "游戏公告Bot",
                                 "config": {"webhook_url": f"{fake.url}/api/webhooks/123456789012345678/"
                                                           f"{WEBHOOK_TOKEN}"}})
    assert bot.status == 200, bot.body
    mapping = api.post("/api/mappings", {"kook_server_id": "1234567890", "kook_channel_id": "9876543210",
                                         "kook_channel_name": "公告频道", "target_platform": "discord",
                                         "target_bot_id": bot.body["bot_id"],
                                         "target_channel_id": "discord_channel_123"})
    assert mapping.status == 200, mapping.body
    for index, status in enumerate(("success", "failed")):
        record_delivery(Delivery(kook_message_id=f"msg_{index}", target=str(bot.body["bot_id"]), status=status,
                                 target_platform="discord", kook_channel_id="9876543210",
                                 target_channel="discord_ch_789", target_bot_id=bot.body["bot_id"],
                                 mapping_id=mapping.body["mapping_id"], content="测试消息", sender_name="用户A",
                                 latency_ms=1234))
    return {"account_id": account.body["account_id"], "bot_id": bot.body["bot_id"],
            "mapping_id": mapping.body["mapping_id"], "server_id": "1234567890"}


# Where we differ from an example on purpose, documented in docs/kook.md (nothing else may differ).
DEVIATIONS = {
    # Logs: a row is keyed per message and target; an integer id would need a counter write per delivery.
    "GET /api/logs?limit=100&status=success&platform=discord": [
        ".data[0].id: str 'msg_0:{bot_id}', the example has number 1"],
}
# The contract's login body has a placeholder password: ours.
BODIES = {"POST /api/auth/login": {"password": "admin-pass-1"}}
# Every request of the contract with a response example; each runs in the default style (nothing sets
# LIST_RESPONSE_STYLE).
EXPECTED_REQUESTS = {
    "GET /api/accounts", "POST /api/accounts", "POST /api/accounts/{account_id}/start",
    "GET /api/accounts/{account_id}/servers", "GET /api/accounts/{account_id}/channels?server_id=1234567890",
    "GET /api/bots?platform=discord", "POST /api/bots/{bot_id}/test", "GET /api/mappings",
    "GET /api/mappings/export", "GET /api/logs?limit=100&status=success&platform=discord",
    "GET /api/logs/stats?period=today",
    "GET /api/system/status", "GET /api/cache/stats", "POST /api/auth/login", "POST /api/backup/create",
    "GET /api/health/check", "GET /api/updates/check",
}


def test_the_contract_has_the_examples_this_file_checks():
    paired, unpaired = contract_examples()
    assert set(paired) == EXPECTED_REQUESTS
    assert json.loads(paired["POST /api/accounts"][0])["email"] == "user@example.com"  # bodies are read too
    assert [example.get("type") for example in unpaired] == ["log", None]  # the push, the error body
    assert unpaired[1]["success"] is False


@pytest.mark.parametrize("request_line", sorted(EXPECTED_REQUESTS))
def test_each_example_holds_in_the_default_style(api, fake, request_line):
    assert "LIST_RESPONSE_STYLE" not in api.overrides
    ids = set_up(api, fake)
    body, example = contract_examples()[0][request_line]
    method, target = request_line.split(" ", 1)
    path, _, query = target.format(**ids).partition("?")
    answer = api.request(method, path, BODIES.get(request_line, json.loads(body) if body else None), query=query)
    assert answer.status == 200, answer.body
    assert mismatches(answer.body, example) == [line.format(**ids) for line in DEVIATIONS.get(request_line, [])]


def test_the_error_example_holds(api):
    example = contract_examples()[1][1]
    answer = api.post("/api/accounts", {"email": "user@example.com", "cookie": "[{not json"})
    assert answer.status == 400, answer.body
    assert answer.body["error_code"] == example["error_code"]
    assert mismatches(answer.body, example) == []
