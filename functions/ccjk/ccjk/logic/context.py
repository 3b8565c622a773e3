"""API v8 context management for a device (the client's `ContextClient`): session messages, token estimates,
compaction into archives with an extractive summary, auto-save, and crash recovery.

A session belongs to the device that wrote its first message: its id is looked up under that device only, so
another device's session id is "Session not found". Messages are kept MESSAGE_DAYS days, a session holds at most
MAX_MESSAGES (CONTEXT_OVERFLOW: compact it), a message at most MAX_MESSAGE_BYTES of JSON. Token counts are
estimates (about four characters a token, an image 1,600), not a tokenizer's. Summaries are extractive: no model
is called.
"""

from __future__ import annotations

import json
import math
import re
from collections import Counter
from typing import Any

from ccjk import clock, ids
from ccjk.logic import catalog
from ccjk.models.market_entities import ContextArchive, ContextMessage, ContextSummary, Recovery
from ccjk.store import context as context_data
from ccjk.store.context import session_pk
from suite.errors import ApiError, BadRequest, NotFound, PayloadTooLarge

MESSAGE_DAYS = 90
RECOVERY_DAYS = 30
MAX_MESSAGES = 2000
MAX_MESSAGE_BYTES = 100 * 1024
MAX_ARCHIVE_BYTES = 300 * 1024
MAX_RECOVERY_BYTES = 300 * 1024
MAX_TOKENS = 200_000
WARNING, CRITICAL = 0.8, 0.95
IMAGE_TOKENS = 1600
ROLES = ("user", "assistant", "system")
TYPES = ("user", "assistant", "system", "tool_use", "tool_result")
SESSION_ID_RE = re.compile(r"[A-Za-z0-9._:-]{1,128}")
STOP_WORDS = frozenset([
    "this", "that", "with", "from", "have", "what", "when", "where", "which", "there", "their", "would", "could",
    "should", "about", "into", "then", "than", "them", "they", "were", "been", "will", "your", "just", "like",
    "make", "made", "also", "only", "some", "more", "most", "other", "these", "those", "after", "before", "while",
    "because", "please", "thanks",
])


def _ms() -> int:
    return int(clock.now() * 1000)


def _not_found(what: str) -> NotFound:
    code = {"Session": "SESSION_NOT_FOUND", "Message": "MESSAGE_NOT_FOUND", "Archive": "ARCHIVE_NOT_FOUND",
            "Summary": "SUMMARY_NOT_FOUND", "Recovery record": "NOT_FOUND"}[what]
    return NotFound(f"{what} not found", code=code)


def _session_id(session_id: str) -> str:
    if not SESSION_ID_RE.fullmatch(session_id):
        raise _not_found("Session")
    return session_id


def _require_session(device_id: str, session_id: str) -> dict[str, Any]:
    totals = context_data.session_totals(device_id, _session_id(session_id))
    if totals is None:
        raise _not_found("Session")
    return totals


# ------------------------------------------------------------------------------------------------ tokens

def estimate(content: Any) -> dict[str, int]:
    """{text, code, images, toolUse} token estimates of a message's content (a string or content blocks)."""
    breakdown = {"text": 0, "code": 0, "images": 0, "toolUse": 0}

    def text_tokens(text: str) -> None:
        code = sum(len(block) for block in re.findall(r"```.*?```", text, flags=re.DOTALL))
        breakdown["code"] += math.ceil(code / 3.5)
        breakdown["text"] += math.ceil((len(text) - code) / 4)

    if isinstance(content, str):
        text_tokens(content)
    elif isinstance(content, list):
        for block in content:
            if not isinstance(block, dict):
                text_tokens(json.dumps(block, ensure_ascii=False))
                continue
            kind = block.get("type")
            if kind == "text":
                text_tokens(str(block.get("text", "")))
            elif kind == "image":
                breakdown["images"] += IMAGE_TOKENS
            elif kind in ("tool_use", "tool_result"):
                breakdown["toolUse"] += math.ceil(len(json.dumps(block, ensure_ascii=False)) / 4)
            else:
                text_tokens(json.dumps(block, ensure_ascii=False))
    elif content is not None:
        text_tokens(json.dumps(content, ensure_ascii=False))
    return breakdown


