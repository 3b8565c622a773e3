"""API keys: one item per key (`APIKEY#<id>`), listed per owner through the `by_owner` index (eventually
consistent: a key created a moment ago may take a moment to be listed; reads by id are consistent)."""

from __future__ import annotations

from pynamodb.exceptions import DoesNotExist

from certctrl.models.entities import ApiKey, Permission
from certctrl.store import common
from suite import dynamo


def key(key_id: int) -> str:
    return f"APIKEY#{key_id}"


def save_new(api_key: ApiKey) -> None:
    api_key.save(condition=ApiKey.pk.does_not_exist())


def get(key_id: int) -> ApiKey | None:
    try:
        return ApiKey.get(key(key_id), "APIKEY", consistent_read=True)
    except DoesNotExist:
        return None


def list_for(owner_id: int, *, offset: int, limit: int) -> list[ApiKey]:
    found: list[ApiKey] = []
    for index, item in enumerate(ApiKey.by_owner.query(owner_id)):
        if index >= offset + limit:
            break
        if index >= offset:
            found.append(item)
    return found


def count_for(owner_id: int) -> int:
    return dynamo.count(common.accounts(), IndexName="by_owner", KeyConditionExpression="owner_id = :owner",
                        ExpressionAttributeValues=dynamo.expression_values({":owner": owner_id}))


def update(api_key: ApiKey, *, name: str | None, permissions: list[Permission] | None,
           valid_until: int | None, clear_expiry: bool, now_ms: int) -> ApiKey:
    actions = [ApiKey.updated_at_ms.set(now_ms)]
    if name is not None:
        actions.append(ApiKey.name.set(name))
    if permissions is not None:
        actions.append(ApiKey.permissions.set(permissions))
    if valid_until is not None:
        actions.append(ApiKey.valid_until.set(valid_until))
    elif clear_expiry:
        actions.append(ApiKey.valid_until.remove())
    api_key.update(actions=actions, condition=ApiKey.pk.exists())
    return api_key


def touch(api_key: ApiKey, now: int) -> None:
    api_key.update(actions=[ApiKey.last_used_at.set(now)], condition=ApiKey.pk.exists())


def delete(api_key: ApiKey) -> None:
    api_key.delete()
