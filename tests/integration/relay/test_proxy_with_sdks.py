"""The relay's proxy app under uvicorn (in this process), real HTTP to the fake upstreams, the official SDKs as
clients: chats, streams and tool calls on every API; the usage the relay recorded equals the fake's usage
fields; failover from a 429 and from an error as the first event; gzip from upstream; the SSRF guard."""

from __future__ import annotations

import json
import socket
import threading
import time

import anthropic
import httpx
import openai
import pytest
import uvicorn

from devstack.fake_llm import TEXT, TOOL_ARGUMENTS, USAGE, FakeLLM
from relay.logic import proxy_setup
from relay.logic.proxy_engine import Engine
from relay.logic.proxy_pool import Credential, InMemoryPool, OpenGate, UpstreamAccount
from relay.logic.usage_parsing import Usage
from relay.providers.upstream_http import HttpTransport
from relay.routes.proxy import app

TOOL = {"name": "get_weather", "description": "Weather", "input_schema": {"type": "object", "properties": {}}}
EXPECTED = Usage(USAGE.input_tokens, USAGE.output_tokens, USAGE.cache_creation_tokens, USAGE.cache_read_tokens)
EXPECTED_OPENAI = Usage(USAGE.input_tokens, USAGE.output_tokens, 0, USAGE.cache_read_tokens)


@pytest.fixture(scope="module")
def fakes():
    with FakeLLM() as primary, FakeLLM() as secondary:
        yield primary, secondary


@pytest.fixture(scope="module")
def served():
    sock = socket.socket()
    sock.bind(("127.0.0.1", 0))
    server = uvicorn.Server(uvicorn.Config(app, log_level="warning", lifespan="off"))
    thread = threading.Thread(target=server.run, kwargs={"sockets": [sock]}, daemon=True)
    thread.start()
    while not server.started:
        time.sleep(0.02)
    yield f"http://127.0.0.1:{sock.getsockname()[1]}"
    server.should_exit = True
    thread.join(10)


def _account(account_id, kind, platform, base, priority=50):
    return UpstreamAccount(id=account_id, type=kind, platform=platform, base_url=base, priority=priority,
                           credential=Credential(api_key=f"upstream-{account_id}"))


@pytest.fixture
def relay(fakes, served, monkeypatch):
    primary, secondary = fakes
    primary.reset()
    secondary.reset()
    pool = InMemoryPool([_account("a1", "claude-console", "claude", primary.url, 90),
                         _account("a2", "claude-console", "claude", secondary.url),
                         _account("o1", "openai", "openai", primary.url + "/v1", 90),
                         _account("o2", "openai", "openai", secondary.url + "/v1"),
                         _account("g1", "gemini-api", "gemini", primary.url + "/v1beta", 90)])
    gate = OpenGate()
    engine = Engine(gate, pool, HttpTransport((primary.url, secondary.url)), first_byte_timeout=10)
    monkeypatch.setattr(proxy_setup, "engine", lambda: engine)
    return served, pool, gate, primary, secondary


def result(gate, number):
    """The gate's `number`-th result. The engine records it when the request has ended, after the answer's last
    byte, and a whole answer carries content-length: the client may have read it first."""
    deadline = time.monotonic() + 10
    while len(gate.results) < number and time.monotonic() < deadline:
        time.sleep(0.01)
    assert len(gate.results) >= number, gate.results
    return gate.results[number - 1]


def claude_client(base):
    return anthropic.Anthropic(api_key="sk-relay", base_url=base + "/claude", max_retries=0)


def openai_client(base):
    return openai.OpenAI(api_key="sk-relay", base_url=base + "/openai/v1", max_retries=0)


def test_anthropic_chat_stream_and_tool_call_with_usage_recorded(relay):
    base, _, gate, primary, _ = relay
    claude = claude_client(base)
    message = claude.messages.create(model="claude-sonnet-4-5", max_tokens=32,
                                     messages=[{"role": "user", "content": "hi"}])
    assert message.content[0].text == TEXT
    assert result(gate, 1).usage == EXPECTED
    with claude.messages.stream(model="claude-sonnet-4-5", max_tokens=32,
                                messages=[{"role": "user", "content": "hi"}]) as stream:
        assert "".join(stream.text_stream) == TEXT
    assert result(gate, 2).usage == EXPECTED
    assert result(gate, 2).stream
    with claude.messages.stream(model="claude-sonnet-4-5", max_tokens=32, tools=[TOOL],
                                messages=[{"role": "user", "content": "weather?"}]) as stream:
        final = stream.get_final_message()
    assert next(b for b in final.content if b.type == "tool_use").input == TOOL_ARGUMENTS
    sent = primary.requests[-1]
    assert sent.json["tools"] == [TOOL]
    assert sent.headers["x-api-key"] == "upstream-a1"
    assert "sk-relay" not in json.dumps(dict(sent.headers))


