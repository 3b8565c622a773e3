"""What every classworks router needs from the event: decoded path parameters, the client's address, the
body's bytes, and answers in the service's envelope with extra headers (rate limits)."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any
from urllib.parse import unquote

from aws_lambda_powertools.event_handler import Response

from classworks.api import ENVELOPE
from suite import auth, body
from suite.api import Router


def path_value(router: Router, name: str, matched: str) -> str:
    """A path parameter decoded (API Gateway decodes pathParameters; Powertools matches the raw path)."""
    decoded = (router.current_event.path_parameters or {}).get(name)
    return decoded if decoded is not None else unquote(matched)


def source_ip(router: Router) -> str:
    return auth.source_ip(router.current_event)


def body_bytes(router: Router) -> bytes:
    """The body exactly as sent (base64 undone; 400 when that base64 is broken)."""
    return body.raw(router.current_event)


def given(**parameters: str | None) -> dict[str, str]:
    """The query parameters a request gave, as the plain mapping logic takes (absent ones left out)."""
    return {name: value for name, value in parameters.items() if value is not None}


def ok(data: Any, *, status: int = 200, headers: Mapping[str, str] | None = None) -> Response:
    return ENVELOPE.ok(data, status=status, headers=headers)
