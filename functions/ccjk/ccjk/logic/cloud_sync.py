"""Cloud sync of a user's configuration: skills, mcpServers, prompts, hooks.

Each entry is an item of its own (`<type>/<itemId>`) with a version and a content hash:

- list types (skills, prompts, hooks): the entry's `id`, else its `name`, else a string entry itself, else the
  hash of its content (such entries can only be added, never updated in place);
- mcpServers: the server name (the object's key).

A push applies an entry when the client's base version (`baseVersions["<type>/<itemId>"]`, from pull's
`versions`) equals the stored version, or the entry is new, or `force` is set; an identical entry is a no-op.
Otherwise it opens a conflict for that item (the stored copy stays) which status reports and resolve-conflict
clears. Every write is conditional on the version it was based on, so a push racing another either wins or
becomes a conflict: no update is silently lost.
"""

from __future__ import annotations

import hashlib
import json
from dataclasses import dataclass
from typing import Any

from ccjk import clock, ids
from ccjk.models.cloud_sync import PullRequest, PushRequest, ResolveConflict
from ccjk.models.entities import SyncConflict, SyncItem
from ccjk.store.common import WriteConflict
from ccjk.store.sync import SyncStore
from suite.errors import BadRequest, Conflict, NotFound

TYPES = ("skills", "mcpServers", "prompts", "hooks")
MAX_ITEMS_PER_PUSH = 500
MAX_ITEMS_PER_USER = 2000
MAX_ITEM_BYTES = 64 * 1024
MAX_ID_LENGTH = 200
WRITE_ATTEMPTS = 5
DEFAULT_CLIENT = "default"


@dataclass(frozen=True)
class Entry:
    item_type: str
    item_id: str
    content: Any
    content_hash: str

    @property
    def key(self) -> str:
        return f"{self.item_type}/{self.item_id}"


def canonical_json(content: Any) -> str:
    return json.dumps(content, ensure_ascii=False, sort_keys=True, separators=(",", ":"))


def content_hash(content: Any) -> str:
    return hashlib.sha256(canonical_json(content).encode()).hexdigest()


def _entry_id(item_type: str, element: Any, digest: str) -> str:
    if isinstance(element, dict):
        for field in ("id", "name"):
            value = element.get(field)
            if isinstance(value, str) and value.strip():
                return value.strip()
    if isinstance(element, str) and element.strip():
        return element.strip()
    return f"sha256-{digest[:32]}"


def entries(request: PushRequest) -> list[Entry]:
    """The push's items, validated (size, ids, duplicates) before anything is written."""
    found: list[Entry] = []
    data = request.data
    for item_type in TYPES:
        value = getattr(data, item_type)
        if value is None:
            continue
        pairs = value.items() if isinstance(value, dict) else ((None, element) for element in value)
        for name, element in pairs:
            text = canonical_json(element)
            if len(text.encode()) > MAX_ITEM_BYTES:
                raise BadRequest(f"data.{item_type}: an entry is larger than {MAX_ITEM_BYTES} bytes",
                                 code="VALIDATION_ERROR")
            digest = hashlib.sha256(text.encode()).hexdigest()
            item_id = name if name is not None else _entry_id(item_type, element, digest)
            if not item_id or len(item_id) > MAX_ID_LENGTH:
                raise BadRequest(f"data.{item_type}: ids must be 1-{MAX_ID_LENGTH} characters",
                                 code="VALIDATION_ERROR")
            found.append(Entry(item_type, item_id, element, digest))
    if len(found) > MAX_ITEMS_PER_PUSH:
        raise BadRequest(f"at most {MAX_ITEMS_PER_PUSH} items per push", code="VALIDATION_ERROR")
    keys = [e.key for e in found]
    duplicates = sorted({k for k in keys if keys.count(k) > 1})
    if duplicates:
        raise BadRequest(f"duplicate items in data: {', '.join(duplicates[:5])}", code="VALIDATION_ERROR")
    return found


# ------------------------------------------------------------------------------------------------ push

def _new_item(entry: Entry, version: int) -> SyncItem:
    now = clock.now()
    return SyncItem(entry.item_type, entry.item_id, entry.content, entry.content_hash, version, clock.iso(now),
                    int(now * 1000))


