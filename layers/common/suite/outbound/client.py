"""The suite's outbound HTTP client: timeouts, bounded retries with full jitter, byte caps, no redirects, SSRF guard.

One ``HttpClient`` per provider (or per policy), created at module import and reused across warm invocations so
the connection pool survives. Typical use::

    TELEGRAM = HttpClient(UrlPolicy.for_base_url(provider_base_url("telegram", "https://api.telegram.org")))
    resp = TELEGRAM.post(f"{base}/bot{token}/sendMessage", json=payload, deadline=context_deadline)

Retry rules (``RetryPolicy``):

* connection failures before anything was sent (refused, DNS failure, connect timeout) are always retried;
* 429 and 503 are always retried: the provider did not process the request;
* 500/502/504, read timeouts and connections broken after the request was sent are retried only for idempotent
  requests (GET/HEAD/PUT/DELETE/OPTIONS by default; POST/PATCH only with ``idempotent=True``);
* the wait before retry ``n`` (0-based) is ``uniform(0, min(cap, base * 2**n))`` but at least ``Retry-After``;
* a ``Retry-After`` above ``max_retry_after`` raises ``RetryLater`` at once (queue workers defer the message);
* no wait ever crosses ``deadline``: the last response is returned, or the last error raised, instead.

When retryable statuses are exhausted the last response is returned; the caller decides what it means.
"""

from __future__ import annotations

import email.utils
import json as jsonlib
import logging
import math
import os
import random
import re
import time
from collections.abc import Callable, Iterator, Mapping
from dataclasses import dataclass
from datetime import UTC
from typing import Any

import requests
from urllib3.exceptions import (
    DecodeError,
    HTTPError,
    NewConnectionError,
    ProtocolError,
    ReadTimeoutError,
)
from urllib3.exceptions import SSLError as Urllib3SSLError
from urllib3.util import parse_url

from .url_guard import BlockedAddressError, PinnedHTTPAdapter, UrlPolicy, validate_url

__all__ = [
    "HttpClient",
    "HttpResponse",
    "ResponseHeaders",
    "ResponseJsonError",
    "ResponseTooLarge",
    "RetryLater",
    "RetryPolicy",
    "UpstreamError",
    "parse_retry_after",
    "provider_base_url",
]

logger = logging.getLogger("suite.outbound")
# urllib3 logs each request line, query string included, at DEBUG; provider queries carry access tokens.
logging.getLogger("urllib3").setLevel(logging.INFO)

IDEMPOTENT_METHODS = frozenset({"GET", "HEAD", "PUT", "DELETE", "OPTIONS", "TRACE"})
ALWAYS_RETRY_STATUSES = frozenset({429, 503})
IDEMPOTENT_RETRY_STATUSES = frozenset({500, 502, 504})
UPSTREAM_ERROR_KINDS = frozenset({"timeout", "connection", "too_large", "unsafe"})
_CHUNK = 64 * 1024
_jitter = random.Random()  # noqa: S311  (jitter spreads retries; it is not a security control)


# ---------------------------------------------------------------------------------------------------------------
# Errors
# ---------------------------------------------------------------------------------------------------------------


class UpstreamError(Exception):
    """A transport failure talking to a provider. ``kind`` is one of timeout, connection, too_large, unsafe.

    The message names method, host and a redacted path, never the query string, headers or bodies, and the
    original exception is not chained (urllib3 messages embed the full URL, tokens included).
    """

    def __init__(self, kind: str, message: str, *, attempts: int = 0) -> None:
        if kind not in UPSTREAM_ERROR_KINDS:
            raise ValueError(f"unknown UpstreamError kind {kind!r}")
        super().__init__(kind, message)
        self.kind = kind
        self.message = message
        self.attempts = attempts

    def __str__(self) -> str:
        return f"{self.kind}: {self.message}"


class ResponseTooLarge(UpstreamError):
    """The response body exceeded the client's byte cap. Never retried."""

    def __init__(self, message: str, *, limit: int, attempts: int = 0) -> None:
        super().__init__("too_large", message, attempts=attempts)
        self.limit = limit


