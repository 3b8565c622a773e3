"""API v8 context management for a device (issue 18 item 3; the client's ContextClient): the device token as
`Authorization: Bearer dt_…` or `X-Device-Token`, messages with token estimates and stats, compaction into an
archive with a summary, auto-save, archives and summaries, crash recovery; another device's session is not
found."""

from __future__ import annotations

import pytest

from ccjk import clock
from tests.integration.ccjk.market.support import Market, unique

pytestmark = pytest.mark.integration


def bearer(token: str) -> dict[str, str]:
    return {"Authorization": f"Bearer {token}"}


def add(market: Market, token: str, session: str, role: str, content, **extra) -> dict:
    answer = market.call("POST", f"/api/v8/sessions/{session}/messages",
                         {"type": role, "role": role, "content": content, **extra}, headers=bearer(token))
    assert answer.status == 201, answer.text
    return answer.json["data"]


def test_messages_stats_and_ownership(market: Market):
    _device, token = market.device()
    session = unique("s")
    first = add(market, token, session, "user", "Refactor the login form please", metadata={"importance": 0.9})
    assert first["message"]["sessionId"] == session
    assert first["contextStats"]["messageCount"] == 1
    assert first["contextStats"]["turnCount"] == 1
    blocks = [{"type": "text", "text": "Here is the plan"}, {"type": "image", "source": {"type": "url"}},
              {"type": "tool_use", "id": "t1", "name": "edit", "input": {"path": "a.py"}}]
    second = add(market, token, session, "assistant", blocks)
    assert second["message"]["tokenEstimate"] >= 1600  # the image
    listed = market.get(f"/api/v8/sessions/{session}/messages", headers={"X-Device-Token": token}).json["data"]
    assert [m["uuid"] for m in listed["messages"]] == [first["message"]["uuid"], second["message"]["uuid"]]
    assert (listed["totalCount"], listed["hasMore"]) == (2, False)
    only_user = market.get(f"/api/v8/sessions/{session}/messages", query={"role": "user"}, headers=bearer(token))
    assert [m["role"] for m in only_user.json["data"]["messages"]] == ["user"]
    important = market.get(f"/api/v8/sessions/{session}/messages", query={"min_importance": "0.5"},
                           headers=bearer(token)).json["data"]
    assert important["totalCount"] == 1
    stats = market.get(f"/api/v8/sessions/{session}/stats", headers=bearer(token)).json["data"]
    assert stats["messageCount"] == 2
    assert stats["estimatedTokens"] == first["message"]["tokenEstimate"] + second["message"]["tokenEstimate"]
    same = market.get("/api/v8/context/stats", query={"session_id": session}, headers=bearer(token)).json["data"]
    assert same == stats
    # another device sees nothing of it
    _other, other_token = market.device()
    foreign = market.get(f"/api/v8/sessions/{session}/messages", headers=bearer(other_token))
    assert (foreign.status, foreign.json["message"]) == (404, "Session not found")
    assert market.get(f"/api/v8/sessions/{session}/messages").status == 401
    assert market.get(f"/api/v8/sessions/{session}/messages", headers=bearer("dt_forged")).status == 401
    gone = market.call("DELETE", f"/api/v8/sessions/{session}/messages/{first['message']['uuid']}",
                       headers=bearer(token))
    assert gone.status == 200, gone.text
    again = market.call("DELETE", f"/api/v8/sessions/{session}/messages/{first['message']['uuid']}",
                        headers=bearer(token))
    assert (again.status, again.json["message"]) == (404, "Message not found")
    assert market.get(f"/api/v8/sessions/{session}/stats", headers=bearer(token)).json["data"]["messageCount"] == 1


def test_estimate(market: Market):
    _device, token = market.device()
    answer = market.call("POST", "/api/v8/context/estimate", {"content": "a" * 400 + "```" + "b" * 70 + "```"},
                         headers=bearer(token))
    assert answer.status == 200, answer.text
    assert answer.json["data"]["breakdown"]["text"] == 100
    assert answer.json["data"]["breakdown"]["code"] == 22


