"""The optional FX rate source (`FX_SOURCE_URL`, operator configuration): one GET answering JSON rates in the
common `{"base"|"base_code": "USD", "rates": {...}}` shape (logic/quotes.parse_source reads it)."""

from __future__ import annotations

import functools
from typing import Any

from suite.outbound import HttpClient, RetryPolicy, UrlPolicy, check_status, guarded, json_body


@functools.cache
def _client(url: str) -> HttpClient:
    base = url.split("?", 1)[0]
    origin = base.split("/", 3)
    return HttpClient(UrlPolicy.for_base_url("/".join(origin[:3])), timeout=(3.05, 8.0),
                      retry=RetryPolicy(max_attempts=3), max_response_bytes=1024 * 1024)


def fetch(url: str) -> Any:
    """The source's JSON document; ProviderError (suite.outbound) on any failure."""
    response = guarded("fx-source", lambda: _client(url).get(url))
    check_status("fx-source", response)
    return json_body("fx-source", response)
