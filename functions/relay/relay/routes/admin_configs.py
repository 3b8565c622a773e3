"""Admin: system configs (tsv group `admin-configs`). The admin UI reads `items` at the top level of the
answer (the original answered without the envelope), so the list is in `data` and also beside it."""

from relay import clock
from relay.api import ENVELOPE
from relay.logic import configs
from relay.models.settings import CategoryAnswer, ConfigsAnswer, ConfigUpdate, SyncStatus, Updated
from relay.routes.common import AdminRouter, ok
from suite.errors import BadRequest

router = AdminRouter("configs")
TAGS = ["admin-configs"]


@router.get("/api/admin/configs", returns=ConfigsAnswer, summary="Every config with its effective value",
            tags=TAGS)
def get_all():
    grouped = configs.grouped()
    items = [entry for entries in grouped.values() for entry in entries]
    return ENVELOPE.ok({"items": items, "grouped": grouped}, items=items, grouped=grouped)


@router.put("/api/admin/configs", returns=Updated, errors=(400,),
            summary="Store configs: {configs: {key: value}} or {category, key, value}", tags=TAGS)
def update(body: ConfigUpdate):
    changes = list((body.configs or {}).items())
    if body.key is not None:
        if body.value is None:
            raise BadRequest("value is required with key")
        changes.append((body.key, body.value))
    if not changes:
        raise BadRequest("nothing to update: give configs, or key and value")
    return ok({"message": "configs updated", "items": configs.update(changes)})


@router.get("/api/admin/configs/category/<category>", returns=CategoryAnswer,
            summary="The configs of one category (empty for an unknown one)", tags=TAGS)
def by_category(category: str):
    items = configs.category(category)
    return ENVELOPE.ok({"items": items}, items=items)


@router.get("/api/admin/configs/sync/status", returns=SyncStatus,
            summary="Usage synchronisation: counters are written with every request, nothing waits", tags=TAGS)
def sync_status():
    return ok({"enabled": configs.flag("sync_enabled"), "mode": "per-request counters", "pending": 0,
               "last_sync_at": clock.iso()})


@router.post("/api/admin/configs/sync/trigger", returns=SyncStatus,
             summary="Run a synchronisation (nothing to do: counters are always current)", tags=TAGS)
def sync_trigger():
    return ok({"enabled": configs.flag("sync_enabled"), "mode": "per-request counters", "pending": 0,
               "last_sync_at": clock.iso(), "message": "nothing to synchronise"})
