"""Notification channels, subscriptions, templates and the WeChat handshake (logic/notifications.py says how)."""

from __future__ import annotations

from typing import Annotated

from aws_lambda_powertools.event_handler import Response
from aws_lambda_powertools.event_handler.openapi.params import Body, Query

from certctrl import access
from certctrl.api import ENVELOPE
from certctrl.logic import notifications
from certctrl.models.notifications import (
    ChannelCreate,
    ChannelUpdate,
    ChannelView,
    CodeSent,
    HandshakeRequest,
    HandshakeView,
    SubscriptionCreate,
    SubscriptionPut,
    SubscriptionView,
    TemplateBody,
    TemplateCreate,
    TemplateView,
    VerifyEmail,
)
from certctrl.routes import common
from suite.api import Router

router = Router()
TAGS = ["notifications"]
CHANNELS = "/apiv1/users/<user_id>/notifications/channels"
SUBSCRIPTIONS = "/apiv1/users/<user_id>/notifications/subscriptions"
TEMPLATES = "/apiv1/notifications/templates"


def _channel_id(value: str) -> int:
    return common.object_id(value, "Channel")


# ------------------------------------------------------------------------------------------------ channels

@router.get(CHANNELS, auth=access.user("notifications", "read"), returns=list[ChannelView], errors=(403,),
            summary="The user's notification channels (offset, limit)", tags=TAGS)
def list_channels(user_id: str):
    page = common.pagination(router)
    items, total = notifications.list_channels(common.user_caller(), offset=page.offset, limit=page.limit)
    return common.listed(items, page, total)


@router.post(CHANNELS, auth=access.user("notifications", "create"), returns=ChannelView, status_code=201,
             errors=(403, 409, 429), summary="Add a channel (an e-mail channel is sent its verification code)",
             tags=TAGS)
def create_channel(user_id: str, request: ChannelCreate):
    return ENVELOPE.created(notifications.create_channel(common.user_caller(), request))


@router.get(f"{CHANNELS}/<channel_id>", auth=access.user("notifications", "read", "channel_id"),
            returns=ChannelView, errors=(403, 404), summary="One channel", tags=TAGS)
def get_channel(user_id: str, channel_id: str):
    return ENVELOPE.ok(notifications.get_channel(common.user_caller(), _channel_id(channel_id)))


@router.put(f"{CHANNELS}/<channel_id>", auth=access.user("notifications", "update", "channel_id"),
            returns=ChannelView, errors=(403, 404, 409),
            summary="Change a channel (a new address must be verified again)", tags=TAGS)
def update_channel(user_id: str, channel_id: str, request: ChannelUpdate):
    return ENVELOPE.ok(notifications.update_channel(common.user_caller(), _channel_id(channel_id), request))


@router.delete(f"{CHANNELS}/<channel_id>", auth=access.user("notifications", "delete", "channel_id"),
               status_code=204, errors=(403, 404), summary="Remove a channel and the subscriptions naming it",
               tags=TAGS)
def delete_channel(user_id: str, channel_id: str):
    notifications.delete_channel(common.user_caller(), _channel_id(channel_id))
    return ENVELOPE.no_content()


@router.post(f"{CHANNELS}/<channel_id>/resend-email", auth=access.user("notifications", "update", "channel_id"),
             returns=CodeSent, errors=(403, 404, 409, 429), summary="Send the e-mail channel a new code", tags=TAGS)
def resend_email(user_id: str, channel_id: str):
    return ENVELOPE.ok(notifications.resend_code(common.user_caller(), _channel_id(channel_id)))


@router.post(f"{CHANNELS}/<channel_id>/verify-email", auth=access.user("notifications", "update", "channel_id"),
             returns=ChannelView, errors=(403, 404, 429), summary="Verify the e-mail channel with its code",
             tags=TAGS)
def verify_email(user_id: str, channel_id: str, request: VerifyEmail):
    return ENVELOPE.ok(notifications.verify_code(common.user_caller(), _channel_id(channel_id), request.code,
                                                 ip=common.client_ip(router)))


# ------------------------------------------------------------------------------------------------ subscriptions

@router.get(SUBSCRIPTIONS, auth=access.user("notifications", "read"), returns=list[SubscriptionView],
            errors=(403,), summary="The user's subscriptions", tags=TAGS)
def list_subscriptions(user_id: str):
    return ENVELOPE.ok(notifications.list_subscriptions(common.user_caller()))


@router.post(SUBSCRIPTIONS, auth=access.user("notifications", "create"), returns=SubscriptionView,
             status_code=201, errors=(403, 404, 409), summary="Subscribe a channel to an event (upsert)", tags=TAGS)
def create_subscription(user_id: str, request: SubscriptionCreate):
    return ENVELOPE.created(notifications.subscribe(common.user_caller(), request.event_key, request.channel,
                                                    enabled=request.enabled))


