"""API v1's smaller services: session transfers (teleport uploads), attributions, the hooks/agents/CLAUDE.md sync
sets, the caller's usage, and telemetry.

- Transfers: a user's uploaded session, kept TRANSFER_DAYS days; its checksum is the SHA-256 of the canonical JSON
  of `data` (what the client sent as `checksum` is kept beside it, not trusted). At most MAX_TRANSFER_BYTES.
- Sync sets: what an owner synced of one kind, by item id, merged (the newest copy of an id wins; `overwrite`
  replaces the set). The owner is the signed-in user, else the client's anonymous `X-Device-ID`; without either
  nothing is stored and the answer says so.
- Telemetry: stored with a 30-day TTL when it can be, and answered 202 in every case — a report never blocks or
  fails the client (a storage failure is logged and dropped).
"""

from __future__ import annotations

import hashlib
import json
import re
import secrets
import uuid
from collections.abc import Sequence
from typing import Any

from ccjk import clock, ids
from ccjk.logic import catalog, installs
from ccjk.models.market import NewAttribution, SessionUpload, SyncItems
from ccjk.models.market_entities import Attribution, Transfer
from ccjk.store import v1_state
from ccjk.store.market import user_pk
from suite import observability
from suite.errors import BadRequest, NotFound, PayloadTooLarge

TRANSFER_DAYS = 7
MAX_TRANSFER_BYTES = 300 * 1024
ATTRIBUTION_DAYS = 90
SYNC_DAYS = 180
MAX_SYNC_BYTES = 300 * 1024
MAX_SYNC_ITEMS = 200
TELEMETRY_DAYS = 30
MAX_TELEMETRY_BYTES = 16 * 1024
SYNC_KINDS = {"hooks": "hooks", "agents": "agents", "claude-md": "claude-md"}
DEVICE_ID_RE = re.compile(r"[A-Za-z0-9._:-]{8,128}")


def canonical(value: Any) -> str:
    return json.dumps(value, ensure_ascii=False, sort_keys=True, separators=(",", ":"))


def _ms() -> int:
    return int(clock.now() * 1000)


# ------------------------------------------------------------------------------------------------ transfers

def _transfer_url(transfer_id: str) -> str:
    return f"claude://teleport/{transfer_id}"


def upload(user_id: str, request: SessionUpload) -> dict[str, Any]:
    text = canonical(request.data)
    size = len(text.encode())
    if size > MAX_TRANSFER_BYTES:
        raise PayloadTooLarge(f"data: at most {MAX_TRANSFER_BYTES // 1024} KB", code="PAYLOAD_TOO_LARGE")
    now_ms = _ms()
    transfer_id = ids.sortable("tr_")
    digest = hashlib.sha256(text.encode()).hexdigest()
    expires_at = now_ms // 1000 + TRANSFER_DAYS * 86400
    v1_state.save_transfer(Transfer(user_pk(user_id), v1_state.transfer_sk(transfer_id), transfer_id=transfer_id,
                                    session_id=request.sessionId, name=request.name, source=request.source, data=text,
                                    checksum=digest, client_checksum=request.checksum, size=size, created_ms=now_ms,
                                    expires_at=expires_at))
    return {"transferId": transfer_id, "sessionId": request.sessionId, "url": _transfer_url(transfer_id),
            "expiresAt": clock.iso(expires_at), "checksum": digest}


def _own_transfer(user_id: str, transfer_id: str) -> Transfer:
    found = v1_state.transfer(user_id, transfer_id) if transfer_id.startswith("tr_") else None
    if found is None or int(found.expires_at) <= clock.now():
        raise NotFound("Session not found", code="SESSION_NOT_FOUND")
    return found


def transfer_data(user_id: str, transfer_id: str) -> dict[str, Any]:
    found = _own_transfer(user_id, transfer_id)
    return {**json.loads(found.data), "transferId": found.transfer_id, "sessionId": found.session_id,
            "checksum": found.checksum}


def transfer_status(user_id: str, transfer_id: str) -> dict[str, Any]:
    found = _own_transfer(user_id, transfer_id)
    return {"transferId": found.transfer_id, "status": "ready", "expiresAt": clock.iso(int(found.expires_at))}


def delete_transfer(user_id: str, transfer_id: str) -> dict[str, Any]:
    found = _own_transfer(user_id, transfer_id)
    if not v1_state.delete_transfer(found):
        raise NotFound("Session not found", code="SESSION_NOT_FOUND")
    return {"deleted": True, "id": transfer_id}


def list_transfers(user_id: str, offset: int, limit: int) -> dict[str, Any]:
    now = clock.now()
    found = [t for t in v1_state.transfers(user_id, offset=offset, limit=limit) if int(t.expires_at) > now]
    return {"sessions": [{"transferId": t.transfer_id, "sessionId": t.session_id, "name": t.name, "source": t.source,
                          "size": int(t.size), "createdAt": catalog.iso(t.created_ms),
                          "expiresAt": clock.iso(int(t.expires_at)), "url": _transfer_url(t.transfer_id)}
                         for t in found],
            "total": v1_state.count_transfers(user_id)}


# ------------------------------------------------------------------------------------------------ attributions

