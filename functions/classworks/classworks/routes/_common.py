"""What every classworks router needs from the event: the plain `Request` the logic works on, decoded path
parameters, and responses in the service's envelope with extra headers (rate limits)."""

from __future__ import annotations

import base64
import binascii
from collections.abc import Mapping
from typing import Any
from urllib.parse import unquote

from aws_lambda_powertools.event_handler import Response

from classworks.api import ENVELOPE
from classworks.logic.request import Request
from suite.api import Router


def current_request(router: Router) -> Request:
    event = router.current_event
    body = event.body
    if body and event.is_base64_encoded:
        try:
            body = base64.b64decode(body).decode("utf-8", errors="replace")
        except (binascii.Error, ValueError):
            body = "\ufffd"  # undecodable: parses as nothing, so the route answers 400
    headers = {name.lower(): value for name, value in (event.headers or {}).items()}
    return Request(headers=headers, query=dict(event.query_string_parameters or {}), body_text=body,
                   source_ip=event.request_context.http.source_ip or "")


def path_value(router: Router, name: str, matched: str) -> str:
    """A path parameter decoded (API Gateway decodes pathParameters; Powertools matches the raw path)."""
    decoded = (router.current_event.path_parameters or {}).get(name)
    return decoded if decoded is not None else unquote(matched)


def ok(data: Any, *, status: int = 200, headers: Mapping[str, str] | None = None) -> Response:
    return ENVELOPE.ok(data, status=status, headers=headers)
