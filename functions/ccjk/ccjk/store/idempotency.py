"""Requests whose side effect must happen once (POST /notify, /notify/batch): suite.idempotency's records in
their own table (`CCJK_IDEMPOTENCY_TABLE`), kept for NOTIFY_DEDUPE_SECONDS."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from ccjk import config
from suite.idempotency import InProgress, run_once

__all__ = ["InProgress", "once"]


def once[T](action: Callable[[], T], *, payload: dict[str, Any], key_prefix: str, lambda_context: Any = None) -> T:
    """`action()` the first time `payload` is seen in the window; its stored answer for every repeat;
    InProgress while the first is still running."""
    settings = config.get()
    return run_once(action, payload=payload, table_name=settings.idempotency_table, key_prefix=key_prefix,
                    expires_after_seconds=settings.notify_dedupe_seconds, lambda_context=lambda_context)