def _conflict_view(conflict: SyncConflict, base: int | None = None) -> dict[str, Any]:
    view = {"conflictId": conflict.conflict_id, "type": conflict.item_type, "itemId": conflict.item_id,
            "localHash": conflict.local_hash, "remoteHash": conflict.remote_hash,
            "remoteVersion": conflict.remote_version, "detectedAt": conflict.detected_at}
    if base is not None:
        view["baseVersion"] = base
    return view


def push_entry(store: SyncStore, user_id: str, entry: Entry, base: int | None, *, force: bool,
               current: SyncItem | None) -> tuple[str, SyncItem | SyncConflict]:
    """Apply one entry: ('applied', item), ('unchanged', item) or ('conflict', conflict)."""
    for _attempt in range(WRITE_ATTEMPTS):
        if current is not None and current.content_hash == entry.content_hash:
            return "unchanged", current
        if current is None or force or base == current.version:
            item = _new_item(entry, 1 if current is None else current.version + 1)
            try:
                store.write_item(user_id, item, based_on=None if current is None else current.version)
            except WriteConflict:
                # Someone wrote the item since we read it: decide again on what is there now (with a base
                # version, that is a conflict unless the winner wrote the very same content).
                current = store.get_item(user_id, entry.item_type, entry.item_id)
                continue
            return "applied", item
        conflict = SyncConflict(conflict_id=ids.conflict_id(), item_type=entry.item_type, item_id=entry.item_id,
                                local_content=entry.content, local_hash=entry.content_hash,
                                remote_version=current.version, remote_hash=current.content_hash,
                                detected_at=clock.iso())
        store.put_conflict(user_id, conflict)
        return "conflict", conflict
    raise Conflict("The item is being changed concurrently; try again", code="SYNC_BUSY")


def push(user_id: str, request: PushRequest, *, store: SyncStore | None = None) -> dict[str, Any]:
    store = store or SyncStore()
    pushed = entries(request)
    # Versions and hashes only: deciding apply/unchanged/conflict never needs the stored content.
    stored = {f"{i.item_type}/{i.item_id}": i for i in store.list_items(user_id, with_content=False)}
    new = sum(1 for e in pushed if e.key not in stored)
    if len(stored) + new > MAX_ITEMS_PER_USER:
        raise BadRequest(f"at most {MAX_ITEMS_PER_USER} synced items per user", code="QUOTA_EXCEEDED",
                         details={"quota": {"used": len(stored), "limit": MAX_ITEMS_PER_USER}})
    bases = request.baseVersions or {}
    applied, unchanged, conflicts, versions = 0, 0, [], {}
    for entry in pushed:
        base = bases.get(entry.key)
        outcome, result = push_entry(store, user_id, entry, base, force=request.force, current=stored.get(entry.key))
        if isinstance(result, SyncConflict):
            conflicts.append(_conflict_view(result, base))
            continue
        versions[entry.key] = result.version
        if outcome == "applied":
            applied += 1
        else:
            unchanged += 1
    now = clock.now()
    synced_at = clock.iso(now)
    store.record_sync(user_id, at_iso=synced_at, at_ms=int(now * 1000))
    return {"syncId": ids.sync_id(), "syncedAt": synced_at, "applied": applied, "unchanged": unchanged,
            "conflicts": conflicts, "versions": versions}


# ------------------------------------------------------------------------------------------------ pull, status

def _since_ms(since: str | None) -> int | None:
    if not since:
        return None
    try:
        return int(clock.parse_iso(since) * 1000)
    except ValueError:
        raise BadRequest("since: must be an ISO-8601 timestamp", code="VALIDATION_ERROR",
                         details={"field": "since"}) from None


