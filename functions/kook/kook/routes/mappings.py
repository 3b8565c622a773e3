"""Channel mappings: list, add, batch, partial update and the original's /toggle, delete, export, import."""

from kook.access import ADMIN
from kook.api import ENVELOPE
from kook.errors import fail
from kook.logic import mappings
from kook.models.common import Message
from kook.models.mappings import (
    ImportResult,
    MappingAdded,
    MappingBatchIn,
    MappingChanged,
    MappingExport,
    MappingImportIn,
    MappingIn,
    MappingList,
    MappingPatch,
    MappingsAdded,
    MappingToggled,
    ToggleIn,
)
from kook.routes import common
from suite.api import Router

router = Router()
TAGS = ["mappings"]


@router.get("/api/mappings", auth=ADMIN, returns=MappingList, tags=TAGS, summary="List mappings")
def list_mappings():
    return ENVELOPE.ok({"data": mappings.list_mappings()})


@router.post("/api/mappings", auth=ADMIN, returns=MappingAdded, errors=(400, 409), tags=TAGS,
             summary="Add a mapping")
def add_mapping(body: MappingIn):
    mapping = mappings.add(body)
    return ENVELOPE.ok({"message": "映射添加成功", "mapping_id": mapping["id"], "data": mapping})


@router.post("/api/mappings/batch", auth=ADMIN, returns=MappingsAdded, errors=(400, 409), tags=TAGS,
             summary="Add up to 50 mappings, all or none")
def add_batch(body: MappingBatchIn):
    created = mappings.add_batch(body.mappings)
    return ENVELOPE.ok({"message": f"已添加{len(created)}条映射", "count": len(created), "data": created})


@router.put("/api/mappings/<mapping_id>", auth=ADMIN, returns=MappingChanged, errors=(400, 404, 409), tags=TAGS,
            summary="Update fields of a mapping")
def update_mapping(mapping_id: int, body: MappingPatch):
    return ENVELOPE.ok({"message": "映射已更新", "data": mappings.update(mapping_id, body)})


@router.put("/api/mappings/<mapping_id>/toggle", auth=ADMIN, returns=MappingToggled, errors=(400, 404, 409),
            tags=TAGS, summary="Enable/disable a mapping ({enabled} or flip)")
def toggle_mapping(mapping_id: int):
    raw = common.raw_body(router.current_event.raw_event)
    try:
        choice = ToggleIn.model_validate_json(raw) if raw.strip() else ToggleIn()
    except ValueError:
        raise fail(400, "INVALID_PARAM", "enabled 必须是 0 或 1") from None
    mapping = mappings.toggle(mapping_id, choice.enabled)
    return ENVELOPE.ok({"message": "映射已启用" if mapping["enabled"] else "映射已禁用", "data": mapping,
                        "enabled": mapping["enabled"]})


@router.delete("/api/mappings/<mapping_id>", auth=ADMIN, returns=Message, errors=(404,), tags=TAGS,
               summary="Delete a mapping")
def delete_mapping(mapping_id: int):
    mappings.delete(mapping_id)
    return ENVELOPE.ok({"message": "映射已删除"})


@router.get("/api/mappings/export", auth=ADMIN, returns=MappingExport, tags=TAGS,
            summary="Export {version, export_time, mappings}")
def export_mappings():
    return ENVELOPE.ok(mappings.export())


@router.post("/api/mappings/import", auth=ADMIN, returns=ImportResult, tags=TAGS,
             summary="Import mappings (per-row errors, replace_existing)")
def import_mappings(body: MappingImportIn):
    return ENVELOPE.ok(mappings.import_rows(body.mappings, replace_existing=body.replace_existing))


@router.post("/api/mappings/import/file", auth=ADMIN, returns=ImportResult, errors=(400, 413), tags=TAGS,
             summary="Import an exported file (multipart field `file`, or the file as a JSON body)")
def import_file():
    event = router.current_event.raw_event
    try:
        document = MappingImportIn.model_validate_json(common.uploaded_file(event, "file"))
    except ValueError:
        raise fail(400, "INVALID_PARAM", "文件不是有效的映射导出文件",
                   solution="请上传 GET /api/mappings/export 导出的JSON") from None
    replace = (common.form_value(event, "replace_existing") or "").lower() in ("1", "true", "yes")
    return ENVELOPE.ok(mappings.import_rows(document.mappings,
                                            replace_existing=replace or document.replace_existing))
