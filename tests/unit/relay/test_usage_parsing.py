"""Usage from the four formats, whole and streamed (incremental SSE parsing at any chunk boundary), with cache
tokens; fixtures are answers in the APIs' real formats (tests/fixtures/relay/)."""

from __future__ import annotations

import itertools

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from relay.logic.sse import SseSplitter, encode_event
from relay.logic.usage_parsing import StreamUsage, Usage, from_body
from tests.support.lambda_events import REPO_ROOT

FIXTURES = REPO_ROOT / "tests" / "fixtures" / "relay"
STREAMS = {
    "claude": ("anthropic_stream.sse", Usage(472, 15, 1024, 2048), "claude-sonnet-4-5-20250929"),
    "openai": ("openai_stream.sse", Usage(93, 46, 0, 1024), "gpt-4o-2024-08-06"),
    "responses": ("responses_stream.sse", Usage(628, 210, 0, 3072), "gpt-5-codex"),
    "gemini": ("gemini_stream.sse", Usage(266, 42, 0, 1024), "gemini-2.5-flash"),
}


def stream_usage(surface: str, chunks: list[bytes]) -> StreamUsage:
    meter, splitter = StreamUsage(surface), SseSplitter()
    for chunk in chunks:
        for event in splitter.feed(chunk):
            meter.feed(event)
    for event in splitter.flush():
        meter.feed(event)
    return meter


@pytest.mark.parametrize("surface", STREAMS)
def test_streamed_usage_in_one_piece(surface):
    name, expected, model = STREAMS[surface]
    meter = stream_usage(surface, [(FIXTURES / name).read_bytes()])
    assert meter.usage == expected
    assert meter.model == model
    assert meter.finished


@pytest.mark.parametrize("surface", STREAMS)
@settings(max_examples=25, deadline=None)
@given(cuts=st.lists(st.integers(min_value=1, max_value=4000), max_size=12))
def test_streamed_usage_is_the_same_at_any_chunk_boundary(surface, cuts):
    name, expected, _ = STREAMS[surface]
    data = (FIXTURES / name).read_bytes()
    points = sorted({c % len(data) for c in cuts} | {0, len(data)})
    chunks = [data[a:b] for a, b in itertools.pairwise(points)]
    assert stream_usage(surface, chunks).usage == expected


def test_every_byte_alone_still_parses():
    data = (FIXTURES / "gemini_stream.sse").read_bytes()  # CRLF framing: a CR may end one chunk, LF begin the next
    assert stream_usage("gemini", [data[i:i + 1] for i in range(len(data))]).usage == STREAMS["gemini"][1]


def test_anthropic_compatible_upstreams_send_the_whole_usage_in_message_delta():
    events = [
        encode_event({"type": "message_start", "message": {"model": "glm-4.6", "usage": {"input_tokens": 0,
                                                                                         "output_tokens": 0}}},
                     "message_start"),
        encode_event({"type": "message_delta", "delta": {"stop_reason": "end_turn"},
                      "usage": {"input_tokens": 900, "output_tokens": 40, "cache_read_input_tokens": 300}},
                     "message_delta"),
    ]
    assert stream_usage("claude", events).usage == Usage(900, 40, 0, 300)


def test_anthropic_cache_creation_given_only_per_ttl():
    body = {"usage": {"input_tokens": 10, "output_tokens": 2,
                      "cache_creation": {"ephemeral_5m_input_tokens": 100, "ephemeral_1h_input_tokens": 50}}}
    assert from_body("claude", body)[0] == Usage(10, 2, 150, 0)


@pytest.mark.parametrize(("surface", "body", "expected"), [
    ("claude", {"model": "claude-opus-4-1", "usage": {"input_tokens": 21, "cache_creation_input_tokens": 188086,
                                                      "cache_read_input_tokens": 0, "output_tokens": 393}},
     (Usage(21, 393, 188086, 0), "claude-opus-4-1")),
    ("openai", {"model": "gpt-4.1", "usage": {"prompt_tokens": 2006, "completion_tokens": 300, "total_tokens": 2306,
                                              "prompt_tokens_details": {"cached_tokens": 1920}}},
     (Usage(86, 300, 0, 1920), "gpt-4.1")),
    ("responses", {"model": "o3", "usage": {"input_tokens": 36, "input_tokens_details": {"cached_tokens": 0},
                                            "output_tokens": 87, "output_tokens_details": {"reasoning_tokens": 64}}},
     (Usage(36, 87, 0, 0), "o3")),
    ("gemini", {"modelVersion": "gemini-2.5-pro", "usageMetadata": {"promptTokenCount": 8, "candidatesTokenCount": 11,
                                                                   "thoughtsTokenCount": 97, "totalTokenCount": 116}},
     (Usage(8, 108, 0, 0), "gemini-2.5-pro")),
])
def test_usage_of_whole_answers(surface, body, expected):
    assert from_body(surface, body) == expected


@pytest.mark.parametrize("body", [None, [], {"usage": None}, {"usage": {"input_tokens": "12", "output_tokens": -3}},
                                  {"usage": {"input_tokens": True}}])
def test_missing_or_odd_usage_counts_nothing(body):
    assert from_body("claude", body)[0] == Usage()


def test_openai_stream_without_the_usage_chunk_counts_nothing():
    data = (FIXTURES / "openai_stream.sse").read_bytes()
    without = b"\n\n".join(block for block in data.split(b"\n\n") if b'"choices":[]' not in block)
    meter = stream_usage("openai", [without])
    assert meter.usage == Usage()
    assert meter.finished


def test_the_splitter_keeps_raw_bytes_comments_and_multiline_data():
    splitter = SseSplitter()
    events = splitter.feed(b": keepalive\n\nevent: x\ndata: a\ndata: b\nid: 1\n\ndata: tail")
    assert [(e.comment, e.event, e.data) for e in events] == [(True, None, ""), (False, "x", "a\nb")]
    assert b"".join(e.raw for e in events) == b": keepalive\n\nevent: x\ndata: a\ndata: b\nid: 1\n\n"
    assert splitter.pending() == b"data: tail"
    assert [e.data for e in splitter.flush()] == ["tail"]
