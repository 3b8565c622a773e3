"""LiveSocketFunction: the WebSocket API's $connect, $disconnect and $default routes (live KV changes)."""

from typing import Any

from classworks.logic import live
from suite import observability, websocket

log = observability.logger()


@log.inject_lambda_context(clear_state=True)
def handler(event: dict[str, Any], context: Any) -> dict[str, Any]:
    request = event.get("requestContext") or {}
    connection_id, route = request.get("connectionId", ""), request.get("routeKey")
    if route == "$connect":
        token = websocket.query_token(event, live.JOIN_TOKEN_PARAMETERS)
        return {"statusCode": live.connect(live.management_endpoint(), connection_id, token)}
    if route == "$disconnect":
        live.disconnect(connection_id)
        return {"statusCode": 200}
    answer = live.message(live.management_endpoint(), connection_id, event.get("body") or "")
    return {"statusCode": 200, "body": answer.decode("utf-8")} if answer else {"statusCode": 200}
