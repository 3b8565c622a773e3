"""Provider failures as the API's errors (the original's codes), one place for every service module."""

from __future__ import annotations

import math

from kook.errors import fail
from suite.errors import ApiError
from suite.outbound import ProviderError


def as_api_error(exc: ProviderError, *, rejected_code: str, rejected_status: int = 400,
                 rejected_message: str | None = None, solution: str | None = None) -> ApiError:
    """`rejected` means the provider refused the stored credentials/config (the caller's to fix: 4xx);
    transport failures are 502/504; a provider's rate limit is passed on as 429 + Retry-After."""
    if exc.reason == "rejected":
        return fail(rejected_status, rejected_code, rejected_message or exc.message, solution=solution)
    if exc.reason == "unsafe_url":
        return fail(400, rejected_code, rejected_message or exc.message, solution=solution)
    if exc.reason == "rate_limited":
        retry = max(1, math.ceil(exc.retry_after or 1))
        return fail(429, "RATE_LIMIT_EXCEEDED", f"{exc.message}", retry_after=retry)
    if exc.reason == "timeout":
        return fail(504, "TIMEOUT_ERROR", exc.message)
    return fail(502, "NETWORK_ERROR", exc.message)
