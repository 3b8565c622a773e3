"""LiveChangesFunction: KvTable's stream → `kv-key-changed` pushes to the device's WebSocket connections.

Not suite.workers: a stream batch is handled in order and stops at the first failed record (Lambda retries the
shard from there), which the SQS batch processor does not do."""

from typing import Any

from classworks.routes import live
from suite import observability

log = observability.logger()


@log.inject_lambda_context(clear_state=True)
def handler(event: dict[str, Any], context: Any) -> dict[str, Any]:
    return live.changes(event)
