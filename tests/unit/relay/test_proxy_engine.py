"""The passthrough engine on a scripted transport: bytes unchanged both ways but for the documented rewrites,
streams relayed chunk by chunk, failover only before the first byte (connection errors, account statuses, an
error as the first event, a silent upstream), keepalives, cancellation, and the relay's own errors in the
client's API format."""

from __future__ import annotations

import gzip
import json

import anyio
import pytest

from relay.logic.proxy_engine import Engine, Incoming
from relay.logic.proxy_pool import ClosedGate, Credential, InMemoryPool, OpenGate
from relay.logic.sse import encode_event
from tests.unit.relay.proxy_fakes import FakeTransport, RecordingSink, Script, account, json_answer, sse

CLAUDE_BODY = {"model": "claude-sonnet-4-5", "max_tokens": 64, "messages": [{"role": "user", "content": "hi"}],
               "tools": [{"name": "t", "input_schema": {"type": "object"}}], "metadata": {"user_id": "u1"}}
CLAUDE_MESSAGE = {"id": "msg_1", "type": "message", "model": "claude-sonnet-4-5", "content": [],
                  "usage": {"input_tokens": 10, "output_tokens": 4, "cache_read_input_tokens": 2}}


def claude_stream(text_pieces=("Hel", "lo")) -> list[bytes]:
    events = [encode_event({"type": "message_start", "message": {
        "model": "claude-sonnet-4-5", "usage": {"input_tokens": 10, "cache_creation_input_tokens": 3,
                                                "output_tokens": 1}}}, "message_start")]
    events += [encode_event({"type": "content_block_delta", "index": 0, "delta": {"type": "text_delta", "text": p}},
                            "content_block_delta") for p in text_pieces]
    events += [encode_event({"type": "message_delta", "delta": {"stop_reason": "end_turn"},
                             "usage": {"output_tokens": 5}}, "message_delta"),
               encode_event({"type": "message_stop"}, "message_stop")]
    return events


def run(engine: Engine, path: str, body, headers=None, *, raw: bytes | None = None):
    sink = RecordingSink()
    incoming = Incoming(request_id="r1", path=path, body=raw if raw is not None else json.dumps(body).encode(),
                        headers={"content-type": "application/json", "x-api-key": "sk-client", **(headers or {})})
    result = anyio.run(engine.run, incoming, sink)
    return sink, result


def make(scripts, accounts=None, **kwargs):
    transport = FakeTransport(scripts)
    pool = InMemoryPool(accounts or [account(name) for name in scripts])
    return Engine(OpenGate(), pool, transport, **kwargs), transport, pool


def test_the_body_reaches_the_upstream_unchanged_and_the_answer_comes_back_unchanged():
    raw = json.dumps(CLAUDE_BODY, indent=1).encode()  # odd formatting: byte-for-byte, not re-serialised
    answer = json_answer(CLAUDE_MESSAGE, headers=[("request-id", "req_9"), ("anthropic-ratelimit-tokens-limit", "1")])
    engine, transport, _ = make({"a1": [answer]})
    sink, result = run(engine, "/claude/v1/messages", None, {"authorization": "Bearer sk-client",
                                                             "anthropic-beta": "tools-2024", "cookie": "x=1",
                                                             "x-forwarded-for": "1.2.3.4"}, raw=raw)
    sent = transport.calls[0]
    assert sent["content"] == raw
    assert sent["url"] == "https://a1.example.com/v1/messages"
    assert sent["headers"]["x-api-key"] == "key-a1"
    assert "authorization" not in sent["headers"]
    assert sent["headers"]["anthropic-beta"] == "tools-2024"
    assert sent["headers"]["anthropic-version"] == "2023-06-01"
    assert "cookie" not in sent["headers"]
    assert "x-forwarded-for" not in sent["headers"]
    assert sink.status == 200
    assert json.loads(sink.body) == CLAUDE_MESSAGE
    assert sink.header("request-id") == "req_9"
    assert sink.header("anthropic-ratelimit-tokens-limit") is None
    assert (result.usage.input_tokens, result.usage.output_tokens, result.usage.cache_read_tokens) == (10, 4, 2)
    assert (result.outcome, result.attempts, result.account_id) == ("ok", 1, "a1")


