"""ReplayFunction (no trigger): move dead-lettered jobs back, e.g. `{"queue": "discord", "limit": 100}`."""

from typing import Any

from kook.logic import replay
from suite import observability

log = observability.logger()


@log.inject_lambda_context(clear_state=True)
def handler(event: dict[str, Any], context: Any) -> dict[str, Any]:
    event = event if isinstance(event, dict) else {}
    result = replay.replay(str(event.get("queue") or "all"), limit=int(event.get("limit") or replay.DEFAULT_LIMIT))
    log.info("dead letters replayed", extra=result)
    return result
