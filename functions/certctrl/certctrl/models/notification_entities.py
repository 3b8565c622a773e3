"""Stored entities of notifications (issue 19), PynamoDB models in NotificationsTable (decision 0008; keys in
docs/certctrl.md §8). Secrets (a WeChat app secret, a handshake's Token) are kept sealed (suite.security.secret_box).
"""

from __future__ import annotations

from pynamodb.attributes import BooleanAttribute, NumberAttribute, UnicodeAttribute
from pynamodb.models import Model

from suite.entities import table_from_env

NOTIFICATIONS = "NOTIFICATIONS_TABLE"


class NotificationChannel(Model):
    """pk `USER#<id>`, sk `CHANNEL#<id, 12 digits>`: where a user's notifications go. Only a verified, enabled
    channel receives anything: e-mail is verified by the code sent to it, WeChat by the official account's
    server check (the handshake)."""

    Meta = table_from_env(NOTIFICATIONS)
    pk = UnicodeAttribute(hash_key=True)
    sk = UnicodeAttribute(range_key=True)
    id = NumberAttribute()
    user_id = NumberAttribute()
    type = UnicodeAttribute()  # email | wechat
    name = UnicodeAttribute()
    address = UnicodeAttribute(null=True)  # email
    locale = UnicodeAttribute(default="en")
    verified = BooleanAttribute(default=False)
    enabled = BooleanAttribute(default=True)
    wechat_app_id = UnicodeAttribute(null=True)
    wechat_open_id = UnicodeAttribute(null=True)
    wechat_template_id = UnicodeAttribute(null=True)
    wechat_app_secret = UnicodeAttribute(null=True)  # sealed
    created_at_ms = NumberAttribute()
    updated_at_ms = NumberAttribute()
    verified_at_ms = NumberAttribute(null=True)
    code_sent_at = NumberAttribute(null=True)


class ChannelCode(Model):
    """pk `USER#<id>`, sk `CHCODE#<channel id>`: the e-mail code that verifies a channel (digest only)."""

    Meta = table_from_env(NOTIFICATIONS)
    pk = UnicodeAttribute(hash_key=True)
    sk = UnicodeAttribute(range_key=True)
    digest = UnicodeAttribute()
    attempts = NumberAttribute(default=0)
    created_at = NumberAttribute()
    expires_at = NumberAttribute()


class NotificationSubscription(Model):
    """pk `USER#<id>`, sk `SUB#<event_key>#<channel>`: `channel` is a channel id, or a channel type (`email`,
    `wechat`) meaning every verified channel of that type."""

    Meta = table_from_env(NOTIFICATIONS)
    pk = UnicodeAttribute(hash_key=True)
    sk = UnicodeAttribute(range_key=True)
    user_id = NumberAttribute()
    event_key = UnicodeAttribute()
    channel = UnicodeAttribute()
    enabled = BooleanAttribute(default=True)
    created_at_ms = NumberAttribute()
    updated_at_ms = NumberAttribute()


class NotificationTemplate(Model):
    """pk `TEMPLATES`, sk `<template id>`: a global template (one partition: templates are few and read together).
    Built-in templates live in code; a stored one with the same id replaces it."""

    Meta = table_from_env(NOTIFICATIONS)
    pk = UnicodeAttribute(hash_key=True)
    sk = UnicodeAttribute(range_key=True)
    event_key = UnicodeAttribute()
    channel_type = UnicodeAttribute()
    locale = UnicodeAttribute(default="en")
    subject = UnicodeAttribute()
    body = UnicodeAttribute()
    updated_by = NumberAttribute(null=True)
    created_at_ms = NumberAttribute()
    updated_at_ms = NumberAttribute()


class WechatHandshake(Model):
    """pk `WXHS#<sha256(handshake token)>`, sk `WXHS`: the server check of a WeChat channel's official account.
    `token` is the Token entered in the official account's server settings (sealed); it signs WeChat's checks."""

    Meta = table_from_env(NOTIFICATIONS)
    pk = UnicodeAttribute(hash_key=True)
    sk = UnicodeAttribute(range_key=True)
    user_id = NumberAttribute()
    channel_id = NumberAttribute()
    token = UnicodeAttribute()  # sealed
    created_at = NumberAttribute()
    verified_at = NumberAttribute(null=True)
    expires_at = NumberAttribute(null=True)  # removed once verified (WeChat checks again when settings change)


class DeliveryReceipt(Model):
    """pk `DELIVERY#<event id>#<channel id>`, sk `DELIVERY`: this event already reached this channel (a redelivered
    queue message sends nothing twice)."""

    Meta = table_from_env(NOTIFICATIONS)
    pk = UnicodeAttribute(hash_key=True)
    sk = UnicodeAttribute(range_key=True)
    sent_at = NumberAttribute()
    outcome = UnicodeAttribute(default="sent")  # sent | rejected (the provider refused: not retried)
    message_id = UnicodeAttribute(default="")
    expires_at = NumberAttribute()


NOTIFICATION_MODELS = [NotificationChannel, ChannelCode, NotificationSubscription, NotificationTemplate,
                       WechatHandshake, DeliveryReceipt]