class RetryLater(Exception):
    """The provider asked us to wait longer than ``RetryPolicy.max_retry_after``; defer instead of sleeping."""

    def __init__(self, retry_after_seconds: float, response: HttpResponse) -> None:
        super().__init__(f"provider asked to retry after {retry_after_seconds:g}s (status {response.status})")
        self.retry_after_seconds = retry_after_seconds
        self.response = response


class ResponseJsonError(ValueError):
    """``HttpResponse.json()`` on a body that is not JSON. The message never contains the body."""


# ---------------------------------------------------------------------------------------------------------------
# Response
# ---------------------------------------------------------------------------------------------------------------


class ResponseHeaders(Mapping[str, str]):
    """Read-only, case-insensitive header mapping (original spelling kept for iteration)."""

    __slots__ = ("_items",)

    def __init__(self, items: Mapping[str, str] | None = None) -> None:
        self._items: dict[str, tuple[str, str]] = {k.lower(): (k, v) for k, v in (items or {}).items()}

    def __getitem__(self, key: str) -> str:
        return self._items[key.lower()][1]

    def __contains__(self, key: object) -> bool:
        return isinstance(key, str) and key.lower() in self._items

    def __iter__(self) -> Iterator[str]:
        return (original for original, _ in self._items.values())

    def __len__(self) -> int:
        return len(self._items)

    def __repr__(self) -> str:
        return f"ResponseHeaders({dict(self.items())!r})"


@dataclass(frozen=True, slots=True)
class HttpResponse:
    """A fully read response. ``ok`` means 2xx (redirects are not followed, so a 3xx is not ok)."""

    status: int
    headers: ResponseHeaders
    content: bytes
    elapsed_ms: float  # wall time of the whole call: every attempt and every wait
    attempts: int

    @property
    def ok(self) -> bool:
        return 200 <= self.status < 300

    @property
    def text(self) -> str:
        match = re.search(r"charset=([\w.-]+)", self.headers.get("Content-Type", ""), re.IGNORECASE)
        encoding = match.group(1) if match else "utf-8"
        try:
            return self.content.decode(encoding, errors="replace")
        except LookupError:
            return self.content.decode("utf-8", errors="replace")

    def json(self) -> Any:
        try:
            return jsonlib.loads(self.content)
        except (ValueError, UnicodeDecodeError):
            content_type = self.headers.get("Content-Type", "none")
            raise ResponseJsonError(
                f"response body is not valid JSON (status {self.status}, content-type {content_type}, "
                f"{len(self.content)} bytes)"
            ) from None


# ---------------------------------------------------------------------------------------------------------------
# Retry policy
# ---------------------------------------------------------------------------------------------------------------


@dataclass(frozen=True)
class RetryPolicy:
    max_attempts: int = 3
    backoff_base: float = 0.5
    backoff_cap: float = 8.0
    max_retry_after: float = 10.0

    def __post_init__(self) -> None:
        if self.max_attempts < 1:
            raise ValueError("max_attempts must be at least 1")

    def backoff(self, retry_index: int) -> float:
        """Full jitter for the ``retry_index``-th retry (0 for the first retry)."""
        return _jitter.uniform(0.0, min(self.backoff_cap, self.backoff_base * 2**retry_index))


def parse_retry_after(value: str | None, now: float | None = None) -> float | None:
    """Seconds to wait from a ``Retry-After`` value (delta-seconds or HTTP-date); None when absent or invalid."""
    if value is None:
        return None
    value = value.strip()
    try:
        seconds = float(value)
    except ValueError:
        try:
            when = email.utils.parsedate_to_datetime(value)
        except (TypeError, ValueError, IndexError):
            return None
        if when.tzinfo is None:
            when = when.replace(tzinfo=UTC)
        seconds = when.timestamp() - (time.time() if now is None else now)
    if math.isnan(seconds) or math.isinf(seconds):
        return None
    return max(0.0, seconds)


