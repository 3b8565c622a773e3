"""API v1's own state in MarketTable: uploaded sessions (transfers), attributions, synced sets and telemetry."""

from __future__ import annotations

from pynamodb.exceptions import DeleteError, DoesNotExist

from ccjk.models.market_entities import Attribution, SyncSet, Transfer
from ccjk.store.market import table, user_pk
from suite import dynamo


def transfer_sk(transfer_id: str) -> str:
    return f"TRANSFER#{transfer_id}"


def save_transfer(entry: Transfer) -> None:
    entry.save()


def transfer(user_id: str, transfer_id: str) -> Transfer | None:
    try:
        return Transfer.get(user_pk(user_id), transfer_sk(transfer_id), consistent_read=True)
    except DoesNotExist:
        return None


def transfers(user_id: str, *, offset: int, limit: int) -> list[Transfer]:
    """Newest first; the big `data` attribute is not read."""
    found = Transfer.query(user_pk(user_id), Transfer.sk.startswith("TRANSFER#"), scan_index_forward=False,
                           limit=offset + limit, attributes_to_get=["pk", "sk", "transfer_id", "session_id", "name",
                                                                    "source", "size", "created_ms", "expires_at"])
    return list(found)[offset:offset + limit]


def count_transfers(user_id: str) -> int:
    return Transfer.count(user_pk(user_id), Transfer.sk.startswith("TRANSFER#"))


def delete_transfer(entry: Transfer) -> bool:
    try:
        entry.delete(condition=Transfer.pk.exists())
    except DeleteError as error:
        if getattr(error, "cause_response_code", None) == "ConditionalCheckFailedException":
            return False
        raise
    return True


def save_attribution(entry: Attribution) -> None:
    entry.save(condition=Attribution.pk.does_not_exist())


def attribution(attribution_id: str) -> Attribution | None:
    try:
        return Attribution.get(f"ATTR#{attribution_id}", "ATTR", consistent_read=True)
    except DoesNotExist:
        return None


def sync_set(owner: str, kind: str) -> SyncSet | None:
    try:
        return SyncSet.get(f"SYNCSET#{owner}", kind, consistent_read=True)
    except DoesNotExist:
        return None


def save_sync_set(owner: str, kind: str, items_json: str, *, now_ms: int, expires_at: int) -> None:
    SyncSet(f"SYNCSET#{owner}", kind, items=items_json, updated_ms=now_ms, expires_at=expires_at).save()


def save_telemetry(day: str, shard: int, record_id: str, values: dict[str, object]) -> None:
    dynamo.put(table(), {"pk": f"TELEMETRY#{day}#{shard}", "sk": record_id, **values})
