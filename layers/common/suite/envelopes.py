"""The five response envelope styles of the specs, named by their shape (not by service).

Each style knows how to wrap a success payload and how to render an ApiError. A service (or one route family
of a service, e.g. ccjk's v8 API) picks one style; handlers return `envelope.ok(...)` and raise ApiErrors.

- SuccessEnvelope: `{success:true, data, ...meta}` / `{success:false, error:"msg", code}`
- SuccessFlatEnvelope: `{success:true, ...payload}` / `{success:false, error_code, error_message, solution, timestamp}`
- CodeMessageEnvelope: `{code:0, message:"success", data}` / `{code:<http status>, message}`
- PlainEnvelope: the payload as is / `{statusCode, message}`
- DataEnvelope: `{data}` (204: no body) / `{error:{code:int, what}}`
"""

from __future__ import annotations

import datetime as dt
import decimal
import json
from collections.abc import Mapping
from typing import Any

from aws_lambda_powertools.event_handler import Response, content_types

from suite.errors import ApiError


def _json_default(value: Any) -> Any:
    # DynamoDB numbers come back as Decimal: integral ones must stay integers on the wire.
    if isinstance(value, decimal.Decimal):
        return int(value) if value == value.to_integral_value() else float(value)
    if isinstance(value, dt.datetime | dt.date):
        return value.isoformat()
    if isinstance(value, set | frozenset | tuple):
        return list(value)
    if hasattr(value, "model_dump"):  # pydantic models
        return value.model_dump(mode="json", by_alias=True)
    raise TypeError(f"{type(value).__name__} is not JSON serializable")


def dumps(value: Any) -> str:
    """The suite's JSON encoder: UTF-8 text as is (the specs carry Chinese messages), Decimals as numbers."""
    return json.dumps(value, ensure_ascii=False, separators=(",", ":"), default=_json_default)


def json_response(status: int, body: Any, headers: Mapping[str, str] | None = None) -> Response:
    return Response(
        status_code=status,
        content_type=content_types.APPLICATION_JSON,
        body=dumps(body) if body is not None else None,
        headers=dict(headers or {}),
    )


def utc_timestamp(*, precision: str = "milliseconds") -> str:
    """ISO-8601 UTC with a Z suffix, e.g. 2026-02-02T10:00:00.000Z (the JavaScript toISOString form)."""
    now = dt.datetime.now(dt.UTC)
    return now.isoformat(timespec=precision).replace("+00:00", "Z")


class Envelope:
    """Base style. Subclasses define `success_body` and `error_body`."""

    #: Status for a request that fails schema validation (Powertools' default is 422; some originals used 400).
    validation_status: int = 400

    def __init__(self, *, validation_status: int | None = None) -> None:
        if validation_status is not None:
            self.validation_status = validation_status

    def success_body(self, data: Any, meta: Mapping[str, Any]) -> Any:
        raise NotImplementedError

    def error_body(self, error: ApiError) -> Any:
        raise NotImplementedError

    def ok(
        self, data: Any = None, *, status: int = 200, headers: Mapping[str, str] | None = None, **meta: Any
    ) -> Response:
        return json_response(status, self.success_body(data, meta), headers)

    def created(self, data: Any = None, **meta: Any) -> Response:
        return self.ok(data, status=201, **meta)

    @staticmethod
    def no_content(headers: Mapping[str, str] | None = None) -> Response:
        return Response(status_code=204, body=None, headers=dict(headers or {}))

    def error(self, error: ApiError) -> Response:
        return json_response(error.status, self.error_body(error), error.headers)

    # -- the shapes as JSON Schema, for the OpenAPI document (suite.openapi) ----------------------------------
    def success_schema(self, data: dict[str, Any] | None) -> dict[str, Any]:
        """The JSON Schema of a success body whose payload has schema `data` (None: any payload)."""
        return data or {}

    def error_schema(self) -> dict[str, Any]:
        """The JSON Schema of every error body of this style."""
        return {"type": "object"}


class SuccessEnvelope(Envelope):
    """`{success:true,data}` / `{success:false,error}`; meta such as `pagination` sits beside `data`."""

    def success_body(self, data: Any, meta: Mapping[str, Any]) -> Any:
        body: dict[str, Any] = {"success": True}
        if data is not None:
            body["data"] = data
        body.update(meta)
        return body

    def error_body(self, error: ApiError) -> Any:
        body: dict[str, Any] = {"success": False, "error": error.message, "code": error.code}
        if error.details:
            body["details"] = error.details
        return body

    def success_schema(self, data: dict[str, Any] | None) -> dict[str, Any]:
        properties: dict[str, Any] = {"success": {"type": "boolean", "const": True}}
        if data is not None:
            properties["data"] = data
        return {"type": "object", "required": ["success"], "properties": properties}

    def error_schema(self) -> dict[str, Any]:
        return {"type": "object", "required": ["success", "error", "code"], "properties": {
            "success": {"type": "boolean", "const": False}, "error": {"type": "string"},
            "code": {"type": "string"}, "details": {"type": "object"}}}


