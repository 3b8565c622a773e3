"""The proxy through the local stack: relay's port streams for real (devstack serves the ASGI app under uvicorn,
Metadata.LocalDev.Asgi), so does the Function URL emulation, the official SDKs work through both, and a client
that hangs up closes the upstream request. The upstream is devstack/fake_llm.py in this process; the key and the
accounts are made through the relay's API (tests/support/relay_local.py).

Streaming is proven without timing: the fake sends the first event and then waits until the test has received
it; a relay that buffered would never deliver it (the test would time out)."""

from __future__ import annotations

import json
import threading

import anthropic
import httpx
import openai
import pytest

from devstack.fake_llm import TEXT, USAGE
from tests.support.lambda_events import REPO_ROOT

FIRST = b'event: message_start\ndata: {"type":"message_start","message":{"model":"m","usage":{"input_tokens":1}}}\n\n'
LAST = b'event: message_stop\ndata: {"type":"message_stop"}\n\n'
BODY = {"model": "claude-sonnet-4-5", "max_tokens": 16, "stream": True, "messages": [{"role": "user", "content": "x"}]}


@pytest.fixture(scope="module")
def fake(llms):
    return llms[0]


@pytest.fixture(scope="module")
def relay(local_relay, fake):
    """The stack, with a Claude and an OpenAI account on the fake and a user's key (made through the API)."""
    local_relay.account(type="claude-console", base_url=fake.url, api_key="sk-ant-upstream")
    local_relay.account(type="openai", base_url=fake.url, api_key="sk-upstream")
    key = local_relay.key(local_relay.user(), rate_limit=1000)
    yield local_relay.stack, key
    local_relay.forget_accounts()


def entry_points(relay) -> dict[str, str]:
    stack, _key = relay
    return {"gateway": stack.url("relay"), "function_url": stack.status["function_urls"]["relay.ProxyStreamFunction"]}


@pytest.mark.parametrize("entry", ["gateway", "function_url"])
def test_the_first_event_arrives_while_the_upstream_is_still_answering(relay, fake, entry):
    received_first = threading.Event()

    def held_stream(_request):
        def body():
            yield FIRST
            received_first.wait(30)  # the rest only once the client has the first event
            yield LAST
        return 200, {"Content-Type": "text/event-stream"}, body()

    fake.answer_with(held_stream, path="/v1/messages")
    with httpx.stream("POST", entry_points(relay)[entry] + "/claude/v1/messages", json=BODY, timeout=20,
                      headers={"x-api-key": relay[1]}) as answer:
        assert answer.status_code == 200
        assert answer.headers["content-type"].startswith("text/event-stream")
        pieces = answer.iter_bytes()
        got = b""
        while FIRST not in got:
            got += next(pieces)
        received_first.set()
        got += b"".join(pieces)
    assert got == FIRST + LAST


@pytest.mark.parametrize("entry", ["gateway", "function_url"])
def test_the_sdks_through_the_relay(relay, fake, entry):
    base, key = entry_points(relay)[entry], relay[1]
    claude = anthropic.Anthropic(api_key=key, base_url=base + "/claude", max_retries=0)
    with claude.messages.stream(model="claude-sonnet-4-5", max_tokens=32,
                                messages=[{"role": "user", "content": "hi"}]) as stream:
        assert "".join(stream.text_stream) == TEXT
        assert stream.get_final_message().usage.cache_read_input_tokens == USAGE.cache_read_tokens
    sent = fake.requests[-1]
    assert key not in json.dumps(dict(sent.headers))  # the client's key never reaches the upstream
    assert sent.headers["x-api-key"] == "sk-ant-upstream"
    oai = openai.OpenAI(api_key=key, base_url=base + "/openai/v1", max_retries=0)
    chunks = list(oai.chat.completions.create(model="gpt-4o", stream=True,
                                              messages=[{"role": "user", "content": "hi"}]))
    assert "".join(c.choices[0].delta.content or "" for c in chunks if c.choices) == TEXT
    assert all(c.usage is None for c in chunks)  # the usage chunk the relay asked for is not passed on


def test_a_client_that_hangs_up_closes_the_upstream_request(relay, fake):
    upstream_closed = threading.Event()

    def endless(_request):
        def body():
            try:
                yield FIRST
                for _ in range(600):
                    if fake.provider._stopping.wait(0.05):
                        return
                    yield b": ping\n\n"
            finally:
                upstream_closed.set()
        return 200, {"Content-Type": "text/event-stream"}, body()

    fake.answer_with(endless, path="/v1/messages")
    with httpx.stream("POST", relay[0].url("relay") + "/claude/v1/messages", json=BODY, timeout=20,
                      headers={"x-api-key": relay[1]}) as answer:
        pieces = answer.iter_bytes()
        got = b""
        while FIRST not in got:
            got += next(pieces)
    assert upstream_closed.wait(15), "the upstream kept streaming to a client that left"


def test_the_buffered_path_answers_the_same_bytes(relay):
    """POST /functions/relay.ProxyFunction/invoke: the Mangum handler in the Lambda emulation (what API Gateway
    runs in AWS) gives the whole stream at once, byte for byte what the streaming path sends."""
    event = json.loads((REPO_ROOT / "events" / "relay" / "proxy.json").read_text())
    event["body"] = json.dumps({**BODY, "stream": False})
    event["headers"]["x-api-key"] = relay[1]
    answer = httpx.post(f"{relay[0].control}/functions/relay.ProxyFunction/invoke", json=event, timeout=30).json()
    result = answer["result"]
    assert result["statusCode"] == 200
    assert json.loads(result["body"])["content"][0]["text"] == TEXT

