"""Admin: global model mappings, applied by the proxy to Responses requests (tsv group `admin-model-mappings`)."""

from relay.logic import catalog
from relay.models.catalog import MappingCacheStats, MappingCreate, Mappings, MappingUpdate, MappingView
from relay.models.common import Message
from relay.routes.common import AdminRouter, created, ok, parse_id

router = AdminRouter("model_mappings")
TAGS = ["admin-model-mappings"]


@router.get("/api/admin/model-mappings", returns=Mappings, summary="Every mapping, highest priority first",
            tags=TAGS)
def list_mappings():
    return ok({"mappings": catalog.mappings()})


@router.post("/api/admin/model-mappings", returns=MappingView, status_code=201, errors=(400, 409),
             summary="Add a mapping source → target", tags=TAGS)
def create_mapping(body: MappingCreate):
    return created(catalog.create_mapping(body))


@router.get("/api/admin/model-mappings/cache", returns=MappingCacheStats,
            summary="The mapping table the proxy applies (read fresh: nothing is cached)", tags=TAGS)
def cache_stats():
    return ok(catalog.mapping_cache_stats())


@router.post("/api/admin/model-mappings/refresh", returns=Message,
             summary="Reload the mappings (a no-op: the proxy reads them fresh)", tags=TAGS)
def refresh():
    return ok({"message": f"{len(catalog.effective_mappings())} mappings in effect"})


@router.get("/api/admin/model-mappings/<id>", returns=MappingView, errors=(400, 404), summary="One mapping",
            tags=TAGS)
def get_mapping(id: str):
    return ok(catalog.mapping_view(catalog.get_mapping(parse_id(id, "mapping id"))))


@router.put("/api/admin/model-mappings/<id>", returns=MappingView, errors=(400, 404, 409),
            summary="Change a mapping", tags=TAGS)
def update_mapping(id: str, body: MappingUpdate):
    return ok(catalog.update_mapping(parse_id(id, "mapping id"), body.model_dump(exclude_unset=True)))


@router.delete("/api/admin/model-mappings/<id>", returns=Message, errors=(400, 404), summary="Remove a mapping",
               tags=TAGS)
def delete_mapping(id: str):
    catalog.delete_mapping(parse_id(id, "mapping id"))
    return ok({"message": "deleted"})


@router.post("/api/admin/model-mappings/<id>/toggle", returns=MappingView, errors=(400, 404),
             summary="Enable or disable a mapping", tags=TAGS)
def toggle_mapping(id: str):
    mapping_id = parse_id(id, "mapping id")
    return ok(catalog.update_mapping(mapping_id, {"enabled": not catalog.get_mapping(mapping_id).enabled}))
