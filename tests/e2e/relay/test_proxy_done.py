"""Issue 15's "done when", through the local stack as a process (devstack: moto, the Lambda emulation, the SQS
event source, uvicorn for the proxy app): keys made through the user API, accounts through the admin API.

- the official openai and anthropic SDKs complete a chat, a streamed chat and a tool call against the fakes, and
  the usage the relay recorded (written by the usage worker from the queue) equals the fakes' usage fields;
- failover: the first account answers 429, the second serves; the first is rate_limited until its reset, and the
  maintenance schedule brings it back after;
- limits refuse with their documented codes before the upstream is called (the fake records no request);
- 50 concurrent requests against a concurrency limit of 5 never have more than 5 in flight at the upstream.
"""

from __future__ import annotations

import concurrent.futures
import datetime as dt
import json
import time

import anthropic
import httpx
import openai
import pytest

from devstack.fake_llm import TEXT, TOOL_ARGUMENTS, USAGE
from tests.support.devstack_process import wait_until

CLAUDE_MODEL = "claude-sonnet-4-5-20250929"
HI = [{"role": "user", "content": "hi"}]
CLAUDE_TOOL = {"name": "get_weather", "description": "Weather", "input_schema": {"type": "object", "properties": {}}}
OPENAI_TOOL = {"type": "function", "function": {"name": "get_weather", "parameters": {"type": "object"}}}


def send(relay, key, model=CLAUDE_MODEL):
    return httpx.post(relay.base + "/claude/v1/messages", headers={"x-api-key": key}, timeout=60,
                      json={"model": model, "max_tokens": 8, "messages": HI})


def key_usage(relay, owner):
    key_id = relay.call("GET", "/api/api-keys", owner)[0]["id"]
    return relay.call("GET", f"/api/api-keys/{key_id}/usage", owner)


def test_the_sdks_chat_stream_and_call_tools_and_the_usage_recorded_equals_the_fakes(clean, llms):
    relay, (fake, _) = clean, llms
    relay.account(type="claude-console", base_url=fake.url, api_key="sk-ant-upstream")
    relay.account(type="openai", base_url=fake.url, api_key="sk-openai-upstream")
    owner = relay.user()
    key = relay.key(owner)
    claude = anthropic.Anthropic(api_key=key, base_url=relay.base + "/claude", max_retries=0)
    assert claude.messages.create(model=CLAUDE_MODEL, max_tokens=32, messages=HI).content[0].text == TEXT
    with claude.messages.stream(model=CLAUDE_MODEL, max_tokens=32, messages=HI) as stream:
        assert "".join(stream.text_stream) == TEXT
    with claude.messages.stream(model=CLAUDE_MODEL, max_tokens=32, tools=[CLAUDE_TOOL],
                                messages=[{"role": "user", "content": "weather?"}]) as stream:
        final = stream.get_final_message()
    assert next(b for b in final.content if b.type == "tool_use").input == TOOL_ARGUMENTS
    oai = openai.OpenAI(api_key=key, base_url=relay.base + "/openai/v1", max_retries=0)
    assert oai.chat.completions.create(model="gpt-4.1", messages=HI).choices[0].message.content == TEXT
    chunks = list(oai.chat.completions.create(model="gpt-4.1", stream=True, messages=HI))
    assert "".join(c.choices[0].delta.content or "" for c in chunks if c.choices) == TEXT
    called = oai.chat.completions.create(model="gpt-4.1", tools=[OPENAI_TOOL], messages=HI)
    assert json.loads(called.choices[0].message.tool_calls[0].function.arguments) == TOOL_ARGUMENTS
    assert len(fake.requests) == 6
    usage = wait_until(lambda: (found := key_usage(relay, owner))["total_requests"] == 6 and found,
                       message="six requests counted by the usage worker")
    # Anthropic reports all four buckets; OpenAI has no cache writes (its input is prompt minus cached tokens)
    assert (usage["input_tokens"], usage["output_tokens"], usage["cache_creation_input_tokens"],
            usage["cache_read_input_tokens"]) == (6 * USAGE.input_tokens, 6 * USAGE.output_tokens,
                                                  3 * USAGE.cache_creation_tokens, 6 * USAGE.cache_read_tokens)
    logs = relay.call("GET", "/api/usage/records", owner)
    assert len(logs["items"]) == 6


def test_a_429_fails_over_and_the_account_rests_until_its_reset(clean, llms):
    relay, (first, second) = clean, llms
    resting = relay.account(type="claude-console", base_url=first.url, api_key="sk-ant-1", priority=90)
    relay.account(type="claude-console", base_url=second.url, api_key="sk-ant-2", priority=50)
    key = relay.key(relay.user())
    first.rate_limit(reset_seconds=3, api="claude")
    assert send(relay, key).json()["content"][0]["text"] == TEXT
    assert (len(first.requests), len(second.requests)) == (1, 1)
    state = relay.call("GET", f"/api/admin/accounts/{resting['id']}", relay.admin)
    assert state["status"] == "rate_limited"
    reset = dt.datetime.fromisoformat(state["rate_limit_reset_at"].replace("Z", "+00:00")).timestamp()
    assert send(relay, key).status_code == 200
    assert len(first.requests) == 1, "resting until its reset"
    time.sleep(max(0.0, reset - time.time()) + 0.5)
    relay.stack.fire("relay.MaintenanceFunction.EveryMinute")
    assert relay.call("GET", f"/api/admin/accounts/{resting['id']}", relay.admin)["status"] == "valid"
    assert send(relay, key).status_code == 200
    assert len(first.requests) == 2


def test_limits_refuse_before_the_upstream_is_called(clean, llms):
    relay, (fake, _) = clean, llms
    relay.account(type="claude-console", base_url=fake.url, api_key="sk-ant-upstream")
    owner = relay.user()
    per_minute = relay.key(owner, rate_limit=1)
    assert send(relay, per_minute).status_code == 200
    refused = send(relay, per_minute)
    assert (refused.status_code, refused.json()["error"]["type"]) == (429, "rate_limit")
    openai_only = relay.key(owner, allowed_platforms="openai")
    refused = send(relay, openai_only)
    assert (refused.status_code, refused.json()["error"]["type"]) == (403, "platform_forbidden")
    daily = relay.key(owner, daily_limit=1)
    assert send(relay, daily).status_code == 200
    wait_until(lambda: key_usage(relay, owner)["today"]["requests"] == 1, message="the request counted")
    refused = send(relay, daily)
    assert (refused.status_code, refused.json()["error"]["type"]) == (403, "daily_limit")
    assert len(fake.requests) == 2


@pytest.mark.parametrize("limited", ["user", "account"])
def test_50_concurrent_requests_never_have_more_than_5_in_flight(clean, llms, limited):
    relay, (fake, _) = clean, llms
    relay.account(type="claude-console", base_url=fake.url, api_key="sk-ant-upstream",
                  max_concurrency=5 if limited == "account" else 100)
    owner = relay.user(max_concurrency=5 if limited == "user" else 100)
    key = relay.key(owner, rate_limit=1000)
    fake.slow_first_byte(0.5, times=None)
    with concurrent.futures.ThreadPoolExecutor(50) as pool:
        answers = list(pool.map(lambda _n: send(relay, key), range(50)))
    statuses = [a.status_code for a in answers]
    assert set(statuses) <= {200, 429}
    assert statuses.count(200) >= 5
    assert 1 <= fake.max_in_flight <= 5
    expected = "user_concurrency_limit" if limited == "user" else "account_concurrency_limit"
    assert {a.json()["error"]["type"] for a in answers if a.status_code == 429} <= {expected}
