"""The maintenance schedule (every minute): rested accounts back in the pool, OAuth tokens refreshed ahead."""

from typing import Any

from relay.logic import maintenance
from suite import observability


def run(_event: Any) -> dict[str, Any]:
    done = maintenance.run()
    observability.logger().info("relay maintenance", extra=done)
    return done
