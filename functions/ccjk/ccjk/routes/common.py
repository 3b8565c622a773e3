"""What every ccjk route reads from the request besides its body: credentials, client address, query."""

from __future__ import annotations

from typing import Any

from ccjk import access
from ccjk.models.entities import Device
from suite.api import Router


def header(router: Router, name: str) -> str | None:
    return router.current_event.headers.get(name)  # case-insensitive


def source_ip(router: Router) -> str:
    return router.current_event.request_context.http.source_ip or "unknown"


def query(router: Router) -> dict[str, Any]:
    return router.current_event.query_string_parameters or {}


def current_device(router: Router) -> Device:
    """The device whose `X-Device-Token` came with the request (401 without a valid one)."""
    return access.device_for_token(header(router, "X-Device-Token"))


def current_user(router: Router) -> str:
    """The user id of the request's `Authorization: Bearer` JWT (401 without a valid one)."""
    return access.user_for_authorization(header(router, "Authorization"))
