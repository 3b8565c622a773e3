"""Replies of the calling device (device token): one notification's reply status, the history, manual replies.
Answers carry their payload under `data` and at the top level (the typed client reads the top level)."""

from __future__ import annotations

from typing import Annotated

from aws_lambda_powertools.event_handler.openapi.params import Query

from ccjk import access
from ccjk.api import ENVELOPE
from ccjk.logic import replies
from ccjk.models.replies import ManualReply, Replied, ReplyHistory, ReplyStatus
from ccjk.routes.common import Quota, limited
from suite import auth
from suite.api import Router

router = Router()
TAGS = ["reply"]
READS = [limited(Quota("reply-read", 120, 60))]
WRITES = [limited(Quota("reply-manual", 30, 60))]


@router.get("/reply/history", auth=access.DEVICE, returns=ReplyHistory, errors=(400, 429), middlewares=READS,
            summary="The device's replies, newest first", tags=TAGS)
def history(limit: Annotated[str | None, Query(description="1–100, default 50 (integer)")] = None):
    return ENVELOPE.ok_spread({"replies": replies.history(auth.caller(), limit)})


@router.post("/reply/manual", auth=access.DEVICE, returns=Replied, status_code=201, errors=(404, 429),
             middlewares=WRITES,
             summary="Reply to one of the device's notifications by API", tags=TAGS)
def manual(request: ManualReply):
    reply = replies.manual(auth.caller(), request.notificationId, request.content, request.channel)
    return ENVELOPE.ok_spread({"reply": reply}, status=201)


@router.get("/reply/<notificationId>", auth=access.DEVICE, returns=ReplyStatus, errors=(429,), middlewares=READS,
            summary="replied (with the newest reply), pending or not_found", tags=TAGS)
def reply_status(notificationId: str):
    return ENVELOPE.ok_spread(replies.status(auth.caller(), notificationId))