def test_oauth_accounts_send_a_bearer_and_the_oauth_beta():
    oauth = account("a1", kind="claude-official", credential=Credential(bearer="tok"))
    engine, transport, _ = make({"a1": [json_answer(CLAUDE_MESSAGE)]}, [oauth])
    run(engine, "/claude/v1/messages", CLAUDE_BODY, {"anthropic-beta": "x"})
    headers = transport.calls[0]["headers"]
    assert headers["authorization"] == "Bearer tok"
    assert headers["anthropic-beta"] == "x,oauth-2025-04-20"
    assert "x-api-key" not in headers


def test_a_stream_is_relayed_chunk_by_chunk_with_its_usage():
    chunks = claude_stream()
    engine, _, _ = make({"a1": [sse(chunks)]})
    sink, result = run(engine, "/claude/v1/messages", {**CLAUDE_BODY, "stream": True})
    assert sink.status == 200
    assert sink.header("cache-control") == "no-cache"
    assert sink.header("x-accel-buffering") == "no"
    assert sink.body == b"".join(chunks)
    assert sink.sends[1:] == chunks[1:]  # after the held first event, one send per upstream chunk
    assert (result.usage.input_tokens, result.usage.output_tokens, result.usage.cache_creation_tokens) == (10, 5, 3)
    assert result.stream
    assert result.first_byte_ms is not None


def test_openai_done_is_kept_and_the_usage_chunk_the_relay_asked_for_is_not_passed_on():
    usage_chunk = b'data: {"choices":[],"usage":{"prompt_tokens":9,"completion_tokens":3}}\n\n'
    chunks = [b'data: {"choices":[{"index":0,"delta":{"content":"Hi"}}]}\n\n', usage_chunk, b"data: [DONE]\n\n"]
    body = {"model": "gpt-4o", "stream": True, "messages": [{"role": "user", "content": "hi"}]}
    engine, transport, _ = make({"o1": [sse(chunks)]}, [account("o1", "openai")])
    sink, result = run(engine, "/openai/v1/chat/completions", body)
    assert json.loads(transport.calls[0]["content"])["stream_options"] == {"include_usage": True}
    assert sink.body == chunks[0] + chunks[2]
    assert (result.usage.input_tokens, result.usage.output_tokens) == (9, 3)
    engine, transport, _ = make({"o1": [sse(chunks)]}, [account("o1", "openai")])
    asked = {**body, "stream_options": {"include_usage": True}}
    sink, _ = run(engine, "/openai/v1/chat/completions", asked)
    assert sink.body == b"".join(chunks)
    assert transport.calls[0]["content"] == json.dumps(asked).encode()


def test_account_type_prefix_and_model_mapping_are_the_only_body_rewrites():
    mapped = account("o1", "openai", model_mapping={"gpt-4o": "gpt-4o-2024-11-20"})
    engine, transport, pool = make({"o1": [json_answer({"usage": {}})]}, [mapped, account("o2", "openai", "azure")])
    run(engine, "/openai/v1/chat/completions", {"model": "openai,GPT-4o", "messages": [], "n": 2})
    assert json.loads(transport.calls[0]["content"]) == {"model": "gpt-4o-2024-11-20", "messages": [], "n": 2}
    assert pool.outcomes[0][0] == "o1"  # only accounts of the forced type


