"""One HttpClient per URL policy (kept warm across invocations) and the failure type every provider raises."""

from __future__ import annotations

import functools
import time
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from suite.outbound import (
    HttpClient,
    HttpResponse,
    RetryLater,
    RetryPolicy,
    UnsafeUrlError,
    UpstreamError,
    UrlPolicy,
    parse_retry_after,
)

# API requests answer within API Gateway's 30 s and the function's timeout: two attempts, short waits.
REQUEST_BUDGET_SECONDS = 8.0
_RETRY = RetryPolicy(max_attempts=2, backoff_base=0.3, backoff_cap=1.0, max_retry_after=3.0)


class ProviderError(Exception):
    """A provider call failed. `reason`: unreachable | timeout | rate_limited | rejected | bad_response | unsafe_url.

    `rejected` means the provider refused our credentials or request (HTTP 4xx other than 429). The message is
    safe to show: it never contains URLs, tokens or provider bodies.
    """

    def __init__(self, reason: str, message: str, *, status: int | None = None, retry_after: float | None = None,
                 provider_code: Any = None) -> None:
        super().__init__(message)
        self.reason = reason
        self.message = message
        self.status = status
        self.retry_after = retry_after
        self.provider_code = provider_code


@dataclass(frozen=True)
class SendResult:
    latency_ms: int
    message_id: str | None = None
    wait_seconds: float = 0.0  # the provider said its bucket is empty: wait this long before the next call


# Queue workers retry through the queue (a visibility timeout per message), so their calls make one attempt.
_ONE_ATTEMPT = RetryPolicy(max_attempts=1)
MEDIA_MAX_BYTES = 50 * 1024 * 1024  # the largest upload any target accepts (Telegram documents)


@functools.cache
def client(policy: UrlPolicy) -> HttpClient:
    return HttpClient(policy, timeout=(3.05, 6.0), retry=_RETRY, max_response_bytes=4 * 1024 * 1024)


@functools.cache
def worker_client(policy: UrlPolicy) -> HttpClient:
    """For the pipeline's workers: one attempt, longer reads (uploads), the answer interpreted by the caller."""
    return HttpClient(policy, timeout=(3.05, 20.0), retry=_ONE_ATTEMPT, max_response_bytes=4 * 1024 * 1024)


@functools.cache
def media_client(policy: UrlPolicy) -> HttpClient:
    return HttpClient(policy, timeout=(3.05, 20.0), retry=_ONE_ATTEMPT, max_response_bytes=MEDIA_MAX_BYTES)


def for_base_url(base_url: str) -> HttpClient:
    return client(UrlPolicy.for_base_url(base_url))


def deadline() -> float:
    return time.monotonic() + REQUEST_BUDGET_SECONDS


def guarded[T](provider: str, call: Callable[[], T]) -> T:
    """Run one provider call, turning transport failures into ProviderError (named after `provider`)."""
    try:
        return call()
    except UnsafeUrlError:
        raise ProviderError("unsafe_url", f"{provider}: URL not allowed") from None
    except RetryLater as exc:
        raise ProviderError("rate_limited", f"{provider}: rate limited", status=exc.response.status,
                            retry_after=exc.retry_after_seconds) from None
    except UpstreamError as exc:
        reason = "timeout" if exc.kind == "timeout" else "unreachable"
        raise ProviderError(reason, f"{provider}: {exc.kind}") from None


def check_status(provider: str, response: HttpResponse) -> None:
    """Raise ProviderError for a non-2xx answer."""
    if response.ok:
        return
    if response.status == 429:
        raise ProviderError("rate_limited", f"{provider}: rate limited (HTTP 429)", status=429,
                            retry_after=retry_after_of(response))
    if 400 <= response.status < 500:
        raise ProviderError("rejected", f"{provider}: request refused (HTTP {response.status})", status=response.status)
    raise ProviderError("unreachable", f"{provider}: server error (HTTP {response.status})", status=response.status)


def retry_after_of(response: HttpResponse) -> float | None:
    """Seconds a 429 asks to wait: Discord's body `retry_after`, Telegram's `parameters.retry_after`, else the
    `Retry-After` header."""
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
