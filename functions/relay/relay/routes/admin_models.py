"""Admin: the model catalogue (tsv group `admin-models`)."""

from typing import Annotated, Literal

from aws_lambda_powertools.event_handler.openapi.params import Query

from relay.logic import catalog
from relay.models.catalog import ModelCreate, ModelUpdate, ModelView
from relay.models.common import Message
from relay.routes.common import AdminRouter, created, ok, parse_id

router = AdminRouter("models")
TAGS = ["admin-models"]


@router.get("/api/admin/models", returns=list[ModelView], summary="Models, filtered by platform and enabled",
            tags=TAGS)
def list_models(platform: Annotated[Literal["claude", "openai", "gemini", "other"] | None, Query()] = None,
                enabled: Annotated[Literal["true", "false", "1", "0", "True", "False"] | None, Query()] = None):
    wanted = None if enabled is None else enabled in ("true", "True", "1")
    return ok([catalog.view(m) for m in catalog.models(platform=platform, enabled=wanted)])


@router.post("/api/admin/models", returns=ModelView, status_code=201, errors=(400, 409),
             summary="Add a model (name, platform, prices per 1M tokens)", tags=TAGS)
def create_model(body: ModelCreate):
    return created(catalog.create_model(body.model_dump()))


@router.get("/api/admin/models/platforms", returns=list[str], summary="Platforms of the catalogue", tags=TAGS)
def platforms():
    return ok(catalog.platforms())


@router.post("/api/admin/models/init-defaults", returns=Message, summary="Add the default models that are missing",
             tags=TAGS)
def init_defaults():
    return ok({"message": f"added {catalog.init_defaults()} default models"})


@router.post("/api/admin/models/reset-defaults", returns=Message,
             summary="Put the catalogue back to the defaults (other models are removed)", tags=TAGS)
def reset_defaults():
    return ok({"message": f"reset {catalog.reset_defaults()} default models"})


@router.get("/api/admin/models/<id>", returns=ModelView, errors=(400, 404), summary="One model", tags=TAGS)
def get_model(id: str):
    return ok(catalog.view(catalog.get_model(parse_id(id, "model id"))))


@router.put("/api/admin/models/<id>", returns=ModelView, errors=(400, 404, 409), summary="Change a model",
            tags=TAGS)
def update_model(id: str, body: ModelUpdate):
    return ok(catalog.update_model(parse_id(id, "model id"), body.model_dump(exclude_unset=True)))


@router.delete("/api/admin/models/<id>", returns=Message, errors=(400, 404), summary="Remove a model", tags=TAGS)
def delete_model(id: str):
    catalog.delete_model(parse_id(id, "model id"))
    return ok({"message": "deleted"})


@router.put("/api/admin/models/<id>/toggle", returns=ModelView, errors=(400, 404),
            summary="Enable or disable a model (the proxy refuses disabled models)", tags=TAGS)
def toggle_model(id: str):
    return ok(catalog.toggle_model(parse_id(id, "model id")))
