"""POST /notify, POST /notify/batch and the history: validate, store, enqueue one message per channel, answer.

Nothing here waits for a provider: the notify worker (logic/delivery.py) sends each queued message and records the
result on the notification, where the history reads it. Identical requests within NOTIFY_DEDUPE_SECONDS (client
retries after a timeout) are answered with the first request's answer and notify nobody again (suite.idempotency,
keyed by the caller and the request's content or its `Idempotency-Key` header).
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from ccjk import clock, config, ids
from ccjk.logic.channels import canonical
from ccjk.models.entities import Delivery, Device, Notification
from ccjk.models.notify import NotifyBatchRequest, NotifyRequest
from ccjk.store import devices as device_data
from ccjk.store import idempotency, queue, reply_codes
from ccjk.store import notifications as notification_data
from ccjk.store.common import WriteConflict
from suite import observability
from suite.errors import ApiError, BadRequest, Conflict, NotFound, ServiceUnavailable
from suite.pagination import PagePagination

QUEUE_REFUSED = "could not be queued"
REPLY_CODE_DRAWS = 5


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

NOT_SUPPORTED = "channel not supported by the server"
NOT_CONFIGURED = "channel not configured or disabled"


@dataclass(frozen=True)
class Targets:
    """The channels a request reaches: accepted (name as the client gave it → provider) and refused (name → why)."""

    accepted: dict[str, str]
    refused: dict[str, str]

    @property
    def providers(self) -> list[str]:
        return sorted(set(self.accepted.values()))


def targets(device: Device, request: NotifyRequest) -> Targets:
    """The named channels, each accepted when it is a configured and enabled robot of the device, else refused on
    its own (the notification client sends its local names, email and sms among them); nothing named (or `all`)
    means every enabled channel. No channel accepted at all is a 400."""
    enabled = {p: c for p, c in device.channels.items() if c.enabled}
    named = request.requested_channels()
    if named is None:
        if not enabled:
            raise BadRequest("No enabled notification channels", code="CHANNEL_NOT_CONFIGURED")
        return Targets({c.label: p for p, c in sorted(enabled.items())}, {})
    accepted: dict[str, str] = {}
    refused: dict[str, str] = {}
    for name in dict.fromkeys(n.strip().lower() for n in named):
        provider = canonical(name)
        if provider is None:
            refused[name] = NOT_SUPPORTED
        elif provider not in enabled:
            refused[name] = NOT_CONFIGURED
        elif provider not in accepted.values():  # wechat and wecom named together: one delivery
            accepted[name] = provider
    if not accepted:
        unsupported = [n for n, why in refused.items() if why == NOT_SUPPORTED]
        missing = [n for n, why in refused.items() if why == NOT_CONFIGURED]
        reasons = ([f"Channel not configured or disabled: {', '.join(missing)}"] if missing else []) + (
            [f"Channel not supported: {', '.join(unsupported)}"] if unsupported else [])
        raise BadRequest("; ".join(reasons), code="CHANNEL_NOT_CONFIGURED",
                         details={"channels": [{"type": n, "error": why} for n, why in refused.items()]})
    return Targets(accepted, refused)


def _reply_items(notification: Notification, now: int) -> list[dict[str, Any]]:
    """Open a reply code for a notification that waits for a reply (drawn again on a clash)."""
    notification.reply_code = ids.reply_code()
    notification.reply_until = now + config.get().reply_window_seconds
    return reply_codes.pointer_actions(code=notification.reply_code, device_id=notification.device_id,
                                       notification_id=notification.notification_id,
                                       until=notification.reply_until, now=now)


def store_new(notification: Notification, *, waits: bool, also: list[dict[str, Any]] | None = None) -> None:
    """Store a new notification; one that waits for a reply gets its reply code in the same transaction (as do
    the `also` actions: a control card)."""
    if not waits:
        notification_data.put(notification, also=also)
        return
    now = int(clock.now())
    for _attempt in range(REPLY_CODE_DRAWS):
        try:
            notification_data.put(notification, also=[*_reply_items(notification, now), *(also or [])])
        except WriteConflict:
            continue  # the code is open for another notification: draw again
        return
    raise ServiceUnavailable("Could not allocate a reply code, try again", code="REPLY_CODE_UNAVAILABLE")


def enqueue(notification: Notification, providers: list[str]) -> set[str]:
    """Queue one message per channel; the channels SQS refused are recorded as failed and returned."""
    messages = [{"notificationId": notification.notification_id, "deviceId": notification.device_id, "channel": p}
                for p in providers]
    try:
        refused = {m["channel"] for m in queue.enqueue(messages)}
    except Exception:  # SQS unreachable: the notification must not stay "pending" forever
        observability.logger().exception("notify queue unavailable")
        refused = set(providers)
    for provider in refused:
        notification_data.record(notification.device_id, notification.notification_id, provider, status="failed",
                                 error=QUEUE_REFUSED, http_status=None, delivered_at=None)
        notification.deliveries[provider] = Delivery(status="failed", error=QUEUE_REFUSED)
    return refused


def _create(device: Device, request: NotifyRequest, chosen: Targets) -> dict[str, Any]:
    """Store the notification (every channel pending), then queue one message per channel."""
    now = clock.now()
    providers = chosen.providers
    notification = Notification(
        notification_id=ids.notification_id(), device_id=device.device_id, type=request.type, title=request.title,
        body=request.text, priority=request.priority, created_at=clock.iso(now),
        expires_at=int(now) + config.get().notification_retention_days * 86_400,
        deliveries={p: Delivery() for p in providers}, data=request.data, wait_reply=request.waits,
        task_id=request.taskId or (request.task or {}).get("taskId"), actions=request.action_values(),
        task=request.task, metadata=request.metadata,
    )
    store_new(notification, waits=request.waits)
    refused = enqueue(notification, providers)
    if refused and len(refused) == len(providers):
        raise ServiceUnavailable("Notifications cannot be queued right now; try again", code="QUEUE_UNAVAILABLE")
    return accepted_answer(notification, chosen)


def accepted_answer(notification: Notification, chosen: Targets) -> dict[str, Any]:
    """What both the seed document's clients and the real client read (docs/ccjk-client.md, Flow 4)."""
    channels: list[dict[str, Any]] = []
    for name, provider in chosen.accepted.items():
        delivery = notification.deliveries[provider]
        queued = delivery.status != "failed"
        channels.append({"type": name, "status": delivery.status, "success": queued,
                         **({"error": delivery.error} if delivery.error else {})})
    channels += [{"type": name, "status": "failed", "success": False, "error": why}
                 for name, why in chosen.refused.items()]
    return {
        "notificationId": notification.notification_id,
        "status": notification.status,
        "sent": False,  # queued: delivery happens right after, see GET /notify/history?notificationId=
        "queued": sum(1 for c in channels if c["success"]),
        "channels": channels,
        "results": [{"channel": c["type"], "success": c["success"], "status": c["status"], "sentAt": None,
                     **({"error": c["error"]} if c.get("error") else {})} for c in channels],
        "waitReply": notification.wait_reply,
        "replyCode": notification.reply_code,
        "createdAt": notification.created_at,
        "sentAt": None,
    }


def submit(device: Device, request: NotifyRequest, *, idempotency_key: str | None = None,
           lambda_context: Any = None) -> dict[str, Any]:
    chosen = targets(device, request)
    return run_once("notify", device.device_id, request.fingerprint(), lambda: _create(device, request, chosen),
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
        "data": notification.data,
        "waitReply": notification.wait_reply,
        "replyCode": notification.reply_code,
        "actions": [{k: a[k] for k in ("id", "label", "value", "primary") if k in a} for a in notification.actions
                    if not notification.card_id],
        "taskId": notification.task_id,
        "task": notification.task,
        "metadata": notification.metadata,
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
