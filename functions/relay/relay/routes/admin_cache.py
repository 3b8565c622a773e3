"""Admin: the proxy's runtime state - sticky sessions, concurrency leases, unavailable marks (tsv group
`admin-cache`). It lives in DynamoDB with TTLs; "clearing the cache" deletes those items."""

from typing import Annotated

from aws_lambda_powertools.event_handler.openapi.params import Query

from relay.logic import cache
from relay.models.cache import (
    AccountsCache,
    CacheConfig,
    CacheConfigUpdate,
    CacheStats,
    ClearBody,
    Cleared,
    Sessions,
    UsersCache,
)
from relay.models.common import Message
from relay.routes.common import AdminRouter, ok, parse_id

router = AdminRouter("cache")
TAGS = ["admin-cache"]
Id = Annotated[int | None, Query(ge=1, le=10**12)]


@router.get("/api/admin/cache/stats", returns=CacheStats, summary="How many sessions, leases and marks exist",
            tags=TAGS)
def stats():
    return ok(cache.stats())


@router.get("/api/admin/cache/sessions", returns=Sessions, summary="Sticky sessions (offset, limit ≤ 100)",
            tags=TAGS)
def sessions(offset: Annotated[int | None, Query(ge=0, le=10**6)] = None,
             limit: Annotated[int | None, Query(ge=1, le=1000)] = None, account_id: Id = None, user_id: Id = None,
             api_key_id: Id = None):
    return ok(cache.sessions(offset or 0, min(limit or 20, 100), account_id=account_id, user_id=user_id,
                             api_key_id=api_key_id))


@router.delete("/api/admin/cache/sessions/<sessionId>", returns=Message, errors=(404,),
               summary="Drop one sticky session", tags=TAGS)
def remove_session(sessionId: str):
    return ok(cache.remove_session(sessionId))


@router.get("/api/admin/cache/accounts", returns=AccountsCache,
            summary="Accounts with sessions or requests in flight", tags=TAGS)
def accounts_cache():
    return ok(cache.accounts_cache())


@router.get("/api/admin/cache/users", returns=UsersCache, summary="Users with sessions or requests in flight",
            tags=TAGS)
def users_cache():
    return ok(cache.users_cache())


@router.get("/api/admin/cache/unavailable", returns=AccountsCache, summary="Accounts marked unavailable",
            tags=TAGS)
def unavailable():
    return ok(cache.unavailable())


@router.post("/api/admin/cache/clear", returns=Cleared, errors=(400,),
             summary="Clear sessions, users' or accounts' leases, unavailable marks, or all", tags=TAGS)
def clear(body: ClearBody):
    return ok(cache.clear(body.type))


@router.delete("/api/admin/cache/users/<id>", returns=Cleared, errors=(400,),
               summary="Drop a user's sessions and leases", tags=TAGS)
def clear_user(id: str):
    return ok(cache.clear_user(parse_id(id, "user id")))


@router.delete("/api/admin/cache/api-keys/<id>", returns=Cleared, errors=(400,),
               summary="Drop an API key's sessions", tags=TAGS)
def clear_api_key(id: str):
    return ok(cache.clear_api_key(parse_id(id, "API key id")))


@router.get("/api/admin/cache/config", returns=CacheConfig, summary="Lifetimes of sessions, marks and leases",
            tags=TAGS)
def get_config():
    return ok(cache.config())


@router.put("/api/admin/cache/config", returns=CacheConfig, errors=(400,), summary="Change those lifetimes",
            tags=TAGS)
def put_config(body: CacheConfigUpdate):
    return ok(cache.update_config(body.model_dump(exclude_unset=True)))
