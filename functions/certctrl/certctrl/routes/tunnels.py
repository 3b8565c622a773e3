"""A user's tunnel sessions and webhook logs, and the public webhook route (logic/tunnels.py says how)."""

from __future__ import annotations

from aws_lambda_powertools.event_handler import Response

from certctrl import access
from certctrl.logic import tunnels
from certctrl.models.tunnels import TunnelSessionView, WebhookLogView
from certctrl.routes import common
from suite import auth, body
from suite.api import Router

router = Router()
hooks = Router()
TAGS = ["tunnels"]


@router.get("/apiv1/users/<user_id>/tunnel_sessions", auth=access.user("tunnels", "read"),
            returns=list[TunnelSessionView], errors=(403,), summary="Tunnel connections, newest first", tags=TAGS)
def tunnel_sessions(user_id: str):
    page = common.pagination(router)
    items, total = tunnels.sessions(common.user_caller().user_id, offset=page.offset, limit=page.limit)
    return common.listed(items, page, total)


@router.get("/apiv1/users/<user_id>/tunnel_webhook_logs", auth=access.user("tunnels", "read"),
            returns=list[WebhookLogView], errors=(403,), summary="Relayed webhooks, newest first", tags=TAGS)
def tunnel_webhook_logs(user_id: str):
    page = common.pagination(router)
    items, total = tunnels.logs(common.user_caller().user_id, offset=page.offset, limit=page.limit)
    return common.listed(items, page, total)


@hooks.post("/hooks/<tunnel_id>", media_type="application/octet-stream", errors=(404, 413, 415, 429, 502, 504),
            summary="A webhook for a device's tunnel: relayed to the device, its answer relayed back",
            description="Public. The device's status, headers and body come back as the device sent them (minus "
                        "hop-by-hop and cookie headers); 502 when the device is not connected, 504 when it does not "
                        "answer within TUNNEL_WAIT_SECONDS.", tags=TAGS)
def webhook(tunnel_id: str):
    event = hooks.current_event
    headers = {str(k): str(v) for k, v in (event.headers or {}).items()}
    answer = tunnels.relay(tunnel_id, method="POST", query=event.raw_event.get("rawQueryString") or "",
                           headers=headers, body=body.raw(event.raw_event), source_ip=auth.source_ip(event))
    content_type = next((v for k, v in answer.headers.items() if k.lower() == "content-type"),
                        "application/octet-stream")
    rest = {k: v for k, v in answer.headers.items() if k.lower() != "content-type"}
    return Response(status_code=answer.status, content_type=content_type, body=answer.body, headers=rest)
