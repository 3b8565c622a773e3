"""TrimFunction (daily): what TTL cannot express (logs beyond a lowered retention, stale cursors and connections)."""

from typing import Any

from kook.logic import maintenance
from suite import observability

log = observability.logger()


@log.inject_lambda_context(clear_state=True)
def handler(event: dict[str, Any], context: Any) -> dict[str, Any]:
    result = maintenance.run()
    log.info("daily trim", extra=result)
    return result