def test_failover_on_429_rests_the_account_until_its_reset():
    limited = json_answer({"type": "error", "error": {"type": "rate_limit_error", "message": "slow down"}}, 429,
                          [("retry-after", "30"), ("anthropic-ratelimit-requests-reset", "2030-01-01T00:00:00Z")])
    accounts = [account("a1", priority=90), account("a2", priority=10)]
    engine, transport, pool = make({"a1": [limited], "a2": [json_answer(CLAUDE_MESSAGE)]}, accounts)
    sink, result = run(engine, "/claude/v1/messages", CLAUDE_BODY)
    assert [c["account"] for c in transport.calls] == ["a1", "a2"]
    assert sink.status == 200
    assert (result.attempts, result.account_id) == (2, "a2")
    assert pool.resting["a1"] == pytest.approx(1893456000.0)  # the later of retry-after and the reset header
    assert pool.outcomes[0][1].status == 429
    assert pool.outcomes[0][1].fail_over


@pytest.mark.parametrize("first", [Script(fail="connect_error"), json_answer({"error": {}}, 529),
                                   json_answer({"error": {}}, 503), json_answer({"error": {}}, 401)])
def test_failover_on_connection_errors_and_account_statuses(first):
    engine, transport, _ = make({"a1": [first], "a2": [json_answer(CLAUDE_MESSAGE)]},
                                [account("a1", priority=90), account("a2")])
    sink, result = run(engine, "/claude/v1/messages", CLAUDE_BODY)
    assert sink.status == 200
    assert result.account_id == "a2"
    assert len(transport.calls) == 2


def test_an_error_as_the_first_event_fails_over_and_never_reaches_the_client():
    error = encode_event({"type": "error", "error": {"type": "overloaded_error", "message": "Overloaded"}}, "error")
    chunks = claude_stream()
    engine, transport, pool = make({"a1": [sse([b": ping\n\n", error])], "a2": [sse(chunks)]},
                                   [account("a1", priority=90), account("a2")])
    sink, _result = run(engine, "/claude/v1/messages", {**CLAUDE_BODY, "stream": True})
    assert sink.body == b"".join(chunks)
    assert b"overloaded" not in sink.body
    assert pool.outcomes[0][1].kind == "stream_error"
    assert pool.outcomes[0][1].error_type == "overloaded_error"
    assert transport.closed[0] == "a1"


def test_a_client_error_is_passed_through_without_failover():
    bad = json_answer({"type": "error", "error": {"type": "invalid_request_error", "message": "max_tokens"}}, 400)
    engine, transport, _ = make({"a1": [bad], "a2": [json_answer(CLAUDE_MESSAGE)]},
                                [account("a1", priority=90), account("a2")])
    sink, result = run(engine, "/claude/v1/messages", CLAUDE_BODY)
    assert sink.status == 400
    assert json.loads(sink.body)["error"]["type"] == "invalid_request_error"
    assert len(transport.calls) == 1
    assert result.outcome == "http_error"


def test_when_every_account_fails_the_client_gets_the_last_upstream_answer():
    limited = json_answer({"error": {"message": "Rate limit", "type": "requests"}}, 429, [("retry-after", "7")])
    engine, _transport, _ = make({"o1": [limited], "o2": [limited]}, [account("o1", "openai"), account("o2", "openai")])
    sink, result = run(engine, "/openai/v1/chat/completions", {"model": "gpt-4o", "messages": []})
    assert sink.status == 429
    assert sink.header("retry-after") == "7"
    assert json.loads(sink.body)["error"]["message"] == "Rate limit"
    assert result.attempts == 2


@pytest.mark.parametrize(("path", "body", "shape"), [
    ("/claude/v1/messages", CLAUDE_BODY, {"type": "error", "error": {"type": "no_available_account"}}),
    ("/openai/v1/chat/completions", {"model": "gpt-4o"}, {"error": {"type": "no_available_account"}}),
    ("/gemini/v1/chat", {"messages": []}, {"error": {"code": 503, "status": "UNAVAILABLE"}}),
])
def test_no_account_is_a_503_in_the_apis_own_error_format(path, body, shape):
    engine = Engine(OpenGate(), InMemoryPool([]), FakeTransport({}))
    sink, result = run(engine, path, body)
    answer = json.loads(sink.body)
    assert sink.status == 503
    assert result.outcome == "no_account"
    for key, value in shape.items():
        assert {k: answer[key][k] for k in value} == value if isinstance(value, dict) else answer[key] == value


