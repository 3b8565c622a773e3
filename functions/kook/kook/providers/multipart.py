"""multipart/form-data bodies for uploads (Discord files, Telegram photos and documents, Feishu images and files).

The suite's HTTP client sends bytes; this builds them: `encode([Field("chat_id", "-100"), File("photo", ...)])`
returns (body, content type). Names are written the way browsers write them (WHATWG form encoding): UTF-8 as
is, with `"`, CR and LF percent-encoded, so Chinese file names survive on every target.
"""

from __future__ import annotations

import secrets
from dataclasses import dataclass


@dataclass(frozen=True)
class Field:
    name: str
    value: str
    content_type: str | None = None


@dataclass(frozen=True)
class File:
    name: str
    filename: str
    data: bytes
    content_type: str = "application/octet-stream"


def _quoted(value: str) -> str:
    return value.replace('"', "%22").replace("\r", "%0D").replace("\n", "%0A")


def encode(parts: list[Field | File]) -> tuple[bytes, str]:
    boundary = f"----kook{secrets.token_hex(16)}"
    chunks: list[bytes] = []
    for part in parts:
        chunks.append(f"--{boundary}\r\n".encode())
        if isinstance(part, File):
            disposition = f'form-data; name="{_quoted(part.name)}"; filename="{_quoted(part.filename or "file")}"'
            chunks.append(f"Content-Disposition: {disposition}\r\nContent-Type: {part.content_type}\r\n\r\n"
                          .encode())
            chunks.append(part.data)
        else:
            header = f'Content-Disposition: form-data; name="{_quoted(part.name)}"\r\n'
            if part.content_type:
                header += f"Content-Type: {part.content_type}\r\n"
            chunks.append((header + "\r\n").encode() + part.value.encode("utf-8"))
        chunks.append(b"\r\n")
    chunks.append(f"--{boundary}--\r\n".encode())
    return b"".join(chunks), f"multipart/form-data; boundary={boundary}"