class SuccessFlatEnvelope(Envelope):
    """`{success:true, ...payload}`; errors carry a code, a message, a hint to solve it and a timestamp."""

    validation_status = 422

    def success_body(self, data: Any, meta: Mapping[str, Any]) -> Any:
        body: dict[str, Any] = {"success": True}
        if isinstance(data, Mapping):
            body.update(data)
        elif data is not None:
            body["data"] = data
        body.update(meta)
        return body

    def error_body(self, error: ApiError) -> Any:
        body: dict[str, Any] = {
            "success": False,
            "error_code": error.code,
            "error_message": error.message,
            "solution": error.details.get("solution", ""),
            "timestamp": dt.datetime.now().replace(microsecond=0).isoformat(),  # the original's local ISO form
        }
        extra = {k: v for k, v in error.details.items() if k != "solution"}
        if extra:
            body["details"] = extra
        return body

    def success_schema(self, data: dict[str, Any] | None) -> dict[str, Any]:
        success = {"type": "object", "required": ["success"],
                   "properties": {"success": {"type": "boolean", "const": True}}}
        if data is None:
            return success
        return {"allOf": [success, data]}  # the payload's fields sit beside `success`

    def error_schema(self) -> dict[str, Any]:
        return {"type": "object", "required": ["success", "error_code", "error_message"], "properties": {
            "success": {"type": "boolean", "const": False}, "error_code": {"type": "string"},
            "error_message": {"type": "string"}, "solution": {"type": "string"}, "timestamp": {"type": "string"},
            "details": {"type": "object"}}}


class CodeMessageEnvelope(Envelope):
    """`{code, message, data}`; errors put the HTTP status in `code`."""

    def __init__(self, *, success_code: int = 0, success_message: str = "success", **kwargs: Any) -> None:
        super().__init__(**kwargs)
        self.success_code = success_code
        self.success_message = success_message

    def success_body(self, data: Any, meta: Mapping[str, Any]) -> Any:
        body: dict[str, Any] = {"code": self.success_code, "message": meta.get("message", self.success_message)}
        body["data"] = data
        body.update({k: v for k, v in meta.items() if k != "message"})
        return body

    def error_body(self, error: ApiError) -> Any:
        body: dict[str, Any] = {"code": error.status, "message": error.message}
        if error.details:
            body["details"] = error.details
        return body

    def success_schema(self, data: dict[str, Any] | None) -> dict[str, Any]:
        properties: dict[str, Any] = {"code": {"type": "integer"}, "message": {"type": "string"}}
        if data is not None:
            properties["data"] = data
        return {"type": "object", "required": ["code", "message"], "properties": properties}

    def error_schema(self) -> dict[str, Any]:
        return {"type": "object", "required": ["code", "message"], "properties": {
            "code": {"type": "integer"}, "message": {"type": "string"}, "details": {"type": "object"}}}


class PlainEnvelope(Envelope):
    """Success payloads go out as they are; errors are `{statusCode, message}`."""

    def success_body(self, data: Any, meta: Mapping[str, Any]) -> Any:
        if meta:
            return {**(data or {}), **meta}
        return data

    def error_body(self, error: ApiError) -> Any:
        body: dict[str, Any] = {"statusCode": error.status, "message": error.message}
        if error.details:
            body["details"] = error.details
        return body

    def error_schema(self) -> dict[str, Any]:
        return {"type": "object", "required": ["statusCode", "message"], "properties": {
            "statusCode": {"type": "integer"}, "message": {"type": "string"}, "details": {"type": "object"}}}


class DataEnvelope(Envelope):
    """`{data}` on success; `{error:{code:int, what}}` on failure (plus `key`/`params` when the error has them)."""

    def success_body(self, data: Any, meta: Mapping[str, Any]) -> Any:
        return {"data": data, **meta}

    def error_body(self, error: ApiError) -> Any:
        # The original's codes are integers; a service passes one as `code="4001"`, else the HTTP status is used.
        code = int(error.code) if str(error.code).isdigit() else error.status
        inner: dict[str, Any] = {"code": code, "what": error.message}
        for extra in ("key", "params"):
            if extra in error.details:
                inner[extra] = error.details[extra]
        return {"error": inner}

    def success_schema(self, data: dict[str, Any] | None) -> dict[str, Any]:
        return {"type": "object", "required": ["data"], "properties": {"data": data or {}}}

    def error_schema(self) -> dict[str, Any]:
        return {"type": "object", "required": ["error"], "properties": {"error": {
            "type": "object", "required": ["code", "what"],
            "properties": {"code": {"type": "integer"}, "what": {"type": "string"}, "key": {"type": "string"},
                           "params": {"type": "object"}}}}}