def test_unreachable_upstreams_are_a_502():
    engine, _, _ = make({"a1": [Script(fail="connect_error")]})
    sink, _ = run(engine, "/claude/v1/messages", CLAUDE_BODY)
    assert sink.status == 502
    assert json.loads(sink.body)["error"]["type"] == "upstream_unavailable"


def test_a_silent_upstream_is_skipped_after_the_first_byte_timeout():
    engine, _transport, pool = make({"a1": [Script(head_delay=5)], "a2": [json_answer(CLAUDE_MESSAGE)]},
                                   [account("a1", priority=90), account("a2")], first_byte_timeout=0.05)
    sink, _ = run(engine, "/claude/v1/messages", CLAUDE_BODY)
    assert sink.status == 200
    assert pool.outcomes[0][1].kind == "timeout"


def test_keepalives_while_the_upstream_is_silent():
    chunks = claude_stream()
    slow = sse(chunks, head_delay=0.3, pause=0.3)
    engine, _, _ = make({"a1": [slow]}, keepalive_seconds=0.05)
    sink, _ = run(engine, "/claude/v1/messages", {**CLAUDE_BODY, "stream": True})
    assert sink.status == 200
    assert sink.sends[0] == b": keepalive\n\n"
    assert sink.body.replace(b": keepalive\n\n", b"") == b"".join(chunks)
    assert sink.sends.count(b": keepalive\n\n") >= 2  # before the first event and between events


def test_no_keepalive_for_a_request_that_did_not_ask_for_a_stream():
    engine, _, _ = make({"a1": [Script(head_delay=0.2, chunks=[json.dumps(CLAUDE_MESSAGE).encode()])]},
                        keepalive_seconds=0.02)
    sink, _ = run(engine, "/claude/v1/messages", CLAUDE_BODY)
    assert b"keepalive" not in sink.body
    assert json.loads(sink.body) == CLAUDE_MESSAGE


def test_after_the_first_byte_a_broken_stream_ends_with_an_error_event_and_no_failover():
    engine, transport, pool = make({"a1": [sse(claude_stream(), break_after=2)], "a2": [json_answer(CLAUDE_MESSAGE)]},
                                   [account("a1", priority=90), account("a2")])
    sink, result = run(engine, "/claude/v1/messages", {**CLAUDE_BODY, "stream": True})
    assert sink.body.endswith(b"\n\n")
    assert b"event: error" in sink.sends[-1]
    assert len(transport.calls) == 1
    assert result.outcome == "broken"
    assert pool.outcomes[0][1].fail_over is False


def test_a_client_that_goes_away_cancels_the_upstream_call():
    engine, transport, pool = make({"a1": [sse(claude_stream(("a",) * 50), pause=0.05)]})
    gate = engine.gate
    sink = RecordingSink()
    incoming = Incoming(request_id="r1", path="/claude/v1/messages",
                        body=json.dumps({**CLAUDE_BODY, "stream": True}).encode(), headers={})

    async def scenario():
        with anyio.move_on_after(0.3):
            await engine.run(incoming, sink)

    anyio.run(scenario)
    assert 0 < len(sink.sends) < 50
    assert transport.closed == ["a1"]  # the upstream response was closed
    assert pool.outcomes[0][1].kind == "cancelled"
    assert pool.in_flight["a1"] == 0
    assert gate.results[-1].outcome == "cancelled"


def test_without_keys_the_proxy_refuses_every_call_before_reading_the_body():
    engine = Engine(ClosedGate(), InMemoryPool([account("a1")]), FakeTransport({"a1": [json_answer({})]}))
    sink, result = run(engine, "/claude/v1/messages", None, raw=b"{not json")
    assert sink.status == 401
    assert json.loads(sink.body)["error"]["type"] == "authentication_error"
    assert result.outcome == "refused"


@pytest.mark.parametrize(("raw", "status"), [(b"[1]", 400), (b"{bad", 400), (b'{"messages": []}', 400),
                                             (b'{"model": "m", "stream": "yes"}', 400)])
