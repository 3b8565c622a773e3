"""Configuration backups: accounts, bots, mappings, filter rules and system config as one JSON object in S3.

Secrets stay sealed: a backup carries the KMS-sealed form of cookies, passwords and bot secrets (opaque without
this deployment's key and the matching encryption context) and never a plaintext secret; the admin password
hash, login tokens, caches and logs are not configuration and are left out. Ids are kept, so a restore puts
sealed values back on the objects they belong to (their encryption context names the owner).

Restore modes: `replace` empties accounts, bots and mappings first; `merge` writes the backup's objects over
the current ones by id and skips what would collide (an e-mail or a mapping target held by another id).
"""

from __future__ import annotations

import datetime as dt
import json
import re
from typing import Any

import pydantic

from kook import clock, config, ids
from kook.api import VERSION
from kook.errors import fail
from kook.models.backup import (
    FORMAT,
    FORMAT_VERSION,
    SETTINGS_DOCUMENTS,
    AccountEntry,
    BackupDocument,
    BotEntry,
    MappingEntry,
    SealedSecrets,
)
from kook.models.system import FilterRulesIn, SystemConfigIn
from kook.store import accounts, backups, bots, mappings, settings

BACKUP_ID = re.compile(r"^backup_\d{8}_\d{6}$")
MAX_DOCUMENT_BYTES = 5 * 1024 * 1024


# ------------------------------------------------------------------------------------------------ taking a backup

def _account_entry(account: dict[str, Any]) -> dict[str, Any]:
    sealed = {field: account[f"{field}_sealed"] for field in SealedSecrets.model_fields
              if f"{field}_sealed" in account}
    entry = AccountEntry.model_validate({**account, "sealed": sealed})
    return entry.model_dump(exclude_none=True)


def snapshot() -> dict[str, Any]:
    """The whole configuration as a backup document (no plaintext secret anywhere in it)."""
    return {
        "format": FORMAT,
        "format_version": FORMAT_VERSION,
        "app_version": VERSION,
        "accounts": [_account_entry(a) for a in accounts.list_all()],
        "bots": [BotEntry.model_validate(b).model_dump(exclude_none=True) for b in bots.list_all()],
        "mappings": [MappingEntry.model_validate(m).model_dump(exclude_none=True) for m in mappings.list_all()],
        "settings": {name: value for name in SETTINGS_DOCUMENTS if (value := settings.document(name))},
    }


def _describe(stored: backups.StoredBackup) -> dict[str, Any]:
    return {"backup_id": stored.backup_id, "kind": stored.kind, "backup_path": stored.path,
            "size_mb": round(stored.size / 1048576, 4), "size_bytes": stored.size,
            "created_at": _created_at(stored.backup_id)}


def _created_at(backup_id: str) -> str:
    moment = dt.datetime.strptime(backup_id.removeprefix("backup_"), "%Y%m%d_%H%M%S")
    return clock.iso(moment.replace(tzinfo=clock.zone()))


def _encode(document: dict[str, Any]) -> bytes:
    return json.dumps(document, ensure_ascii=False, indent=1).encode("utf-8")


def create(*, kind: str = "manual", at: dt.datetime | None = None, overwrite: bool = False) -> dict[str, Any]:
    """Store a backup named after `at` (now). Manual backups never overwrite: a name already taken in the same
    second moves on to the next second. The schedule overwrites its own slot (safe to run twice)."""
    moment = at or clock.now()
    document = snapshot()
    for _attempt in range(5):
        backup_id = ids.backup_id(moment)
        document.update(backup_id=backup_id, created_at=clock.iso(moment), kind=kind)
        body = _encode(document)
        if backups.write(kind, backup_id, body, overwrite=overwrite):
            stored = backups.StoredBackup(backup_id, kind, backups.object_key(kind, backup_id), len(body), None)
            return {**_describe(stored), "counts": {"accounts": len(document["accounts"]),
                                                    "bots": len(document["bots"]),
                                                    "mappings": len(document["mappings"])}}
        moment += dt.timedelta(seconds=1)
    raise fail(409, "CONFIG_ERROR", "备份名称冲突，请稍后重试")


def list_backups() -> list[dict[str, Any]]:
    return [_describe(b) for b in backups.list_all()]


def _find(name: str) -> backups.StoredBackup:
    backup_id = name.removesuffix(".json")
    if not BACKUP_ID.match(backup_id):
        raise fail(400, "INVALID_PARAM", "备份名称无效", solution="备份名称形如 backup_20251019_153000")
    stored = backups.find(backup_id)
    if stored is None:
        raise fail(404, "CONFIG_NOT_FOUND", "备份不存在", solution="请通过 GET /api/backup/list 查看可用的备份")
    return stored


def download(name: str) -> tuple[str, bytes]:
    stored = _find(name)
    return f"{stored.backup_id}.json", backups.read(stored)


def delete(name: str) -> str:
    stored = _find(name)
    backups.remove(stored)
    return stored.backup_id


