"""An upstream git host spoken to over Git smart HTTP, for proxy repositories (docs/certctrl-git.md, "Proxy").

    answer = UPSTREAMS.forward(upstream, "git-upload-pack", method="POST", body=..., content_type=...,
                               credential=("x-access-token", token), max_bytes=settings.max_body_bytes)

**Where requests may go.** An upstream URL is user input: `check_upstream_url` holds it to https on port 443 and a
public host name (no IP literals, no local names, no userinfo, no query, no fragment); `suite.outbound`'s pinned
connections refuse any private, loopback, link-local or metadata address at connect time, after DNS (no
rebinding), and never follow redirects. Base URLs the operator configured (`GIT_TRUSTED_UPSTREAMS`, e.g. a company
git server, or the fakes in tests) may be private: exactly those origins, nothing else.

**The credential.** The stored token travels only in the `Authorization: Basic` header of the request to the
upstream whose host the credential names. It is never logged (suite.outbound logs method, host and a redacted
path), never put in a URL, and an answer that contains it (an upstream echoing headers) is refused whole, so it
can never reach the git client. An upstream's 401/403 becomes `ProviderError("rejected")`: the client is not
asked for upstream credentials, it is told the stored one was refused.
"""

from __future__ import annotations

import base64
import threading
from collections.abc import Iterable
from dataclasses import dataclass

from suite.outbound import (
    HttpClient,
    HttpResponse,
    ProviderError,
    ResponseTooLarge,
    RetryPolicy,
    SafeUrl,
    UnsafeUrlError,
    UrlPolicy,
    guarded,
    validate_url,
)

PROVIDER = "git upstream"
ENDPOINTS = ("info/refs", "git-upload-pack", "git-receive-pack")
TIMEOUT = (3.05, 20.0)
# Headers of the upstream's answer that reach the git client; nothing else (no cookies, no auth challenges).
PASSED_HEADERS = ("Content-Type", "Cache-Control", "Expires", "Pragma")

__all__ = ["PROVIDER", "ProviderError", "Upstream", "UpstreamAnswer", "Upstreams", "check_upstream_url"]


@dataclass(frozen=True)
class Upstream:
    """A validated upstream repository URL (no trailing slash) and the policy every request to it is held to."""

    url: str
    host: str
    policy: UrlPolicy


@dataclass(frozen=True)
class UpstreamAnswer:
    status: int
    headers: dict[str, str]
    body: bytes


class _TooLarge(Exception):
    pass


def _trusted_policy(url: str, trusted_bases: Iterable[str]) -> UrlPolicy | None:
    for base in trusted_bases:
        try:
            policy = UrlPolicy.for_base_url(base)
            validate_url(url, policy)
        except UnsafeUrlError:
            continue
        return policy
    return None


def check_upstream_url(url: str, trusted_bases: Iterable[str] = ()) -> Upstream:
    """Validate a user-supplied upstream repository URL (raises ProviderError reason "unsafe_url")."""
    if not isinstance(url, str) or not url.strip():
        raise ProviderError("unsafe_url", f"{PROVIDER}: an upstream URL is required")
    url = url.strip().rstrip("/")
    policy = _trusted_policy(url, trusted_bases) or UrlPolicy()
    try:
        safe: SafeUrl = validate_url(url, policy)
    except UnsafeUrlError as exc:
        raise ProviderError("unsafe_url", f"{PROVIDER}: upstream URL refused ({exc})") from None
    if safe.query:
        raise ProviderError("unsafe_url", f"{PROVIDER}: upstream URL refused (query string)")
    return Upstream(safe.url.rstrip("/"), safe.host, policy)


def basic_authorization(username: str, secret: str) -> str:
    return "Basic " + base64.b64encode(f"{username}:{secret}".encode()).decode("ascii")


class Upstreams:
    """One outbound client per upstream policy, kept for the life of the execution environment."""

    def __init__(self) -> None:
        self._clients: dict[tuple[UrlPolicy, int], HttpClient] = {}
        self._lock = threading.Lock()

    def _client(self, policy: UrlPolicy, max_bytes: int) -> HttpClient:
        key = (policy, max_bytes)
        with self._lock:
            client = self._clients.get(key)
            if client is None:
                client = HttpClient(policy, timeout=TIMEOUT, retry=RetryPolicy(max_attempts=2),
                                    max_response_bytes=max_bytes, user_agent="git/2 (certctrl proxy)")
                self._clients[key] = client
            return client

    def forward(self, upstream: Upstream, endpoint: str, *, method: str, service: str | None = None,
                body: bytes = b"", content_type: str | None = None, git_protocol: str | None = None,
                credential: tuple[str, str] | None = None, max_bytes: int) -> UpstreamAnswer:
        """Send one smart-HTTP request to the upstream and return its answer (at most `max_bytes` of body).

        Raises ProviderError: "too_large" (the answer passed `max_bytes`), "rejected" (401/403: the stored
        credential was refused), "unreachable"/"timeout"/"rate_limited", "unsafe_url", "bad_response"
        (the answer contained the credential).
        """
        if endpoint not in ENDPOINTS:
            raise ValueError(f"unknown smart-HTTP endpoint {endpoint!r}")
        url = f"{upstream.url}/{endpoint}"
        params = {"service": service} if service else None
        headers = {"Accept": "*/*", "Pragma": "no-cache"}
        if content_type:
            headers["Content-Type"] = content_type
        if git_protocol:
            headers["Git-Protocol"] = git_protocol
        secrets: list[bytes] = []
        if credential is not None:
            authorization = basic_authorization(*credential)
            headers["Authorization"] = authorization
            secrets = [credential[1].encode(), authorization.split(" ", 1)[1].encode()]
        client = self._client(upstream.policy, max_bytes)

        def call() -> HttpResponse:
            try:
                return client.request(method, url, params=params, headers=headers,
                                      data=body if method == "POST" else None,
                                      idempotent=endpoint != "git-receive-pack")
            except ResponseTooLarge:  # guarded() would fold it into bad_response; the caller tells it apart
                raise _TooLarge from None

        try:
            response = guarded(PROVIDER, call)
        except _TooLarge:
            raise ProviderError("too_large", f"{PROVIDER}: answer larger than {max_bytes} bytes") from None
        passed = {name: response.headers[name] for name in PASSED_HEADERS if name in response.headers}
        exposed = response.content + "\n".join(f"{k}: {v}" for k, v in response.headers.items()).encode()
        if any(secret and secret in exposed for secret in secrets):
            raise ProviderError("bad_response", f"{PROVIDER}: the answer contained the credential; refused")
        if response.status in (401, 403):
            raise ProviderError("rejected", f"{PROVIDER}: the upstream refused the stored credential "
                                f"(HTTP {response.status})", status=response.status)
        return UpstreamAnswer(response.status, passed, response.content)


UPSTREAMS = Upstreams()
