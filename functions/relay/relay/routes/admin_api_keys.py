"""Admin: every user's API keys (tsv group `admin-api-keys`)."""

from typing import Annotated

from aws_lambda_powertools.event_handler.openapi.params import Query

from relay.logic import api_keys, usage
from relay.models.api_keys import KeyLookup, KeysPage
from relay.models.usage import LogPage
from relay.routes.common import AdminRouter, ok, pagination, parse_id

router = AdminRouter("api_keys")
TAGS = ["admin-api-keys"]


@router.get("/api/admin/api-keys", returns=KeysPage, summary="Every user's API keys, newest first", tags=TAGS)
def list_keys(page: Annotated[int | None, Query(ge=1, le=100000)] = None,
              page_size: Annotated[int | None, Query(ge=1, le=1000)] = None):
    paging = pagination(page, page_size)
    items, total = api_keys.page(paging.page, paging.page_size)
    return ok(paging.body(items, total))


@router.get("/api/admin/api-keys/lookup", returns=KeyLookup, errors=(400,),
            summary="Keys by id (`ids=1,2,3`, at most 200): prefix and suffix, never the key", tags=TAGS)
def lookup(ids: Annotated[str | None, Query(max_length=4000)] = None):
    return ok({"items": api_keys.lookup(ids)})


@router.get("/api/admin/api-keys/<id>/logs", returns=LogPage, errors=(400, 404),
            summary="An API key's requests, newest first", tags=TAGS)
def key_logs(id: str, page: Annotated[int | None, Query(ge=1, le=100000)] = None,
             page_size: Annotated[int | None, Query(ge=1, le=1000)] = None,
             start_date: Annotated[str | None, Query(max_length=30)] = None,
             end_date: Annotated[str | None, Query(max_length=30)] = None):
    key = api_keys.any_key(parse_id(id, "API key id"))
    paging = pagination(page, page_size)
    items, total = usage.logs(paging.offset, paging.page_size, start=start_date, end=end_date, key_id=key.id)
    return ok(paging.body(items, total))
