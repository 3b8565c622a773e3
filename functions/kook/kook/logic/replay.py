"""Dead-letter replay: move jobs that used up their five receives back to their queue, once the cause is fixed.

The contract has no route for it, so it is a function without an HTTP trigger (ReplayFunction):
`python -m devstack invoke kook.ReplayFunction -e events/kook/replay.json` locally, `aws lambda invoke
--function-name <ReplayFunction> --payload '{"queue": "discord"}' out.json` deployed. Event: `{"queue":
"ingest" | "discord" | "telegram" | "feishu" | "all" (default), "limit": 500}`.

Each message is sent to its source queue with its message group and attributes and a fresh deduplication id
(the original one may still be inside SQS's five-minute window), then deleted from the DLQ. A crash between the
two leaves a copy in both queues; the senders skip (message, target) pairs already delivered, so a replayed job
never posts twice. A replayed job goes to the end of its target's group (FIFO order holds for the others).
(SQS's own StartMessageMoveTask would do the move too, but it cannot be exercised offline.)
"""

from __future__ import annotations

import time
from typing import Any

from kook import config
from kook.store import queues

DEFAULT_LIMIT = 500
BUDGET_SECONDS = 240.0


def replay(queue: str = "all", *, limit: int = DEFAULT_LIMIT) -> dict[str, Any]:
    pairs = config.get().replay_pairs()
    names = list(pairs) if queue == "all" else [queue]
    unknown = [name for name in names if name not in pairs]
    if unknown:
        return {"error": f"unknown queue {unknown[0]!r}; one of {sorted(pairs)} or all", "replayed": {}}
    started = time.monotonic()
    replayed: dict[str, int] = {}
    for name in names:
        dead, source = pairs[name]
        moved = 0
        while moved < limit and time.monotonic() - started < BUDGET_SECONDS:
            batch = queues.receive(dead, limit=min(10, limit - moved))
            if not batch:
                break
            for message in batch:
                queues.resend(source, message, deduplication_id=f"replay-{message['MessageId']}")
                queues.delete(dead, message["ReceiptHandle"])
                moved += 1
        replayed[name] = moved
    return {"replayed": replayed, "total": sum(replayed.values())}
