"""API v8 for a device (V8ContextFunction, the client's `ContextClient`): session messages, summaries, archives,
compaction, auto-save, context statistics, token estimates and crash recovery (logic/context.py).

The device's token comes as `X-Device-Token` or as `Authorization: Bearer dt_…` (how the context client sends
it). A session is the calling device's only: another device's session id answers 404 like an unknown one.
Not-found messages name what is missing (session, message, archive, summary): the client classifies by them.
"""

from __future__ import annotations

from typing import Annotated

from aws_lambda_powertools.event_handler.openapi.params import Query

from ccjk import access
from ccjk.api import V8_ENVELOPE
from ccjk.logic import context
from ccjk.models.market import AddMessage, AutoSave, Compact, SaveRecovery, TokenEstimate
from ccjk.models.market_views import (
    AddedMessage,
    ArchiveDetail,
    ArchiveList,
    AutoSaved,
    Cleaned,
    CompactResult,
    ContextStats,
    MessageList,
    OneSummary,
    RecoveryList,
    RecoverySaved,
    SummaryList,
    TokenEstimateView,
)
from ccjk.routes import market_common as common
from suite import auth
from suite.api import Router

router = Router(envelope=V8_ENVELOPE)
ENVELOPE = V8_ENVELOPE
SESSIONS = ["v8-context"]
RECOVERY = ["v8-recovery"]
Text = Annotated[str | None, Query()]


def _device() -> str:
    return auth.caller().device_id


@router.post("/api/v8/sessions/<sessionId>/messages", auth=access.DEVICE_ANY, returns=AddedMessage, status_code=201,
             errors=(404, 409, 413), summary="Add a message (the first one starts the session; an id that cannot be "
                                             "one is not found)", tags=SESSIONS)
def add_message(sessionId: str, request: AddMessage):
    return ENVELOPE.ok(context.add_message(_device(), sessionId, request), status=201)


@router.get("/api/v8/sessions/<sessionId>/messages", auth=access.DEVICE_ANY, returns=MessageList, errors=(400, 404),
            summary="A session's messages, oldest first: limit, offset, role, type, since, before, min_importance",
            tags=SESSIONS)
def list_messages(sessionId: str, *, limit: Text = None, offset: Text = None, role: Text = None, type: Text = None,
                  since: Text = None, after: Text = None, before: Text = None, min_importance: Text = None):
    importance = None
    if min_importance not in (None, ""):
        try:
            importance = float(min_importance)
        except ValueError:
            raise common.bad("min_importance", "must be a number") from None
    return ENVELOPE.ok(context.list_messages(
        _device(), sessionId, limit=common.number("limit", limit, default=50, minimum=1, maximum=200),
        offset=common.number("offset", offset, default=0, minimum=0),
        role=common.choice("role", role, context.ROLES, "") or None,
        message_type=common.choice("type", type, context.TYPES, "") or None, since=since or after, before=before,
        min_importance=importance))


@router.delete("/api/v8/sessions/<sessionId>/messages/<messageId>", auth=access.DEVICE_ANY, errors=(404, 409),
               summary="Delete a message", tags=SESSIONS)
def delete_message(sessionId: str, messageId: str):
    context.delete_message(_device(), sessionId, messageId)
    return ENVELOPE.ok(None, message="Message deleted")


@router.get("/api/v8/sessions/<sessionId>/stats", auth=access.DEVICE_ANY, returns=ContextStats, errors=(404,),
            summary="A session's context usage", tags=SESSIONS)
def session_stats(sessionId: str):
    return ENVELOPE.ok(context.session_stats(_device(), sessionId))


@router.get("/api/v8/context/stats", auth=access.DEVICE_ANY, returns=ContextStats, errors=(400, 404),
            summary="A session's context usage (?session_id=)", tags=SESSIONS)
def context_stats(session_id: Text = None, sessionId: Text = None):
    wanted = common.text("session_id", session_id or sessionId, max_length=128)
    if not wanted:
        raise common.bad("session_id", "is required")
    return ENVELOPE.ok(context.session_stats(_device(), wanted))


@router.post("/api/v8/context/estimate", auth=access.DEVICE_ANY, returns=TokenEstimateView,
             summary="Estimate the tokens of some content (about 4 characters a token; an image 1600)",
             tags=SESSIONS)
def estimate(request: TokenEstimate):
    return ENVELOPE.ok(context.estimate_request(request.content, request.includeSystemPrompt))


