"""What every ccjk HTTP function shares: the `{success, data}` / `{success:false, error, message, code}` envelope.

Every reader of the real client gets what it reads from one error body (docs/ccjk-client.md, "The clients at a
glance"): the typed clients read `error` (a string: the bind client calls `.includes()` on it), the marketplace and
ratings clients read `message` and `code`. So an error carries the same text twice.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from aws_lambda_powertools.event_handler import Response

from suite.envelopes import CodeMessageEnvelope, SuccessEnvelope, json_response
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


# ------------------------------------------------------------------------------- marketplace families (issue 18)
# The public API, API v1 and admin answer MARKET_ENVELOPE; API v8 answers V8_ENVELOPE. Each is the union of what
# the real clients of that family read (docs/ccjk-client.md, "The clients at a glance").

class MarketEnvelope(CcjkEnvelope):
    """`{success: true, data, ...}`: an object payload is also spread at the top level (the v1 setup and
    marketplace clients read `recommendations`, `skills`, `results` there; the user-skill and rating clients read
    `data`). Errors as ccjk's: `{success: false, error, message, code, details?}`."""

    def success_body(self, data: Any, meta: Mapping[str, Any]) -> Any:
        body: dict[str, Any] = {"success": True}
        if isinstance(data, Mapping):
            body.update({k: v for k, v in data.items() if k not in ("success", "data")})
        if data is not None:
            body["data"] = data
        body.update(meta)
        return body

    def success_schema(self, data: dict[str, Any] | None) -> dict[str, Any]:
        wrapped = super().success_schema(data)
        if data is not None and ("$ref" in data or data.get("type") == "object"):
            return {"allOf": [wrapped, data]}  # the payload's fields sit beside `data` too
        return wrapped


class V8Envelope(CodeMessageEnvelope):
    """`{code: 200, message, success: true, data, ...meta}`: the templates clients require `code === 200`, the
    context client reads `success` and `data`. Errors: `{code: <HTTP status>, message, success: false, error}`."""

    def __init__(self) -> None:
        super().__init__(success_code=200)

    def success_body(self, data: Any, meta: Mapping[str, Any]) -> Any:
        body = super().success_body(data, meta)
        return {"code": body.pop("code"), "message": body.pop("message"), "success": True, **body}

    def error_body(self, error: ApiError) -> Any:
        body = super().error_body(error)
        return {"code": body.pop("code"), "message": body.pop("message"), "success": False, "error": error.message,
                "errorCode": error.code, **body}

    def success_schema(self, data: dict[str, Any] | None) -> dict[str, Any]:
        schema = super().success_schema(data)
        schema["properties"]["code"] = {"type": "integer", "const": 200}
        schema["properties"]["success"] = {"type": "boolean", "const": True}
        return schema

    def error_schema(self) -> dict[str, Any]:
        schema = super().error_schema()
        schema["required"] = ["code", "message", "success", "error"]
        schema["properties"].update({"success": {"type": "boolean", "const": False}, "error": {"type": "string"},
                                     "errorCode": {"type": "string"}})
        return schema


MARKET_ENVELOPE = MarketEnvelope()
V8_ENVELOPE = V8Envelope()
