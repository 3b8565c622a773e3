"""Fake LLM upstreams on 127.0.0.1: Anthropic Messages, OpenAI Chat Completions, the OpenAI Responses API and
Gemini generateContent / streamGenerateContent, on one recording FakeProvider (devstack/fake_provider.py).

The answers follow each API's real wire format closely enough for the official SDKs (tests point `openai` and
`anthropic` straight at it): whole JSON answers and SSE streams with the real event sequences, usage fields with
cache tokens, tool calls when the request offers tools, `[DONE]` for OpenAI Chat, CRLF framing for Gemini.

    with FakeLLM() as fake:
        fake.rate_limit(times=1, reset_seconds=30)   # next request: 429 with the API's reset headers
        fake.error_first_event()                     # next stream: 200, then an error as its first event
        ...
        fake.requests[-1].json                       # what the upstream received
        fake.max_in_flight                           # the most requests it was answering at once

Faults are consumed in the order they were added, each by the first request it matches (`path` is a prefix
of the request path; `api` is one of claude / openai / responses / gemini). Every answer carries the same
token counts (`USAGE`), written in each API's own fields, so a test can compare what a relay recorded.

Run alone (benchmarks, manual tests): `python -m devstack.fake_llm --port 8765 --chunk-delay 0.02`.
"""

from __future__ import annotations

import argparse
import gzip as gziplib
import json
import threading
import time
import uuid
import zlib
from collections.abc import Iterator
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from typing import Any

from devstack.fake_provider import FakeProvider, RecordedRequest, Reply, _Rule

__all__ = ["TEXT", "USAGE", "FakeLLM", "api_of"]

TEXT = "Hello! This is the fake upstream speaking."
TOOL_ARGUMENTS = {"location": "Paris", "unit": "celsius"}


@dataclass(frozen=True)
class Usage:
    input_tokens: int = 12  # uncached prompt tokens
    output_tokens: int = 7
    cache_creation_tokens: int = 3  # Anthropic only
    cache_read_tokens: int = 5


USAGE = Usage()


def api_of(path: str) -> str | None:
    if path.endswith("/v1/messages"):
        return "claude"
    if path.endswith("/chat/completions"):
        return "openai"
    if path.endswith("/responses") or path.endswith("/responses/compact"):
        return "responses"
    if ":generateContent" in path or ":streamGenerateContent" in path:
        return "gemini"
    return None


@dataclass
class _Fault:
    kind: str  # status | first_event_error | slow | hang | gzip
    remaining: int | None
    path: str | None = None
    api: str | None = None
    status: int = 500
    headers: dict[str, str] = field(default_factory=dict)
    body: Any = None
    seconds: float = 0.0
    error_type: str = "overloaded_error"

    def matches(self, request: RecordedRequest) -> bool:
        if self.remaining is not None and self.remaining <= 0:
            return False
        if self.path is not None and not request.path.startswith(self.path):
            return False
        return self.api is None or api_of(request.path) == self.api