# ---------------------------------------------------------------------------------------------------------------
# Helpers
# ---------------------------------------------------------------------------------------------------------------

_SECRETISH_SEGMENT = re.compile(r"[A-Za-z0-9_\-:.=%]{16,}")


def redact_path(path: str) -> str:
    """Mask long opaque path segments: webhook URLs carry their credential in the path (Feishu, Discord, Telegram)."""
    return "/".join(
        f"{segment[:4]}…" if _SECRETISH_SEGMENT.fullmatch(segment) and any(c.isdigit() for c in segment) else segment
        for segment in path.split("/")
    )


def provider_base_url(name: str, default: str) -> str:
    """``<NAME>_BASE_URL`` from the environment (name upper-cased, ``-`` → ``_``) without a trailing slash."""
    value = os.environ.get(f"{name.upper().replace('-', '_')}_BASE_URL", "").strip()
    return (value or default).rstrip("/")


class _Failure(Exception):
    """One failed attempt (internal). ``sent``: the request may have reached the provider."""

    def __init__(self, kind: str, detail: str, *, sent: bool, retryable_always: bool = False) -> None:
        super().__init__(kind, detail)
        self.kind = kind
        self.detail = detail
        self.sent = sent
        self.retryable_always = retryable_always


@dataclass(frozen=True)
class _Call:
    """One logical request, as the retry loop sees it."""

    method: str
    url: str
    host: str
    path: str
    kwargs: dict[str, Any]
    idempotent: bool
    max_attempts: int
    timeout: tuple[float, float]
    deadline: float | None

    @property
    def where(self) -> str:
        return f"{self.method} {self.host}{redact_path(self.path)}"

    def would_cross_deadline(self, wait: float) -> bool:
        return self.deadline is not None and time.monotonic() + wait >= self.deadline

    def attempt_timeout(self) -> tuple[float, float] | None:
        """(connect, read) for the next attempt, clamped to the deadline; None if the deadline has passed."""
        if self.deadline is None:
            return self.timeout
        remaining = self.deadline - time.monotonic()
        if remaining <= 0:
            return None
        return min(self.timeout[0], remaining), min(self.timeout[1], remaining)


def _innermost(exc: BaseException) -> BaseException:
    seen = 0
    while seen < 8:
        reason = getattr(exc, "reason", None)
        if isinstance(reason, BaseException):
            exc = reason
        elif exc.args and isinstance(exc.args[0], BaseException):
            exc = exc.args[0]
        else:
            break
        seen += 1
    return exc


def _is_replayable(data: Any) -> bool:
    return data is None or isinstance(data, str | bytes | bytearray | dict | list | tuple)


# ---------------------------------------------------------------------------------------------------------------
# Client
# ---------------------------------------------------------------------------------------------------------------


