"""Stored settings (RelayTable partition `CONFIG`): system configs, the client-filter config, the cache config."""

from __future__ import annotations

from typing import Any

from pynamodb.exceptions import DoesNotExist

from relay import config
from relay.models.entities import ClientFilterSettings, Setting
from suite import dynamo

PK = "CONFIG"


def stored() -> dict[str, Setting]:
    """Every stored system config, by key (one Query)."""
    return {item.key: item for item in Setting.query(PK, Setting.sk.startswith("SYS#"), consistent_read=True)}


def put(key: str, value: str, category: str, now: float) -> Setting:
    item = Setting(PK, f"SYS#{key}", key=key, value=value, category=category, updated_at=now)
    item.save()
    return item


def client_filter() -> ClientFilterSettings | None:
    try:
        return ClientFilterSettings.get(PK, "CLIENT_FILTER", consistent_read=True)
    except DoesNotExist:
        return None


def save_client_filter(settings: ClientFilterSettings) -> None:
    settings.pk, settings.sk = PK, "CLIENT_FILTER"
    settings.save()


def everything() -> tuple[dict[str, Setting], ClientFilterSettings | None]:
    """The stored system configs and the client-filter config together (one Query of the partition: what the
    proxy reads per request)."""
    stored: dict[str, Setting] = {}
    client_filter_item: ClientFilterSettings | None = None
    request: dict[str, Any] = {"TableName": config.get().table, "KeyConditionExpression": "pk = :pk",
                               "ExpressionAttributeValues": {":pk": {"S": PK}}, "ConsistentRead": True}
    while True:
        answer = dynamo.client().query(**request)
        for raw in answer.get("Items", []):
            sort_key = raw["sk"]["S"]
            if sort_key.startswith("SYS#"):
                item = Setting.from_raw_data(raw)
                stored[item.key] = item
            elif sort_key == "CLIENT_FILTER":
                client_filter_item = ClientFilterSettings.from_raw_data(raw)
        if not answer.get("LastEvaluatedKey"):
            return stored, client_filter_item
        request["ExclusiveStartKey"] = answer["LastEvaluatedKey"]
