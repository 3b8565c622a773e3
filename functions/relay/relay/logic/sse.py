"""Server-sent events, parsed incrementally from the bytes an upstream sends (any chunking, any line ending).

`SseSplitter.feed(chunk)` returns the events completed by the chunk; each keeps its exact bytes (`raw`), so a
relay can forward events unchanged while it reads them. Comment-only blocks (`: keepalive`) are events too,
with `comment` set, so a caller can tell them from real events (the first real event decides failover).
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from typing import Any

MAX_EVENT_BYTES = 16 * 1024 * 1024  # one event larger than this is not SSE from an LLM API


@dataclass(frozen=True)
class SseEvent:
    raw: bytes  # the event's bytes as received, with its terminating blank line
    event: str | None  # the `event:` field (None when absent)
    data: str  # the `data:` lines joined with "\n"
    comment: bool  # only comments (and nothing else): a keepalive, not an event

    def json(self) -> Any:
        """The data as JSON, or None (`[DONE]`, empty or not JSON)."""
        if not self.data or self.data == "[DONE]":
            return None
        try:
            return json.loads(self.data)
        except ValueError:
            return None


class SseTooLarge(ValueError):
    pass


class SseSplitter:
    """Bytes in, complete events out. Lines end in CRLF, LF or CR (the SSE grammar); an empty line ends an event."""

    def __init__(self) -> None:
        self._buffer = bytearray()
        self._event_start = 0  # where the event being read begins in the buffer
        self._scan = 0  # where the next line begins
        self._fields: list[tuple[str, str]] = []
        self._has_field = False

    def feed(self, chunk: bytes) -> list[SseEvent]:
        self._buffer += chunk
        events: list[SseEvent] = []
        while True:
            line_end, next_start = self._next_line()
            if line_end is None:
                break
            line = bytes(self._buffer[self._scan:line_end])
            self._scan = next_start
            if line:
                self._field(line)
                continue
            if self._fields or self._has_field:
                events.append(self._complete())
            else:  # a blank line with nothing before it: part of the stream's framing, kept with the next event
                pass
        if self._scan - self._event_start > MAX_EVENT_BYTES or len(self._buffer) - self._event_start > MAX_EVENT_BYTES:
            raise SseTooLarge("an SSE event over 16 MiB")
        if self._event_start > 65536:  # drop what was handed out
            del self._buffer[:self._event_start]
            self._scan -= self._event_start
            self._event_start = 0
        return events

    def flush(self) -> list[SseEvent]:
        """At the end of the stream: a last event without its blank line still counts."""
        if self._scan < len(self._buffer):
            self._field(bytes(self._buffer[self._scan:]))
            self._scan = len(self._buffer)
        if self._fields or self._has_field:
            return [self._complete()]
        return []

    def pending(self) -> bytes:
        """Bytes received but not yet part of a completed event."""
        return bytes(self._buffer[self._event_start:])

    def _next_line(self) -> tuple[int | None, int]:
        buffer, start = self._buffer, self._scan
        lf = buffer.find(b"\n", start)
        cr = buffer.find(b"\r", start)
        if cr == -1 and lf == -1:
            return None, start
        if cr != -1 and (lf == -1 or cr < lf):
            if cr + 1 == len(buffer):
                return None, start  # a CR at the end may be the first half of CRLF
            return cr, cr + (2 if buffer[cr + 1:cr + 2] == b"\n" else 1)
        return lf, lf + 1

    def _field(self, line: bytes) -> None:
        text = line.decode("utf-8", errors="replace")
        self._has_field = True
        if text.startswith(":"):
            self._fields.append(("", text[1:]))
            return
        name, _, value = text.partition(":")
        self._fields.append((name, value[1:] if value.startswith(" ") else value))

    def _complete(self) -> SseEvent:
        raw = bytes(self._buffer[self._event_start:self._scan])
        self._event_start = self._scan
        fields, self._fields, self._has_field = self._fields, [], False
        event = next((value for name, value in reversed(fields) if name == "event"), None)
        data = "\n".join(value for name, value in fields if name == "data")
        comment = all(name == "" for name, _ in fields)
        return SseEvent(raw=raw, event=event, data=data, comment=comment)


def encode_event(data: Any, event: str | None = None) -> bytes:
    """One SSE event (JSON data) as bytes."""
    head = f"event: {event}\n" if event else ""
    return f"{head}data: {json.dumps(data, ensure_ascii=False, separators=(',', ':'))}\n\n".encode()


KEEPALIVE = b": keepalive\n\n"
