"""Channel mappings: one KOOK channel may forward to many targets (a bot plus, where the platform has them, a
target channel). Rows are validated against the bots before anything is written."""

from __future__ import annotations

from typing import Any

import pydantic

from kook import clock
from kook.errors import fail
from kook.models.mappings import MappingIn, MappingPatch
from kook.store import bots, mappings

EXPORT_VERSION = "1.0"
PUBLIC_FIELDS = ("id", "kook_server_id", "kook_channel_id", "kook_channel_name", "target_platform", "target_bot_id",
                 "target_channel_id", "enabled", "created_at", "updated_at")
_UPDATE_ATTEMPTS = 3


def public(mapping: dict[str, Any]) -> dict[str, Any]:
    return {field: mapping.get(field) for field in PUBLIC_FIELDS}


def _require(mapping_id: int) -> dict[str, Any]:
    mapping = mappings.get(mapping_id)
    if mapping is None:
        raise fail(404, "MAPPING_NOT_FOUND")
    return mapping


def _problem(error: pydantic.ValidationError) -> str:
    first = error.errors()[0]
    field = ".".join(str(p) for p in first.get("loc", ())) or "mapping"
    return f"{field}: {first.get('msg', 'invalid')}"


class RowError(ValueError):
    """Why one mapping row cannot be saved; `code` is the catalogue code for it."""

    def __init__(self, code: str, message: str) -> None:
        super().__init__(message)
        self.code = code


def _resolved(row: Any, known_bots: dict[int, dict[str, Any]]) -> dict[str, Any]:
    """A validated row as it will be stored (platform taken from its bot); raises RowError."""
    if not isinstance(row, MappingIn):
        try:
            row = MappingIn.model_validate(row)
        except pydantic.ValidationError as exc:
            raise RowError("INVALID_PARAM", _problem(exc)) from None
    bot = known_bots.get(row.target_bot_id)
    if bot is None:
        raise RowError("BOT_NOT_FOUND", f"target_bot_id {row.target_bot_id} 不存在")
    if row.target_platform and row.target_platform != bot["platform"]:
        raise RowError("BOT_CONFIG_INVALID",
                       f"target_platform {row.target_platform} 与Bot的平台 {bot['platform']} 不一致")
    return {**row.model_dump(), "target_platform": bot["platform"]}


def _bot_id(row: Any) -> int | None:
    value = row.target_bot_id if isinstance(row, MappingIn) else row.get("target_bot_id") if isinstance(
        row, dict) else None
    if isinstance(value, bool):
        return None
    try:
        number = int(value)
    except (TypeError, ValueError):
        return None
    return number if number > 0 else None


def _bots_for(rows: list[Any]) -> dict[int, dict[str, Any]]:
    ids = {bot_id for bot_id in map(_bot_id, rows) if bot_id}
    return bots.get_many(sorted(ids)) if ids else {}


def list_mappings() -> list[dict[str, Any]]:
    return [public(m) for m in mappings.list_all()]


def _created_or_conflict(rows: list[dict[str, Any]]) -> list[dict[str, Any]]:
    try:
        return mappings.create_all(rows)
    except mappings.DuplicateTarget as exc:
        raise fail(409, "INVALID_PARAM", f"第{exc.index + 1}条映射与已有映射重复（同一频道、同一Bot、同一目标频道）",
                   solution="请勿重复添加同一个转发目标") from None


def add(row: MappingIn) -> dict[str, Any]:
    try:
        resolved = _resolved(row, _bots_for([row]))
    except RowError as exc:
        raise fail(400, exc.code, str(exc)) from None
    return public(_created_or_conflict([resolved])[0])


