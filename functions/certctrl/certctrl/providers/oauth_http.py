"""The HTTP client of issue 19's providers (GitHub, WeChat): one guarded client per configured base URL (a fake's
127.0.0.1 origin is trusted only because it was configured), short timeouts (a sign-in waits on it), no redirects
followed."""

from __future__ import annotations

from suite.outbound import HttpClient, RetryPolicy, UrlPolicy

_clients: dict[str, HttpClient] = {}


def client(base_url: str) -> HttpClient:
    found = _clients.get(base_url)
    if found is None:
        found = _clients.setdefault(base_url, HttpClient(
            UrlPolicy.for_base_url(base_url), timeout=(3.05, 8.0),
            retry=RetryPolicy(max_attempts=2), max_response_bytes=256 * 1024, user_agent="cert-ctrl/1 (+cjj365.cc)"))
    return found
