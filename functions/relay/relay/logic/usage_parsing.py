"""Tokens used by one request, read from the answer in each API's own format (whole bodies and SSE streams).

Four counts, the buckets a price list has (per 1M tokens): `input_tokens` (prompt tokens billed at the input
price: cache reads and writes not included), `output_tokens` (billed at the output price: reasoning/thinking
included), `cache_creation_tokens` (prompt-cache writes) and `cache_read_tokens` (prompt-cache hits).

| API | input | output | cache write | cache read |
|---|---|---|---|---|
| Anthropic Messages | `input_tokens` | `output_tokens` | `cache_creation_input_tokens` | `cache_read_input_tokens` |
| OpenAI Chat | `prompt_tokens` − cached | `completion_tokens` | — | `prompt_tokens_details.cached_tokens` |
| OpenAI Responses | `input_tokens` − cached | `output_tokens` | — | `input_tokens_details.cached_tokens` |
| Gemini | `promptTokenCount` − cached | `candidatesTokenCount` + `thoughtsTokenCount` | — | `cachedContentTokenCount` |

Streams: Anthropic's `message_start` carries the input side and `message_delta` the cumulative output (some
Anthropic-compatible upstreams send the whole usage in `message_delta`: a non-zero value there wins); OpenAI
Chat sends usage in its last chunk when `stream_options.include_usage` is set; Responses in the terminal
`response.completed` / `response.incomplete` / `response.failed` event; Gemini in every chunk (the last wins).
"""

from __future__ import annotations

from dataclasses import dataclass, replace
from typing import Any

from relay.logic.sse import SseEvent

CLAUDE, OPENAI, RESPONSES, GEMINI = "claude", "openai", "responses", "gemini"


@dataclass(frozen=True)
class Usage:
    input_tokens: int = 0
    output_tokens: int = 0
    cache_creation_tokens: int = 0
    cache_read_tokens: int = 0

    @property
    def total_tokens(self) -> int:
        return self.input_tokens + self.output_tokens + self.cache_creation_tokens + self.cache_read_tokens

    def __bool__(self) -> bool:
        return self.total_tokens > 0


def _int(value: Any) -> int:
    return int(value) if isinstance(value, int | float) and not isinstance(value, bool) and value > 0 else 0


def _obj(value: Any) -> dict[str, Any]:
    return value if isinstance(value, dict) else {}


def anthropic_usage(usage: Any, base: Usage | None = None) -> Usage:
    """An Anthropic `usage` object; with `base`, only the fields present and non-zero replace base's."""
    found = _obj(usage)
    base = base or Usage()
    fields = {"input_tokens": "input_tokens", "output_tokens": "output_tokens",
              "cache_creation_tokens": "cache_creation_input_tokens", "cache_read_tokens": "cache_read_input_tokens"}
    changes = {ours: _int(found.get(theirs)) for ours, theirs in fields.items() if _int(found.get(theirs))}
    if not changes.get("cache_creation_tokens"):
        # the per-TTL split some answers carry instead of (or beside) the total
        split = _obj(found.get("cache_creation"))
        total = sum(_int(v) for v in split.values())
        if total:
            changes["cache_creation_tokens"] = total
    return replace(base, **changes)


def openai_usage(usage: Any) -> Usage:
    found = _obj(usage)
    cached = _int(_obj(found.get("prompt_tokens_details")).get("cached_tokens"))
    prompt = _int(found.get("prompt_tokens"))
    return Usage(input_tokens=max(prompt - cached, 0), output_tokens=_int(found.get("completion_tokens")),
                 cache_read_tokens=cached)


def responses_usage(usage: Any) -> Usage:
    found = _obj(usage)
    cached = _int(_obj(found.get("input_tokens_details")).get("cached_tokens"))
    return Usage(input_tokens=max(_int(found.get("input_tokens")) - cached, 0),
                 output_tokens=_int(found.get("output_tokens")), cache_read_tokens=cached)


def gemini_usage(metadata: Any) -> Usage:
    found = _obj(metadata)
    cached = _int(found.get("cachedContentTokenCount"))
    return Usage(input_tokens=max(_int(found.get("promptTokenCount")) - cached, 0),
                 output_tokens=_int(found.get("candidatesTokenCount")) + _int(found.get("thoughtsTokenCount")),
                 cache_read_tokens=cached)


def from_body(surface: str, body: Any) -> tuple[Usage, str | None]:
    """(usage, the model the upstream named) from a whole JSON answer."""
    answer = _obj(body)
    if surface == CLAUDE:
        return anthropic_usage(answer.get("usage")), _text(answer.get("model"))
    if surface == OPENAI:
        return openai_usage(answer.get("usage")), _text(answer.get("model"))
    if surface == RESPONSES:
        inner = _obj(answer.get("response")) or answer
        return responses_usage(inner.get("usage")), _text(inner.get("model"))
    if surface == GEMINI:
        return gemini_usage(answer.get("usageMetadata")), _text(answer.get("modelVersion"))
    raise ValueError(f"unknown surface {surface}")


def _text(value: Any) -> str | None:
    return value if isinstance(value, str) and value else None


class StreamUsage:
    """Usage of a streamed answer, fed one SSE event at a time."""

    def __init__(self, surface: str) -> None:
        if surface not in (CLAUDE, OPENAI, RESPONSES, GEMINI):
            raise ValueError(f"unknown surface {surface}")
        self.surface = surface
        self.usage = Usage()
        self.model: str | None = None
        self.finished = False  # the API's own end-of-answer marker was seen

    def feed(self, event: SseEvent) -> None:
        if event.comment:
            return
        if event.data == "[DONE]":
            self.finished = True
            return
        data = event.json()
        if not isinstance(data, dict):
            return
        getattr(self, f"_{self.surface}")(event, data)

    def _claude(self, event: SseEvent, data: dict[str, Any]) -> None:
        kind = data.get("type") or event.event
        if kind == "message_start":
            message = _obj(data.get("message"))
            self.model = _text(message.get("model")) or self.model
            self.usage = anthropic_usage(message.get("usage"), self.usage)
        elif kind == "message_delta":
            self.usage = anthropic_usage(data.get("usage"), self.usage)
        elif kind == "message_stop":
            self.finished = True

    def _openai(self, event: SseEvent, data: dict[str, Any]) -> None:
        self.model = _text(data.get("model")) or self.model
        if isinstance(data.get("usage"), dict):
            self.usage = openai_usage(data["usage"])

    def _responses(self, event: SseEvent, data: dict[str, Any]) -> None:
        kind = data.get("type") or event.event
        response = _obj(data.get("response"))
        self.model = _text(response.get("model")) or self.model
        if kind in ("response.completed", "response.incomplete", "response.failed", "response.done"):
            self.finished = True
            if isinstance(response.get("usage"), dict):
                self.usage = responses_usage(response["usage"])

    def _gemini(self, event: SseEvent, data: dict[str, Any]) -> None:
        self.model = _text(data.get("modelVersion")) or self.model
        if isinstance(data.get("usageMetadata"), dict):
            self.usage = gemini_usage(data["usageMetadata"])
        for candidate in data.get("candidates") or []:
            if isinstance(candidate, dict) and candidate.get("finishReason"):
                self.finished = True
