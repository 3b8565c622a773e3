"""The device's side of the updates feed: `GET /apiv1/devices/self/updates` and `POST /apiv1/devices/self/notify`.

Poll: the cursor comes from `If-None-Match` (quoted, `W/` stripped) when sent, else `?cursor=`; `limit` 1–100
(default 20); `wait` 0–30 long-polls, capped below API Gateway's 30 s. 200 `{data: {cursor, signals}}` or 204;
both (and a 409) carry `ETag: "<cursor>"`, `Cache-Control: no-store` and `X-Poll-Interval: <seconds>`.
"""

from __future__ import annotations

from typing import Annotated

from aws_lambda_powertools.event_handler.openapi.params import Query

from certctrl import access, config
from certctrl.api import ENVELOPE
from certctrl.errors import CursorTrimmed
from certctrl.logic import agent, feed
from certctrl.models.feed import NotifyBody, UpdatesView
from certctrl.routes import common
from suite import auth
from suite.api import Router

router = Router()
TAGS = ["device-self"]


def _headers(cursor: str | None) -> dict[str, str]:
    headers = {"Cache-Control": "no-store", "X-Poll-Interval": str(config.get().poll_interval_seconds)}
    if cursor is not None:
        headers["ETag"] = f'"{cursor}"'
    return headers


@router.get("/apiv1/devices/self/updates", auth=access.DEVICE, returns=UpdatesView, empty=(204,), errors=(409,),
            summary="Signals for this device after the cursor (204 when there are none)",
            description="409 with code 40901 and params {action: full_resync, reset_cursor, signal_type, reason, "
                        "earliest_retained_id} when signals after the cursor are gone.", tags=TAGS)
def updates(cursor: Annotated[str | None, Query(max_length=64)] = None,
            limit: Annotated[int, Query(ge=1, le=100)] = 20,
            wait: Annotated[int, Query(ge=0, le=30)] = 0):
    caller = common.device_caller()
    presented = auth.header(router.current_event, "If-None-Match") or cursor
    try:
        answer = feed.poll(caller.device_id, presented, limit=limit, wait=wait)
    except CursorTrimmed as trimmed:
        trimmed.headers.update(_headers(None))
        raise
    agent.seen(caller)
    if not answer.signals:
        return ENVELOPE.no_content(headers=_headers(answer.cursor))
    return ENVELOPE.ok({"cursor": answer.cursor, "signals": answer.signals}, headers=_headers(answer.cursor))


@router.post("/apiv1/devices/self/notify", auth=access.DEVICE, status_code=204,
             summary="The agent reports itself (agent_version); unknown event types are ignored", tags=TAGS)
def notify(request: NotifyBody):
    agent.notify(common.device_caller(), request.events)
    return ENVELOPE.no_content()
