"""KOOK's bot webhook: the callback URL to configure in KOOK's developer console is
`https://<api>/kook/webhook/<account_id>` (add `?compress=0` to receive uncompressed events; both are read)."""

import json

from aws_lambda_powertools.event_handler import Response, content_types

from kook.api import ENVELOPE
from kook.logic import webhook
from kook.routes.common import raw_body
from suite.api import Router

router = Router()
TAGS = ["ingest"]


@router.post("/kook/webhook/<account_id>", tags=TAGS, summary="KOOK bot webhook (challenge and events)")
def receive(account_id: int):
    answer = webhook.receive(account_id, raw_body(router.current_event.raw_event))
    if answer.challenge is not None:
        # KOOK wants exactly {"challenge": "..."} back.
        return Response(status_code=200, content_type=content_types.APPLICATION_JSON,
                        body=json.dumps({"challenge": answer.challenge}))
    return ENVELOPE.ok({"result": answer.outcome})
