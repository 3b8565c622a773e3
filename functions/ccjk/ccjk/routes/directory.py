"""DirectoryFunction's records: CcjkTable's stream batches → logic/directory.py, failures reported from the first
failed record on (the stream retries from there)."""

from __future__ import annotations

from typing import Any

from ccjk.logic import directory


def records(event: dict[str, Any]) -> dict[str, Any]:
    return {"batchItemFailures": directory.handle_batch(event.get("Records") or [])}
