"""Stored settings (RelayTable partition `CONFIG`): system configs, the client-filter config, the cache config."""

from __future__ import annotations

from pynamodb.exceptions import DoesNotExist

from relay.models.entities import ClientFilterSettings, Setting

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
