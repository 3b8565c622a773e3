"""API keys: `/apiv1/users/{user_id}/apikeys[/{apikey_id}]` and the `/apiv1/me/apikeys` alias."""

from __future__ import annotations

from certctrl import access
from certctrl.api import ENVELOPE
from certctrl.logic import apikeys
from certctrl.models.apikeys import ApiKeyView, CreateApiKey, CreatedApiKey, UpdateApiKey
from certctrl.routes import common
from suite.api import Router

router = Router()
TAGS = ["apikeys"]


def _list():
    page = common.pagination(router)
    keys, total = apikeys.listing(common.user_caller(), offset=page.offset, limit=page.limit)
    return common.listed([apikeys.view(k) for k in keys], page, total)


def _create(request: CreateApiKey):
    key, token = apikeys.create(common.user_caller(), name=request.name,
                                requested=[p.model_dump() for p in request.permissions],
                                expires_in_seconds=request.expires_in_seconds)
    return ENVELOPE.created({**apikeys.view(key), "token": token})


@router.get("/apiv1/me/apikeys", auth=access.user("apikeys", "read"), returns=list[ApiKeyView],
            summary="The caller's API keys (offset, limit)", tags=TAGS)
def list_mine():
    return _list()


@router.post("/apiv1/me/apikeys", auth=access.user("apikeys", "create"), returns=CreatedApiKey, status_code=201,
             errors=(403,), summary="Create an API key for the caller (the token is shown once)", tags=TAGS)
def create_mine(request: CreateApiKey):
    return _create(request)


@router.get("/apiv1/users/<user_id>/apikeys", auth=access.user("apikeys", "read"), returns=list[ApiKeyView],
            errors=(403,), summary="A user's API keys (offset, limit)", tags=TAGS)
def list_keys(user_id: str):
    return _list()


@router.post("/apiv1/users/<user_id>/apikeys", auth=access.user("apikeys", "create"), returns=CreatedApiKey,
             status_code=201, errors=(403,), summary="Create an API key (the token is shown once)", tags=TAGS)
def create_key(user_id: str, request: CreateApiKey):
    return _create(request)


@router.get("/apiv1/users/<user_id>/apikeys/<apikey_id>", auth=access.user("apikeys", "read", "apikey_id"),
            returns=ApiKeyView, errors=(403, 404), summary="One API key (never its token)", tags=TAGS)
def get_key(user_id: str, apikey_id: str):
    key = apikeys.owned(common.user_caller(), common.object_id(apikey_id, "API key"))
    return ENVELOPE.ok(apikeys.view(key))


@router.patch("/apiv1/users/<user_id>/apikeys/<apikey_id>", auth=access.user("apikeys", "update", "apikey_id"),
              returns=ApiKeyView, errors=(403, 404), summary="Change an API key's name, permissions or expiry",
              tags=TAGS)
def update_key(user_id: str, apikey_id: str, request: UpdateApiKey):
    permissions = None if request.permissions is None else [p.model_dump() for p in request.permissions]
    key = apikeys.update(common.user_caller(), common.object_id(apikey_id, "API key"), name=request.name,
                         requested=permissions, expires_in_seconds=request.expires_in_seconds)
    return ENVELOPE.ok(apikeys.view(key))


@router.delete("/apiv1/users/<user_id>/apikeys/<apikey_id>", auth=access.user("apikeys", "delete", "apikey_id"),
               status_code=204, errors=(403, 404), summary="Revoke an API key", tags=TAGS)
def delete_key(user_id: str, apikey_id: str):
    apikeys.delete(common.user_caller(), common.object_id(apikey_id, "API key"))
    return ENVELOPE.no_content()