def add_batch(rows: list[dict[str, Any]]) -> list[dict[str, Any]]:
    """All rows or none: every row is checked first, then all are written in one transaction."""
    if not rows:
        raise fail(400, "MISSING_PARAM", "mappings 不能为空")
    known = _bots_for(rows)
    resolved, errors = [], []
    for index, row in enumerate(rows):
        try:
            resolved.append(_resolved(row, known))
        except RowError as exc:
            errors.append({"index": index, "error": str(exc)})
    if errors:
        raise fail(400, "INVALID_PARAM", f"{len(errors)}条映射无效，未做任何修改", errors=errors)
    seen: set[str] = set()
    for index, row in enumerate(resolved):
        key = mappings.target_key(row)
        if key in seen:
            raise fail(400, "INVALID_PARAM", f"第{index + 1}条映射与本批次中的另一条重复")
        seen.add(key)
    return [public(m) for m in _created_or_conflict(resolved)]


def update(mapping_id: int, patch: MappingPatch) -> dict[str, Any]:
    changes = patch.model_dump(exclude_none=True)
    if not changes:
        raise fail(400, "MISSING_PARAM", "没有需要更新的字段")
    for _attempt in range(_UPDATE_ATTEMPTS):
        current = _require(mapping_id)
        merged = {**current, **changes}
        if "target_bot_id" in changes or "target_platform" in changes:
            bot = bots.get(merged["target_bot_id"])
            if bot is None:
                raise fail(400, "BOT_NOT_FOUND", f"target_bot_id {merged['target_bot_id']} 不存在")
            if changes.get("target_platform") and changes["target_platform"] != bot["platform"]:
                raise fail(400, "BOT_CONFIG_INVALID", "target_platform 与Bot的平台不一致")
            changes["target_platform"] = bot["platform"]
        try:
            return public(mappings.update(current, changes))
        except mappings.VersionConflict:
            continue
        except mappings.DuplicateTarget:
            raise fail(409, "INVALID_PARAM", "已有映射转发到同一目标") from None
    raise fail(409, "INVALID_PARAM", "映射正在被同时修改，请重试")


def toggle(mapping_id: int, enabled: int | None) -> dict[str, Any]:
    for _attempt in range(_UPDATE_ATTEMPTS):
        current = _require(mapping_id)
        target = enabled if enabled is not None else (0 if current.get("enabled", 1) else 1)
        try:
            return public(mappings.update(current, {"enabled": target}))
        except mappings.VersionConflict:
            continue
    raise fail(409, "INVALID_PARAM", "映射正在被同时修改，请重试")


def delete(mapping_id: int) -> None:
    if not mappings.delete(_require(mapping_id)):
        raise fail(404, "MAPPING_NOT_FOUND")


def export() -> dict[str, Any]:
    return {"version": EXPORT_VERSION, "export_time": clock.iso(), "mappings": list_mappings()}


def import_rows(rows: list[Any], *, replace_existing: bool) -> dict[str, Any]:
    """Import row by row: invalid rows are reported (`errors[{channel, error}]`) and the rest is saved.
    With replace_existing the current mappings go first — only when at least one row is valid."""
    if not isinstance(rows, list):
        raise fail(400, "INVALID_PARAM", "mappings 必须是数组")
    known = _bots_for(rows)
    valid: list[dict[str, Any]] = []
    errors: list[dict[str, Any]] = []
    for row in rows:
        label = _label(row)
        try:
            valid.append(_resolved(row, known))
        except RowError as exc:
            errors.append({"channel": label, "error": str(exc)})
    if replace_existing and valid:
        mappings.delete_all()
    saved, duplicates = save_each(valid)
    errors.extend(duplicates)
    return {"success_count": len(saved), "failed_count": len(errors), "errors": errors,
            "mappings": [public(m) for m in saved]}


def save_each(rows: list[dict[str, Any]]) -> tuple[list[dict[str, Any]], list[dict[str, Any]]]:
    """Save validated rows one by one; duplicates (of stored mappings or of each other) are reported, not fatal."""
    saved, errors = [], []
    for row in rows:
        try:
            saved.extend(mappings.create_all([row]))
        except mappings.DuplicateTarget:
            errors.append({"channel": _label(row), "error": "与已有映射重复"})
    return saved, errors


def _label(row: Any) -> str:
    if isinstance(row, dict):
        return str(row.get("kook_channel_name") or row.get("kook_channel_id") or "?")[:200]
    return "?"
