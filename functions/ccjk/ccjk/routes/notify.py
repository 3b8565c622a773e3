"""Notifications: POST /notify (device token), POST /notify/batch (user JWT), GET /notify/history (device
token; `?notificationId=` reads one notification's per-channel delivery status)."""

from __future__ import annotations

from ccjk.api import ENVELOPE
from ccjk.logic import notifications
from ccjk.models.notify import NotifyBatchRequest, NotifyRequest
from ccjk.routes.common import current_device, current_user, header, query
from suite.api import Router
from suite.pagination import PagePagination

router = Router()
TAGS = ["notify"]
MAX_IDEMPOTENCY_KEY = 128


def _idempotency_key() -> str | None:
    key = (header(router, "Idempotency-Key") or "").strip()
    return key[:MAX_IDEMPOTENCY_KEY] or None


@router.post("/notify", summary="Queue a notification to the device's channels", tags=TAGS)
def notify(request: NotifyRequest):
    answer = notifications.submit(current_device(router), request, idempotency_key=_idempotency_key(),
                                  lambda_context=router.lambda_context)
    return ENVELOPE.ok(answer, status=202)


@router.post("/notify/batch", summary="Queue a notification to several of the user's devices", tags=TAGS)
def notify_batch(request: NotifyBatchRequest):
    answer = notifications.submit_batch(current_user(router), request, idempotency_key=_idempotency_key(),
                                        lambda_context=router.lambda_context)
    return ENVELOPE.ok(answer, status=202)


@router.get("/notify/history", summary="Notifications with per-channel delivery status, newest first", tags=TAGS)
def history():
    params = query(router)
    page = PagePagination.from_query(params, default_limit=50, max_limit=100)
    data, total = notifications.history(current_device(router), page, params.get("notificationId"))
    return ENVELOPE.ok(data, **page.meta(total))