def test_compact_archives_all_but_the_last_messages_with_a_summary(market: Market):
    _device, token = market.device()
    session = unique("c")
    for n in range(6):
        add(market, token, session, "user" if n % 2 == 0 else "assistant",
            f"Message {n}: we decided to use postgres for storage" if n == 2 else f"Message {n} about caching")
    before = market.get(f"/api/v8/sessions/{session}/stats", headers=bearer(token)).json["data"]
    result = market.call("POST", f"/api/v8/sessions/{session}/compact", {"keep_last_n": 2}, headers=bearer(token))
    assert result.status == 200, result.text
    data = result.json["data"]
    assert (data["originalMessageCount"], data["compactedMessageCount"], data["archivedMessageCount"]) == (6, 2, 4)
    assert data["tokensBefore"] == before["estimatedTokens"]
    assert data["tokensAfter"] == data["tokensBefore"] - data["tokensSaved"]
    assert "caching" in data["summary"]["topics"]
    assert data["summary"]["messageCount"] == 4
    stats = market.get(f"/api/v8/sessions/{session}/stats", headers=bearer(token)).json["data"]
    assert (stats["messageCount"], stats["estimatedTokens"]) == (2, data["tokensAfter"])
    assert stats["lastCompactedAt"] is not None
    archives = market.get(f"/api/v8/sessions/{session}/archives", headers=bearer(token)).json["data"]
    assert archives["totalCount"] == 1
    archive = market.get(f"/api/v8/sessions/{session}/archives/{data['archiveId']}", headers=bearer(token)).json
    assert next(m["content"] for m in archive["data"]["messages"]) == "Message 0 about caching"
    summary = market.get(f"/api/v8/sessions/{session}/summary", headers=bearer(token)).json["data"]["summary"]
    assert summary["id"] == data["summary"]["id"]
    assert market.get(f"/api/v8/sessions/{session}/summaries/{summary['id']}", headers=bearer(token)).status == 200
    assert market.get(f"/api/v8/sessions/{session}/summaries", headers=bearer(token)).json["data"]["totalCount"] == 1
    assert market.call("DELETE", f"/api/v8/sessions/{session}/archives/{data['archiveId']}",
                       headers=bearer(token)).status == 200
    missing = market.get(f"/api/v8/sessions/{session}/archives/{data['archiveId']}", headers=bearer(token))
    assert (missing.status, missing.json["message"]) == (404, "Archive not found")


def test_auto_save_and_summaries_of_a_new_session(market: Market):
    _device, token = market.device()
    session = unique("a")
    add(market, token, session, "user", "hello")
    assert market.get(f"/api/v8/sessions/{session}/summary", headers=bearer(token)).json["message"] == \
        "Summary not found"
    saved = market.call("POST", f"/api/v8/sessions/{session}/auto-save", {"trigger": "exit"}, headers=bearer(token))
    assert saved.status == 200, saved.text
    assert saved.json["data"]["messageCount"] == 1
    assert market.get(f"/api/v8/sessions/{session}/archives", headers=bearer(token)).json["data"]["archives"][0][
        "trigger"] == "exit"
    assert market.call("POST", f"/api/v8/sessions/{unique()}/auto-save", {}, headers=bearer(token)).status == 404


def test_crash_recovery(market: Market, monkeypatch):
    _device, token = market.device()
    saved = market.call("POST", "/api/v8/recovery/save", {"session_id": "s1", "pending_messages": [{"x": 1}],
                                                          "context_snapshot": {"cwd": "/src"}}, headers=bearer(token))
    assert saved.status == 201, saved.text
    recovery_id = saved.json["data"]["id"]
    items = market.get("/api/v8/recovery", headers=bearer(token)).json["data"]["items"]
    assert [(i["id"], i["pendingMessages"], i["contextSnapshot"]) for i in items] == [
        (recovery_id, [{"x": 1}], {"cwd": "/src"})]
    _other, other_token = market.device()
    assert market.get("/api/v8/recovery", headers=bearer(other_token)).json["data"]["items"] == []
    assert market.call("POST", f"/api/v8/recovery/{recovery_id}/recover", headers=bearer(other_token)).status == 404
    assert market.call("POST", f"/api/v8/recovery/{recovery_id}/recover", headers=bearer(token)).status == 200
    assert market.get("/api/v8/recovery", headers=bearer(token)).json["data"]["items"] == []
    kept = market.call("DELETE", "/api/v8/recovery/cleanup", query={"days": "7"}, headers=bearer(token))
    assert kept.json["data"]["deletedCount"] == 0
    later = clock.now() + 8 * 86400
    monkeypatch.setattr(clock, "now", lambda: later)
    cleaned = market.call("DELETE", "/api/v8/recovery/cleanup", query={"days": "7"}, headers=bearer(token))
    assert cleaned.json["data"]["deletedCount"] == 1
