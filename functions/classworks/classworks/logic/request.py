"""What the service logic needs to know about a request, as plain data, and where credentials are read from.

Routes build a `Request` from the API Gateway event; everything below works on it, so it is tested without
events. Header names are lower case (API Gateway HTTP APIs deliver them that way).
"""

from __future__ import annotations

import json
import re
from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any

_BEARER = re.compile(r"^Bearer\s+(.+)$", re.IGNORECASE)


@dataclass(frozen=True)
class Request:
    headers: Mapping[str, str] = field(default_factory=dict)
    query: Mapping[str, str] = field(default_factory=dict)
    body_text: str | None = None  # the decoded body as sent
    source_ip: str = ""

    @property
    def body_bytes(self) -> int:
        return len(self.body_text.encode("utf-8")) if self.body_text else 0

    @property
    def json_body(self) -> Any:
        """The body parsed as JSON; None when it is empty or not JSON (routes that need it parse strictly)."""
        if not self.body_text or not self.body_text.strip():
            return None
        try:
            return json.loads(self.body_text)
        except (ValueError, RecursionError):
            return None

    def body_field(self, name: str) -> Any:
        body = self.json_body
        return body.get(name) if isinstance(body, dict) else None


def _text(value: Any) -> str | None:
    return value if isinstance(value, str) and value else None


def site_key(request: Request) -> str | None:
    """`X-Site-Key` header, else `?sitekey`, else body `sitekey` (the original's order)."""
    return (_text(request.headers.get("x-site-key")) or _text(request.query.get("sitekey"))
            or _text(request.body_field("sitekey")))


# Where an app token may come from, in the original's order of precedence.
TOKEN_SOURCES = ("authorization", "x-app-token", "query:token", "query:apptoken", "body:token", "body:apptoken")


def app_token(request: Request) -> tuple[str | None, str | None]:
    """(token, source): `Authorization: Bearer` › `x-app-token` › `?token` › `?apptoken` › body `token` › body
    `apptoken`. The source tells KV writes whether the body carried the token (then it is not stored)."""
    authorization = request.headers.get("authorization")
    if authorization:
        match = _BEARER.match(authorization.strip())
        if match:
            return match.group(1).strip(), "authorization"
    candidates = (
        ("x-app-token", request.headers.get("x-app-token")),
        ("query:token", request.query.get("token")),
        ("query:apptoken", request.query.get("apptoken")),
        ("body:token", request.body_field("token")),
        ("body:apptoken", request.body_field("apptoken")),
    )
    for source, value in candidates:
        if _text(value):
            return value, source
    return None, None


def device_password(request: Request) -> str | None:
    """`x-device-password` › `?password` › `?currentPassword` › body `password` (the original's uuidAuth)."""
    return (_text(request.headers.get("x-device-password")) or _text(request.query.get("password"))
            or _text(request.query.get("currentPassword")) or _text(request.body_field("password")))
