"""Account groups: named sets of accounts (the original's scheduler never read them; kept for the proxy to use)."""

from __future__ import annotations

from typing import Any

from relay import clock
from relay.logic import oplog
from relay.models import accounts as shapes
from relay.models.entities import AccountGroup
from relay.store import accounts, sequences
from suite.errors import Conflict, NotFound


def view(item: AccountGroup, member_ids: list[int] | None = None, names: dict[int, Any] | None = None) -> dict:
    member_ids = accounts.members(item.id) if member_ids is None else member_ids
    if names is None:
        names = {a.id: a for a in accounts.every()} if member_ids else {}
    members = [{"id": a.id, "name": a.name, "type": a.type, "platform": a.platform, "status": a.status}
               for a in (names.get(i) for i in member_ids) if a is not None]
    return shapes.GroupView(id=item.id, name=item.name, description=item.description or "",
                            platform=item.platform or "", is_default=bool(item.is_default),
                            account_count=len(members), accounts=members, created_at=clock.iso(item.created_at),
                            updated_at=clock.iso(item.updated_at or item.created_at)).model_dump()


def every() -> list[dict[str, Any]]:
    found = sorted(accounts.groups(), key=lambda g: g.id)
    every_account = {a.id: a for a in accounts.every()}
    return [view(g, accounts.members(g.id), every_account) for g in found]


def get(group_id: int) -> AccountGroup:
    item = accounts.get_group(group_id)
    if item is None:
        raise NotFound("group not found")
    return item


def create(body: shapes.GroupCreate) -> dict[str, Any]:
    now = clock.now()
    item = accounts.new_group(sequences.next_id("account_group"), **body.model_dump(), created_at=now,
                              updated_at=now)
    try:
        accounts.create_group(item)
    except accounts.Taken:
        raise Conflict("group name already exists") from None
    answer = view(item, [])
    oplog.changed(None, answer, target=item.id, name=item.name)
    return answer


def update(group_id: int, body: shapes.GroupUpdate) -> dict[str, Any]:
    item = get(group_id)
    before = view(item)
    changes = {k: v for k, v in body.model_dump(exclude_unset=True).items() if v is not None}
    if changes:
        changes["updated_at"] = clock.now()
        try:
            if not accounts.update_group(item, changes):
                raise NotFound("group not found")
        except accounts.Taken:
            raise Conflict("group name already exists") from None
        item = get(group_id)
    after = view(item)
    oplog.changed(before, after, target=item.id, name=item.name)
    return after


def delete(group_id: int) -> None:
    item = get(group_id)
    before = view(item)
    if not accounts.delete_group(item):
        raise NotFound("group not found")
    oplog.changed(before, None, target=item.id, name=item.name)


def add(group_id: int, account_id: int) -> dict[str, Any]:
    group = get(group_id)
    if accounts.get(account_id) is None:
        raise NotFound("account not found")
    if not accounts.add_member(group.id, account_id, clock.now()):
        raise NotFound("group or account not found")
    after = view(group)
    oplog.changed(None, {"group_id": group.id, "account_id": account_id}, target=group.id, name=group.name)
    return after


def remove(group_id: int, account_id: int) -> dict[str, Any]:
    group = get(group_id)
    if not accounts.remove_member(group.id, account_id):
        raise NotFound("the account is not in this group")
    oplog.changed({"group_id": group.id, "account_id": account_id}, None, target=group.id, name=group.name)
    return view(group)
