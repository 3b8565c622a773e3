"""What every ccjk HTTP function shares: the `{success, data}` / `{success:false, error, message, code}` envelope.

Every reader of the real client gets what it reads from one error body (docs/ccjk-client.md, "The clients at a
glance"): the typed clients read `error` (a string: the bind client calls `.includes()` on it), the marketplace and
ratings clients read `message` and `code`. So an error carries the same text twice.
"""

from __future__ import annotations

from typing import Any

from aws_lambda_powertools.event_handler import Response

from suite.envelopes import SuccessEnvelope, json_response
from suite.errors import ApiError

TITLE = "ccjk cloud API"
VERSION = "1.0.0"


class CcjkEnvelope(SuccessEnvelope):
    """SuccessEnvelope whose errors also carry `message` (= `error`)."""

    def error_body(self, error: ApiError) -> Any:
        body = super().error_body(error)
        return {"success": False, "error": body["error"], "message": body["error"], "code": body["code"],
                **({"details": body["details"]} if "details" in body else {})}

    def ok_spread(self, data: dict[str, Any], *, status: int = 200) -> Response:
        """`{success, data}` with the payload's fields also at the top level: the typed reply client reads
        `status`, `reply`, `replies` there, the notification clients read them under `data`."""
        return json_response(status, {**data, **self.success_body(data, {})})

    def error_schema(self) -> dict[str, Any]:
        schema = super().error_schema()
        return {**schema, "required": ["success", "error", "message", "code"],
                "properties": {**schema["properties"], "message": {"type": "string"}}}


ENVELOPE = CcjkEnvelope()
