"""What the three group robots share: the shapes of a message and of a request, the URL policy (the provider's
own origin and robot path), and the POST itself, through suite.outbound.

Failures are suite.outbound ProviderErrors: `guarded` turns transport failures into one (unsafe URL, timeout,
refused connection, oversized answer, a provider that asked to wait), `check_status` does the same for non-2xx
answers, and a 2xx answer carrying an error code is one too — `rate_limited` for the provider's "too fast" codes
(with how long to wait), `rejected` for the rest (bad signature, missing keyword, removed robot), never retried.

suite.outbound (requests, urllib3) is imported where a request is made or a URL checked: reading a device or
listing its channels needs neither, which keeps those cold starts short.
"""

from __future__ import annotations

import functools
import json
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

from ccjk import config

if TYPE_CHECKING:
    from suite.outbound import HttpClient, HttpResponse, UrlPolicy

PRIORITY_MARKS = {"urgent": "【紧急】", "high": "【重要】"}


@dataclass(frozen=True)
class RobotEndpoint:
    """Where a provider's robots live on its origin."""

    path_prefix: str
    credential_query: str | None  # the query parameter holding the robot key; None: the last path segment


@dataclass(frozen=True)
class RateLimit:
    limit: int
    window_seconds: int


@dataclass(frozen=True)
class Button:
    """A reply option (issue 18): `value` is what a click answers; a control card's buttons run `action_id`."""

    action_id: str
    label: str
    value: str = ""
    primary: bool = False
    danger: bool = False
    confirm: bool = False  # ask before acting (Feishu's confirm dialog)


@dataclass(frozen=True)
class Message:
    title: str | None
    body: str
    priority: str = "normal"
    # -- issue 18: replies --------------------------------------------------------------------------------------
    buttons: tuple[Button, ...] = ()
    reply_code: str | None = None  # `#<code> <answer>` in the chat replies to it
    notification_id: str | None = None  # what a Feishu button carries back ...
    card_id: str | None = None  # ... or, for a cloud-control card, the card


def reply_hint(message: Message) -> str:
    """The line that tells a reader how to answer by text (platforms without buttons, or beside them)."""
    if not message.reply_code:
        return ""
    if message.buttons:
        options = ", ".join(f"`#{message.reply_code} {b.value or b.action_id}` ({b.label})" for b in message.buttons)
        return f"回复 Reply: {options}"
    return f"回复 Reply: `#{message.reply_code} <answer>`"


def with_hint(message: Message) -> str:
    hint = reply_hint(message)
    return f"{message.body}\n\n{hint}" if hint else message.body


@dataclass(frozen=True)
class OutboundRequest:
    url: str
    payload: dict[str, Any]


def headline(message: Message) -> str | None:
    """The title with its priority mark (`【紧急】`/`【重要】` for urgent/high); the mark alone without a title."""
    mark = PRIORITY_MARKS.get(message.priority, "")
    if message.title:
        return f"{mark}{message.title}"
    return mark.strip() or None


def truncate_utf8(text: str, limit: int) -> str:
    data = text.encode()
    if len(data) <= limit:
        return text
    return data[: limit - 3].decode(errors="ignore") + "..."


def policy(provider: str, endpoint: RobotEndpoint) -> UrlPolicy:
    """The provider's origin (FEISHU_BASE_URL, DINGTALK_BASE_URL, WECOM_BASE_URL) and its robot path only."""
    return _policy(config.get().provider_base(provider), endpoint.path_prefix)


@functools.cache
def _policy(base_url: str, path_prefix: str) -> UrlPolicy:
    from suite.outbound import UrlPolicy  # noqa: PLC0415

    return UrlPolicy.for_base_url(base_url, (path_prefix,))


@functools.cache
def _client(url_policy: UrlPolicy) -> HttpClient:
    from suite.outbound import HttpClient, RetryPolicy  # noqa: PLC0415

    # In-call retries cover 429/503 with short waits; anything longer goes back to the queue (RetryLater).
    retry = RetryPolicy(max_attempts=3, backoff_base=0.5, backoff_cap=4.0, max_retry_after=5.0)
    return HttpClient(url_policy, timeout=(3.05, 8.0), retry=retry, max_response_bytes=64 * 1024)


def post(provider: str, endpoint: RobotEndpoint, request: OutboundRequest, *,
         answer_code: Callable[[Any], tuple[int, str]], throttle_codes: Mapping[int, int],
         deadline: float | None) -> int:
    """POST the request to the robot and read its answer: the HTTP status when it was delivered, else a
    ProviderError (see the module docstring)."""
    from suite.outbound import guarded  # noqa: PLC0415

    client = _client(policy(provider, endpoint))
    response = guarded(provider, lambda: client.post(request.url, json=request.payload, deadline=deadline))
    return read_answer(provider, response, answer_code=answer_code, throttle_codes=throttle_codes)


def read_answer(provider: str, response: HttpResponse, *, answer_code: Callable[[Any], tuple[int, str]],
                throttle_codes: Mapping[int, int]) -> int:
    """The HTTP status of an answer that says delivered; a ProviderError for any other."""
    from suite.outbound import ProviderError, check_status  # noqa: PLC0415

    if 300 <= response.status < 400:  # redirects are never followed: the robot is not where it was configured
        raise ProviderError("rejected", f"{provider}: HTTP {response.status}", status=response.status)
    check_status(provider, response)
    try:
        body = json.loads(response.content) if response.content else {}
    except ValueError:
        body = {}
    code, text = answer_code(body)
    if code == 0:
        return response.status
    error = f"{provider} error {code}" + (f": {text[:200]}" if text else "")
    throttled_for = throttle_codes.get(code)
    if throttled_for is not None:
        raise ProviderError("rate_limited", error, status=response.status, retry_after=float(throttled_for),
                            provider_code=code)
    raise ProviderError("rejected", error, status=response.status, provider_code=code)
