"""Texts served at a URL (`TEXT#<uuid>`/`TEXT` in AccountsTable, TTL on `expires_at`)."""

from __future__ import annotations

from pynamodb.exceptions import DoesNotExist

from certctrl.models.identity_entities import TextResponse


def save(item: TextResponse) -> None:
    item.save(condition=TextResponse.pk.does_not_exist())


def get(uuid: str) -> TextResponse | None:
    try:
        return TextResponse.get(f"TEXT#{uuid}", "TEXT", consistent_read=True)
    except DoesNotExist:
        return None