def test_openai_chat_and_responses_with_usage_recorded(relay):
    base, _, gate, primary, _ = relay
    oai = openai_client(base)
    chunks = list(oai.chat.completions.create(model="gpt-4o", stream=True,
                                              messages=[{"role": "user", "content": "hi"}]))
    assert "".join(c.choices[0].delta.content or "" for c in chunks if c.choices) == TEXT
    assert result(gate, 1).usage == EXPECTED_OPENAI  # counted although the client did not ask for usage
    tool = {"type": "function", "function": {"name": "get_weather", "parameters": {"type": "object"}}}
    answer = oai.chat.completions.create(model="gpt-4o", tools=[tool], messages=[{"role": "user", "content": "?"}])
    assert json.loads(answer.choices[0].message.tool_calls[0].function.arguments) == TOOL_ARGUMENTS
    responses = openai.OpenAI(api_key="sk-relay", base_url=base + "/v1", max_retries=0)
    events = list(responses.responses.create(model="gpt-5", input="hi", stream=True))
    assert events[-1].type == "response.completed"
    assert "".join(e.delta for e in events if e.type == "response.output_text.delta") == TEXT
    assert result(gate, 3).usage == EXPECTED_OPENAI
    assert primary.requests[-1].path == "/v1/responses"


def test_gemini_chat_in_openai_style(relay):
    base, _, gate, primary, _ = relay
    answer = httpx.post(base + "/gemini/v1/chat", json={"model": "gemini-2.5-flash",
                                                         "messages": [{"role": "user", "content": "hi"}]})
    assert answer.status_code == 200
    assert answer.json()["candidates"][0]["content"]["parts"][0]["text"] == TEXT
    assert primary.requests[-1].path == "/v1beta/models/gemini-2.5-flash:generateContent"
    assert primary.requests[-1].json == {"contents": [{"role": "user", "parts": [{"text": "hi"}]}]}
    assert result(gate, 1).usage == EXPECTED_OPENAI


def test_a_429_fails_over_and_the_account_rests_until_its_reset(relay):
    base, pool, gate, primary, secondary = relay
    primary.rate_limit(reset_seconds=30, api="claude")
    message = claude_client(base).messages.create(model="m", max_tokens=8, messages=[{"role": "user", "content": "x"}])
    assert message.content[0].text == TEXT
    assert [r.path for r in primary.requests] == ["/v1/messages"]
    assert [r.path for r in secondary.requests] == ["/v1/messages"]
    assert result(gate, 1).account_id == "a2"
    assert pool.resting["a1"] == pytest.approx(time.time() + 30, abs=5)
    claude_client(base).messages.create(model="m", max_tokens=8, messages=[{"role": "user", "content": "x"}])
    assert len(primary.requests) == 1  # still resting: the next request goes to a2 at once


def test_an_error_as_the_first_event_fails_over_before_the_client_sees_a_byte(relay):
    base, pool, _, primary, secondary = relay
    primary.error_first_event("overloaded_error", api="openai")
    oai = openai_client(base)
    chunks = list(oai.chat.completions.create(model="gpt-4o", stream=True, messages=[{"role": "user", "content": "x"}]))
    assert "".join(c.choices[0].delta.content or "" for c in chunks if c.choices) == TEXT
    assert len(secondary.requests) == 1
    deadline = time.monotonic() + 10  # the second attempt is released after the stream's last byte
    while len(pool.outcomes) < 2 and time.monotonic() < deadline:
        time.sleep(0.01)
    assert [(account, outcome.kind) for account, outcome in pool.outcomes] == [("o1", "stream_error"), ("o2", "ok")]


def test_a_gzipped_stream_from_upstream_reaches_the_client_decoded(relay):
    base, _, _, primary, _ = relay
    primary.gzip(api="claude")
    with claude_client(base).messages.stream(model="m", max_tokens=8,
                                             messages=[{"role": "user", "content": "x"}]) as stream:
        assert "".join(stream.text_stream) == TEXT


def test_an_account_on_a_private_address_is_never_called(relay, monkeypatch):
    base, _, _, primary, _ = relay
    hidden = FakeLLM().start()
    try:
        pool = InMemoryPool([_account("x1", "claude-console", "claude", hidden.url)])
        engine = Engine(OpenGate(), pool, HttpTransport((primary.url,)))  # hidden.url is not trusted
        monkeypatch.setattr(proxy_setup, "engine", lambda: engine)
        answer = httpx.post(base + "/claude/v1/messages", json={"model": "m", "messages": []})
        assert answer.status_code == 502
        assert answer.json()["error"]["type"] == "upstream_unavailable"
        assert hidden.requests == []
        assert "non-public" in pool.outcomes[0][1].message  # refused as text, before any connection
    finally:
        hidden.stop()
