"""Outbound failures as one value: what went wrong calling a provider, whether it is worth retrying, and when.

Every provider module calls through `guarded(provider, call)`: transport failures (unsafe URL, timeout, refused
connection, oversized answer, a provider that asked to wait) become a `ProviderError` with a `reason`, and
`check_status` does the same for non-2xx answers. Queue workers map `retryable` to "retry later" and the rest to
a permanent failure; API routes map it to their own error. Messages are safe to show and to log: they name the
provider and the kind of failure, never a URL, token or provider body.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from .client import HttpResponse, RetryLater, UpstreamError, parse_retry_after
from .url_guard import UnsafeUrlError

RETRYABLE = frozenset({"unreachable", "timeout", "rate_limited"})


class ProviderError(Exception):
    """A provider call failed. `reason`: unreachable | timeout | rate_limited | rejected | bad_response | unsafe_url.

    `rejected` means the provider refused our credentials or request (HTTP 4xx other than 408/429).
    """

    def __init__(self, reason: str, message: str, *, status: int | None = None, retry_after: float | None = None,
                 provider_code: Any = None) -> None:
        super().__init__(message)
        self.reason = reason
        self.message = message
        self.status = status
        self.retry_after = retry_after
        self.provider_code = provider_code

    @property
    def retryable(self) -> bool:
        return self.reason in RETRYABLE


def guarded[T](provider: str, call: Callable[[], T]) -> T:
    """Run one provider call, turning transport failures into ProviderError (named after `provider`)."""
    try:
        return call()
    except UnsafeUrlError:
        raise ProviderError("unsafe_url", f"{provider}: URL not allowed") from None
    except RetryLater as exc:
        raise ProviderError("rate_limited", f"{provider}: rate limited (HTTP {exc.response.status})",
                            status=exc.response.status, retry_after=exc.retry_after_seconds) from None
    except UpstreamError as exc:
        reason = {"timeout": "timeout", "connection": "unreachable"}.get(exc.kind, "bad_response")
        raise ProviderError(reason, f"{provider}: {exc.kind}") from None


def check_status(provider: str, response: HttpResponse) -> None:
    """Raise ProviderError for a non-2xx answer: 429 and 408 are worth retrying, other 4xx are refusals, 5xx are
    the provider being unavailable."""
    if response.ok:
        return
    if response.status in (408, 429):
        reason, what = ("rate_limited", "rate limited") if response.status == 429 else ("timeout", "timed out")
        raise ProviderError(reason, f"{provider}: {what} (HTTP {response.status})", status=response.status,
                            retry_after=retry_after_of(response))
    if 400 <= response.status < 500:
        raise ProviderError("rejected", f"{provider}: request refused (HTTP {response.status})", status=response.status)
    raise ProviderError("unreachable", f"{provider}: server error (HTTP {response.status})", status=response.status,
                        retry_after=parse_retry_after(response.headers.get("Retry-After")))


def retry_after_of(response: HttpResponse) -> float | None:
    """Seconds a throttled answer asks to wait: a JSON body's `retry_after` (Discord) or
    `parameters.retry_after` (Telegram), else the `Retry-After` header."""
    try:
        body = response.json()
    except ValueError:
        body = None
    if isinstance(body, dict):
        value = body.get("retry_after") or (body.get("parameters") or {}).get("retry_after")
        try:
            if value is not None and float(value) >= 0:
                return float(value)
        except (TypeError, ValueError):
            pass
    return parse_retry_after(response.headers.get("Retry-After"))


def json_body(provider: str, response: HttpResponse) -> Any:
    try:
        return response.json()
    except ValueError:
        raise ProviderError("bad_response", f"{provider}: answer is not JSON", status=response.status) from None
