"""DeviceFeedPushFunction: DeviceFeedTable's stream → updates.signal pushes to the device's WebSocket connections."""

from typing import Any

from certctrl.routes import device_socket
from suite import observability

log = observability.logger()


@log.inject_lambda_context(clear_state=True)
def handler(event: dict[str, Any], context: Any) -> dict[str, Any]:
    return device_socket.feed_changes(event, context)
