"""The platforms' callbacks (public: each request is authenticated by the platform's own signature or token, in
logic/reply_callbacks.py). They answer what each platform expects, not the envelope: Feishu `{"challenge"}` or
`{}`/a toast, DingTalk a text message, WeCom the decrypted `echostr` as plain text or an empty 200. Refusals (401),
bad bodies (400) and unconfigured platforms (404) are answered in the envelope."""

from __future__ import annotations

from typing import Annotated

from aws_lambda_powertools.event_handler import Response, content_types
from aws_lambda_powertools.event_handler.openapi.params import Query

from ccjk.logic import reply_callbacks
from suite import body
from suite.api import Router

router = Router()
TAGS = ["reply callbacks"]
PLATFORM_ERRORS = (400, 401, 404)


def _headers() -> dict[str, str]:
    return {str(k).lower(): str(v) for k, v in (router.current_event.headers or {}).items()}


def _query() -> dict[str, str]:
    return dict(router.current_event.query_string_parameters or {})


@router.post("/reply/feishu", errors=PLATFORM_ERRORS,
             summary="Feishu app callback: URL challenge, card button clicks, messages to the bot", tags=TAGS)
def feishu() -> dict:
    return reply_callbacks.feishu(body.raw(router.current_event.raw_event), _headers())


@router.post("/reply/dingtalk", errors=PLATFORM_ERRORS,
             summary="DingTalk app robot callback (HTTP mode): `#<replyCode> <answer>` messages", tags=TAGS)
def dingtalk() -> dict:
    return reply_callbacks.dingtalk(body.raw(router.current_event.raw_event), _headers())


Param = Annotated[str | None, Query()]


@router.get("/reply/wechat", errors=PLATFORM_ERRORS, media_type="text/plain",
            summary="WeCom application callback URL verification: the decrypted echostr", tags=TAGS)
def wecom_verify(msg_signature: Param = None, timestamp: Param = None, nonce: Param = None,
                 echostr: Param = None):
    plain = reply_callbacks.wecom_verify_url({"msg_signature": msg_signature or "", "timestamp": timestamp or "",
                                              "nonce": nonce or "", "echostr": echostr or ""})
    return Response(status_code=200, content_type=content_types.TEXT_PLAIN, body=plain)


@router.post("/reply/wechat", errors=PLATFORM_ERRORS, media_type="text/plain",
             summary="WeCom application callback: encrypted messages and template-card clicks", tags=TAGS)
def wecom_message(msg_signature: Param = None, timestamp: Param = None, nonce: Param = None):
    reply_callbacks.wecom_message(body.raw(router.current_event.raw_event), {
        "msg_signature": msg_signature or "", "timestamp": timestamp or "", "nonce": nonce or ""})
    return Response(status_code=200, content_type=content_types.TEXT_PLAIN, body="")