def estimate_request(content: Any, include_system_prompt: bool) -> dict[str, Any]:
    breakdown = estimate(content)
    total = sum(breakdown.values()) + (3000 if include_system_prompt else 0)
    return {"estimatedTokens": total, "breakdown": breakdown}


def stats(totals: dict[str, Any]) -> dict[str, Any]:
    tokens = max(0, int(totals.get("token_estimate", 0)))
    compacted = totals.get("last_compacted_ms")
    return {"estimatedTokens": tokens, "maxTokens": MAX_TOKENS, "usagePercentage": round(100 * tokens / MAX_TOKENS, 2),
            "turnCount": max(0, int(totals.get("turn_count", 0))),
            "messageCount": max(0, int(totals.get("message_count", 0))),
            "lastCompactedAt": catalog.iso(compacted) if compacted else None,
            "warningThreshold": WARNING, "criticalThreshold": CRITICAL}


def session_stats(device_id: str, session_id: str) -> dict[str, Any]:
    return stats(_require_session(device_id, session_id))


# ------------------------------------------------------------------------------------------------ messages

def message_view(entry: ContextMessage, session_id: str) -> dict[str, Any]:
    return {"uuid": entry.uuid, "id": entry.uuid, "sessionId": session_id, "type": entry.type, "role": entry.role,
            "content": json.loads(entry.content), "timestamp": entry.timestamp,
            "toolUseResult": json.loads(entry.tool_use_result) if entry.tool_use_result else None,
            "importanceScore": float(entry.importance) if entry.importance is not None else None,
            "tokenEstimate": int(entry.token_estimate),
            "metadata": json.loads(entry.metadata) if entry.metadata else None}


def add_message(device_id: str, session_id: str, request: Any) -> dict[str, Any]:
    session_id = _session_id(session_id)
    content = json.dumps(request.content, ensure_ascii=False)
    extra = json.dumps(request.metadata, ensure_ascii=False) if request.metadata is not None else None
    result = json.dumps(request.toolUseResult, ensure_ascii=False) if request.toolUseResult is not None else None
    if sum(len((part or "").encode()) for part in (content, extra, result)) > MAX_MESSAGE_BYTES:
        raise PayloadTooLarge(f"a message is at most {MAX_MESSAGE_BYTES // 1024} KB", code="PAYLOAD_TOO_LARGE")
    tokens = sum(estimate(request.content).values())
    now_ms = _ms()
    message_id = ids.sortable("msg_")
    expires_at = now_ms // 1000 + MESSAGE_DAYS * 86400
    importance = request.metadata.get("importance") if isinstance(request.metadata, dict) else None
    entry = ContextMessage(session_pk(device_id, session_id), f"MSG#{message_id}", uuid=message_id,
                           type=request.type, role=request.role, content=content, timestamp=clock.iso(now_ms / 1000),
                           token_estimate=tokens, tool_use_result=result, metadata=extra, expires_at=expires_at,
                           importance=float(importance) if isinstance(importance, int | float) else None)
    try:
        totals = context_data.add_message(entry, device_id=device_id, session_id=session_id, now_ms=now_ms,
                                          expires_at=expires_at, tokens=tokens, turn=int(request.role == "user"),
                                          max_messages=MAX_MESSAGES)
    except context_data.Full:
        raise ApiError(f"The session holds {MAX_MESSAGES} messages: compact it first", status=409,
                       code="CONTEXT_OVERFLOW") from None
    return {"message": message_view(entry, session_id), "contextStats": stats(totals)}


