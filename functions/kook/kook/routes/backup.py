"""Configuration backups in S3: create, list, restore (merge|replace), export/import files, delete, download,
and the automatic backup run on demand."""

from typing import Annotated

from aws_lambda_powertools.event_handler.openapi.params import Query

from kook.access import ADMIN
from kook.api import ENVELOPE
from kook.logic import backup
from kook.models.backup import AutoBackupIn, RestoreIn
from kook.routes import common as web
from suite.api import Router

router = Router()
TAGS = ["backup"]


@router.post("/api/backup/create", auth=ADMIN, tags=TAGS, summary="Back up the configuration to S3")
def create():
    return ENVELOPE.ok({"message": "备份创建成功", **backup.create()})


@router.get("/api/backup/list", auth=ADMIN, tags=TAGS, summary="Backups, newest first")
def list_backups():
    found = backup.list_backups()
    return ENVELOPE.ok({"data": found, "total": len(found)})


@router.post("/api/backup/restore", auth=ADMIN, tags=TAGS, summary="Restore a backup (merge or replace)")
def restore(body: RestoreIn):
    result = backup.restore(body.backup_id, mode=body.mode)
    return ENVELOPE.ok({"message": "备份恢复成功", **result})


@router.post("/api/backup/export", auth=ADMIN, tags=TAGS, summary="Create a backup and download it")
def export():
    created = backup.create()
    filename, content = backup.download(created["backup_id"])
    return web.download(filename, content, "application/json")


@router.post("/api/backup/import", auth=ADMIN, tags=TAGS,
             summary="Restore from an uploaded backup file (multipart `file`, `mode`)")
def import_file(mode: Annotated[str | None, Query(pattern="^(merge|replace)$")] = None):
    event = router.current_event.raw_event
    document = backup.parse_document(web.uploaded_file(event, "file", "backup"))
    chosen = mode or web.form_value(event, "mode") or "merge"
    result = backup.restore_document(document, mode=chosen)
    return ENVELOPE.ok({"message": "备份导入成功", **result})


@router.delete("/api/backup/delete/<filename>", auth=ADMIN, tags=TAGS, summary="Delete a backup")
def delete(filename: str):
    return ENVELOPE.ok({"message": "备份已删除", "backup_id": backup.delete(filename)})


@router.get("/api/backup/download/<filename>", auth=ADMIN, tags=TAGS, summary="Download a backup file")
def download(filename: str):
    name, content = backup.download(filename)
    return web.download(name, content, "application/json")


@router.post("/api/backup/auto-backup", auth=ADMIN, tags=TAGS,
             summary="Run the automatic backup now (keeps the newest N)")
def auto_backup(body: AutoBackupIn | None = None):
    result = backup.run_automatic(keep=body.keep if body else None)
    return ENVELOPE.ok({"message": "自动备份完成", **result})
