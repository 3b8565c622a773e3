"""What an upstream failure means for the request (fail over or answer) and for the account (until when to rest).

`classify` turns what came back (an HTTP status, or an error as the first SSE event, or no answer at all) into an
`Outcome` the account pool judges; `retry_at` reads the upstream's reset headers:

- Anthropic: `anthropic-ratelimit-{requests,tokens,input-tokens,output-tokens}-reset` (RFC 3339 times) and
  `retry-after` (seconds);
- OpenAI: `x-ratelimit-reset-{requests,tokens}` (durations such as `1s`, `6m0s`, `20ms`) and `retry-after`;
- anyone: `retry-after` as seconds or an HTTP date, `retry-after-ms`.
"""

from __future__ import annotations

import contextlib
import re
from dataclasses import dataclass
from datetime import datetime
from email.utils import parsedate_to_datetime
from typing import Any

# Statuses that say "this account, now" rather than "this request": try another account.
FAILOVER_STATUSES = frozenset({401, 402, 403, 408, 429, 500, 502, 503, 504, 520, 521, 522, 524, 529})
# Error types that, as the first SSE event of a 200 answer, say the same.
FAILOVER_ERROR_TYPES = frozenset({
    "overloaded_error", "rate_limit_error", "api_error", "authentication_error", "permission_error",
    "billing_error", "server_error", "rate_limit_exceeded", "insufficient_quota", "service_unavailable",
    "RESOURCE_EXHAUSTED", "UNAVAILABLE", "INTERNAL", "UNAUTHENTICATED", "PERMISSION_DENIED",
})
RESET_HEADERS = ("anthropic-ratelimit-requests-reset", "anthropic-ratelimit-tokens-reset",
                 "anthropic-ratelimit-input-tokens-reset", "anthropic-ratelimit-output-tokens-reset",
                 "anthropic-ratelimit-unified-reset", "x-ratelimit-reset-requests", "x-ratelimit-reset-tokens")


@dataclass(frozen=True)
class Outcome:
    """How one attempt on one account ended. `kind`:

    ok                the answer reached the client (`status` is the upstream's, 2xx or a passed-through 4xx)
    http_error        the upstream answered `status` before any byte went to the client
    stream_error      the upstream answered 200 and then an error as its first event (`error_type`)
    connect_error     no answer: connection refused, TLS, DNS, a blocked address (`message` says which)
    timeout           no first byte within the first-byte timeout
    broken            the stream broke after bytes reached the client (no failover possible)
    cancelled         the client went away; the upstream call was cancelled
    """

    kind: str
    status: int | None = None
    error_type: str | None = None
    message: str = ""
    retry_at: float | None = None  # epoch seconds the upstream named, when it named one

    @property
    def fail_over(self) -> bool:
        """Whether another account may succeed where this one failed."""
        if self.kind in ("connect_error", "timeout"):
            return True
        if self.kind == "http_error":
            return self.status in FAILOVER_STATUSES
        if self.kind == "stream_error":
            return self.error_type in FAILOVER_ERROR_TYPES
        return False


def _lower(headers: Any) -> dict[str, str]:
    items = headers.items() if hasattr(headers, "items") else headers
    return {str(k).lower(): str(v) for k, v in items}


_DURATION = re.compile(r"(?:(\d+(?:\.\d+)?)h)?(?:(\d+(?:\.\d+)?)m(?!s))?(?:(\d+(?:\.\d+)?)s)?(?:(\d+(?:\.\d+)?)ms)?")


def parse_duration(text: str) -> float | None:
    """OpenAI's reset durations: `1s`, `6m0s`, `1h2m3.5s`, `20ms`; a bare number is seconds."""
    text = text.strip()
    if re.fullmatch(r"\d+(\.\d+)?", text):
        return float(text)
    found = _DURATION.fullmatch(text)
    if not text or not found or not any(found.groups()):
        return None
    hours, minutes, seconds, millis = (float(g) if g else 0.0 for g in found.groups())
    return hours * 3600 + minutes * 60 + seconds + millis / 1000


def _parse_time(text: str) -> float | None:
    text = text.strip()
    try:
        return datetime.fromisoformat(text.replace("Z", "+00:00")).timestamp()
    except ValueError:
        pass
    try:
        return parsedate_to_datetime(text).timestamp()
    except (TypeError, ValueError, IndexError):
        return None


def retry_at(headers: Any, now: float) -> float | None:
    """The latest moment any reset header names (epoch seconds), or None when none does."""
    found = _lower(headers)
    moments: list[float] = []
    if "retry-after-ms" in found:
        with contextlib.suppress(ValueError):
            moments.append(now + float(found["retry-after-ms"]) / 1000)
    if "retry-after" in found:
        value = found["retry-after"].strip()
        if re.fullmatch(r"\d+(\.\d+)?", value):
            moments.append(now + float(value))
        elif (when := _parse_time(value)) is not None:
            moments.append(when)
    for name in RESET_HEADERS:
        value = found.get(name)
        if not value:
            continue
        if name.startswith("anthropic-"):
            when = float(value) if re.fullmatch(r"\d{9,}", value.strip()) else _parse_time(value)
            if when is not None:
                moments.append(when)
        elif (seconds := parse_duration(value)) is not None:
            moments.append(now + seconds)
    return max(moments) if moments else None


def error_of(body: Any) -> tuple[str | None, str]:
    """(error type, message) from an error body or event in any of the four formats."""
    if not isinstance(body, dict):
        return None, ""
    error = body.get("error")
    if isinstance(error, dict):
        kind = error.get("type") or error.get("status") or error.get("code")
        return (str(kind) if kind is not None else None), str(error.get("message") or "")[:500]
    if isinstance(error, str):
        return error, str(body.get("message") or "")[:500]
    if body.get("type") == "error" and body.get("code"):  # the Responses API's error event
        return str(body["code"]), str(body.get("message") or "")[:500]
    if body.get("type") == "response.failed":
        inner = (body.get("response") or {}).get("error") or {}
        return str(inner.get("code") or "server_error"), str(inner.get("message") or "")[:500]
    return None, ""


def http_outcome(status: int, headers: Any, body: Any, now: float) -> Outcome:
    kind, message = error_of(body)
    return Outcome("http_error", status=status, error_type=kind, message=message, retry_at=retry_at(headers, now))


def first_event_error(data: Any, event_name: str | None) -> tuple[str, str] | None:
    """(error type, message) when the first SSE event of a 200 answer is an error, else None."""
    if event_name == "error" or (isinstance(data, dict) and (
            data.get("type") in ("error", "response.failed") or isinstance(data.get("error"), dict))):
        kind, message = error_of(data)
        return kind or "api_error", message
    return None
