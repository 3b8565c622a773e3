"""The site key (`X-Site-Key`): enforced only when one is configured, as in the original (store/site_key.py
reads it; an empty value means "not configured"). Compared in constant time."""

from __future__ import annotations

from classworks.store import site_key as store
from suite.errors import Forbidden, Unauthorized
from suite.security.opaque_tokens import constant_time_equals


def configured() -> str | None:
    return store.configured()


def check(given: str | None) -> None:
    """Nothing to check without a configured key; otherwise the key given must be it (401)."""
    expected = configured()
    if expected is None:
        return
    if given is None or not constant_time_equals(given, expected):
        raise Unauthorized("无效的站点密钥")


def check_operator(given: str | None) -> None:
    """Operator routes: the site key must be configured (403 while it is not) and given (401)."""
    if configured() is None:
        raise Forbidden("此接口需要先配置站点密钥")
    check(given)
