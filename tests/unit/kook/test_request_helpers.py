"""Multipart uploads as API Gateway delivers them (base64 bodies)."""

import base64

import pytest

from kook.routes import common
from suite.errors import ApiError


def multipart_event(parts, boundary="b0undary"):
    chunks = []
    for name, filename, content in parts:
        disposition = f'form-data; name="{name}"' + (f'; filename="{filename}"' if filename else "")
        chunks.append(f"--{boundary}\r\nContent-Disposition: {disposition}\r\n\r\n".encode() + content + b"\r\n")
    body = b"".join(chunks) + f"--{boundary}--\r\n".encode()
    return {"headers": {"content-type": f"multipart/form-data; boundary={boundary}"},
            "body": base64.b64encode(body).decode(), "isBase64Encoded": True}


def test_files_and_fields_are_read():
    event = multipart_event([("mode", None, b"replace"), ("file", "b.json", "{\"a\": \"中文\"}".encode())])
    assert common.uploaded_file(event, "file") == "{\"a\": \"中文\"}".encode()
    assert common.form_value(event, "mode") == "replace"


def test_json_bodies_are_accepted_as_the_file():
    event = {"headers": {"content-type": "application/json"}, "body": "{}", "isBase64Encoded": False}
    assert common.uploaded_file(event) == b"{}"


def test_missing_file_and_wrong_content_type_are_4xx():
    with pytest.raises(ApiError) as missing:
        common.uploaded_file(multipart_event([("other", None, b"x")]), "file")
    assert missing.value.status == 400
    with pytest.raises(ApiError):
        common.uploaded_file({"headers": {"content-type": "text/plain"}, "body": "x"}, "file")
