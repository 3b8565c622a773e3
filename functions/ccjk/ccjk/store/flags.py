"""The feature flags an admin sets: CcjkTable's `CONFIG#feature-flags` / `FLAGS` (`flags`: a JSON object), the item
the handshake reads (store/feature_flags.py, cached a minute per execution environment), written with a condition
on the revision that was read."""

from __future__ import annotations

from pynamodb.exceptions import DoesNotExist, PutError

from ccjk.models.market_entities import FeatureFlags

PK, SK = "CONFIG#feature-flags", "FLAGS"


class Stale(Exception):
    pass


def get() -> FeatureFlags | None:
    try:
        return FeatureFlags.get(PK, SK, consistent_read=True)
    except DoesNotExist:
        return None


def save(flags_json: str, *, revision: int, now_ms: int, updated_by: str | None) -> None:
    """Store the flags as revision `revision` (1 for the first); Stale when someone stored that one first."""
    entry = FeatureFlags(PK, SK, flags=flags_json, revision=revision, updated_ms=now_ms, updated_by=updated_by)
    condition = FeatureFlags.pk.does_not_exist() if revision == 1 else FeatureFlags.revision == revision - 1
    try:
        entry.save(condition=condition)
    except PutError as error:
        if getattr(error, "cause_response_code", None) == "ConditionalCheckFailedException":
            raise Stale() from None
        raise
