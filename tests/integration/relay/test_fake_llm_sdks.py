"""The fake upstreams speak the real protocols: the official `anthropic` and `openai` SDKs, pointed straight at
devstack/fake_llm.py, complete chats, streams and tool calls, read usage with cache tokens, and raise their
usual typed errors for 429 / 529 / an error as the first event. Gemini (no SDK here) is read with httpx."""

from __future__ import annotations

import json

import anthropic
import httpx
import openai
import pytest

from devstack.fake_llm import TEXT, TOOL_ARGUMENTS, USAGE, FakeLLM

WEATHER_TOOL_ANTHROPIC = {"name": "get_weather", "description": "Weather for a place",
                          "input_schema": {"type": "object", "properties": {"location": {"type": "string"}}}}
WEATHER_TOOL_OPENAI = {"type": "function", "function": {"name": "get_weather", "description": "Weather",
                                                         "parameters": {"type": "object", "properties": {}}}}


@pytest.fixture
def fake():
    with FakeLLM() as server:
        yield server


@pytest.fixture
def claude(fake):
    return anthropic.Anthropic(api_key="sk-ant-test", base_url=fake.url, max_retries=0)


@pytest.fixture
def oai(fake):
    return openai.OpenAI(api_key="sk-test", base_url=fake.url + "/v1", max_retries=0)


def test_anthropic_message_with_cache_usage(claude, fake):
    message = claude.messages.create(model="claude-sonnet-4-5", max_tokens=100,
                                     messages=[{"role": "user", "content": "hi"}])
    assert message.content[0].text == TEXT
    assert (message.usage.input_tokens, message.usage.output_tokens) == (USAGE.input_tokens, USAGE.output_tokens)
    assert message.usage.cache_creation_input_tokens == USAGE.cache_creation_tokens
    assert message.usage.cache_read_input_tokens == USAGE.cache_read_tokens
    sent = fake.requests[-1].headers  # this SDK generation sends a bearer token and its own anthropic-version
    assert "sk-ant-test" in (sent.get("x-api-key") or sent.get("authorization") or "")


def test_anthropic_stream_accumulates_the_message(claude):
    with claude.messages.stream(model="claude-sonnet-4-5", max_tokens=100,
                                messages=[{"role": "user", "content": "hi"}]) as stream:
        text = "".join(stream.text_stream)
        final = stream.get_final_message()
    assert text == TEXT
    assert final.stop_reason == "end_turn"
    assert final.usage.output_tokens == USAGE.output_tokens
    assert final.usage.cache_read_input_tokens == USAGE.cache_read_tokens


def test_anthropic_tool_call_whole_and_streamed(claude):
    kwargs = {"model": "claude-sonnet-4-5", "max_tokens": 100, "tools": [WEATHER_TOOL_ANTHROPIC],
              "messages": [{"role": "user", "content": "weather in Paris?"}]}
    whole = claude.messages.create(**kwargs)
    assert whole.stop_reason == "tool_use"
    assert whole.content[1].input == TOOL_ARGUMENTS
    with claude.messages.stream(**kwargs) as stream:
        final = stream.get_final_message()
    tool_use = next(block for block in final.content if block.type == "tool_use")
    assert (tool_use.name, tool_use.input) == ("get_weather", TOOL_ARGUMENTS)


def test_anthropic_typed_errors(claude, fake):
    fake.rate_limit(reset_seconds=30)
    with pytest.raises(anthropic.RateLimitError) as limited:
        claude.messages.create(model="m", max_tokens=5, messages=[{"role": "user", "content": "x"}])
    assert limited.value.response.headers["retry-after"] == "30"
    assert limited.value.response.headers["anthropic-ratelimit-requests-reset"].endswith("Z")
    fake.overload(529)
    with pytest.raises(anthropic.APIStatusError) as overloaded:
        claude.messages.create(model="m", max_tokens=5, messages=[{"role": "user", "content": "x"}])
    assert overloaded.value.status_code == 529
    fake.error_first_event("overloaded_error")
    with (pytest.raises(anthropic.APIStatusError, match="overloaded"),
          claude.messages.stream(model="m", max_tokens=5, messages=[{"role": "user", "content": "x"}]) as s):
        list(s)


