"""LiveStatusFunction (every minute): `{"type": "status"}` to the live-log clients a few times per run, and
connections whose login ended are closed. Returns at once when nobody is connected."""

import time
from typing import Any

from kook import config
from kook.logic import live
from suite import observability

log = observability.logger()


@log.inject_lambda_context(clear_state=True)
def handler(event: dict[str, Any], context: Any) -> dict[str, Any]:
    rounds = []
    for index in range(config.get().status_pushes_per_run):
        if index:
            time.sleep(config.get().status_push_interval_seconds)
        rounds.append(live.push_status())
        if not rounds[-1]["connections"]:
            break
    return {"rounds": rounds}
