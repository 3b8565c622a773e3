"""Quotes in LedgerTable: `QUOTE#<id>` / `QUOTE` (`valid_until` is checked by the code; `expires_at` is the TTL,
a day later, so a used quote's record outlives the request that used it)."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from certctrl.store.money_common import Write, table
from suite import dynamo

KEEP_AFTER_EXPIRY = 86400


def put(quote: Mapping[str, Any]) -> None:
    dynamo.put(table(), {"pk": f"QUOTE#{quote['quote_id']}", "sk": "QUOTE", **dict(quote),
                         "expires_at": int(quote["valid_until"]) + KEEP_AFTER_EXPIRY},
               condition="attribute_not_exists(pk)")


def get(quote_id: str) -> dict[str, Any] | None:
    return dynamo.get(table(), f"QUOTE#{quote_id}", "QUOTE")


def use(quote: Mapping[str, Any], *, txn_id: str, now: int) -> Write:
    """Used once, by its owner, before it expires: the condition of the write that joins the movement."""
    return Write("quote", "update", f"QUOTE#{quote['quote_id']}", "QUOTE",
                 expression="SET #state = :used, used_txn = :txn, used_at = :now",
                 condition="#state = :open AND valid_until > :now AND user_id = :uid AND purpose = :purpose",
                 names={"#state": "state"},
                 values={":used": "used", ":open": "open", ":txn": txn_id, ":now": now,
                         ":uid": quote["user_id"], ":purpose": quote["purpose"]})