class FakeLLM:
    """Four LLM APIs on one port. `chunk_delay` paces stream events (seconds between them)."""

    def __init__(self, host: str = "127.0.0.1", port: int = 0, *, chunk_delay: float = 0.0,
                 text: str = TEXT) -> None:
        self.provider = FakeProvider(host, port)
        self.chunk_delay = chunk_delay
        self.text = text
        self._faults: list[_Fault] = []
        self._lock = threading.Lock()
        self.in_flight = 0  # requests being answered now (from arrival until the last byte of the answer)
        self.max_in_flight = 0  # the most at any moment since start or reset()
        self.provider.respond_with(self._counted_answer)

    # -- lifecycle ------------------------------------------------------------------------------------------
    def start(self) -> FakeLLM:
        self.provider.start()
        return self

    def stop(self) -> None:
        self.provider.stop()

    def __enter__(self) -> FakeLLM:
        return self.start()

    def __exit__(self, *exc_info: object) -> None:
        self.stop()

    @property
    def url(self) -> str:
        return self.provider.url

    @property
    def requests(self) -> list[RecordedRequest]:
        return self.provider.requests

    def reset(self) -> None:
        with self._lock:
            self._faults.clear()
            self.max_in_flight = self.in_flight
        with self.provider._lock:
            self.provider._requests.clear()

    # -- scripting ------------------------------------------------------------------------------------------
    def _add(self, fault: _Fault) -> FakeLLM:
        with self._lock:
            self._faults.append(fault)
        return self

    def fail(self, status: int = 500, *, times: int | None = 1, path: str | None = None, api: str | None = None,
             headers: dict[str, str] | None = None, body: Any = None) -> FakeLLM:
        """Answer `status` with the API's own error body (or `body`)."""
        return self._add(_Fault("status", times, path, api, status, dict(headers or {}), body))

    def rate_limit(self, *, times: int | None = 1, reset_seconds: int = 30, path: str | None = None,
                   api: str | None = None) -> FakeLLM:
        """429 with the API's reset headers: Anthropic's `anthropic-ratelimit-*-reset` (RFC 3339), OpenAI's
        `x-ratelimit-reset-*` (durations), and `retry-after` for both."""
        return self._add(_Fault("rate_limit", times, path, api, 429, seconds=reset_seconds))

    def overload(self, status: int = 529, *, times: int | None = 1, path: str | None = None,
                 api: str | None = None) -> FakeLLM:
        """Anthropic's 529 overloaded_error (or 503 for the others)."""
        return self._add(_Fault("status", times, path, api, status))

    def error_first_event(self, error_type: str = "overloaded_error", *, times: int | None = 1,
                          path: str | None = None, api: str | None = None) -> FakeLLM:
        """A streamed request gets 200 and then an error as its very first event."""
        return self._add(_Fault("first_event_error", times, path, api, error_type=error_type))

    def slow_first_byte(self, seconds: float, *, times: int | None = 1, path: str | None = None,
                        api: str | None = None) -> FakeLLM:
        return self._add(_Fault("slow", times, path, api, seconds=seconds))

    def hang(self, seconds: float = 3600, *, times: int | None = 1, path: str | None = None,
             api: str | None = None) -> FakeLLM:
        """Send nothing at all for `seconds` (stop() ends the wait), then answer as usual."""
        return self._add(_Fault("hang", times, path, api, seconds=seconds))

    def gzip(self, *, times: int | None = 1, path: str | None = None, api: str | None = None) -> FakeLLM:
        """Compress the answer with gzip whatever the request's Accept-Encoding said."""
        return self._add(_Fault("gzip", times, path, api))

    def answer_with(self, responder: Any, *, path: str | None = None, times: int | None = 1) -> FakeLLM:
        """Answer the next matching request(s) with `responder(request) -> (status, headers, body)` instead of
        the generated answer (a generator body streams: tests hold a stream open with it)."""
        if times is not None and times < 1:
            raise ValueError("times must be at least 1 (or None for forever)")
        rule = _Rule(responder, None, path, times)
        with self.provider._lock:
            self.provider._rules.insert(0, rule)  # ahead of the generated answers
        return self

    def _take(self, request: RecordedRequest) -> list[_Fault]:
        """Every fault for this request: at most one answer-shaping fault, plus gzip/slow modifiers."""
        taken: list[_Fault] = []
        with self._lock:
            for fault in self._faults:
                if not fault.matches(request):
                    continue
                modifier = fault.kind in ("gzip", "slow")
                if not modifier and any(f.kind not in ("gzip", "slow") for f in taken):
                    continue
                if modifier and any(f.kind == fault.kind for f in taken):
                    continue
                if fault.remaining is not None:
                    fault.remaining -= 1
                taken.append(fault)
        return taken

    # -- answering ------------------------------------------------------------------------------------------
    def _wait(self, seconds: float) -> bool:
        """Sleep; True when the fake is stopping."""
        return self.provider._stopping.wait(seconds)

    def _counted_answer(self, request: RecordedRequest) -> Reply:
        """The answer, with the request counted as in flight until its last byte has been handed out."""
        with self._lock:
            self.in_flight += 1
            self.max_in_flight = max(self.max_in_flight, self.in_flight)
        try:
            status, headers, body = self._answer(request)
        except BaseException:
            self._landed()
            raise
        if isinstance(body, bytes | bytearray):
            self._landed()
            return status, headers, body
        return status, headers, self._until_sent(body)

    def _until_sent(self, body: Any) -> Iterator[bytes]:
        try:
            yield from body
        finally:
            self._landed()

    def _landed(self) -> None:
        with self._lock:
            self.in_flight -= 1

    def _answer(self, request: RecordedRequest) -> Reply:
        api = api_of(request.path)
        if request.method == "GET" and request.path.endswith("/models"):
            return _json(200, {"object": "list", "data": [{"id": "fake-model", "object": "model"}]})
        if api is None or request.method != "POST":
            return _json(404, {"error": {"message": f"no route {request.method} {request.path}"}})
        faults = self._take(request)
        kinds = {f.kind: f for f in faults}
        if "slow" in kinds and self._wait(kinds["slow"].seconds):
            return _json(503, {"error": "stopping"})
        if "hang" in kinds and self._wait(kinds["hang"].seconds):
            return _json(503, {"error": "stopping"})
        body = request.json if isinstance(request.json, dict) else {}
        stream = _wants_stream(api, request, body)
        if "status" in kinds:
            reply = self._error(api, kinds["status"])
        elif "rate_limit" in kinds:
            reply = self._rate_limited(api, int(kinds["rate_limit"].seconds))
        elif "first_event_error" in kinds and stream:
            reply = (200, _SSE, _paced([_error_event(api, kinds["first_event_error"].error_type)], 0, self._wait))
        else:
            reply = self._success(api, request, body, stream)
        return _gzipped(reply) if "gzip" in kinds else reply

    def _error(self, api: str, fault: _Fault) -> Reply:
        if fault.body is not None:
            return _json(fault.status, fault.body, fault.headers)
        status = fault.status
        if api == "claude":
            kind = _CLAUDE_ERRORS.get(status, "api_error")
            payload: dict[str, Any] = {"type": "error", "error": {"type": kind, "message": f"fake {kind}"},
                                       "request_id": f"req_{uuid.uuid4().hex[:24]}"}
        elif api == "gemini":
            grpc = {400: "INVALID_ARGUMENT", 401: "UNAUTHENTICATED", 403: "PERMISSION_DENIED",
                    429: "RESOURCE_EXHAUSTED", 503: "UNAVAILABLE"}.get(status, "INTERNAL")
            payload = {"error": {"code": status, "message": f"fake {grpc}", "status": grpc}}
        else:
            kind = {400: "invalid_request_error", 401: "invalid_request_error",
                    429: "rate_limit_exceeded"}.get(status, "server_error")
            payload = {"error": {"message": f"fake {kind}", "type": kind, "param": None, "code": kind}}
        return _json(status, payload, fault.headers)

    def _rate_limited(self, api: str, seconds: int) -> Reply:
        reset = (datetime.now(UTC) + timedelta(seconds=seconds)).replace(microsecond=0)
        headers = {"retry-after": str(seconds)}
        if api == "claude":
            iso = reset.isoformat().replace("+00:00", "Z")
            headers.update({"anthropic-ratelimit-requests-limit": "50", "anthropic-ratelimit-requests-remaining": "0",
                            "anthropic-ratelimit-requests-reset": iso, "anthropic-ratelimit-tokens-reset": iso})
            message = "Number of requests has exceeded your rate limit"
            payload: dict[str, Any] = {"type": "error", "error": {"type": "rate_limit_error", "message": message}}
        elif api == "gemini":
            headers = {}
            payload = {"error": {"code": 429, "message": "Resource has been exhausted (e.g. check quota).",
                                 "status": "RESOURCE_EXHAUSTED"}}
        else:
            headers.update({"x-ratelimit-limit-requests": "60", "x-ratelimit-remaining-requests": "0",
                            "x-ratelimit-reset-requests": f"{seconds}s", "x-ratelimit-reset-tokens": "6m0s"})
            payload = {"error": {"message": "Rate limit reached for requests", "type": "requests", "param": None,
                                 "code": "rate_limit_exceeded"}}
        return _json(429, payload, headers)

    def _success(self, api: str, request: RecordedRequest, body: dict[str, Any], stream: bool) -> Reply:
        model = _model(api, request, body)
        tool = _tool_to_call(api, body)
        words = [w + " " for w in self.text.split(" ")]
        words[-1] = words[-1].rstrip()
        builder = {"claude": _Claude, "openai": _OpenAI, "responses": _Responses, "gemini": _Gemini}[api]
        answer = builder(model, self.text, words, tool, body)
        if not stream:
            return _json(200, answer.whole())
        return 200, _SSE, _paced(answer.events(), self.chunk_delay, self._wait)


