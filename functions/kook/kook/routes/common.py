"""HTTP helpers the routes share: the request body as bytes, multipart form files, file downloads."""

from __future__ import annotations

import base64
from email.parser import BytesParser
from email.policy import HTTP
from typing import Any

from aws_lambda_powertools.event_handler import Response

from kook.errors import fail

MAX_UPLOAD_BYTES = 5 * 1024 * 1024


def raw_body(event: Any) -> bytes:
    body = event.get("body") or ""
    if event.get("isBase64Encoded"):
        return base64.b64decode(body)
    return body.encode("utf-8")


def form_parts(event: Any) -> dict[str, tuple[str | None, bytes]]:
    """multipart/form-data parts by field name → (filename, content)."""
    content_type = ""
    for name, value in (event.get("headers") or {}).items():
        if name.lower() == "content-type":
            content_type = value
    if not content_type.lower().startswith("multipart/form-data"):
        raise fail(400, "INVALID_PARAM", "请以 multipart/form-data 上传文件", solution="表单字段 file 为JSON文件")
    body = raw_body(event)
    if len(body) > MAX_UPLOAD_BYTES:
        raise fail(413, "INVALID_PARAM", "上传的文件过大")
    message = BytesParser(policy=HTTP).parsebytes(
        b"Content-Type: " + content_type.encode("latin-1") + b"\r\nMIME-Version: 1.0\r\n\r\n" + body)
    if not message.is_multipart():
        raise fail(400, "INVALID_PARAM", "multipart 表单无效")
    parts: dict[str, tuple[str | None, bytes]] = {}
    for part in message.iter_parts():
        name = part.get_param("name", header="content-disposition")
        if name:
            parts[str(name)] = (part.get_filename(), part.get_payload(decode=True) or b"")
    return parts


def uploaded_file(event: Any, *fields: str) -> bytes:
    """The first uploaded file among `fields` (default: file), or a JSON body sent as is."""
    content_type = next((v for k, v in (event.get("headers") or {}).items() if k.lower() == "content-type"), "")
    if content_type.lower().startswith("application/json"):
        return raw_body(event)
    parts = form_parts(event)
    for field in fields or ("file",):
        if field in parts:
            return parts[field][1]
    raise fail(400, "MISSING_PARAM", "缺少上传的文件（表单字段 file）")


def form_value(event: Any, name: str) -> str | None:
    content_type = next((v for k, v in (event.get("headers") or {}).items() if k.lower() == "content-type"), "")
    if not content_type.lower().startswith("multipart/form-data"):
        return None
    found = form_parts(event).get(name)
    return found[1].decode("utf-8", errors="replace").strip() if found else None


def download(filename: str, content: bytes | str, content_type: str) -> Response:
    """A text file (CSV, JSON) as an attachment; sent as text, so API Gateway needs no binary media types."""
    text = content.decode("utf-8") if isinstance(content, bytes) else content
    return Response(status_code=200, content_type=content_type, body=text,
                    headers={"Content-Disposition": f'attachment; filename="{filename}"'})