def attribute(request: NewAttribution, *, user_id: str | None) -> dict[str, Any]:
    metadata = canonical(request.metadata or {})
    if len(metadata.encode()) > 8 * 1024:
        raise BadRequest("metadata: at most 8 KB of JSON", code="VALIDATION_ERROR", details={"field": "metadata"})
    now_ms = _ms()
    attribution_id = ids.sortable("attr_")
    url = request.url or _transfer_url(request.sessionId)
    v1_state.save_attribution(Attribution(
        f"ATTR#{attribution_id}", "ATTR", attribution_id=attribution_id, session_id=request.sessionId,
        source=request.source, user_id=user_id or request.userId, device_id=request.deviceId,
        timestamp=request.timestamp or clock.iso(now_ms / 1000), url=url, metadata=metadata, created_ms=now_ms,
        expires_at=now_ms // 1000 + ATTRIBUTION_DAYS * 86400))
    return {"attributionId": attribution_id, "url": url}


def attribution(attribution_id: str) -> dict[str, Any]:
    found = v1_state.attribution(attribution_id) if attribution_id.startswith("attr_") else None
    if found is None or int(found.expires_at) <= clock.now():
        raise NotFound("Attribution not found", code="NOT_FOUND")
    return {"attributionId": found.attribution_id, "sessionId": found.session_id, "source": found.source,
            "userId": found.user_id, "deviceId": found.device_id, "timestamp": found.timestamp, "url": found.url,
            "metadata": json.loads(found.metadata or "{}")}


# ------------------------------------------------------------------------------------------------ sync sets

def owner_of(user_id: str | None, device_header: str | None) -> str | None:
    if user_id:
        return f"user:{user_id}"
    if device_header and DEVICE_ID_RE.fullmatch(device_header):
        return f"device:{device_header}"
    return None


def _item_id(item: dict[str, Any]) -> str | None:
    for key in ("id", "name", "slug"):
        value = item.get(key)
        if isinstance(value, str | int) and str(value).strip():
            return str(value).strip()[:200]
    return None


def sync(kind: str, request: SyncItems, *, owner: str | None) -> dict[str, Any]:
    """Merge the client's items into the owner's set; answer what the set has that the client did not send."""
    sent = request.items or []
    options = request.options or {}
    direction = str(options.get("direction", "bidirectional"))
    errors: list[str] = []
    incoming: dict[str, Any] = {}
    for position, item in enumerate(sent):
        item_id = _item_id(item)
        if item_id is None:
            errors.append(f"items[{position}]: no id or name")
            continue
        incoming[item_id] = item
    if owner is None:
        return {"success": True, "uploaded": 0, "downloaded": 0, "skipped": len(incoming), "failed": len(errors),
                "errors": errors, "timestamp": clock.iso(), "items": [], "stored": False}
    stored_set = v1_state.sync_set(owner, SYNC_KINDS[kind])
    current: dict[str, Any] = json.loads(stored_set.items) if stored_set else {}
    uploaded = skipped = 0
    if direction in ("upload", "bidirectional"):
        if options.get("overwrite") is True:
            current = {}
        for item_id, item in incoming.items():
            if canonical(current.get(item_id)) == canonical(item):
                skipped += 1
            else:
                current[item_id] = item
                uploaded += 1
        if len(current) > MAX_SYNC_ITEMS:
            raise BadRequest(f"at most {MAX_SYNC_ITEMS} items per kind", code="VALIDATION_ERROR",
                             details={"field": "items"})
        text = canonical(current)
        if len(text.encode()) > MAX_SYNC_BYTES:
            raise PayloadTooLarge(f"at most {MAX_SYNC_BYTES // 1024} KB per kind", code="PAYLOAD_TOO_LARGE")
        now_ms = _ms()
        if uploaded or stored_set is None:
            v1_state.save_sync_set(owner, SYNC_KINDS[kind], text, now_ms=now_ms,
                                   expires_at=now_ms // 1000 + SYNC_DAYS * 86400)
    else:
        skipped = len(incoming)
    download = [item for item_id, item in sorted(current.items()) if item_id not in incoming] \
        if direction in ("download", "bidirectional") else []
    return {"success": True, "uploaded": uploaded, "downloaded": len(download), "skipped": skipped,
            "failed": len(errors), "errors": errors, "timestamp": clock.iso(), "items": download, "stored": True}


# ------------------------------------------------------------------------------------------------ usage

def usage(user_id: str | None, kinds: Sequence[str] = (catalog.SKILL, catalog.MCP, catalog.AGENT, catalog.HOOK)
          ) -> dict[str, Any]:
    tier = installs.tier_of(user_id) if user_id else "free"
    found = {}
    for kind in kinds:
        quota = installs.quota(user_id, kind, tier=tier) if user_id else {
            "used": 0, "limit": installs.limit_of(tier) or -1, "remaining": installs.limit_of(tier) or -1}
        found[kind] = {"used": quota["used"], "limit": quota["limit"], "remaining": quota["remaining"]}
    return {"tier": tier, "anonymous": user_id is None, "installs": found, "period": clock.iso()[:7]}


# ------------------------------------------------------------------------------------------------ telemetry

def report(kind: str, raw: bytes, *, device_header: str | None) -> dict[str, Any]:
    """Keep a telemetry report (when it can be kept); always accepted."""
    request_id = f"req_{uuid.uuid4().hex[:20]}"
    try:
        payload: Any = json.loads(raw.decode("utf-8")) if raw else {}
        text = canonical(payload)
        if len(text.encode()) > MAX_TELEMETRY_BYTES:
            text = canonical({"truncated": True, "size": len(text.encode())})
        now = clock.now()
        v1_state.save_telemetry(clock.iso(now)[:10], secrets.randbelow(10), ids.sortable("tel_"), {
            "kind": kind, "payload": text, "device": device_header if device_header and
            DEVICE_ID_RE.fullmatch(device_header) else None, "received_ms": int(now * 1000),
            "expires_at": int(now) + TELEMETRY_DAYS * 86400})
    except Exception:
        observability.logger().warning("telemetry report dropped", extra={"kind": kind})
    return {"requestId": request_id, "accepted": True}
