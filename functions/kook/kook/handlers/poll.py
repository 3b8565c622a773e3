"""PollFunction (EventBridge Scheduler, every minute): poll KOOK for accounts without a webhook."""

from typing import Any

from kook.logic import poller
from suite import observability

log = observability.logger()


@log.inject_lambda_context(clear_state=True)
def handler(event: dict[str, Any], context: Any) -> dict[str, Any]:
    outcome = poller.run(remaining_seconds=context.get_remaining_time_in_millis() / 1000)
    log.info("poll run", extra={"outcome": outcome})
    return outcome