# --- the four formats ----------------------------------------------------------------------------------------

_CLAUDE_ERRORS = {529: "overloaded_error", 401: "authentication_error", 403: "permission_error",
                  400: "invalid_request_error", 404: "not_found_error", 429: "rate_limit_error"}
_SSE = {"Content-Type": "text/event-stream; charset=utf-8", "Cache-Control": "no-cache"}


def _json(status: int, payload: Any, headers: dict[str, str] | None = None) -> Reply:
    return status, {"Content-Type": "application/json", **(headers or {})}, json.dumps(payload).encode()


def _sse(data: Any, event: str | None = None, *, crlf: bool = False) -> bytes:
    text = (f"event: {event}\n" if event else "") + f"data: {json.dumps(data, separators=(',', ':'))}\n\n"
    return text.replace("\n", "\r\n").encode() if crlf else text.encode()


def _paced(chunks: list[bytes], delay: float, wait: Any) -> Iterator[bytes]:
    for index, chunk in enumerate(chunks):
        if index and delay and wait(delay):
            return
        yield chunk


def _gzipped(reply: Reply) -> Reply:
    status, headers, body = reply
    headers = {**headers, "Content-Encoding": "gzip"}
    if isinstance(body, bytes | bytearray):
        return status, headers, gziplib.compress(bytes(body))

    def compressed() -> Iterator[bytes]:
        packer = zlib.compressobj(6, zlib.DEFLATED, 31)  # 31: the gzip wrapper
        for chunk in body:
            yield packer.compress(chunk) + packer.flush(zlib.Z_SYNC_FLUSH)
        yield packer.flush()

    return status, headers, compressed()