@router.get("/api/v8/sessions/<sessionId>/summary", auth=access.DEVICE_ANY, returns=OneSummary, errors=(404,),
            summary="The session's latest summary", tags=SESSIONS)
def summary(sessionId: str):
    return ENVELOPE.ok(context.latest_summary(_device(), sessionId))


@router.get("/api/v8/sessions/<sessionId>/summaries", auth=access.DEVICE_ANY, returns=SummaryList, errors=(404,),
            summary="The session's summaries, newest first", tags=SESSIONS)
def summaries(sessionId: str):
    return ENVELOPE.ok(context.list_summaries(_device(), sessionId))


@router.get("/api/v8/sessions/<sessionId>/summaries/<summaryId>", auth=access.DEVICE_ANY, returns=OneSummary,
            errors=(404,), summary="One summary", tags=SESSIONS)
def one_summary(sessionId: str, summaryId: str):
    return ENVELOPE.ok(context.get_summary(_device(), sessionId, summaryId))


@router.post("/api/v8/sessions/<sessionId>/compact", auth=access.DEVICE_ANY, returns=CompactResult, errors=(404,),
             summary="Move all but the last keep_last_n messages to an archive, with a summary", tags=SESSIONS)
def compact(sessionId: str, request: Compact):
    return ENVELOPE.ok(context.compact(_device(), sessionId, keep_last_n=request.keep_last_n,
                                       generate_summary=request.generate_summary))


@router.post("/api/v8/sessions/<sessionId>/auto-save", auth=access.DEVICE_ANY, returns=AutoSaved, errors=(404,),
             summary="Save the session's messages as an archive (trigger: interval, message_count, exit, manual)",
             tags=SESSIONS)
def auto_save(sessionId: str, request: AutoSave):
    return ENVELOPE.ok(context.auto_save(_device(), sessionId, request.trigger))


@router.get("/api/v8/sessions/<sessionId>/archives", auth=access.DEVICE_ANY, returns=ArchiveList, errors=(404,),
            summary="The session's archives, newest first", tags=SESSIONS)
def archives(sessionId: str):
    return ENVELOPE.ok(context.list_archives(_device(), sessionId))


@router.get("/api/v8/sessions/<sessionId>/archives/<archiveId>", auth=access.DEVICE_ANY, returns=ArchiveDetail,
            errors=(404,), summary="An archive with its messages", tags=SESSIONS)
def archive(sessionId: str, archiveId: str):
    return ENVELOPE.ok(context.get_archive(_device(), sessionId, archiveId))


@router.delete("/api/v8/sessions/<sessionId>/archives/<archiveId>", auth=access.DEVICE_ANY, errors=(404,),
               summary="Delete an archive", tags=SESSIONS)
def delete_archive(sessionId: str, archiveId: str):
    context.delete_archive(_device(), sessionId, archiveId)
    return ENVELOPE.ok(None, message="Archive deleted")


@router.get("/api/v8/recovery", auth=access.DEVICE_ANY, returns=RecoveryList,
            summary="Crash data not recovered yet, newest first", tags=RECOVERY)
def recovery():
    return ENVELOPE.ok(context.unrecovered(_device()))


@router.post("/api/v8/recovery/save", auth=access.DEVICE_ANY, returns=RecoverySaved, status_code=201, errors=(413,),
             summary="Save crash data (kept 30 days)", tags=RECOVERY)
def save_recovery(request: SaveRecovery):
    return ENVELOPE.ok(context.save_recovery(_device(), request.session_id, request.pending_messages,
                                             request.context_snapshot), status=201)


@router.post("/api/v8/recovery/<recoveryId>/recover", auth=access.DEVICE_ANY, errors=(404,),
             summary="Mark crash data recovered", tags=RECOVERY)
def recover(recoveryId: str):
    context.recover(_device(), recoveryId)
    return ENVELOPE.ok(None, message="Recovered")


@router.delete("/api/v8/recovery/cleanup", auth=access.DEVICE_ANY, returns=Cleaned, errors=(400,),
               summary="Delete crash data older than ?days (default 7)", tags=RECOVERY)
def cleanup(days: Annotated[str | None, Query(description="0-365, default 7")] = None):
    return ENVELOPE.ok(context.cleanup(_device(), common.number("days", days, default=7, minimum=0, maximum=365)))
