"""What ccjk routes read from a request besides their parameters, body and caller: the client's address (the
service limits anonymous registrations, logins and bind attempts per address), and the per-device quotas routes
declare as middlewares (issue 18: `middlewares=[limited(Quota(...))]`, after the route's credential)."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from ccjk.logic import rate_limits
from ccjk.logic.rate_limits import Quota
from ccjk.models.entities import Device
from suite import auth
from suite.api import Router
from suite.errors import ApiError

__all__ = ["Quota", "limited", "source_ip"]


def source_ip(router: Router) -> str:
    return auth.source_ip(router.current_event)


def _device_id(caller: Any) -> str | None:
    device = getattr(caller, "device", caller)  # a PresentedDevice carries its Device
    return device.device_id if isinstance(device, Device) else None


def limited(quota: Quota) -> Callable[[Any, Any], Any]:
    """A route middleware counting each request against `quota` for its caller (rate_limits.caller_key) and
    answering the X-RateLimit-* headers; over the quota, 429 with Retry-After."""

    def middleware(app: Any, next_middleware: Any) -> Any:
        event = app.current_event
        key = rate_limits.caller_key(device_id=_device_id(auth.caller()), client_id=auth.header(event, "X-Device-ID"),
                                     source_ip=auth.source_ip(event))
        headers = rate_limits.take(quota, key)
        try:
            response = next_middleware(app)
        except ApiError as refused:
            for name, value in headers.items():
                refused.headers.setdefault(name, value)
            raise
        response.headers.update(headers)
        return response

    middleware.__name__ = f"limited:{quota.name}"
    return middleware
