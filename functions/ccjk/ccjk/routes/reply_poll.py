"""`GET /reply/poll` (device token): the long poll for replies, on its own function (it holds a request up to
25 s). A refused poll carries `Retry-After` (access.DEVICE_POLLING)."""

from __future__ import annotations

from typing import Annotated

from aws_lambda_powertools.event_handler.openapi.params import Query

from ccjk import access
from ccjk.api import ENVELOPE
from ccjk.logic import replies
from ccjk.models.replies import Polled
from ccjk.routes.common import Quota, limited
from suite import auth
from suite.api import Router

router = Router()
DEFAULT_REMAINING_MS = 29_000  # without a Lambda context (tools, tests): the function's timeout


@router.get("/reply/poll", auth=access.DEVICE_POLLING, returns=Polled, errors=(400, 429),
            middlewares=[limited(Quota("reply-poll", 60, 60))],
            summary="Wait for replies (up to 25 s): with since, every reply after it; without, the next one not "
                    "handed out yet", tags=["reply"])
def poll(timeout: Annotated[str | None, Query(description="Seconds (≤ 60) or milliseconds (> 60); default 30; "
                                                          "the wait is at most 25 s")] = None,
         since: Annotated[str | None, Query(description="ISO-8601: replies created after it (exclusive)")] = None):
    context = router.lambda_context
    remaining_ms = context.get_remaining_time_in_millis() if context else DEFAULT_REMAINING_MS
    found = replies.poll(auth.caller(), timeout_text=timeout, since_text=since, remaining_seconds=remaining_ms / 1000)
    return ENVELOPE.ok_spread(found)
