"""Notifications: POST /notify (device token), POST /notify/batch (user JWT), GET /notify/history (device
token; `?notificationId=` reads one notification's per-channel delivery status)."""

from __future__ import annotations

from typing import Annotated

from aws_lambda_powertools.event_handler.openapi.params import Header, Query

from ccjk import access
from ccjk.api import ENVELOPE
from ccjk.logic import notifications
from ccjk.models.notify import BatchAccepted, History, NotifyAccepted, NotifyBatchRequest, NotifyRequest
from ccjk.routes.common import Quota, limited
from suite import auth
from suite.api import Router
from suite.pagination import PagePagination

router = Router()
TAGS = ["notify"]
MAX_IDEMPOTENCY_KEY = 128
IdempotencyKey = Annotated[str | None, Header(
    alias="Idempotency-Key", description="Repeats with the same key within the dedupe window (10 s) get the first "
                                         "answer and notify nobody again (first 128 characters count)")]
DUPLICATE_RUNNING = 409  # an identical request is still being processed
NOTIFY_QUOTA = [limited(Quota("notify", 60, 60))]  # issue 18: per device, X-RateLimit-* answered


def _key(value: str | None) -> str | None:
    return (value or "").strip()[:MAX_IDEMPOTENCY_KEY] or None


@router.post("/notify", auth=access.DEVICE, returns=NotifyAccepted, status_code=202,
             errors=(DUPLICATE_RUNNING, 429, 503), middlewares=NOTIFY_QUOTA,
             summary="Queue a notification to the device's channels", tags=TAGS)
def notify(request: NotifyRequest, idempotency_key: IdempotencyKey = None):
    answer = notifications.submit(auth.caller(), request, idempotency_key=_key(idempotency_key),
                                  lambda_context=router.lambda_context)
    return ENVELOPE.ok(answer, status=202)


@router.post("/notify/batch", auth=access.USER, returns=BatchAccepted, status_code=202, errors=(404, DUPLICATE_RUNNING),
             summary="Queue a notification to several of the user's devices", tags=TAGS)
def notify_batch(request: NotifyBatchRequest, idempotency_key: IdempotencyKey = None):
    answer = notifications.submit_batch(auth.caller(), request, idempotency_key=_key(idempotency_key),
                                        lambda_context=router.lambda_context)
    return ENVELOPE.ok(answer, status=202)


@router.get("/notify/history", auth=access.DEVICE, returns=History, errors=(400, 404),
            summary="Notifications with per-channel delivery status, newest first", tags=TAGS)
def history(page: Annotated[str | None, Query(description="1, 2, … (integer)")] = None,
            limit: Annotated[str | None, Query(description="1–100, default 50 (integer; larger is clamped)")] = None,
            notificationId: Annotated[str | None, Query(description="Only this notification")] = None):
    paging = PagePagination.from_query({"page": page, "limit": limit}, default_limit=50, max_limit=100)
    data, total = notifications.history(auth.caller(), paging, notificationId)
    return ENVELOPE.ok(data, **paging.meta(total))