def _after(value: str | None, name: str) -> str | None:
    if value is None:
        return None
    try:
        return clock.iso(clock.parse_iso(value))
    except (TypeError, ValueError, OverflowError, OSError):
        raise BadRequest(f"{name} must be an ISO-8601 timestamp", code="VALIDATION_ERROR",
                         details={"field": name}) from None


def list_messages(device_id: str, session_id: str, *, limit: int, offset: int, role: str | None,
                  message_type: str | None, since: str | None, before: str | None,
                  min_importance: float | None) -> dict[str, Any]:
    _require_session(device_id, session_id)
    since_iso, before_iso = _after(since, "since"), _after(before, "before")
    kept = []
    for entry in context_data.messages(device_id, session_id):
        if role and entry.role != role:
            continue
        if message_type and entry.type != message_type:
            continue
        if since_iso and entry.timestamp <= since_iso:
            continue
        if before_iso and entry.timestamp >= before_iso:
            continue
        if min_importance is not None and (entry.importance is None or float(entry.importance) < min_importance):
            continue
        kept.append(entry)
    page = kept[offset:offset + limit]
    return {"messages": [message_view(e, session_id) for e in page], "totalCount": len(kept),
            "hasMore": offset + limit < len(kept)}


def delete_message(device_id: str, session_id: str, message_id: str) -> None:
    _require_session(device_id, session_id)
    found = context_data.message(device_id, session_id, message_id) if message_id.startswith("msg_") else None
    if found is None:
        raise _not_found("Message")
    try:
        context_data.delete_message(found, device_id=device_id, session_id=session_id, turn=int(found.role == "user"))
    except context_data.Missing:
        raise _not_found("Message") from None


# ------------------------------------------------------------------------------------------------ summaries

def _topics(entries: list[ContextMessage], limit: int = 5) -> list[str]:
    counts: Counter[str] = Counter()
    for entry in entries:
        text = entry.content if len(entry.content) < 20_000 else entry.content[:20_000]
        for word in re.findall(r"[A-Za-z][A-Za-z0-9_-]{3,}", text):
            lowered = word.lower()
            if lowered not in STOP_WORDS:
                counts[lowered] += 1
    return [word for word, _n in counts.most_common(limit)]


def _plain(entry: ContextMessage) -> str:
    content = json.loads(entry.content)
    if isinstance(content, list):
        content = " ".join(str(b.get("text", "")) for b in content if isinstance(b, dict) and b.get("type") == "text")
    return " ".join(str(content).split())


