"""Users for the admin's list, without a Scan: user ids are consecutive (the `SEQ#users` counter of AccountsTable),
so a page of the newest users is one GetItem of the counter and one BatchGetItem of the ids below it."""

from __future__ import annotations

from typing import Any

from certctrl.store import common
from suite import dynamo


def newest_id() -> int:
    item = dynamo.get(common.accounts(), "SEQ#users", "SEQ")
    return int(item["value"]) if item else 0


def page(offset: int, limit: int) -> tuple[list[dict[str, Any]], int]:
    """Users newest first (ids newest-offset down to newest-offset-limit+1) and the number of ids handed out."""
    top = newest_id()
    ids = list(range(top - offset, max(0, top - offset - limit), -1))
    found = dynamo.batch_get(common.accounts(), [(f"USER#{i}", "USER") for i in ids]) if ids else {}
    return [found[(f"USER#{i}", "USER")] for i in ids if (f"USER#{i}", "USER") in found], top
