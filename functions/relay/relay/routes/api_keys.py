"""The signed-in user's API keys (tsv group `api-keys`): only the caller's own keys are addressable."""

from relay import access
from relay.logic import api_keys
from relay.models.api_keys import KeyCreate, KeyCreated, KeyUpdate, KeyUsage, KeyView
from relay.models.common import Message, StatusView
from relay.routes.common import created, ok, parse_id
from suite.api import Router

router = Router()
TAGS = ["api-keys"]


@router.get("/api/api-keys", auth=access.USER, returns=list[KeyView],
            summary="My API keys (prefix and suffix only)", tags=TAGS)
def list_keys():
    return ok(api_keys.of_user(access.caller().id))


@router.post("/api/api-keys", auth=access.USER, returns=KeyCreated, status_code=201, errors=(400, 409),
             summary="Create an API key: the whole key is in this answer only", tags=TAGS)
def create_key(body: KeyCreate):
    return created(api_keys.create(access.caller().id, body))


@router.get("/api/api-keys/<id>", auth=access.USER, returns=KeyView, errors=(400, 404), summary="One of my keys",
            tags=TAGS)
def get_key(id: str):
    return ok(api_keys.view(api_keys.own(access.caller().id, parse_id(id))))


@router.put("/api/api-keys/<id>", auth=access.USER, returns=KeyView, errors=(400, 404),
            summary="Change one of my keys", tags=TAGS)
def update_key(id: str, body: KeyUpdate):
    return ok(api_keys.update(api_keys.own(access.caller().id, parse_id(id)), body))


@router.delete("/api/api-keys/<id>", auth=access.USER, returns=Message, errors=(400, 404),
               summary="Delete one of my keys", tags=TAGS)
def delete_key(id: str):
    api_keys.delete(api_keys.own(access.caller().id, parse_id(id)))
    return ok({"message": "deleted"})


@router.put("/api/api-keys/<id>/toggle", auth=access.USER, returns=StatusView, errors=(400, 404),
            summary="Switch one of my keys between active and disabled", tags=TAGS)
def toggle_key(id: str):
    return ok(api_keys.toggle(api_keys.own(access.caller().id, parse_id(id))))


@router.get("/api/api-keys/<id>/usage", auth=access.USER, returns=KeyUsage, errors=(400, 404),
            summary="Usage of one of my keys (from the counters)", tags=TAGS)
def key_usage(id: str):
    return ok(api_keys.usage_of(api_keys.own(access.caller().id, parse_id(id))))
