"""LiveSocketFunction: the WebSocket API's $connect, $disconnect and $default routes (the stage is the path:
ws, logs, system or captcha)."""

import json
from typing import Any

from kook.access import presented_token
from kook.logic import live
from suite import observability, websocket

log = observability.logger()


@log.inject_lambda_context(clear_state=True)
def handler(event: dict[str, Any], context: Any) -> dict[str, Any]:
    request = event.get("requestContext") or {}
    connection_id, stage = request.get("connectionId", ""), request.get("stage", "ws")
    if request.get("routeKey") == "$connect":
        token = websocket.query_token(event) or presented_token(event)
        return {"statusCode": live.connect(connection_id, stage, token)}
    if request.get("routeKey") == "$disconnect":
        live.disconnect(connection_id)
        return {"statusCode": 200}
    answer = live.message(stage, event.get("body") or "")
    return {"statusCode": 200, "body": json.dumps(answer, ensure_ascii=False, default=str)}