def _wants_stream(api: str, request: RecordedRequest, body: dict[str, Any]) -> bool:
    if api == "gemini":
        return ":streamGenerateContent" in request.path
    return body.get("stream") is True


def _model(api: str, request: RecordedRequest, body: dict[str, Any]) -> str:
    if api == "gemini":
        return request.path.rsplit("/", 1)[-1].split(":", 1)[0]
    return str(body.get("model") or "fake-model")


def _tool_to_call(api: str, body: dict[str, Any]) -> str | None:
    """The first offered tool's name, unless the conversation already carries a tool result."""
    tools = body.get("tools") or []
    if not tools:
        return None
    text = json.dumps(body.get("messages") or body.get("input") or body.get("contents") or [])
    if any(marker in text for marker in ('"tool_result"', '"role": "tool"', '"function_call_output"',
                                         '"functionResponse"')):
        return None
    first = tools[0] if isinstance(tools[0], dict) else {}
    if api == "gemini":
        declarations = first.get("functionDeclarations") or first.get("function_declarations") or [{}]
        return declarations[0].get("name")
    return first.get("name") or (first.get("function") or {}).get("name")


def _error_event(api: str, error_type: str) -> bytes:
    message = f"fake {error_type}"
    if api == "claude":
        return _sse({"type": "error", "error": {"type": error_type, "message": message}}, "error")
    if api == "responses":
        return _sse({"type": "error", "code": error_type, "message": message, "param": None, "sequence_number": 0},
                    "error")
    if api == "gemini":
        return _sse({"error": {"code": 503, "message": message, "status": "UNAVAILABLE"}}, crlf=True)
    return _sse({"error": {"message": message, "type": error_type, "param": None, "code": error_type}})


