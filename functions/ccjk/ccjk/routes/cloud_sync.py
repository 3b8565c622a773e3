"""Cloud sync (user JWT): push, pull, status, resolve-conflict. `X-Device-ID` (the client's anonymous id)
tells clients apart for `pendingChanges`."""

from __future__ import annotations

from typing import Annotated

from aws_lambda_powertools.event_handler.openapi.params import Header

from ccjk import access
from ccjk.api import ENVELOPE
from ccjk.logic import cloud_sync
from ccjk.models.cloud_sync import Pulled, PullRequest, Pushed, PushRequest, ResolveConflict, Resolved, SyncStatus
from suite import auth
from suite.api import Router

router = Router()
TAGS = ["cloud-sync"]
ClientId = Annotated[str | None, Header(
    alias="X-Device-ID", description="The client's anonymous id (first 64 characters): pendingChanges counts what "
                                     "changed since this client last pulled")]
BUSY = 409  # the item is being changed by concurrent requests


def _client_id(value: str | None) -> str | None:
    return (value or "").strip()[:64] or None


@router.post("/cloud-sync/push", auth=access.USER, returns=Pushed, errors=(BUSY,),
             summary="Push configuration; conflicts are reported, not overwritten", tags=TAGS)
def push(request: PushRequest):
    return ENVELOPE.ok(cloud_sync.push(auth.caller(), request))


@router.post("/cloud-sync/pull", auth=access.USER, returns=Pulled,
             summary="Pull configuration (optionally changes since, some types)", tags=TAGS)
def pull(request: PullRequest, client_id: ClientId = None):
    return ENVELOPE.ok(cloud_sync.pull(auth.caller(), request, client_id=_client_id(client_id)))


@router.get("/cloud-sync/status", auth=access.USER, returns=SyncStatus,
            summary="Last sync, pending changes, open conflicts", tags=TAGS)
def status(client_id: ClientId = None):
    return ENVELOPE.ok(cloud_sync.status(auth.caller(), client_id=_client_id(client_id)))


@router.post("/cloud-sync/resolve-conflict", auth=access.USER, returns=Resolved, errors=(404, BUSY),
             summary="Resolve a conflict: local, remote or merged", tags=TAGS)
def resolve_conflict(request: ResolveConflict):
    return ENVELOPE.ok(cloud_sync.resolve(auth.caller(), request))
