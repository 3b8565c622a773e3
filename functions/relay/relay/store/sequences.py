"""Integer ids per entity: an atomic `ADD` on `pk=SEQ, sk=<entity>` (the admin UI posts ids as numbers)."""

from __future__ import annotations

from relay import config
from suite import dynamo


def next_id(entity: str) -> int:
    item = dynamo.update(config.get().table, "SEQ", entity, "ADD #v :one", names={"#v": "value"},
                         values={":one": 1}, return_values="UPDATED_NEW")
    return int((item or {})["value"])


def peek(entity: str) -> int:
    item = dynamo.get(config.get().table, "SEQ", entity)
    return int(item["value"]) if item else 0
