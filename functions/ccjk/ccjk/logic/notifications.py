"""POST /notify, POST /notify/batch and the history: validate, store, enqueue one message per channel, answer.

Nothing here waits for a provider: the notify worker (logic/delivery.py) sends each queued message and records the
result on the notification, where the history reads it. Identical requests within NOTIFY_DEDUPE_SECONDS (client
retries after a timeout) are answered with the first request's answer and notify nobody again (suite.idempotency,
keyed by the caller and the request's content or its `Idempotency-Key` header).
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from ccjk import clock, config, ids
from ccjk.logic.channels import canonical
from ccjk.models.entities import Delivery, Device, Notification
from ccjk.models.notify import NotifyBatchRequest, NotifyRequest
from ccjk.store import devices as device_data
from ccjk.store import idempotency, queue
from ccjk.store import notifications as notification_data
from suite import observability
from suite.errors import ApiError, BadRequest, Conflict, NotFound, ServiceUnavailable
from suite.pagination import PagePagination

QUEUE_REFUSED = "could not be queued"


# ------------------------------------------------------------------------------------------------ once

def run_once(scope: str, caller: str, fingerprint: dict[str, Any], action: Callable[[], dict[str, Any]], *,
             idempotency_key: str | None, lambda_context: Any = None) -> dict[str, Any]:
    """Run `action` once per (scope, caller, request) within the dedupe window; repeats get the stored answer.
    With the Lambda context, a request that dies mid-way blocks its repeats only until the function's timeout."""
    payload = {"scope": scope, "caller": caller,
               "request": {"idempotencyKey": idempotency_key} if idempotency_key else fingerprint}
    try:
        return idempotency.once(action, payload=payload, key_prefix=f"ccjk.{scope}", lambda_context=lambda_context)
    except idempotency.InProgress:
        raise Conflict("An identical request is being processed", code="DUPLICATE_REQUEST") from None


# ------------------------------------------------------------------------------------------------ targets

def targets(device: Device, request: NotifyRequest) -> list[str]:
    """The providers to notify: the named channels (each must be configured and enabled), or all enabled ones."""
    enabled = {p for p, c in device.channels.items() if c.enabled}
    named = request.requested_channels()
    if named is None:
        if not enabled:
            raise BadRequest("No enabled notification channels", code="CHANNEL_NOT_CONFIGURED")
        return sorted(enabled)
    wanted = sorted({canonical(name) or name for name in named})
    missing = [p for p in wanted if p not in enabled]
    if missing:
        raise BadRequest(f"Channel not configured or disabled: {', '.join(missing)}", code="CHANNEL_NOT_CONFIGURED",
                         details={"channels": missing})
    return wanted


def _create(device: Device, request: NotifyRequest, providers: list[str]) -> dict[str, Any]:
    """Store the notification (every channel pending), then queue one message per channel."""
    now = clock.now()
    notification = Notification(
        notification_id=ids.notification_id(), device_id=device.device_id, type=request.type, title=request.title,
        body=request.text, priority=request.priority, created_at=clock.iso(now),
        expires_at=int(now) + config.get().notification_retention_days * 86_400,
        deliveries={p: Delivery() for p in providers}, data=request.data, wait_reply=request.waitReply,
        task_id=request.taskId,
    )
    notification_data.put(notification)
    messages = [{"notificationId": notification.notification_id, "deviceId": device.device_id, "channel": p}
                for p in providers]
    try:
        refused = {m["channel"] for m in queue.enqueue(messages)}
    except Exception:  # SQS unreachable: the notification must not stay "pending" forever
        observability.logger().exception("notify queue unavailable")
        refused = set(providers)
    for provider in refused:
        notification_data.record(device.device_id, notification.notification_id, provider, status="failed",
                                 error=QUEUE_REFUSED, http_status=None, delivered_at=None)
        notification.deliveries[provider] = Delivery(status="failed", error=QUEUE_REFUSED)
    if refused and len(refused) == len(providers):
        raise ServiceUnavailable("Notifications cannot be queued right now; try again", code="QUEUE_UNAVAILABLE")
    return {
        "notificationId": notification.notification_id,
        "status": notification.status,
        "sent": False,  # queued: delivery happens right after, see GET /notify/history?notificationId=
        "queued": len(providers) - len(refused),
        "channels": [{"type": p, "status": d.status, **({"error": d.error} if d.error else {})}
                     for p, d in sorted(notification.deliveries.items())],
        "createdAt": notification.created_at,
        "sentAt": None,
    }


def submit(device: Device, request: NotifyRequest, *, idempotency_key: str | None = None,
           lambda_context: Any = None) -> dict[str, Any]:
    providers = targets(device, request)
    return run_once("notify", device.device_id, request.fingerprint(), lambda: _create(device, request, providers),
                    idempotency_key=idempotency_key, lambda_context=lambda_context)


def submit_batch(user_id: str, request: NotifyBatchRequest, *, idempotency_key: str | None = None,
                 lambda_context: Any = None) -> dict[str, Any]:
    """Notify several of the caller's own devices. Any id that is not the caller's device (unknown or someone
    else's, indistinguishably) rejects the whole request before anything is written."""
    found = device_data.get_many(request.deviceIds)
    foreign = [i for i in request.deviceIds if i not in found or found[i].user_id != user_id]
    if foreign:
        raise NotFound("Device not found", code="DEVICE_NOT_FOUND", details={"deviceIds": foreign})

    def fan_out() -> dict[str, Any]:
        results = []
        for device_id in request.deviceIds:
            device = found[device_id]
            try:
                answer = _create(device, request, targets(device, request))
            except ApiError as exc:
                results.append({"deviceId": device_id, "success": False, "error": exc.message, "code": exc.code})
                continue
            results.append({"deviceId": device_id, "success": True, **answer})
        sent = sum(1 for r in results if r["success"])
        return {"total": len(results), "sent": sent, "failed": len(results) - sent, "results": results}

    fingerprint = {**request.fingerprint(), "deviceIds": sorted(request.deviceIds)}
    return run_once("notify-batch", user_id, fingerprint, fan_out, idempotency_key=idempotency_key,
                    lambda_context=lambda_context)


# ------------------------------------------------------------------------------------------------ history

def view(notification: Notification) -> dict[str, Any]:
    return {
        "id": notification.notification_id,
        "notificationId": notification.notification_id,
        "type": notification.type,
        "title": notification.title,
        "body": notification.body,
        "priority": notification.priority,
        "status": notification.status,
        "createdAt": notification.created_at,
        "channels": [
            {"type": provider, "status": d.status, "attempts": d.attempts, "error": d.error,
             "httpStatus": d.http_status, "lastAttemptAt": d.last_attempt_at, "deliveredAt": d.delivered_at}
            for provider, d in sorted(notification.deliveries.items())
        ],
    }


def history(device: Device, page: PagePagination, notification_id: str | None) -> tuple[dict[str, Any], int]:
    """The device's notifications, newest first, with per-channel delivery status; `notificationId` narrows it
    to that one notification (404 when it is not this device's)."""
    now = int(clock.now())
    if notification_id:
        found = notification_data.get(device.device_id, notification_id, now) if len(notification_id) <= 64 else None
        if found is None:
            raise NotFound("Notification not found", code="NOTIFICATION_NOT_FOUND")
        return {"notifications": [view(found)]}, 1
    items, total = notification_data.history(device.device_id, page.offset, page.limit, now)
    return {"notifications": [view(n) for n in items]}, total
