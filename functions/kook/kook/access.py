"""Authentication for routes: `@router.get(path, middlewares=AUTH)` on every /api route.

The token comes as `X-API-Token: <token>` (the documented header) or `Authorization: Bearer <token>` (what the
original's frontend sent). The caller is stored in the resolver context as `caller`.

Powertools validates a request before any route middleware runs, so a handler also calls
`auth_before_validation(app)`: an invalid request to a protected route answers 401 unless its token is good,
and never tells an anonymous caller which fields were wrong.
"""

from __future__ import annotations

from contextvars import ContextVar
from typing import Any

from aws_lambda_powertools.event_handler.openapi.exceptions import RequestValidationError

from kook.api import ENVELOPE
from kook.logic import auth
from suite.api import validation_error
from suite.errors import ApiError


def presented_token(headers: dict[str, Any] | None) -> str | None:
    lowered = {str(k).lower(): v for k, v in (headers or {}).items()}
    token = (lowered.get("x-api-token") or "").strip()
    if token:
        return token
    scheme, _, value = (lowered.get("authorization") or "").strip().partition(" ")
    if scheme.lower() == "bearer" and value.strip():
        return value.strip()
    return None


def client_ip(event: Any) -> str:
    return event.request_context.http.source_ip or "unknown"


_caller: ContextVar[auth.Caller | None] = ContextVar("kook_caller", default=None)


def require_token(app: Any, next_middleware: Any) -> Any:
    caller = auth.authenticate(presented_token(app.current_event.headers))
    app.append_context(caller=caller)
    _caller.set(caller)
    return next_middleware(app)


def current_caller() -> auth.Caller:
    """The caller `require_token` authenticated for this request. (A router's own `context` follows the last app
    that included it, which is the docs app when both were imported in one process.)"""
    caller = _caller.get()
    if caller is None:
        raise RuntimeError("current_caller() outside a route protected by AUTH")
    return caller


AUTH = [require_token]


def auth_before_validation(app: Any) -> None:
    """Answer 401 rather than 422 to an unauthenticated, invalid request on a protected route."""

    @app.exception_handler(RequestValidationError)
    def _invalid_request(exc: RequestValidationError) -> Any:
        route = app.context.get("_route")
        if route is not None and require_token in (route.middlewares or []):
            try:
                auth.authenticate(presented_token(app.current_event.headers))
            except ApiError as error:
                return ENVELOPE.error(error)
        return ENVELOPE.error(validation_error(ENVELOPE, exc))
