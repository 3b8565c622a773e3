"""Cloud sync (user JWT): push, pull, status, resolve-conflict. `X-Device-ID` (the client's anonymous id)
tells clients apart for `pendingChanges`."""

from __future__ import annotations

from ccjk.api import ENVELOPE
from ccjk.logic import cloud_sync
from ccjk.models.cloud_sync import PullRequest, PushRequest, ResolveConflict
from ccjk.routes.common import current_user, header
from suite.api import Router

router = Router()
TAGS = ["cloud-sync"]


def _client_id() -> str | None:
    value = (header(router, "X-Device-ID") or "").strip()
    return value[:64] or None


@router.post("/cloud-sync/push", summary="Push configuration; conflicts are reported, not overwritten", tags=TAGS)
def push(request: PushRequest):
    return ENVELOPE.ok(cloud_sync.push(current_user(router), request))


@router.post("/cloud-sync/pull", summary="Pull configuration (optionally changes since, some types)", tags=TAGS)
def pull(request: PullRequest):
    return ENVELOPE.ok(cloud_sync.pull(current_user(router), request, client_id=_client_id()))


@router.get("/cloud-sync/status", summary="Last sync, pending changes, open conflicts", tags=TAGS)
def status():
    return ENVELOPE.ok(cloud_sync.status(current_user(router), client_id=_client_id()))


@router.post("/cloud-sync/resolve-conflict", summary="Resolve a conflict: local, remote or merged", tags=TAGS)
def resolve_conflict(request: ResolveConflict):
    return ENVELOPE.ok(cloud_sync.resolve(current_user(router), request))
