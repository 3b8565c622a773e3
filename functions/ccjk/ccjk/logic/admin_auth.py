"""Admin sign-in: `Authorization: Basic base64(username:password)` against the AdminCredentialsSecret.

Both parts are compared in constant time (HMAC digests of equal length, so neither the length nor the first
differing character shows in the time taken). Failed attempts are counted per client address: after
FAILURES_PER_ADDRESS failures in FAILURE_WINDOW_SECONDS every attempt from that address is 429 with
`Retry-After` until the window ends, before the credentials are even looked at. A refused password is checked
once more against a freshly read secret, so a rotation takes effect at once instead of after the cache's five
minutes.
"""

from __future__ import annotations

import base64
import binascii
import hashlib
import hmac
import math

from ccjk import clock
from ccjk.store import admin_secret, limits
from suite.errors import ServiceUnavailable, TooManyRequests, Unauthorized

FAILURES_PER_ADDRESS = 10
FAILURE_WINDOW_SECONDS = 900
_REFUSED = "Invalid admin credentials"


def _same(given: str, expected: str) -> bool:
    key = b"ccjk-admin-compare"
    return hmac.compare_digest(hmac.new(key, given.encode(), hashlib.sha256).digest(),
                               hmac.new(key, expected.encode(), hashlib.sha256).digest())


def _window_left(window_seconds: int) -> int:
    now = clock.now()
    return max(1, math.ceil((now // window_seconds + 1) * window_seconds - now))


def parse(header: str) -> tuple[str, str]:
    scheme, _, encoded = header.partition(" ")
    if scheme.lower() != "basic" or not encoded.strip():
        raise Unauthorized("Authorization must be Basic credentials", code="UNAUTHORIZED",
                           headers={"WWW-Authenticate": 'Basic realm="ccjk admin"'})
    try:
        decoded = base64.b64decode(encoded.strip(), validate=True).decode("utf-8")
    except (binascii.Error, UnicodeDecodeError, ValueError):
        raise Unauthorized(_REFUSED, code="INVALID_CREDENTIALS") from None
    username, sep, password = decoded.partition(":")
    if not sep:
        raise Unauthorized(_REFUSED, code="INVALID_CREDENTIALS")
    return username, password


def _matches(username: str, password: str, *, fresh: bool) -> bool:
    stored = admin_secret.credentials(fresh=fresh)
    if stored is None:
        raise ServiceUnavailable("Admin credentials are not configured", code="ADMIN_NOT_CONFIGURED")
    user_ok = _same(username, stored[0])
    return _same(password, stored[1]) and user_ok


def check(header: str, *, source_ip: str) -> str:
    """The admin's user name, or 401 (bad credentials) / 429 (too many failures from this address)."""
    key = f"admin#fail#{source_ip}"
    failures = limits.limiter().count(key, window_seconds=FAILURE_WINDOW_SECONDS)
    if failures >= FAILURES_PER_ADDRESS:
        raise TooManyRequests("Too many failed admin sign-ins, try again later",
                              retry_after=_window_left(FAILURE_WINDOW_SECONDS))
    username, password = parse(header)
    if _matches(username, password, fresh=False) or _matches(username, password, fresh=True):
        return username
    limits.hit(key, limit=FAILURES_PER_ADDRESS + 1, window_seconds=FAILURE_WINDOW_SECONDS)
    raise Unauthorized(_REFUSED, code="INVALID_CREDENTIALS", headers={"WWW-Authenticate": 'Basic realm="ccjk admin"'})
