"""The senders' logic: deliver one job (a KOOK message for one target) exactly once, and report every attempt.

Per job (one SQS FIFO message; a target's jobs arrive one at a time, in KOOK order):

1. Skip it if the log row of (message, target) already says `success`: a redelivery or a duplicate job.
2. Service stopped, bot deleted or marked failing: record `failed` with the reason and acknowledge.
3. Send the job's units (see `delivery`), paced per target; multi-unit jobs record their progress.
4. Success: the log row becomes `success` with the measured latency (wall time of this attempt) *before* the
   message is acknowledged. A crash between the provider's answer and that write makes SQS redeliver the job:
   the one window where a target can receive a message twice (Discord and Telegram have no idempotency keys;
   Feishu's `uuid` closes it there).
5. Failures, by what the provider said:
   - 429 / rate limits: deferred by the provider's `retry_after` (ChangeMessageVisibility), not slept through;
   - 401/403/404: the bot is marked `failing` (no retries: Discord bans clients that repeat invalid requests);
     `POST /api/bots/{id}/test` succeeding makes it active again;
   - other 4xx: the message itself is refused (poison): recorded, not retried;
   - 5xx, timeouts, connection errors: deferred with full-jitter backoff; after the queue's fifth receive SQS moves
     the job to the dead-letter queue (replay: ReplayFunction).
Every attempt writes its log row through `record_delivery` (row + counters in one transaction) and pushes
`{"type": "log", "data": {...}}` to the live-log WebSocket clients.
"""

from __future__ import annotations

import math
import random
import time
from dataclasses import dataclass
from typing import Any

from aws_lambda_powertools.metrics import MetricUnit

from kook.logic import bots as bot_service
from kook.logic import delivery, live_push, pacing
from kook.store import bots, ingest, logs, queues, snapshots
from suite import observability
from suite.outbound import ProviderError

MAX_RECEIVES = 5  # the forward queues' maxReceiveCount: the fifth failed attempt is the last before the DLQ
BACKOFF_CAP_SECONDS = 300
PERMANENT_STATUSES = (401, 403, 404)
_jitter = random.Random()  # noqa: S311  (spreads retries; not a security control)
log = observability.logger()


class Deferred(Exception):
    """The job failed and was given a new visibility timeout: the batch reports it as failed."""


@dataclass(frozen=True)
class Attempt:
    """Where a job came from: its queue, its receipt handle, how often SQS has handed it out."""

    queue_url: str
    receipt_handle: str
    receive_count: int


def backoff_seconds(receive_count: int, base: int) -> int:
    """Full jitter (AWS Architecture Blog): uniform(0, min(cap, base × 2^(n-1))), at least one second."""
    ceiling = min(BACKOFF_CAP_SECONDS, base * 2 ** max(0, receive_count - 1))
    return max(1, int(_jitter.uniform(0, ceiling)))


def deliver(job: dict[str, Any], attempt: Attempt, *, retry_base: int = 5, deadline: float | None = None) -> str:
    """Deliver one job; the answer says what happened. Raises Deferred when SQS must hand it out again.
    `deadline` (time.monotonic()): no unit starts after it; the rest of a multi-part job continues in a retry."""
    target = str(job["mapping_id"])
    seen = snapshots.delivery(job["msg_id"], target, int(job["bot_id"]))
    if seen.row is not None and seen.row.get("status") == "success":
        return "duplicate"
    if not seen.running:
        report(job, "failed", error="服务已停止，消息未转发", current=seen.row)
        return "stopped"
    bot = seen.bot
    if bot is None:
        report(job, "failed", error="目标Bot已删除", current=seen.row)
        return "dropped"
    if bot.get("status") == bots.FAILING:
        report(job, "failed", error=f"目标Bot已被标记为失效：{bot.get('status_reason') or ''}".rstrip("："),
               current=seen.row)
        return "dropped"
    started = time.monotonic()
    try:
        _send_units(job, target, bot_service.secret_config(bot), deadline)
    except ProviderError as exc:
        return _failed(job, bot, exc, attempt, elapsed_ms=int((time.monotonic() - started) * 1000),
                       retry_base=retry_base, current=seen.row)
    report(job, "success", latency_ms=int((time.monotonic() - started) * 1000), current=seen.row)
    return "delivered"