class _Answer:
    def __init__(self, model: str, text: str, words: list[str], tool: str | None, body: dict[str, Any]) -> None:
        self.model, self.text, self.words, self.tool, self.body = model, text, words, tool, body
        self.id = uuid.uuid4().hex[:24]
        self.created = int(time.time())
        self.arguments = json.dumps(TOOL_ARGUMENTS, separators=(",", ":"))
        half = len(self.arguments) // 2
        self.argument_pieces = [self.arguments[:half], self.arguments[half:]]


class _Claude(_Answer):
    def usage(self, output: int) -> dict[str, Any]:
        return {"input_tokens": USAGE.input_tokens, "cache_creation_input_tokens": USAGE.cache_creation_tokens,
                "cache_read_input_tokens": USAGE.cache_read_tokens, "output_tokens": output,
                "cache_creation": {"ephemeral_5m_input_tokens": USAGE.cache_creation_tokens,
                                   "ephemeral_1h_input_tokens": 0}, "service_tier": "standard"}

    def _content(self) -> list[dict[str, Any]]:
        if self.tool:
            return [{"type": "text", "text": "Let me check."},
                    {"type": "tool_use", "id": f"toolu_{self.id}", "name": self.tool, "input": TOOL_ARGUMENTS}]
        return [{"type": "text", "text": self.text}]

    def _message(self, content: list[Any], stop: str | None, output: int) -> dict[str, Any]:
        return {"id": f"msg_{self.id}", "type": "message", "role": "assistant", "model": self.model,
                "content": content, "stop_reason": stop, "stop_sequence": None, "usage": self.usage(output)}

    def whole(self) -> dict[str, Any]:
        return self._message(self._content(), "tool_use" if self.tool else "end_turn", USAGE.output_tokens)

    def events(self) -> list[bytes]:
        out = [_sse({"type": "message_start", "message": self._message([], None, 1)}, "message_start")]
        pieces = ["Let me check."] if self.tool else self.words
        out.append(_sse({"type": "content_block_start", "index": 0, "content_block": {"type": "text", "text": ""}},
                        "content_block_start"))
        out.append(_sse({"type": "ping"}, "ping"))
        for piece in pieces:
            out.append(_sse({"type": "content_block_delta", "index": 0,
                             "delta": {"type": "text_delta", "text": piece}}, "content_block_delta"))
        out.append(_sse({"type": "content_block_stop", "index": 0}, "content_block_stop"))
        if self.tool:
            out.append(_sse({"type": "content_block_start", "index": 1, "content_block": {
                "type": "tool_use", "id": f"toolu_{self.id}", "name": self.tool, "input": {}}}, "content_block_start"))
            for piece in self.argument_pieces:
                out.append(_sse({"type": "content_block_delta", "index": 1,
                                 "delta": {"type": "input_json_delta", "partial_json": piece}}, "content_block_delta"))
            out.append(_sse({"type": "content_block_stop", "index": 1}, "content_block_stop"))
        out.append(_sse({"type": "message_delta", "delta": {"stop_reason": "tool_use" if self.tool else "end_turn",
                                                            "stop_sequence": None},
                         "usage": {"output_tokens": USAGE.output_tokens}}, "message_delta"))
        out.append(_sse({"type": "message_stop"}, "message_stop"))
        return out


