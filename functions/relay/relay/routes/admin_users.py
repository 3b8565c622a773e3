"""Admin: users, their keys, price rates, usage and concurrency (tsv group `admin-users`)."""

from typing import Annotated

from aws_lambda_powertools.event_handler.openapi.params import Query

from relay import access
from relay.logic import api_keys, cache, usage, users
from relay.models.accounts import Concurrency
from relay.models.api_keys import KeyCreate, KeyCreated, KeyView
from relay.models.common import Message, StatusView
from relay.models.usage import AdminUserDb, AdminUserSummary, LogPage
from relay.models.users import (
    AdminCreateUser,
    AdminUpdateUser,
    AllPriceRate,
    AllUsers,
    BatchPriceRate,
    PriceRateChanged,
    UsersPage,
    UserView,
)
from relay.routes.common import AdminRouter, created, ok, pagination, parse_id

router = AdminRouter("users")
TAGS = ["admin-users"]
PageNumber = Annotated[int | None, Query(ge=1, le=100000)]
PageSize = Annotated[int | None, Query(ge=1, le=1000)]
Day = Annotated[str | None, Query(max_length=10, description="YYYY-MM-DD")]


@router.get("/api/admin/users", returns=UsersPage, summary="Users, newest first, with their key balances",
            tags=TAGS)
def list_users(page: PageNumber = None, page_size: PageSize = None):
    paging = pagination(page, page_size, max_size=1000)  # the UI's user pickers ask for 1000
    found, total = users.page(paging.page, paging.page_size)
    return ok(paging.body(users.admin_views(found), total))


@router.post("/api/admin/users", returns=UserView, status_code=201, errors=(400,), summary="Create a user",
             tags=TAGS)
def create_user(body: AdminCreateUser):
    return created(users.admin_create(body))


@router.get("/api/admin/users/all", returns=AllUsers, summary="Every user, unpaginated", tags=TAGS)
def all_users():
    found = users.every()
    return ok({"items": [users.view(u) for u in found], "total": len(found)})


@router.post("/api/admin/users/batch-price-rate", returns=PriceRateChanged, errors=(400, 404),
             summary="Set the price rate of the given users", tags=TAGS)
def batch_price_rate(body: BatchPriceRate):
    changed = users.set_price_rate(body.user_ids, body.price_rate)
    return ok({"message": "price rate updated", "affected_count": changed, "price_rate": body.price_rate})


@router.post("/api/admin/users/all-price-rate", returns=PriceRateChanged, errors=(400,),
             summary="Set the price rate of every user", tags=TAGS)
def all_price_rate(body: AllPriceRate):
    changed = users.set_every_price_rate(body.price_rate)
    return ok({"message": "price rate updated for every user", "affected_count": changed,
               "price_rate": body.price_rate})


@router.get("/api/admin/users/<id>", returns=UserView, errors=(400, 404), summary="One user", tags=TAGS)
def get_user(id: str):
    return ok(users.view(users.get(parse_id(id, "user id"))))


@router.put("/api/admin/users/<id>", returns=UserView, errors=(400, 404),
            summary="Change a user's e-mail, role, status, price rate or concurrency", tags=TAGS)
def update_user(id: str, body: AdminUpdateUser):
    return ok(users.view(users.admin_update(parse_id(id, "user id"), caller_id=access.caller().id,
                                            **body.model_dump(exclude_unset=True))))


@router.delete("/api/admin/users/<id>", returns=Message, errors=(400, 404),
               summary="Delete a user (their tokens stop working at once)", tags=TAGS)
def delete_user(id: str):
    users.admin_delete(parse_id(id, "user id"), caller_id=access.caller().id)
    return ok({"message": "deleted"})


@router.get("/api/admin/users/<id>/api-keys", returns=list[KeyView], errors=(400, 404),
            summary="A user's API keys", tags=TAGS)
def user_keys(id: str):
    return ok(api_keys.of_user(users.get(parse_id(id, "user id")).id))


@router.post("/api/admin/users/<id>/api-keys", returns=KeyCreated, status_code=201, errors=(400, 404, 409),
             summary="Create an API key for a user (shown once)", tags=TAGS)
def create_user_key(id: str, body: KeyCreate):
    return created(api_keys.create(parse_id(id, "user id"), body, by_admin=True))


@router.delete("/api/admin/users/<id>/api-keys/<keyId>", returns=Message, errors=(400, 404),
               summary="Delete a user's API key", tags=TAGS)
def delete_user_key(id: str, keyId: str):
    api_keys.delete(api_keys.own(parse_id(id, "user id"), parse_id(keyId, "API key id")))
    return ok({"message": "deleted"})


@router.put("/api/admin/users/<id>/api-keys/<keyId>/toggle", returns=StatusView, errors=(400, 404),
            summary="Switch a user's API key between active and disabled", tags=TAGS)
def toggle_user_key(id: str, keyId: str):
    return ok(api_keys.toggle(api_keys.own(parse_id(id, "user id"), parse_id(keyId, "API key id"))))


@router.get("/api/admin/users/<id>/usage/summary", returns=AdminUserSummary, errors=(400, 404),
            summary="A user's totals, per model and per package", tags=TAGS)
def user_usage_summary(id: str):
    return ok(usage.admin_user_summary(parse_id(id, "user id")))


@router.get("/api/admin/users/<id>/usage/db", returns=AdminUserDb, errors=(400, 404),
            summary="A user's days and models over a range (default the last 30 days)", tags=TAGS)
def user_usage_db(id: str, start_date: Day = None, end_date: Day = None):
    return ok(usage.admin_user_db(parse_id(id, "user id"), start_date, end_date))


@router.get("/api/admin/users/<id>/usage/records", returns=LogPage, errors=(400, 404),
            summary="A user's requests, newest first (filters: dates, model)", tags=TAGS)
def user_usage_records(id: str, *, page: PageNumber = None, page_size: PageSize = None, start_date: Day = None,
                       end_date: Day = None, model: Annotated[str | None, Query(max_length=100)] = None):
    user_id = users.get(parse_id(id, "user id")).id
    paging = pagination(page, page_size)
    items, total = usage.logs(paging.offset, paging.page_size, start=start_date, end=end_date, user_id=user_id,
                              model=model or None)
    return ok({**paging.body(items, total), "user_id": user_id})


@router.get("/api/admin/users/<id>/concurrency", returns=Concurrency, errors=(400, 404),
            summary="A user's requests in flight and limit", tags=TAGS)
def user_concurrency(id: str):
    return ok(cache.user_concurrency(parse_id(id, "user id")))


@router.delete("/api/admin/users/<id>/concurrency", returns=Concurrency, errors=(400, 404),
               summary="Drop a user's leases (requests in flight)", tags=TAGS)
def reset_user_concurrency(id: str):
    return ok(cache.reset_user_concurrency(parse_id(id, "user id")))