def test_anthropic_reads_a_gzipped_answer(claude, fake):
    fake.gzip()
    message = claude.messages.create(model="m", max_tokens=5, messages=[{"role": "user", "content": "x"}])
    assert message.content[0].text == TEXT


def test_openai_chat_whole_stream_and_usage_chunk(oai):
    whole = oai.chat.completions.create(model="gpt-4o", messages=[{"role": "user", "content": "hi"}])
    assert whole.choices[0].message.content == TEXT
    assert whole.usage.prompt_tokens == USAGE.input_tokens + USAGE.cache_read_tokens
    assert whole.usage.prompt_tokens_details.cached_tokens == USAGE.cache_read_tokens
    chunks = list(oai.chat.completions.create(model="gpt-4o", messages=[{"role": "user", "content": "hi"}],
                                              stream=True, stream_options={"include_usage": True}))
    assert "".join(c.choices[0].delta.content or "" for c in chunks if c.choices) == TEXT
    assert chunks[-1].choices == []
    assert chunks[-1].usage.completion_tokens == USAGE.output_tokens
    without = list(oai.chat.completions.create(model="gpt-4o", messages=[{"role": "user", "content": "hi"}],
                                               stream=True))
    assert all(c.usage is None for c in without)


def test_openai_tool_call_streamed(oai):
    chunks = list(oai.chat.completions.create(model="gpt-4o", stream=True, tools=[WEATHER_TOOL_OPENAI],
                                              messages=[{"role": "user", "content": "weather?"}]))
    arguments = "".join(c.choices[0].delta.tool_calls[0].function.arguments or ""
                        for c in chunks if c.choices and c.choices[0].delta.tool_calls)
    assert json.loads(arguments) == TOOL_ARGUMENTS
    assert chunks[-1].choices[0].finish_reason == "tool_calls"


def test_openai_rate_limit_is_a_typed_error(oai, fake):
    fake.rate_limit(reset_seconds=12)
    with pytest.raises(openai.RateLimitError) as limited:
        oai.chat.completions.create(model="gpt-4o", messages=[{"role": "user", "content": "hi"}])
    assert limited.value.response.headers["x-ratelimit-reset-requests"] == "12s"


def test_responses_whole_and_streamed(oai):
    whole = oai.responses.create(model="gpt-5", input="hi")
    assert whole.output_text == TEXT
    assert whole.usage.input_tokens_details.cached_tokens == USAGE.cache_read_tokens
    events = list(oai.responses.create(model="gpt-5", input="hi", stream=True))
    assert [e.type for e in events][:3] == ["response.created", "response.in_progress", "response.output_item.added"]
    assert events[-1].type == "response.completed"
    assert events[-1].response.usage.output_tokens == USAGE.output_tokens
    assert "".join(e.delta for e in events if e.type == "response.output_text.delta") == TEXT
    with oai.responses.stream(model="gpt-5", input="hi") as stream:
        final = stream.get_final_response()
    assert final.output_text == TEXT


def test_responses_function_call(oai):
    tool = {"type": "function", "name": "get_weather", "parameters": {"type": "object", "properties": {}}}
    answer = oai.responses.create(model="gpt-5", input="weather?", tools=[tool])
    call = answer.output[0]
    assert (call.type, call.name, json.loads(call.arguments)) == ("function_call", "get_weather", TOOL_ARGUMENTS)


def test_gemini_whole_and_streamed(fake):
    body = {"contents": [{"role": "user", "parts": [{"text": "hi"}]}]}
    whole = httpx.post(f"{fake.url}/v1beta/models/gemini-2.5-flash:generateContent", json=body).json()
    assert whole["candidates"][0]["content"]["parts"][0]["text"] == TEXT
    assert whole["usageMetadata"]["cachedContentTokenCount"] == USAGE.cache_read_tokens
    with httpx.stream("POST", f"{fake.url}/v1beta/models/gemini-2.5-flash:streamGenerateContent?alt=sse",
                      json=body) as response:
        raw = response.read()
    events = [json.loads(block[len(b"data: "):]) for block in raw.split(b"\r\n\r\n") if block]
    assert "".join(e["candidates"][0]["content"]["parts"][0]["text"] for e in events) == TEXT
    assert events[-1]["candidates"][0]["finishReason"] == "STOP"