def deliver_logged(job: dict[str, Any], attempt: Attempt, *, retry_base: int = 5,
                   deadline: float | None = None) -> str:
    """`deliver`, with unexpected failures (DynamoDB, S3 …) logged before SQS redelivers the job."""
    try:
        return deliver(job, attempt, retry_base=retry_base, deadline=deadline)
    except Deferred:
        raise  # already reported and given its retry time
    except Exception:
        log.exception("delivery failed; SQS will redeliver", extra={"msg_id": job.get("msg_id"),
                                                                   "mapping_id": job.get("mapping_id")})
        raise


def _send_units(job: dict[str, Any], target: str, config: dict[str, Any], deadline: float | None) -> None:
    units = delivery.units(job, config)
    done = ingest.parts_sent(job["msg_id"], target) if len(units) > 1 else 0
    pace_key = f"{job['platform']}:{job['bot_id']}:{job.get('target_channel') or '-'}"
    for index, unit in enumerate(units):
        if index < done:
            continue
        if index > done and deadline is not None and time.monotonic() > deadline:
            raise ProviderError("timeout", f"{job['platform']}: the function's time ran out after {index} of "
                                f"{len(units)} parts; the rest follows in a retry")
        pacing.before_call(pace_key, job["platform"])
        result = unit.send()
        pacing.after_call(pace_key, result.wait_seconds)
        if index < len(units) - 1:
            ingest.record_parts_sent(job["msg_id"], target, index + 1)


def _failed(job: dict[str, Any], bot: dict[str, Any], exc: ProviderError, attempt: Attempt, *, elapsed_ms: int,
            retry_base: int, current: dict[str, Any] | None) -> str:
    if exc.reason == "rejected" and exc.status in PERMANENT_STATUSES:
        bots.set_status(int(bot["id"]), bots.FAILING, reason=exc.message)
        report(job, "failed", error=f"{exc.message}；Bot已标记为失效，请检查配置后测试", latency_ms=elapsed_ms,
               current=current)
        log.warning("target refused the bot: marked failing", extra={"bot_id": bot["id"], "status": exc.status})
        return "bot failing"
    if exc.reason in ("rejected", "unsafe_url"):
        report(job, "failed", error=f"{exc.message}（消息被目标平台拒绝，不再重试）", latency_ms=elapsed_ms,
               current=current)
        return "refused"
    if exc.reason == "rate_limited":
        delay = max(1, math.ceil(exc.retry_after or 1))  # the provider's own wait, not a guess
    else:
        delay = backoff_seconds(attempt.receive_count, retry_base)
    why = f"{exc.message}，{delay}秒后重试"
    if attempt.receive_count >= MAX_RECEIVES:
        why = f"{exc.message}（已重试{attempt.receive_count}次，转入死信队列，可重放）"
    queues.defer(attempt.queue_url, attempt.receipt_handle, delay)
    report(job, "failed", error=why, latency_ms=elapsed_ms, current=current)
    raise Deferred(why)


def report(job: dict[str, Any], status: str, *, error: str | None = None, latency_ms: int | None = None,
           current: dict[str, Any] | None) -> None:
    """Write the attempt's log row (and counters), then tell the live-log clients. `current`: the row as read
    before the attempt (the write is conditional on its revision, so a concurrent change is still caught)."""
    row = logs.record_delivery(logs.Delivery(
        kook_message_id=job["msg_id"], target=str(job["mapping_id"]), status=status,
        target_platform=job["platform"], kook_channel_id=job.get("channel_id", ""),
        target_channel=job.get("target_channel") or "", target_bot_id=int(job["bot_id"]),
        mapping_id=int(job["mapping_id"]), content=job.get("content") or "", message_type=job.get("kind") or "text",
        sender_name=job.get("sender") or "", error_message=error, latency_ms=latency_ms), current=current)
    observability.metrics().add_metric(name=f"{job['platform']}_{status}", unit=MetricUnit.Count, value=1)
    try:
        live_push.broadcast("log", live_push.log_event(row))
    except Exception:  # the live view is best effort: a push problem never fails a delivery
        log.warning("live log push failed", exc_info=True)