def summarise(device_id: str, session_id: str, entries: list[ContextMessage], now_ms: int) -> ContextSummary:
    asked = [_plain(e)[:160] for e in entries if e.role == "user"][:3]
    decisions = [line.strip()[:200] for e in entries for line in _plain(e).split(". ")
                 if re.match(r"(?i)^(decided|decision|we will|let's|决定)", line.strip())][:10]
    span = f"{entries[0].timestamp} – {entries[-1].timestamp}" if entries else ""
    text = f"{len(entries)} messages ({span})."
    if asked:
        text += " Asked: " + " | ".join(asked)
    summary_id = ids.sortable("sum_")
    entry = ContextSummary(session_pk(device_id, session_id), f"SUMMARY#{summary_id}", summary_id=summary_id,
                           summary=text, message_count=len(entries),
                           token_estimate=sum(int(e.token_estimate) for e in entries), topics=_topics(entries),
                           key_decisions=decisions, created_ms=now_ms,
                           expires_at=now_ms // 1000 + MESSAGE_DAYS * 86400)
    context_data.save_summary(entry)
    return entry


def summary_view(entry: ContextSummary) -> dict[str, Any]:
    return {"id": entry.summary_id, "createdAt": catalog.iso(entry.created_ms),
            "updatedAt": catalog.iso(entry.created_ms), "messageCount": int(entry.message_count),
            "tokenEstimate": int(entry.token_estimate), "keyDecisions": list(entry.key_decisions or []),
            "codeChanges": [], "topics": list(entry.topics or []), "summary": entry.summary}


def latest_summary(device_id: str, session_id: str) -> dict[str, Any]:
    _require_session(device_id, session_id)
    found = context_data.summaries(device_id, session_id)
    if not found:
        raise _not_found("Summary")
    return {"summary": summary_view(found[0])}


def list_summaries(device_id: str, session_id: str) -> dict[str, Any]:
    _require_session(device_id, session_id)
    found = context_data.summaries(device_id, session_id)
    return {"summaries": [summary_view(e) for e in found], "totalCount": len(found)}


def get_summary(device_id: str, session_id: str, summary_id: str) -> dict[str, Any]:
    _require_session(device_id, session_id)
    found = context_data.summary(device_id, session_id, summary_id) if summary_id.startswith("sum_") else None
    if found is None:
        raise _not_found("Summary")
    return {"summary": summary_view(found)}


# ------------------------------------------------------------------------------------------------ archives

def _archive(device_id: str, session_id: str, entries: list[ContextMessage], trigger: str, now_ms: int
             ) -> list[ContextArchive]:
    """The messages as archives of at most MAX_ARCHIVE_BYTES each (oldest first)."""
    archives: list[ContextArchive] = []
    chunk: list[dict[str, Any]] = []
    chunk_entries: list[ContextMessage] = []
    size = 0

    def flush() -> None:
        if not chunk:
            return
        archive_id = ids.sortable("arc_")
        entry = ContextArchive(session_pk(device_id, session_id), f"ARCHIVE#{archive_id}", archive_id=archive_id,
                               trigger=trigger, messages=json.dumps(chunk, ensure_ascii=False),
                               message_count=len(chunk),
                               token_estimate=sum(int(e.token_estimate) for e in chunk_entries),
                               start_timestamp=chunk_entries[0].timestamp, end_timestamp=chunk_entries[-1].timestamp,
                               created_ms=now_ms, expires_at=now_ms // 1000 + MESSAGE_DAYS * 86400)
        context_data.save_archive(entry)
        archives.append(entry)
        chunk.clear()
        chunk_entries.clear()

    for entry in entries:
        view = message_view(entry, session_id)
        view_size = len(json.dumps(view, ensure_ascii=False).encode())
        if chunk and size + view_size > MAX_ARCHIVE_BYTES:
            flush()
            size = 0
        chunk.append(view)
        chunk_entries.append(entry)
        size += view_size
    flush()
    return archives


def archive_view(entry: ContextArchive, session_id: str) -> dict[str, Any]:
    return {"id": entry.archive_id, "sessionId": session_id, "messageCount": int(entry.message_count),
            "tokenEstimate": int(entry.token_estimate), "createdAt": catalog.iso(entry.created_ms),
            "startTimestamp": entry.start_timestamp, "endTimestamp": entry.end_timestamp, "trigger": entry.trigger}


def compact(device_id: str, session_id: str, *, keep_last_n: int, generate_summary: bool) -> dict[str, Any]:
    totals = _require_session(device_id, session_id)
    entries = context_data.messages(device_id, session_id)
    tokens_before = max(0, int(totals.get("token_estimate", 0)))
    moved = entries[:max(0, len(entries) - keep_last_n)]
    now_ms = _ms()
    archives = _archive(device_id, session_id, moved, "context_compact", now_ms) if moved else []
    summary = summarise(device_id, session_id, moved, now_ms) if moved and generate_summary else None
    saved = sum(int(e.token_estimate) for e in moved)
    if moved:
        context_data.remove_messages(moved, device_id=device_id, session_id=session_id, tokens=saved,
                                     turns=sum(1 for e in moved if e.role == "user"), now_ms=now_ms)
    after = max(0, tokens_before - saved)
    return {"originalMessageCount": len(entries), "compactedMessageCount": len(entries) - len(moved),
            "archivedMessageCount": len(moved), "tokensBefore": tokens_before, "tokensAfter": after,
            "tokensSaved": saved, "savingsPercentage": round(100 * saved / tokens_before, 2) if tokens_before else 0,
            "summary": summary_view(summary) if summary else None,
            "archiveId": archives[-1].archive_id if archives else None}


def auto_save(device_id: str, session_id: str, trigger: str) -> dict[str, Any]:
    _require_session(device_id, session_id)
    entries = context_data.messages(device_id, session_id)
    now_ms = _ms()
    archives = _archive(device_id, session_id, entries, trigger, now_ms)
    return {"savedAt": clock.iso(now_ms / 1000), "messageCount": len(entries),
            "archiveId": archives[-1].archive_id if archives else None}


def list_archives(device_id: str, session_id: str) -> dict[str, Any]:
    _require_session(device_id, session_id)
    found = context_data.archives(device_id, session_id)
    return {"archives": [archive_view(e, session_id) for e in found], "totalCount": len(found)}


def _own_archive(device_id: str, session_id: str, archive_id: str) -> ContextArchive:
    _require_session(device_id, session_id)
    found = context_data.archive(device_id, session_id, archive_id) if archive_id.startswith("arc_") else None
    if found is None:
        raise _not_found("Archive")
    return found


def get_archive(device_id: str, session_id: str, archive_id: str) -> dict[str, Any]:
    found = _own_archive(device_id, session_id, archive_id)
    return {"archive": archive_view(found, session_id), "messages": json.loads(found.messages)}


def delete_archive(device_id: str, session_id: str, archive_id: str) -> None:
    try:
        context_data.delete_archive(_own_archive(device_id, session_id, archive_id))
    except context_data.Missing:
        raise _not_found("Archive") from None


# ------------------------------------------------------------------------------------------------ recovery

def recovery_view(entry: Recovery) -> dict[str, Any]:
    return {"id": entry.recovery_id, "sessionId": entry.session_id,
            "pendingMessages": json.loads(entry.pending_messages),
            "contextSnapshot": json.loads(entry.context_snapshot) if entry.context_snapshot else None,
            "recovered": bool(entry.recovered), "createdAt": catalog.iso(entry.created_ms)}


def save_recovery(device_id: str, session_id: str, pending: list[Any], snapshot: Any) -> dict[str, Any]:
    pending_text = json.dumps(pending, ensure_ascii=False)
    snapshot_text = json.dumps(snapshot, ensure_ascii=False) if snapshot is not None else None
    if len(pending_text.encode()) + len((snapshot_text or "").encode()) > MAX_RECOVERY_BYTES:
        raise PayloadTooLarge(f"recovery data is at most {MAX_RECOVERY_BYTES // 1024} KB", code="PAYLOAD_TOO_LARGE")
    now_ms = _ms()
    recovery_id = ids.sortable("rec_")
    context_data.save_recovery(Recovery(context_data.recovery_pk(device_id), recovery_id, recovery_id=recovery_id,
                                        session_id=session_id, pending_messages=pending_text,
                                        context_snapshot=snapshot_text, created_ms=now_ms,
                                        expires_at=now_ms // 1000 + RECOVERY_DAYS * 86400))
    return {"id": recovery_id}


def unrecovered(device_id: str) -> dict[str, Any]:
    now = clock.now()
    return {"items": [recovery_view(e) for e in context_data.recoveries(device_id)
                      if not e.recovered and int(e.expires_at) > now]}


def recover(device_id: str, recovery_id: str) -> None:
    found = context_data.recovery(device_id, recovery_id) if recovery_id.startswith("rec_") else None
    if found is None:
        raise _not_found("Recovery record")
    try:
        context_data.mark_recovered(found)
    except context_data.Missing:
        raise _not_found("Recovery record") from None


def cleanup(device_id: str, days: int) -> dict[str, Any]:
    cutoff = _ms() - days * 86_400_000
    old = [e for e in context_data.recoveries(device_id) if int(e.created_ms) < cutoff]
    return {"deletedCount": context_data.delete_recoveries(old)}