class _OpenAI(_Answer):
    def usage(self) -> dict[str, Any]:
        prompt = USAGE.input_tokens + USAGE.cache_read_tokens
        return {"prompt_tokens": prompt, "completion_tokens": USAGE.output_tokens,
                "total_tokens": prompt + USAGE.output_tokens,
                "prompt_tokens_details": {"cached_tokens": USAGE.cache_read_tokens, "audio_tokens": 0},
                "completion_tokens_details": {"reasoning_tokens": 0, "audio_tokens": 0,
                                              "accepted_prediction_tokens": 0, "rejected_prediction_tokens": 0}}

    def _call(self) -> dict[str, Any]:
        return {"id": f"call_{self.id}", "type": "function",
                "function": {"name": self.tool, "arguments": self.arguments}}

    def whole(self) -> dict[str, Any]:
        message: dict[str, Any] = {"role": "assistant", "content": None if self.tool else self.text, "refusal": None,
                                   "annotations": []}
        if self.tool:
            message["tool_calls"] = [self._call()]
        return {"id": f"chatcmpl-{self.id}", "object": "chat.completion", "created": self.created,
                "model": self.model, "choices": [{"index": 0, "message": message, "logprobs": None,
                                                  "finish_reason": "tool_calls" if self.tool else "stop"}],
                "usage": self.usage(), "service_tier": "default", "system_fingerprint": "fp_fake"}

    def _chunk(self, delta: dict[str, Any], finish: str | None = None) -> bytes:
        return _sse({"id": f"chatcmpl-{self.id}", "object": "chat.completion.chunk", "created": self.created,
                     "model": self.model, "service_tier": "default", "system_fingerprint": "fp_fake",
                     "choices": [{"index": 0, "delta": delta, "logprobs": None, "finish_reason": finish}]})

    def events(self) -> list[bytes]:
        out = [self._chunk({"role": "assistant", "content": "", "refusal": None})]
        if self.tool:
            call = self._call()
            out.append(self._chunk({"tool_calls": [{"index": 0, "id": call["id"], "type": "function",
                                                    "function": {"name": self.tool, "arguments": ""}}]}))
            for piece in self.argument_pieces:
                out.append(self._chunk({"tool_calls": [{"index": 0, "function": {"arguments": piece}}]}))
        else:
            out.extend(self._chunk({"content": piece}) for piece in self.words)
        out.append(self._chunk({}, "tool_calls" if self.tool else "stop"))
        if (self.body.get("stream_options") or {}).get("include_usage") is True:
            out.append(_sse({"id": f"chatcmpl-{self.id}", "object": "chat.completion.chunk", "created": self.created,
                             "model": self.model, "choices": [], "usage": self.usage(),
                             "system_fingerprint": "fp_fake"}))
        out.append(b"data: [DONE]\n\n")
        return out


