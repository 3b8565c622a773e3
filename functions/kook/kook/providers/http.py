"""kook's HTTP clients: one suite.outbound.HttpClient per URL policy and use (kept warm across invocations), the
time budget of one provider call, and what a send answers. Failures are suite.outbound's ProviderError (raised
through `guarded` and `check_status` by every provider module)."""

from __future__ import annotations

import functools
import time
from dataclasses import dataclass

from suite.outbound import HttpClient, RetryPolicy, UrlPolicy

# API requests answer within API Gateway's 30 s and the function's timeout: two attempts, short waits.
REQUEST_BUDGET_SECONDS = 8.0
_RETRY = RetryPolicy(max_attempts=2, backoff_base=0.3, backoff_cap=1.0, max_retry_after=3.0)


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
