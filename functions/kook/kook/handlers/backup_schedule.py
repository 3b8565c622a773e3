"""The scheduled automatic backup (EventBridge Scheduler): one backup per slot, then retention."""

from typing import Any

from kook.logic import backup
from kook.logic.schedule import slot_time
from suite import observability

log = observability.logger()


@log.inject_lambda_context(clear_state=True)
def handler(event: dict[str, Any], context: Any) -> dict[str, Any]:
    result = backup.run_automatic(slot=slot_time(event))
    log.info("automatic backup stored", extra={"backup_id": result["backup_id"], "pruned": result["pruned"]})
    return {"backup_id": result["backup_id"], "pruned": result["pruned"]}
