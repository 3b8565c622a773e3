"""What every classworks router needs from the event: decoded path parameters, the client's address, the
body's bytes, and answers in the service's envelope with extra headers (rate limits)."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Annotated, Any
from urllib.parse import unquote

from aws_lambda_powertools.event_handler import Response
from aws_lambda_powertools.event_handler.openapi.params import Query

from classworks.api import ENVELOPE
from classworks.models.documented import DIGITS, schema
from suite import auth, body
from suite.api import Router


def query(**documented: Any) -> Any:
    """A query parameter the route checks itself (None when absent), documented as a string with `documented`
    (models/documented.py)."""
    return Query(json_schema_extra=schema(type="string", **documented))


Digits = Annotated[str | None, query(pattern=DIGITS)]  # limit, skip: non-negative integers


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