class _Responses(_Answer):
    def usage(self) -> dict[str, Any]:
        prompt = USAGE.input_tokens + USAGE.cache_read_tokens
        return {"input_tokens": prompt, "input_tokens_details": {"cached_tokens": USAGE.cache_read_tokens},
                "output_tokens": USAGE.output_tokens, "output_tokens_details": {"reasoning_tokens": 0},
                "total_tokens": prompt + USAGE.output_tokens}

    def _item(self, status: str) -> dict[str, Any]:
        if self.tool:
            return {"id": f"fc_{self.id}", "type": "function_call", "status": status, "call_id": f"call_{self.id}",
                    "name": self.tool, "arguments": self.arguments if status == "completed" else ""}
        content = [{"type": "output_text", "text": self.text, "annotations": [], "logprobs": []}]
        return {"id": f"msg_{self.id}", "type": "message", "status": status, "role": "assistant",
                "content": content if status == "completed" else []}

    def _response(self, status: str) -> dict[str, Any]:
        done = status == "completed"
        return {"id": f"resp_{self.id}", "object": "response", "created_at": self.created, "status": status,
                "background": False, "error": None, "incomplete_details": None,
                "instructions": self.body.get("instructions"), "max_output_tokens": None, "model": self.model,
                "output": [self._item("completed")] if done else [], "parallel_tool_calls": True,
                "previous_response_id": None, "reasoning": {"effort": None, "summary": None},
                "store": True, "temperature": 1.0, "text": {"format": {"type": "text"}}, "tool_choice": "auto",
                "tools": self.body.get("tools") or [], "top_p": 1.0, "truncation": "disabled",
                "usage": self.usage() if done else None, "user": None, "metadata": {}}

    def whole(self) -> dict[str, Any]:
        return self._response("completed")

    def events(self) -> list[bytes]:
        sequence = iter(range(1000))
        events: list[tuple[str, dict[str, Any]]] = [
            ("response.created", {"response": self._response("in_progress")}),
            ("response.in_progress", {"response": self._response("in_progress")}),
            ("response.output_item.added", {"output_index": 0, "item": self._item("in_progress")}),
        ]
        item_id = self._item("completed")["id"]
        if self.tool:
            for piece in self.argument_pieces:
                events.append(("response.function_call_arguments.delta",
                               {"item_id": item_id, "output_index": 0, "delta": piece}))
            events.append(("response.function_call_arguments.done",
                           {"item_id": item_id, "output_index": 0, "arguments": self.arguments}))
        else:
            part = {"type": "output_text", "text": "", "annotations": [], "logprobs": []}
            events.append(("response.content_part.added",
                           {"item_id": item_id, "output_index": 0, "content_index": 0, "part": part}))
            for piece in self.words:
                events.append(("response.output_text.delta", {"item_id": item_id, "output_index": 0,
                                                              "content_index": 0, "delta": piece, "logprobs": []}))
            events.append(("response.output_text.done", {"item_id": item_id, "output_index": 0, "content_index": 0,
                                                         "text": self.text, "logprobs": []}))
            events.append(("response.content_part.done", {"item_id": item_id, "output_index": 0, "content_index": 0,
                                                          "part": {**part, "text": self.text}}))
        events.append(("response.output_item.done", {"output_index": 0, "item": self._item("completed")}))
        events.append(("response.completed", {"response": self._response("completed")}))
        return [_sse({"type": name, "sequence_number": next(sequence), **data}, name) for name, data in events]


class _Gemini(_Answer):
    def usage(self, output: int) -> dict[str, Any]:
        prompt = USAGE.input_tokens + USAGE.cache_read_tokens
        return {"promptTokenCount": prompt, "cachedContentTokenCount": USAGE.cache_read_tokens,
                "candidatesTokenCount": output, "totalTokenCount": prompt + output,
                "promptTokensDetails": [{"modality": "TEXT", "tokenCount": prompt}]}

    def _candidate(self, parts: list[dict[str, Any]], finish: str | None) -> dict[str, Any]:
        candidate: dict[str, Any] = {"content": {"parts": parts, "role": "model"}, "index": 0}
        if finish:
            candidate["finishReason"] = finish
        return candidate

    def whole(self) -> dict[str, Any]:
        parts = [{"functionCall": {"name": self.tool, "args": TOOL_ARGUMENTS}}] if self.tool else [{"text": self.text}]
        return {"candidates": [self._candidate(parts, "STOP")], "usageMetadata": self.usage(USAGE.output_tokens),
                "modelVersion": self.model, "responseId": self.id}

    def events(self) -> list[bytes]:
        if self.tool:
            return [_sse(self.whole(), crlf=True)]
        out = []
        for index, piece in enumerate(self.words):
            last = index == len(self.words) - 1
            output = USAGE.output_tokens if last else index + 1
            out.append(_sse({"candidates": [self._candidate([{"text": piece}], "STOP" if last else None)],
                             "usageMetadata": self.usage(output), "modelVersion": self.model,
                             "responseId": self.id}, crlf=True))
        return out


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description="Fake Anthropic / OpenAI / Responses / Gemini upstream")
    parser.add_argument("--host", default="127.0.0.1")
    parser.add_argument("--port", type=int, default=0)
    parser.add_argument("--chunk-delay", type=float, default=0.0, help="seconds between stream events")
    args = parser.parse_args(argv)
    fake = FakeLLM(args.host, args.port, chunk_delay=args.chunk_delay).start()
    print(f"fake-llm listening on {fake.url}", flush=True)
    try:
        threading.Event().wait()
    except KeyboardInterrupt:
        pass
    finally:
        fake.stop()


if __name__ == "__main__":
    main()
