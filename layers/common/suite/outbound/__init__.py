"""Outbound HTTP for every service: an SSRF-guarded, retrying, byte-capped client (see client.py, url_guard.py)."""

from .client import (
    HttpClient,
    HttpResponse,
    ResponseHeaders,
    ResponseJsonError,
    ResponseTooLarge,
    RetryLater,
    RetryPolicy,
    UpstreamError,
    parse_retry_after,
    provider_base_url,
)
from .url_guard import (
    BlockedAddressError,
    PinnedHTTPAdapter,
    SafeUrl,
    UnsafeUrlError,
    UrlPolicy,
    is_public_ip,
    validate_url,
)

__all__ = [
    "BlockedAddressError",
    "HttpClient",
    "HttpResponse",
    "PinnedHTTPAdapter",
    "ResponseHeaders",
    "ResponseJsonError",
    "ResponseTooLarge",
    "RetryLater",
    "RetryPolicy",
    "SafeUrl",
    "UnsafeUrlError",
    "UpstreamError",
    "UrlPolicy",
    "is_public_ip",
    "parse_retry_after",
    "provider_base_url",
    "validate_url",
]
