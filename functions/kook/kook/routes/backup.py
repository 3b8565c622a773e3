"""Configuration backups in S3: create, list, restore (merge|replace), export/import files, delete, download,
and the automatic backup run on demand."""

from typing import Annotated

from aws_lambda_powertools.event_handler.openapi.params import Query

from kook.access import ADMIN
from kook.api import ENVELOPE
from kook.logic import backup
from kook.models.backup import (
    AutoBackupDone,
    AutoBackupIn,
    BackupCreated,
    BackupDeleted,
    BackupFile,
    BackupList,
    BackupRestored,
    Restored,
    RestoreIn,
)
from kook.routes import common
from suite.api import Router

router = Router()
TAGS = ["backup"]
FILE = "application/json"  # a backup file, downloaded as is


@router.post("/api/backup/create", auth=ADMIN, returns=BackupCreated, errors=(409,), tags=TAGS,
             summary="Back up the configuration to S3")
def create():
    return ENVELOPE.ok({"message": "备份创建成功", **backup.create()})


@router.get("/api/backup/list", auth=ADMIN, returns=BackupList, tags=TAGS, summary="Backups, newest first")
def list_backups():
    found = backup.list_backups()
    return ENVELOPE.ok({"data": found, "total": len(found)})


@router.post("/api/backup/restore", auth=ADMIN, returns=BackupRestored, errors=(400, 404), tags=TAGS,
             summary="Restore a backup (merge or replace)")
def restore(body: RestoreIn):
    result = backup.restore(body.backup_id, mode=body.mode)
    return ENVELOPE.ok({"message": "备份恢复成功", **result})


@router.post("/api/backup/export", auth=ADMIN, returns=BackupFile, media_type=FILE, errors=(409,), tags=TAGS,
             summary="Create a backup and download it")
def export():
    created = backup.create()
    filename, content = backup.download(created["backup_id"])
    return common.download(filename, content, FILE)


@router.post("/api/backup/import", auth=ADMIN, returns=Restored, errors=(400, 413), tags=TAGS,
             summary="Restore from an uploaded backup file (multipart `file` and `mode`, or a JSON body)")
def import_file(mode: Annotated[str | None, Query(pattern="^(merge|replace)$")] = None):
    event = router.current_event.raw_event
    document = backup.parse_document(common.uploaded_file(event, "file", "backup"))
    chosen = mode or common.form_value(event, "mode") or "merge"
    result = backup.restore_document(document, mode=chosen)
    return ENVELOPE.ok({"message": "备份导入成功", **result})


@router.delete("/api/backup/delete/<filename>", auth=ADMIN, returns=BackupDeleted, errors=(400, 404), tags=TAGS,
               summary="Delete a backup")
def delete(filename: str):
    return ENVELOPE.ok({"message": "备份已删除", "backup_id": backup.delete(filename)})


@router.get("/api/backup/download/<filename>", auth=ADMIN, returns=BackupFile, media_type=FILE, errors=(400, 404),
            tags=TAGS, summary="Download a backup file")
def download(filename: str):
    name, content = backup.download(filename)
    return common.download(name, content, FILE)


@router.post("/api/backup/auto-backup", auth=ADMIN, returns=AutoBackupDone, errors=(409,), tags=TAGS,
             summary="Run the automatic backup now ({keep?}: how many automatic backups to keep)")
def auto_backup(body: AutoBackupIn | None = None):
    result = backup.run_automatic(keep=body.keep if body else None)
    return ENVELOPE.ok({"message": "自动备份完成", **result})