def _get_subscription(event_key: str, channel: str):
    return ENVELOPE.ok(notifications.get_subscription(common.user_caller(), event_key, channel))


def _put_subscription(event_key: str, channel: str, request: SubscriptionPut | None):
    enabled = request.enabled if request is not None else True
    return ENVELOPE.ok(notifications.subscribe(common.user_caller(), event_key, channel, enabled=enabled))


def _delete_subscription(event_key: str, channel: str):
    notifications.unsubscribe(common.user_caller(), event_key, channel)
    return ENVELOPE.no_content()


for _path in (f"{SUBSCRIPTIONS}/<event_key>/<channel>", f"{SUBSCRIPTIONS}/<event_key>/<channel>/"):
    @router.get(_path, auth=access.user("notifications", "read"), returns=SubscriptionView, errors=(403, 404),
                summary="One subscription (the trailing-slash form too)", tags=TAGS)
    def get_subscription(user_id: str, event_key: str, channel: str):
        return _get_subscription(event_key, channel)

    @router.put(_path, auth=access.user("notifications", "update"), returns=SubscriptionView, errors=(403, 404),
                summary="Subscribe (upsert; the trailing-slash form too)", tags=TAGS)
    def put_subscription(user_id: str, event_key: str, channel: str,
                         request: Annotated[SubscriptionPut, Body()] = None):
        return _put_subscription(event_key, channel, request)

    @router.delete(_path, auth=access.user("notifications", "delete"), status_code=204, errors=(403, 404),
                   summary="Unsubscribe (the trailing-slash form too)", tags=TAGS)
    def delete_subscription(user_id: str, event_key: str, channel: str):
        return _delete_subscription(event_key, channel)


# ------------------------------------------------------------------------------------------------ templates

@router.get(TEMPLATES, auth=access.user(None), returns=list[TemplateView],
            summary="Every template: built-in, replaced (override) and added (custom)", tags=TAGS)
def list_templates():
    return ENVELOPE.ok(notifications.list_templates())


@router.post(TEMPLATES, auth=access.session_only(), returns=TemplateView, status_code=201, errors=(403, 409),
             summary="Add a template (administrators)", tags=TAGS)
def create_template(request: TemplateCreate):
    return ENVELOPE.created(notifications.create_template(common.user_caller(), request))


@router.get(f"{TEMPLATES}/<template_id>", auth=access.user(None), returns=TemplateView, errors=(404,),
            summary="One template", tags=TAGS)
def get_template(template_id: str):
    return ENVELOPE.ok(notifications.get_template(template_id))


@router.put(f"{TEMPLATES}/<template_id>", auth=access.session_only(), returns=TemplateView, errors=(403, 404),
            summary="Write a template, or replace a built-in one (administrators)", tags=TAGS)
def put_template(template_id: str, request: TemplateBody):
    return ENVELOPE.ok(notifications.put_template(common.user_caller(), template_id, request))


@router.delete(f"{TEMPLATES}/<template_id>", auth=access.session_only(), status_code=204, errors=(403, 404, 409),
               summary="Remove a template (a replaced built-in one comes back; administrators)", tags=TAGS)
def delete_template(template_id: str):
    notifications.delete_template(common.user_caller(), template_id)
    return ENVELOPE.no_content()


# ------------------------------------------------------------------------------------------------ WeChat

@router.post("/apiv1/users/<user_id>/notifications/wechat/handshake", auth=access.user("notifications", "update"),
             returns=HandshakeView, status_code=201, errors=(403, 404, 429),
             summary="Start a WeChat channel's server check: the URL and Token for the official account", tags=TAGS)
def start_handshake(user_id: str, request: HandshakeRequest):
    return ENVELOPE.created(notifications.start_handshake(common.user_caller(), request.channel_id))


@router.get("/apiv1/users/<user_id>/notifications/wechat/handshake/<handshake_token>", media_type="text/plain",
            errors=(403, 404), summary="WeChat's server check: echostr when the SHA-1 signature matches",
            description="Called by WeChat, not by people: `signature = sha1(sorted(token, timestamp, nonce))`; the "
                        "answer is `echostr` as text, and the channel is verified.", tags=TAGS)
def wechat_check(user_id: str, handshake_token: str,  # noqa: PLR0917 (WeChat's query parameters)
                 signature: Annotated[str, Query(min_length=1, max_length=64)],
                 timestamp: Annotated[str, Query(min_length=1, max_length=16)],
                 nonce: Annotated[str, Query(min_length=1, max_length=64)],
                 echostr: Annotated[str, Query(min_length=1, max_length=256)]):
    body = notifications.answer_handshake(user_id, handshake_token, signature=signature, timestamp=timestamp,
                                          nonce=nonce, echostr=echostr)
    return Response(status_code=200, content_type="text/plain; charset=utf-8", body=body,
                    headers={"Cache-Control": "no-store", "X-Content-Type-Options": "nosniff"})