class HttpClient:
    """Outbound HTTP with a URL policy, pinned connections, bounded retries and a response byte cap.

    Thread-safe for concurrent ``request`` calls; create one per provider and keep it for the process lifetime.
    When ``session`` is given it is used as-is except that ``trust_env`` is turned off and, with a policy, the
    pinning adapter is mounted on it.
    """

    def __init__(
        self,
        policy: UrlPolicy | None = None,
        *,
        timeout: tuple[float, float] | float = (3.05, 10.0),
        retry: RetryPolicy = RetryPolicy(),
        max_response_bytes: int = 10 * 1024 * 1024,
        user_agent: str = "serverless-backend-suite/1",
        sleep: Callable[[float], None] = time.sleep,
        session: requests.Session | None = None,
    ) -> None:
        self.policy = policy
        self.timeout = timeout
        self.retry = retry
        self.max_response_bytes = max_response_bytes
        self.user_agent = user_agent
        self._sleep = sleep
        self._session = session if session is not None else requests.Session()
        self._session.trust_env = False  # env proxies and .netrc must not bypass the guard
        self._session.headers["User-Agent"] = user_agent
        if policy is not None:
            adapter = PinnedHTTPAdapter(trusted_origins=policy.trusted_origins)
            self._session.mount("https://", adapter)
            self._session.mount("http://", adapter)

    # -- public API ---------------------------------------------------------------------------------------------

    def get(self, url: str, **kwargs: Any) -> HttpResponse:
        return self.request("GET", url, **kwargs)

    def post(self, url: str, **kwargs: Any) -> HttpResponse:
        return self.request("POST", url, **kwargs)

    def close(self) -> None:
        self._session.close()

    def __enter__(self) -> HttpClient:
        return self

    def __exit__(self, *exc_info: object) -> None:
        self.close()

    def request(
        self,
        method: str,
        url: str,
        *,
        json: Any = None,
        data: Any = None,
        headers: Mapping[str, str] | None = None,
        params: Any = None,
        idempotent: bool | None = None,
        timeout: tuple[float, float] | float | None = None,
        deadline: float | None = None,
    ) -> HttpResponse:
        """Send one logical request (up to ``retry.max_attempts`` attempts). See the module docstring for rules.

        Raises ``UnsafeUrlError`` (policy, before anything is sent), ``UpstreamError`` (transport, after the last
        attempt), ``RetryLater`` (Retry-After above ``retry.max_retry_after``).
        """
        method = method.upper()
        if self.policy is not None:
            safe = validate_url(url, self.policy)
            url, host, path = safe.url, safe.host, safe.path
        else:
            parsed = parse_url(url)
            host, path = parsed.host or "?", parsed.path or "/"
        call = _Call(
            method=method,
            url=url,
            host=host,
            path=path,
            kwargs={
                "json": json,
                "data": data,
                "headers": dict(headers) if headers else None,
                "params": params,
            },
            idempotent=method in IDEMPOTENT_METHODS if idempotent is None else idempotent,
            # One-shot bodies (generators, files) cannot be replayed, so they get a single attempt.
            max_attempts=self.retry.max_attempts if _is_replayable(data) else 1,
            timeout=self._split_timeout(timeout if timeout is not None else self.timeout),
            deadline=deadline,
        )
        return self._run(call)

    # -- internals ----------------------------------------------------------------------------------------------

    def _run(self, call: _Call) -> HttpResponse:
        started = time.monotonic()
        attempt = 0
        while True:
            attempt += 1
            try:
                status, resp_headers, content = self._attempt(call, attempt)
            except _Failure as failure:
                retryable = failure.retryable_always or (
                    failure.kind in ("timeout", "connection") and (call.idempotent or not failure.sent)
                )
                wait = self.retry.backoff(attempt - 1)
                if not retryable or attempt >= call.max_attempts or call.would_cross_deadline(wait):
                    raise self._upstream_error(failure, call, attempt) from None
                self._sleep(wait)
                continue

            response = HttpResponse(
                status=status,
                headers=resp_headers,
                content=content,
                elapsed_ms=(time.monotonic() - started) * 1000,
                attempts=attempt,
            )
            retryable = status in ALWAYS_RETRY_STATUSES or (call.idempotent and status in IDEMPOTENT_RETRY_STATUSES)
            if not retryable:
                return response
            retry_after = parse_retry_after(resp_headers.get("Retry-After"))
            if retry_after is not None and retry_after > self.retry.max_retry_after:
                raise RetryLater(retry_after, response)
            wait = max(self.retry.backoff(attempt - 1), retry_after or 0.0)
            if attempt >= call.max_attempts or call.would_cross_deadline(wait):
                return response
            self._sleep(wait)

    @staticmethod
    def _split_timeout(timeout: tuple[float, float] | float) -> tuple[float, float]:
        if isinstance(timeout, tuple):
            connect, read = timeout
            return float(connect), float(read)
        return float(timeout), float(timeout)

    def _upstream_error(self, failure: _Failure, call: _Call, attempts: int) -> UpstreamError:
        message = f"{call.where}: {failure.detail} after {attempts} attempt(s)"
        if failure.kind == "too_large":
            return ResponseTooLarge(message, limit=self.max_response_bytes, attempts=attempts)
        return UpstreamError(failure.kind, message, attempts=attempts)

    def _attempt(self, call: _Call, attempt: int) -> tuple[int, ResponseHeaders, bytes]:
        timeout = call.attempt_timeout()
        if timeout is None:
            raise _Failure("timeout", "deadline passed before the request was sent", sent=False)
        t0 = time.monotonic()
        try:
            resp = self._session.request(
                call.method,
                call.url,
                **call.kwargs,
                timeout=timeout,
                allow_redirects=False,
                stream=True,
            )
        except BlockedAddressError as e:
            self._log(call, "unsafe", attempt, t0)
            raise _Failure("unsafe", str(e), sent=False) from None
        except requests.exceptions.ConnectTimeout:
            self._log(call, "timeout", attempt, t0)
            raise _Failure(
                "timeout", f"connect timed out ({timeout[0]:g}s)", sent=False, retryable_always=True
            ) from None
        except requests.exceptions.ReadTimeout:
            self._log(call, "timeout", attempt, t0)
            raise _Failure("timeout", f"read timed out ({timeout[1]:g}s)", sent=True) from None
        except requests.exceptions.SSLError as e:
            self._log(call, "tls", attempt, t0)
            raise _Failure("connection", f"TLS failure ({type(_innermost(e)).__name__})", sent=False) from None
        except requests.exceptions.ConnectionError as e:
            inner = _innermost(e)
            not_sent = isinstance(inner, NewConnectionError)  # refused, unreachable, DNS failure
            self._log(call, "connection", attempt, t0)
            raise _Failure(
                "connection",
                f"connection failed ({type(inner).__name__})",
                sent=not not_sent,
                retryable_always=not_sent,
            ) from None
        except requests.exceptions.RequestException as e:
            self._log(call, "error", attempt, t0)
            raise _Failure("connection", f"request failed ({type(e).__name__})", sent=False) from None

        try:
            content = self._read_capped(resp, t0, timeout)
        finally:
            resp.close()
            self._log(call, resp.status_code, attempt, t0)
        return resp.status_code, ResponseHeaders(resp.headers), content

    def _read_capped(self, resp: requests.Response, t0: float, timeout: tuple[float, float]) -> bytes:
        cap = self.max_response_bytes
        declared = resp.headers.get("Content-Length", "")
        if declared.isdigit() and int(declared) > cap:
            raise _Failure("too_large", f"response declared {declared} bytes, cap is {cap}", sent=True)
        # A body must arrive within connect+read seconds of the attempt's start: the read timeout alone only
        # bounds each recv, so a server trickling one byte at a time could otherwise hold the Lambda forever.
        body_deadline = t0 + timeout[0] + timeout[1]
        buf = bytearray()
        raw = resp.raw
        try:
            while True:
                chunk = raw.read1(_CHUNK, decode_content=True)
                if not chunk:
                    break
                buf += chunk
                if len(buf) > cap:
                    raise _Failure("too_large", f"response exceeded the {cap}-byte cap", sent=True)
                if time.monotonic() > body_deadline:
                    raise _Failure("timeout", "response body too slow", sent=True)
        except ReadTimeoutError:
            raise _Failure("timeout", f"read timed out ({timeout[1]:g}s)", sent=True) from None
        except (ProtocolError, DecodeError, Urllib3SSLError, HTTPError, OSError) as e:
            raise _Failure("connection", f"response body broken ({type(e).__name__})", sent=True) from None
        return bytes(buf)

    @staticmethod
    def _log(call: _Call, status: int | str, attempt: int, t0: float) -> None:
        # Method, host and redacted path only: the query string carries access tokens, headers and bodies too.
        if logger.isEnabledFor(logging.DEBUG):
            logger.debug(
                "outbound %s status=%s attempt=%d elapsed_ms=%.1f",
                call.where,
                status,
                attempt,
                (time.monotonic() - t0) * 1000,
            )
