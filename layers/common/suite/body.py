"""Request bodies, read strictly: what cannot be decoded is the client's error (400/415), never a 500.

Routes with a pydantic body model get this through suite.api (the resolver's JSON parser and its error
handlers); routes that read the body themselves (raw KV values, webhooks, uploads) call these functions:

- `raw(event)`: the bytes as sent (base64 undone);
- `text(event)`: those bytes as UTF-8, refused when they are not (so nothing is stored with U+FFFD in place
  of what was sent);
- `parse_json(text)`: JSON refused when truncated, nested absurdly deep, or holding a lone UTF-16 surrogate
  (`"\\ud800"` parses in Python but cannot be stored or sent on as UTF-8);
- `form_parts(event)`: multipart/form-data fields, refused without a boundary.
"""

from __future__ import annotations

import base64
import binascii
import json
import re
from email.parser import BytesParser
from email.policy import HTTP
from typing import Any

from suite.errors import ApiError, BadRequest, PayloadTooLarge, UnsupportedMediaType

# A \uD800–\uDFFF escape: only then can parsed JSON hold a lone surrogate, so only then is the result checked.
_SURROGATE_ESCAPE = re.compile(r"\\u[dD][89a-fA-F][0-9a-fA-F]{2}")
_TEXTUAL = ("application/json", "text/", "application/x-www-form-urlencoded", "application/xml")


def _headers(event: Any) -> dict[str, Any]:
    headers = event.get("headers") if isinstance(event, dict) else getattr(event, "headers", None)
    return {str(k).lower(): v for k, v in (headers or {}).items()}


def _get(event: Any, name: str) -> Any:
    return event.get(name) if isinstance(event, dict) else getattr(event, "raw_event", {}).get(name)


def content_type(event: Any) -> str:
    """The Content-Type header as sent ('' when absent)."""
    return str(_headers(event).get("content-type") or "").strip()


def media_type(event: Any) -> str:
    """The Content-Type's media type, lower case, without parameters: `application/json`."""
    return content_type(event).split(";", 1)[0].strip().lower()


def raw(event: Any) -> bytes:
    """The body's bytes (API Gateway base64-encodes bodies it does not treat as text)."""
    body = _get(event, "body") or ""
    if _get(event, "isBase64Encoded"):
        try:
            return base64.b64decode(body, validate=True)
        except (binascii.Error, ValueError):
            raise BadRequest("Request body is not valid base64", code="INVALID_BODY") from None
    return body.encode("utf-8", errors="surrogatepass")


def decode_utf8(data: bytes) -> str:
    try:
        return data.decode("utf-8")
    except UnicodeDecodeError:
        raise BadRequest("Request body is not valid UTF-8", code="INVALID_BODY") from None


def text(event: Any) -> str:
    """The body as UTF-8 text; 400 when its bytes are not UTF-8."""
    return decode_utf8(raw(event))


def parse_json(document: str | bytes) -> Any:
    """`json.loads`, refusing what the suite cannot store or send on: JSONDecodeError for every refusal, so
    the resolver answers it as invalid JSON (400/422) and direct callers can do the same."""
    if isinstance(document, bytes):
        try:
            document = document.decode("utf-8")
        except UnicodeDecodeError as error:
            raise json.JSONDecodeError("body is not valid UTF-8", "", error.start) from None
    try:
        value = json.loads(document)
    except RecursionError:
        raise json.JSONDecodeError("nested too deeply", document, 0) from None
    if _SURROGATE_ESCAPE.search(document) and has_lone_surrogate(value):
        raise json.JSONDecodeError("lone UTF-16 surrogate in a string", document, 0)
    return value


def has_lone_surrogate(value: Any) -> bool:
    """True when a string anywhere in `value` (keys included) cannot be encoded as UTF-8."""
    try:
        json.dumps(value, ensure_ascii=False).encode("utf-8")
    except UnicodeEncodeError:
        return True
    return False


def json_body(event: Any, *, empty: Any = None) -> Any:
    """The body as JSON; `empty` when there is none; 400 when it is not UTF-8 JSON."""
    data = raw(event)
    if not data.strip():
        return empty
    try:
        return parse_json(decode_utf8(data))
    except json.JSONDecodeError:
        raise BadRequest("Request body must be valid JSON", code="INVALID_JSON") from None


def multipart_boundary(header_value: str) -> str | None:
    for parameter in header_value.split(";")[1:]:
        name, _, value = parameter.strip().partition("=")
        if name.strip().lower() == "boundary" and value.strip().strip('"'):
            return value.strip().strip('"')
    return None


def problem(event: Any) -> ApiError | None:
    """What makes a request's body unreadable by any route, checked before routing: a multipart body without a
    boundary, a textual body whose bytes are not UTF-8. None when there is no such problem."""
    media = media_type(event)
    if media == "multipart/form-data" and not multipart_boundary(content_type(event)):
        return BadRequest("multipart/form-data needs a boundary parameter", code="INVALID_BODY")
    if not _get(event, "body"):
        return None
    if media.startswith(_TEXTUAL) or media.endswith("+json"):
        try:
            data = raw(event)
        except ApiError as refusal:
            return refusal
        if media != "application/json":  # JSON routes may carry compressed bytes (webhooks): they check themselves
            try:
                decode_utf8(data)
            except ApiError as refusal:
                return refusal
    return None


def form_parts(event: Any, *, max_bytes: int) -> dict[str, tuple[str | None, bytes]]:
    """multipart/form-data parts by field name → (filename, content); 415 for another media type, 413 above
    `max_bytes`, 400 when the form cannot be read."""
    header_value = content_type(event)
    if media_type(event) != "multipart/form-data":
        raise UnsupportedMediaType("Send the file as multipart/form-data")
    if not multipart_boundary(header_value):
        raise BadRequest("multipart/form-data needs a boundary parameter", code="INVALID_BODY")
    data = raw(event)
    if len(data) > max_bytes:
        raise PayloadTooLarge("Uploaded file is too large")
    message = BytesParser(policy=HTTP).parsebytes(
        b"Content-Type: " + header_value.encode("latin-1", errors="replace") + b"\r\nMIME-Version: 1.0\r\n\r\n" + data)
    if not message.is_multipart():
        raise BadRequest("The multipart form cannot be read", code="INVALID_BODY")
    parts: dict[str, tuple[str | None, bytes]] = {}
    for part in message.iter_parts():
        name = part.get_param("name", header="content-disposition")
        if name:
            parts[str(name)] = (part.get_filename(), part.get_payload(decode=True) or b"")
    return parts
