"""Request helpers the routes share: the body as bytes and multipart form files (read strictly by suite.body,
refused with kook's own codes and messages), and file downloads."""

from __future__ import annotations

from typing import Any

from aws_lambda_powertools.event_handler import Response

from kook.errors import fail
from suite import body
from suite.errors import BadRequest, PayloadTooLarge

MAX_UPLOAD_BYTES = 5 * 1024 * 1024
MULTIPART = "multipart/form-data"


def raw_body(event: Any) -> bytes:
    """The body's bytes as sent (API Gateway's base64 undone)."""
    return body.raw(event)


def form_parts(event: Any) -> dict[str, tuple[str | None, bytes]]:
    """multipart/form-data parts by field name → (filename, content)."""
    if body.media_type(event) != MULTIPART:
        raise fail(400, "INVALID_PARAM", "请以 multipart/form-data 上传文件", solution="表单字段 file 为JSON文件")
    try:
        return body.form_parts(event, max_bytes=MAX_UPLOAD_BYTES)
    except PayloadTooLarge:
        raise fail(413, "INVALID_PARAM", "上传的文件过大") from None
    except BadRequest:
        raise fail(400, "INVALID_PARAM", "multipart 表单无效") from None


def uploaded_file(event: Any, *fields: str) -> bytes:
    """The first uploaded file among `fields` (default: file), or a JSON body sent as is."""
    if body.media_type(event) == "application/json":
        return raw_body(event)
    parts = form_parts(event)
    for field in fields or ("file",):
        if field in parts:
            return parts[field][1]
    raise fail(400, "MISSING_PARAM", "缺少上传的文件（表单字段 file）")


def form_value(event: Any, name: str) -> str | None:
    if body.media_type(event) != MULTIPART:
        return None
    found = form_parts(event).get(name)
    return found[1].decode("utf-8", errors="replace").strip() if found else None


def download(filename: str, content: bytes | str, content_type: str) -> Response:
    """A text file (CSV, JSON) as an attachment; sent as text, so API Gateway needs no binary media types."""
    text = content.decode("utf-8") if isinstance(content, bytes) else content
    return Response(status_code=200, content_type=content_type, body=text,
                    headers={"Content-Disposition": f'attachment; filename="{filename}"'})


# What a route that calls KOOK may answer besides its own errors: the account's credentials refused or missing
# (400), no such account (404), KOOK's rate limit passed on (429), KOOK unreachable or timing out (502, 504).
KOOK_ERRORS = (400, 404, 429, 502, 504)
# The same for a call to a target platform or GitHub.
PROVIDER_ERRORS = (429, 502, 504)
