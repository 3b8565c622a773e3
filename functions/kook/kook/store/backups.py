"""Configuration backups as JSON objects in the BackupBucket (versioned, encrypted, public access blocked).

Keys: "manual/<backup_id>.json" for backups people take, "auto/<backup_id>.json" for the schedule's, where
backup_id is backup_YYYYMMDD_HHMMSS. The prefixes keep the schedule's retention away from manual backups.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from kook import config
from suite import aws

KINDS = ("manual", "auto")


@dataclass(frozen=True)
class StoredBackup:
    backup_id: str
    kind: str
    key: str
    size: int
    last_modified: Any

    @property
    def path(self) -> str:
        return f"s3://{config.get().backup_bucket}/{self.key}"


def _s3() -> Any:
    return aws.client("s3")


def object_key(kind: str, backup_id: str) -> str:
    return f"{kind}/{backup_id}.json"


def write(kind: str, backup_id: str, body: bytes, *, overwrite: bool) -> bool:
    """Store a backup; with overwrite=False an existing object is left alone and False is returned."""
    request: dict[str, Any] = {"Bucket": config.get().backup_bucket, "Key": object_key(kind, backup_id), "Body": body,
                               "ContentType": "application/json", "Metadata": {"kind": kind}}
    if not overwrite:
        request["IfNoneMatch"] = "*"
    try:
        _s3().put_object(**request)
    except Exception as exc:
        code = getattr(exc, "response", {}).get("Error", {}).get("Code")
        if code in ("PreconditionFailed", "ConditionalRequestConflict"):
            return False
        raise
    return True


def find(backup_id: str) -> StoredBackup | None:
    for kind in KINDS:
        try:
            head = _s3().head_object(Bucket=config.get().backup_bucket, Key=object_key(kind, backup_id))
        except Exception as exc:
            if getattr(exc, "response", {}).get("Error", {}).get("Code") in ("404", "NoSuchKey", "NotFound"):
                continue
            raise
        return StoredBackup(backup_id, kind, object_key(kind, backup_id), int(head["ContentLength"]),
                            head["LastModified"])
    return None


def read(stored: StoredBackup) -> bytes:
    return _s3().get_object(Bucket=config.get().backup_bucket, Key=stored.key)["Body"].read()


def list_all(kind: str | None = None) -> list[StoredBackup]:
    """Every backup, newest first."""
    found: list[StoredBackup] = []
    paginator = _s3().get_paginator("list_objects_v2")
    for prefix in [kind] if kind else KINDS:
        for page in paginator.paginate(Bucket=config.get().backup_bucket, Prefix=f"{prefix}/"):
            for entry in page.get("Contents", []):
                name = entry["Key"].split("/", 1)[1]
                if not name.endswith(".json"):
                    continue
                found.append(StoredBackup(name.removesuffix(".json"), prefix, entry["Key"], int(entry["Size"]),
                                          entry["LastModified"]))
    return sorted(found, key=lambda b: b.backup_id, reverse=True)


def remove(stored: StoredBackup) -> None:
    """Delete the current version (the bucket's versioning keeps the old one until its lifecycle rule expires it)."""
    _s3().delete_object(Bucket=config.get().backup_bucket, Key=stored.key)