def pull(user_id: str, request: PullRequest, *, client_id: str | None, store: SyncStore | None = None
         ) -> dict[str, Any]:
    store = store or SyncStore()
    since_ms = _since_ms(request.since)
    wanted = list(dict.fromkeys(request.types or TYPES))
    items = store.list_items(user_id, since_ms=since_ms)
    answer: dict[str, Any] = {t: ({} if t == "mcpServers" else []) for t in wanted}
    versions: dict[str, Any] = {}
    for item in items:
        if item.item_type not in answer:
            continue
        if item.item_type == "mcpServers":
            answer["mcpServers"][item.item_id] = item.content
        else:
            answer[item.item_type].append(item.content)
        versions[f"{item.item_type}/{item.item_id}"] = {"version": item.version, "contentHash": item.content_hash,
                                                        "updatedAt": item.updated_at}
    now = clock.now()
    pulled_at = clock.iso(now)
    store.record_sync(user_id, at_iso=pulled_at, at_ms=int(now * 1000), pulled_by=client_id or DEFAULT_CLIENT)
    return {**answer, "versions": versions, "lastSyncAt": pulled_at}


def status(user_id: str, *, client_id: str | None, store: SyncStore | None = None) -> dict[str, Any]:
    """lastSyncAt; pendingChanges = items changed since this client (X-Device-ID) last pulled; open conflicts."""
    store = store or SyncStore()
    state = store.state(user_id)
    last_pull = (state.get("pulls") or {}).get(client_id or DEFAULT_CLIENT)
    conflicts = store.conflicts(user_id)
    return {
        "lastSyncAt": state.get("last_sync_at"),
        "pendingChanges": store.count_changed_since(user_id, int(last_pull) if last_pull is not None else None),
        "conflicts": len(conflicts),
        "conflictList": [_conflict_view(c) for c in conflicts],
    }


# ------------------------------------------------------------------------------------------------ resolve

def deep_merge(remote: Any, local: Any) -> Any:
    """Objects merge key by key (recursively); for anything else the local value wins."""
    if isinstance(remote, dict) and isinstance(local, dict):
        merged = dict(remote)
        for key, value in local.items():
            merged[key] = deep_merge(remote[key], value) if key in remote else value
        return merged
    return local


def resolve(user_id: str, request: ResolveConflict, *, store: SyncStore | None = None) -> dict[str, Any]:
    """local: the rejected local copy replaces the cloud's; remote: the cloud's stays; merged: `mergedContent`,
    or, when it is left out and both sides are objects, their deep merge (local wins on clashes)."""
    store = store or SyncStore()
    conflict = next((c for c in store.conflicts(user_id) if c.conflict_id == request.conflictId), None)
    if conflict is None:
        raise NotFound("Conflict not found", code="CONFLICT_NOT_FOUND")
    current = store.get_item(user_id, conflict.item_type, conflict.item_id)
    applied_at = clock.iso()

    if request.resolution == "remote":
        store.clear_conflict(user_id, conflict)
        item = current
    else:
        for _attempt in range(WRITE_ATTEMPTS):
            if request.resolution == "local":
                content = conflict.local_content
            elif request.mergedContent is not None:
                content = request.mergedContent
            elif isinstance(conflict.local_content, dict) and current is not None and isinstance(current.content,
                                                                                                 dict):
                content = deep_merge(current.content, conflict.local_content)
            else:
                raise BadRequest("mergedContent is required to merge these items", code="VALIDATION_ERROR",
                                 details={"field": "mergedContent"})
            if len(canonical_json(content).encode()) > MAX_ITEM_BYTES:
                raise BadRequest(f"mergedContent is larger than {MAX_ITEM_BYTES} bytes", code="VALIDATION_ERROR")
            entry = Entry(conflict.item_type, conflict.item_id, content, content_hash(content))
            item = _new_item(entry, 1 if current is None else current.version + 1)
            try:
                store.resolve_with_write(user_id, conflict, item, based_on=current.version if current else None)
                break
            except WriteConflict:
                # Either the conflict was resolved or replaced meanwhile, or the item moved on: re-read both.
                if not any(c.conflict_id == conflict.conflict_id for c in store.conflicts(user_id)):
                    raise NotFound("Conflict not found", code="CONFLICT_NOT_FOUND") from None
                current = store.get_item(user_id, conflict.item_type, conflict.item_id)
        else:
            raise Conflict("The item is being changed concurrently; try again", code="SYNC_BUSY")
    return {
        "conflictId": conflict.conflict_id, "resolved": True, "resolution": request.resolution,
        "appliedAt": applied_at,
        "item": {"type": conflict.item_type, "itemId": conflict.item_id, "version": item.version,
                 "contentHash": item.content_hash} if item else None,
    }
