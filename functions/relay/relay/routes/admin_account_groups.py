"""Admin: account groups (tsv group `admin-account-groups`)."""

from typing import Annotated

from aws_lambda_powertools.event_handler.openapi.params import Query

from relay.logic import account_groups
from relay.models.accounts import GroupCreate, GroupMemberBody, GroupsPage, GroupUpdate, GroupView
from relay.models.common import Message
from relay.routes.common import AdminRouter, created, ok, pagination, parse_id

router = AdminRouter("account_groups")
TAGS = ["admin-account-groups"]


@router.get("/api/admin/account-groups", returns=GroupsPage, summary="Groups with their accounts", tags=TAGS)
def list_groups(page: Annotated[int | None, Query(ge=1, le=100000)] = None,
                page_size: Annotated[int | None, Query(ge=1, le=1000)] = None):
    paging = pagination(page, page_size)
    every = account_groups.every()
    return ok(paging.body(every[paging.offset:paging.offset + paging.page_size], len(every)))


@router.post("/api/admin/account-groups", returns=GroupView, status_code=201, errors=(400, 409),
             summary="Create a group", tags=TAGS)
def create_group(body: GroupCreate):
    return created(account_groups.create(body))


@router.get("/api/admin/account-groups/all", returns=list[GroupView], summary="Every group", tags=TAGS)
def all_groups():
    return ok(account_groups.every())


@router.get("/api/admin/account-groups/<id>", returns=GroupView, errors=(400, 404), summary="One group", tags=TAGS)
def get_group(id: str):
    return ok(account_groups.view(account_groups.get(parse_id(id, "group id"))))


@router.put("/api/admin/account-groups/<id>", returns=GroupView, errors=(400, 404, 409), summary="Change a group",
            tags=TAGS)
def update_group(id: str, body: GroupUpdate):
    return ok(account_groups.update(parse_id(id, "group id"), body))


@router.delete("/api/admin/account-groups/<id>", returns=Message, errors=(400, 404),
               summary="Remove a group (its accounts stay)", tags=TAGS)
def delete_group(id: str):
    account_groups.delete(parse_id(id, "group id"))
    return ok({"message": "deleted"})


@router.post("/api/admin/account-groups/<id>/accounts", returns=GroupView, errors=(400, 404),
             summary="Put an account in the group", tags=TAGS)
def add_account(id: str, body: GroupMemberBody):
    return ok(account_groups.add(parse_id(id, "group id"), body.account_id))


@router.delete("/api/admin/account-groups/<id>/accounts/<accountId>", returns=GroupView, errors=(400, 404),
               summary="Take an account out of the group", tags=TAGS)
def remove_account(id: str, accountId: str):
    return ok(account_groups.remove(parse_id(id, "group id"), parse_id(accountId, "account id")))
