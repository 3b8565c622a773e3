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
from .failures import ProviderError, check_status, guarded, json_body, retry_after_of
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
    "ProviderError",
    "ResponseHeaders",
    "ResponseJsonError",
    "ResponseTooLarge",
    "RetryLater",
    "RetryPolicy",
    "SafeUrl",
    "UnsafeUrlError",
    "UpstreamError",
    "UrlPolicy",
    "check_status",
    "guarded",
    "is_public_ip",
    "json_body",
    "parse_retry_after",
    "provider_base_url",
    "retry_after_of",
    "validate_url",
]
