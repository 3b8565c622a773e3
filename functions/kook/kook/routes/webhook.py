"""KOOK's bot webhook: the callback URL to configure in KOOK's developer console is
`https://<api>/kook/webhook/<account_id>` (add `?compress=0` to receive uncompressed events; both are read)."""

import json

from aws_lambda_powertools.event_handler import Response, content_types

from kook.api import ENVELOPE
from kook.logic import webhook
from kook.models.webhook import WebhookAnswer
from kook.routes.common import raw_body
from suite.api import Router

router = Router()
TAGS = ["ingest"]


# Public: KOOK proves itself with the account's verify_token inside the (compressed, maybe encrypted) body.
# 400 unreadable body, 403 wrong or missing verify token, 404 unknown account, 503 the queue refused (KOOK retries).
@router.post("/kook/webhook/<account_id>", returns=WebhookAnswer, media_type=content_types.APPLICATION_JSON,
             errors=(400, 403, 404, 503), tags=TAGS, summary="KOOK bot webhook (challenge and events)")
def receive(account_id: int):
    answer = webhook.receive(account_id, raw_body(router.current_event.raw_event))
    if answer.challenge is not None:
        # KOOK wants exactly {"challenge": "..."} back.
        return Response(status_code=200, content_type=content_types.APPLICATION_JSON,
                        body=json.dumps({"challenge": answer.challenge}))
    return ENVELOPE.ok({"result": answer.outcome})
