"""The greeting queue: after a websocket-only `$connect`, the connection id goes to SOCKET_GREET_QUEUE_URL, and
SocketGreetFunction sends the Engine.IO open packet once API Gateway lets it through (docs/classworks-clients.md
§4.4: nothing reaches a connection before its `$connect` has returned)."""

from __future__ import annotations

import json

from classworks import config
from suite import aws


def send(connection_id: str) -> None:
    aws.client("sqs").send_message(QueueUrl=config.socket_greet_queue_url(),
                                   MessageBody=json.dumps({"connectionId": connection_id}))