def test_unreadable_bodies_are_400s(raw, status):
    engine, transport, _ = make({"a1": [json_answer({})]})
    sink, _ = run(engine, "/claude/v1/messages", None, raw=raw)
    assert sink.status == status
    assert transport.calls == []


def test_a_gzipped_request_body_is_read():
    engine, transport, _ = make({"a1": [json_answer(CLAUDE_MESSAGE)]})
    sink, _ = run(engine, "/claude/v1/messages", None, {"content-encoding": "gzip"},
                  raw=gzip.compress(json.dumps(CLAUDE_BODY).encode()))
    assert sink.status == 200
    assert json.loads(transport.calls[0]["content"]) == CLAUDE_BODY
    assert "content-encoding" not in transport.calls[0]["headers"]


def test_gemini_chat_converts_openai_style_messages_and_names_the_model_in_the_url():
    answer = json_answer({"candidates": [], "usageMetadata": {"promptTokenCount": 4, "candidatesTokenCount": 2}})
    engine, transport, _ = make({"g1": [answer]}, [account("g1", "gemini")])
    body = {"messages": [{"role": "system", "content": "be brief"}, {"role": "user", "content": "hi"},
                         {"role": "assistant", "content": [{"type": "text", "text": "yo"}]}],
            "max_tokens": 9, "stop": "END",
            "tools": [{"type": "function", "function": {"name": "f", "parameters": {"type": "object"}}}]}
    _sink, result = run(engine, "/gemini/v1/chat", body)
    call = transport.calls[0]
    assert call["url"] == "https://g1.example.com/models/gemini-pro:generateContent"
    assert call["headers"]["x-goog-api-key"] == "key-g1"
    assert json.loads(call["content"]) == {
        "contents": [{"role": "user", "parts": [{"text": "hi"}]}, {"role": "model", "parts": [{"text": "yo"}]}],
        "systemInstruction": {"parts": [{"text": "be brief"}]},
        "generationConfig": {"maxOutputTokens": 9, "stopSequences": ["END"]},
        "tools": [{"functionDeclarations": [{"name": "f", "parameters": {"type": "object"}}]}]}
    assert (result.usage.input_tokens, result.usage.output_tokens) == (4, 2)


def test_gemini_native_bodies_lose_only_the_relays_fields():
    engine, transport, _ = make({"g1": [sse([b'data: {"candidates":[]}\r\n\r\n'])]}, [account("g1", "gemini")])
    native = {"contents": [{"parts": [{"text": "hi"}]}], "safetySettings": [], "generationConfig": {"topK": 3}}
    run(engine, "/gemini/v1/chat", {**native, "model": "gemini-2.5-pro", "stream": True})
    call = transport.calls[0]
    assert call["url"].endswith("/models/gemini-2.5-pro:streamGenerateContent?alt=sse")
    assert json.loads(call["content"]) == native


def test_responses_sessions_stick_to_one_account():
    accounts = [account(f"c{i}", "openai", "openai-responses") for i in range(4)]
    engine, transport, pool = make({a.id: [json_answer({})] for a in accounts}, accounts)
    for _ in range(6):
        run(engine, "/v1/responses", {"model": "gpt-5", "input": "hi"}, {"session_id": "s-1"})
    assert len({c["account"] for c in transport.calls}) == 1
    assert len(pool.sessions) == 1
    assert transport.calls[0]["url"].endswith("/responses")


def test_codex_accounts_get_a_bearer_and_their_account_id():
    codex = account("c1", "openai", "openai-responses", credential=Credential(bearer="tok"), organization_id="org-1")
    engine, transport, _ = make({"c1": [json_answer({})]}, [codex])
    run(engine, "/openai/v1/responses/compact", {"model": "gpt-5", "input": "hi"})
    call = transport.calls[0]
    assert call["url"] == "https://c1.example.com/responses/compact"
    assert call["headers"]["chatgpt-account-id"] == "org-1"
    assert call["headers"]["authorization"] == "Bearer tok"
