"""LiveChangesFunction: KvTable's stream → `kv-key-changed` pushes to the device's WebSocket connections."""

from typing import Any

from classworks.logic import live
from suite import observability

log = observability.logger()


@log.inject_lambda_context(clear_state=True)
def handler(event: dict[str, Any], context: Any) -> dict[str, Any]:
    failures = live.push_changes(live.management_endpoint(), event.get("Records") or [])
    return {"batchItemFailures": failures}