def run_automatic(*, slot: dt.datetime | None = None, keep: int | None = None) -> dict[str, Any]:
    """The scheduled backup: one object per schedule slot (overwritten if the run repeats), then only the newest
    `keep` automatic backups are kept. Safe to run twice; manual backups are never pruned."""
    created = create(kind="auto", at=slot or clock.now(), overwrite=True)
    keep = keep or config.get().backup_retention_count
    pruned = []
    for old in backups.list_all("auto")[keep:]:
        backups.remove(old)
        pruned.append(old.backup_id)
    return {**created, "pruned": pruned, "keep": keep}


# ------------------------------------------------------------------------------------------------ restoring

def parse_document(raw: bytes | str) -> BackupDocument:
    if len(raw) > MAX_DOCUMENT_BYTES:
        raise fail(413, "INVALID_PARAM", "备份文件过大")
    try:
        data = json.loads(raw)
    except (ValueError, UnicodeDecodeError):
        raise fail(400, "INVALID_PARAM", "备份文件不是有效的JSON") from None
    try:
        return BackupDocument.model_validate(data)
    except pydantic.ValidationError as exc:
        first = exc.errors()[0]
        where = ".".join(str(p) for p in first.get("loc", ()))
        raise fail(400, "INVALID_PARAM", f"备份文件格式无效（{where}: {first.get('msg')}）",
                   solution="请使用本系统导出的备份文件") from None


def restore(name: str, *, mode: str) -> dict[str, Any]:
    stored = _find(name)
    result = restore_document(parse_document(backups.read(stored)), mode=mode)
    return {"backup_id": stored.backup_id, **result}


def _account_item(entry: AccountEntry) -> dict[str, Any]:
    item = entry.model_dump(exclude={"sealed"}, exclude_none=True)
    for field, value in entry.sealed.model_dump(exclude_none=True).items():
        item[f"{field}_sealed"] = value
    item["status"] = "online" if entry.ingestion_enabled else "offline"
    item["updated_at"] = clock.iso()
    return item


def restore_document(document: BackupDocument, *, mode: str) -> dict[str, Any]:
    if mode not in ("merge", "replace"):
        raise fail(400, "INVALID_PARAM", "mode 必须是 merge 或 replace")
    skipped: list[dict[str, Any]] = []
    if mode == "replace":
        mappings.delete_all()
        bots.delete_all()
        accounts.delete_all()
    account_items = _accounts_to_write(document, mode, skipped)
    accounts.restore(account_items)
    bots.restore([b.model_dump(exclude_none=True) for b in document.bots])
    mapping_items = _mappings_to_write(document, mode, skipped)
    mappings.restore(mapping_items)
    for name in SETTINGS_DOCUMENTS:
        value = document.settings.get(name)
        if value is not None:
            current = settings.document(name) or {}
            merged = {**current, **value} if mode == "merge" else value
            if name == "filter_rules":
                merged = FilterRulesIn.model_validate(merged).model_dump()
            else:
                merged = SystemConfigIn.model_validate(merged).model_dump(exclude_none=True)
            settings.save_document(name, merged)
    return {"mode": mode, "restored": {"accounts": len(account_items), "bots": len(document.bots),
                                       "mappings": len(mapping_items)}, "skipped": skipped}


def _accounts_to_write(document: BackupDocument, mode: str, skipped: list[dict[str, Any]]) -> list[dict[str, Any]]:
    existing = {a["id"]: a for a in accounts.list_all()} if mode == "merge" else {}
    owner_of_email = {a["email"].lower(): a["id"] for a in existing.values()}
    items = []
    for entry in document.accounts:
        holder = owner_of_email.get(entry.email.lower())
        if holder is not None and holder != entry.id:
            skipped.append({"type": "account", "id": entry.id, "reason": "该邮箱已被另一个账号使用"})
            continue
        previous = existing.get(entry.id)
        if previous is not None and previous["email"].lower() != entry.email.lower():
            accounts.delete(entry.id)  # frees the old e-mail claim before the backup's version is written
        items.append(_account_item(entry))
    return items


def _mappings_to_write(document: BackupDocument, mode: str, skipped: list[dict[str, Any]]) -> list[dict[str, Any]]:
    bot_ids = {b["id"] for b in bots.list_all()}
    existing = {m["id"]: m for m in mappings.list_all()} if mode == "merge" else {}
    claims = {mappings.target_key(m): m["id"] for m in existing.values()}
    replaced, items = [], []
    for entry in document.mappings:
        row = entry.model_dump(exclude_none=True)
        if entry.target_bot_id not in bot_ids:
            skipped.append({"type": "mapping", "id": entry.id, "reason": "目标Bot不存在"})
            continue
        holder = claims.get(mappings.target_key(row))
        if holder is not None and holder != entry.id:
            skipped.append({"type": "mapping", "id": entry.id, "reason": "已有映射转发到同一目标"})
            continue
        if entry.id in existing:
            replaced.append(existing[entry.id])
        claims[mappings.target_key(row)] = entry.id
        now = clock.iso()
        items.append({**row, "version": 1, "created_at": row.get("created_at") or now,
                      "updated_at": row.get("updated_at") or now})
    mappings.delete_many(replaced)
    return items
