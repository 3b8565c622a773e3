"""Media downloaded from KOOK, kept in the private MediaBucket (SSE, lifecycle: objects expire after 7 days).

Key: `media/<sha256 of the KOOK URL>`, so every target of a message (and every retry) reuses one download.
The original file name and content type travel as object metadata.
"""

from __future__ import annotations

import hashlib
import urllib.parse
from dataclasses import dataclass
from typing import Any

from kook import config
from suite import aws

PREFIX = "media/"


@dataclass(frozen=True)
class StoredMedia:
    key: str
    data: bytes
    content_type: str
    filename: str


def key_for(url: str) -> str:
    return PREFIX + hashlib.sha256(url.encode("utf-8")).hexdigest()


def _client() -> Any:
    return aws.client("s3")


def get(key: str) -> StoredMedia | None:
    try:
        answer = _client().get_object(Bucket=config.get().media_bucket, Key=key)
    except Exception as exc:
        if getattr(exc, "response", {}).get("Error", {}).get("Code") in ("NoSuchKey", "404"):
            return None
        raise
    metadata = answer.get("Metadata") or {}
    return StoredMedia(key, answer["Body"].read(), answer.get("ContentType") or "application/octet-stream",
                       urllib.parse.unquote(metadata.get("filename", "")) or key.rsplit("/", 1)[-1])


def put(key: str, data: bytes, *, content_type: str, filename: str) -> StoredMedia:
    _client().put_object(Bucket=config.get().media_bucket, Key=key, Body=data, ContentType=content_type,
                         Metadata={"filename": urllib.parse.quote(filename[:200])}, ServerSideEncryption="AES256")
    return StoredMedia(key, data, content_type, filename)
