"""API v8 context data of a device: a session's messages, summaries and archives in one partition
(`CTX#<deviceId>#<sessionId>`), its running totals on the `META` item (suite.dynamo ADD), and crash recovery
records per device (`RECOVERY#<deviceId>`)."""

from __future__ import annotations

from collections.abc import Iterable

from pynamodb.exceptions import DeleteError, DoesNotExist, UpdateError

from ccjk.models.market_entities import (
    ContextArchive,
    ContextMessage,
    ContextSession,
    ContextSummary,
    Recovery,
)
from ccjk.store.market import WriteRefused, commit, table
from suite import dynamo

META = "META"


class Missing(Exception):
    pass


class Full(Exception):
    """The session holds its maximum of messages."""


def session_pk(device_id: str, session_id: str) -> str:
    return f"CTX#{device_id}#{session_id}"


def recovery_pk(device_id: str) -> str:
    return f"RECOVERY#{device_id}"


def _failed(error: Exception) -> bool:
    return getattr(error, "cause_response_code", None) == "ConditionalCheckFailedException"


def session(device_id: str, session_id: str) -> ContextSession | None:
    try:
        return ContextSession.get(session_pk(device_id, session_id), META, consistent_read=True)
    except DoesNotExist:
        return None


def session_totals(device_id: str, session_id: str) -> dict | None:
    return dynamo.get(table(), session_pk(device_id, session_id), META)


def add_message(message: ContextMessage, *, device_id: str, session_id: str, now_ms: int, expires_at: int,
                tokens: int, turn: int, max_messages: int) -> dict:
    """The message and the session's totals in one transaction (the session is created by its first message);
    refused when the session holds `max_messages` already. The totals after it."""
    pk = session_pk(device_id, session_id)
    transaction = dynamo.Transaction()
    transaction.update(
        table(), pk, META,
        "SET session_id = :sid, device_id = :dev, created_ms = if_not_exists(created_ms, :now), updated_ms = :now, "
        "expires_at = :ttl ADD message_count :one, token_estimate :tokens, turn_count :turn",
        condition="attribute_not_exists(message_count) OR message_count < :max",
        values={":sid": session_id, ":dev": device_id, ":now": now_ms, ":ttl": expires_at, ":one": 1,
                ":tokens": tokens, ":turn": turn, ":max": max_messages})
    transaction.actions.append({"Put": {"TableName": table(), "Item": message.serialize(),
                                        "ConditionExpression": "attribute_not_exists(pk)"}})
    try:
        commit(transaction)
    except WriteRefused as refused:
        if refused.failed(0):
            raise Full() from None
        raise
    return session_totals(device_id, session_id) or {}


def messages(device_id: str, session_id: str) -> list[ContextMessage]:
    """Every message of the session, oldest first (bounded by the session's message limit)."""
    return list(ContextMessage.query(session_pk(device_id, session_id), ContextMessage.sk.startswith("MSG#"),
                                     consistent_read=True))


def message(device_id: str, session_id: str, message_id: str) -> ContextMessage | None:
    try:
        return ContextMessage.get(session_pk(device_id, session_id), f"MSG#{message_id}", consistent_read=True)
    except DoesNotExist:
        return None


def delete_message(found: ContextMessage, *, device_id: str, session_id: str, turn: int) -> None:
    transaction = dynamo.Transaction()
    transaction.delete(table(), found.pk, found.sk, condition="attribute_exists(pk)")
    transaction.update(table(), session_pk(device_id, session_id), META,
                       "ADD message_count :minus, token_estimate :tokens, turn_count :turn",
                       condition="attribute_exists(pk)",
                       values={":minus": -1, ":tokens": -int(found.token_estimate), ":turn": -turn})
    try:
        commit(transaction)
    except WriteRefused as refused:
        if refused.failed(0) or refused.failed(1):
            raise Missing() from None
        raise


def remove_messages(found: Iterable[ContextMessage], *, device_id: str, session_id: str, tokens: int, turns: int,
                    now_ms: int) -> None:
    """Delete messages moved to an archive, and take them off the session's totals."""
    found = list(found)
    with ContextMessage.batch_write() as batch:
        for entry in found:
            batch.delete(entry)
    dynamo.update(table(), session_pk(device_id, session_id), META,
                  "SET last_compacted_ms = :now ADD message_count :minus, token_estimate :tokens, turn_count :turns",
                  values={":now": now_ms, ":minus": -len(found), ":tokens": -tokens, ":turns": -turns},
                  condition="attribute_exists(pk)", return_values="NONE")


def save_summary(entry: ContextSummary) -> None:
    entry.save()


def summaries(device_id: str, session_id: str) -> list[ContextSummary]:
    return list(ContextSummary.query(session_pk(device_id, session_id), ContextSummary.sk.startswith("SUMMARY#"),
                                     scan_index_forward=False, consistent_read=True))


def summary(device_id: str, session_id: str, summary_id: str) -> ContextSummary | None:
    try:
        return ContextSummary.get(session_pk(device_id, session_id), f"SUMMARY#{summary_id}", consistent_read=True)
    except DoesNotExist:
        return None


def save_archive(entry: ContextArchive) -> None:
    entry.save()


def archives(device_id: str, session_id: str) -> list[ContextArchive]:
    """Newest first, without the messages."""
    return list(ContextArchive.query(
        session_pk(device_id, session_id), ContextArchive.sk.startswith("ARCHIVE#"), scan_index_forward=False,
        consistent_read=True, attributes_to_get=["pk", "sk", "archive_id", "trigger", "message_count",
                                                 "token_estimate", "start_timestamp", "end_timestamp", "created_ms",
                                                 "expires_at"]))


def archive(device_id: str, session_id: str, archive_id: str) -> ContextArchive | None:
    try:
        return ContextArchive.get(session_pk(device_id, session_id), f"ARCHIVE#{archive_id}", consistent_read=True)
    except DoesNotExist:
        return None


def delete_archive(entry: ContextArchive) -> None:
    try:
        entry.delete(condition=ContextArchive.pk.exists())
    except DeleteError as error:
        if _failed(error):
            raise Missing() from None
        raise


# ------------------------------------------------------------------------------------------------ recovery

def save_recovery(entry: Recovery) -> None:
    entry.save()


def recoveries(device_id: str) -> list[Recovery]:
    """Every recovery record of the device, newest first."""
    return list(Recovery.query(recovery_pk(device_id), scan_index_forward=False, consistent_read=True))


def recovery(device_id: str, recovery_id: str) -> Recovery | None:
    try:
        return Recovery.get(recovery_pk(device_id), recovery_id, consistent_read=True)
    except DoesNotExist:
        return None


def mark_recovered(entry: Recovery) -> None:
    try:
        entry.update(actions=[Recovery.recovered.set(True)], condition=Recovery.pk.exists())
    except UpdateError as error:
        if _failed(error):
            raise Missing() from None
        raise


def delete_recoveries(found: Iterable[Recovery]) -> int:
    found = list(found)
    with Recovery.batch_write() as batch:
        for entry in found:
            batch.delete(entry)
    return len(found)
