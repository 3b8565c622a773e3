"""Notification channels, their e-mail codes, subscriptions, templates, WeChat handshakes and delivery receipts
(NotificationsTable; docs/certctrl.md §8). Everything a user has is one partition (`USER#<id>`), so the fan-out
reads a user's subscriptions and channels with Queries, never a Scan."""

from __future__ import annotations

from pynamodb.exceptions import DoesNotExist, TransactWriteError

from certctrl import config
from certctrl.models.notification_entities import (
    ChannelCode,
    DeliveryReceipt,
    NotificationChannel,
    NotificationSubscription,
    NotificationTemplate,
    WechatHandshake,
)
from certctrl.store import common

TEMPLATES = "TEMPLATES"


def user_key(user_id: int) -> str:
    return f"USER#{user_id}"


def channel_sk(channel_id: int) -> str:
    return f"CHANNEL#{channel_id:012d}"


def subscription_sk(event_key: str, channel: str) -> str:
    return f"SUB#{event_key}#{channel}"


def _is_condition_failure(error: Exception) -> bool:
    return common.is_condition_failure(error)


# ------------------------------------------------------------------------------------------------ channels

def channels(user_id: int) -> list[NotificationChannel]:
    return list(NotificationChannel.query(user_key(user_id), NotificationChannel.sk.startswith("CHANNEL#"),
                                          consistent_read=True))


def channel(user_id: int, channel_id: int) -> NotificationChannel | None:
    try:
        return NotificationChannel.get(user_key(user_id), channel_sk(channel_id), consistent_read=True)
    except DoesNotExist:
        return None


def create_channel(item: NotificationChannel, code: ChannelCode | None) -> None:
    with common.transaction() as tx:
        tx.save(item, condition=NotificationChannel.pk.does_not_exist())
        if code is not None:
            tx.save(code)


def save_channel(item: NotificationChannel, *, code: ChannelCode | None = None,
                 expected_updated_at_ms: int | None = None) -> bool:
    """Replace the channel (and its code); False when it changed or vanished meanwhile."""
    condition = NotificationChannel.pk.exists()
    if expected_updated_at_ms is not None:
        condition &= NotificationChannel.updated_at_ms == expected_updated_at_ms
    try:
        with common.transaction() as tx:
            tx.save(item, condition=condition)
            if code is not None:
                tx.save(code)
    except TransactWriteError as error:
        if common.failed_conditions(error):
            return False
        raise
    return True


def delete_channel(user_id: int, channel_id: int, subscriptions: list[NotificationSubscription]) -> bool:
    """The channel, its code and the subscriptions naming it; False when there was no such channel."""
    try:
        with common.transaction() as tx:
            tx.delete(NotificationChannel(user_key(user_id), channel_sk(channel_id)),
                      condition=NotificationChannel.pk.exists())
            tx.delete(ChannelCode(user_key(user_id), f"CHCODE#{channel_id}"))
            for sub in subscriptions[:90]:
                tx.delete(sub)
    except TransactWriteError as error:
        if common.failed_conditions(error):
            return False
        raise
    return True


def mark_verified(user_id: int, channel_id: int, *, now_ms: int) -> bool:
    try:
        with common.transaction() as tx:
            tx.update(NotificationChannel(user_key(user_id), channel_sk(channel_id)),
                      actions=[NotificationChannel.verified.set(True), NotificationChannel.verified_at_ms.set(now_ms),
                               NotificationChannel.updated_at_ms.set(now_ms)],
                      condition=NotificationChannel.pk.exists())
            tx.delete(ChannelCode(user_key(user_id), f"CHCODE#{channel_id}"))
    except TransactWriteError as error:
        if common.failed_conditions(error):
            return False
        raise
    return True


def code(user_id: int, channel_id: int) -> ChannelCode | None:
    try:
        return ChannelCode.get(user_key(user_id), f"CHCODE#{channel_id}", consistent_read=True)
    except DoesNotExist:
        return None


def save_code(item: ChannelCode, channel_item: NotificationChannel, *, sent_at: int) -> None:
    with common.transaction() as tx:
        tx.save(item)
        tx.update(channel_item, actions=[NotificationChannel.code_sent_at.set(sent_at)],
                  condition=NotificationChannel.pk.exists())


def count_attempt(item: ChannelCode, *, limit: int) -> None:
    """One more wrong guess; the code is gone once it used up its attempts."""
    try:
        item.update(actions=[ChannelCode.attempts.add(1)], condition=ChannelCode.attempts < limit - 1)
    except Exception as error:
        if not _is_condition_failure(error):
            raise
        item.delete()


# ------------------------------------------------------------------------------------------------ subscriptions

def subscriptions(user_id: int, event_key: str | None = None) -> list[NotificationSubscription]:
    prefix = f"SUB#{event_key}#" if event_key else "SUB#"
    return list(NotificationSubscription.query(user_key(user_id), NotificationSubscription.sk.startswith(prefix),
                                               consistent_read=True))


def subscription(user_id: int, event_key: str, channel_name: str) -> NotificationSubscription | None:
    try:
        return NotificationSubscription.get(user_key(user_id), subscription_sk(event_key, channel_name),
                                            consistent_read=True)
    except DoesNotExist:
        return None


def save_subscription(item: NotificationSubscription) -> None:
    item.save()


def delete_subscription(user_id: int, event_key: str, channel_name: str) -> bool:
    try:
        NotificationSubscription(user_key(user_id), subscription_sk(event_key, channel_name)).delete(
            condition=NotificationSubscription.pk.exists())
    except Exception as error:
        if _is_condition_failure(error) or "ConditionalCheckFailed" in str(error):
            return False
        raise
    return True


# ------------------------------------------------------------------------------------------------ templates

def templates() -> list[NotificationTemplate]:
    return list(NotificationTemplate.query(TEMPLATES, consistent_read=True))


def template(template_id: str) -> NotificationTemplate | None:
    try:
        return NotificationTemplate.get(TEMPLATES, template_id, consistent_read=True)
    except DoesNotExist:
        return None


def create_template(item: NotificationTemplate) -> bool:
    try:
        item.save(condition=NotificationTemplate.pk.does_not_exist())
    except Exception as error:
        if _is_condition_failure(error):
            return False
        raise
    return True


def save_template(item: NotificationTemplate) -> None:
    item.save()


def delete_template(template_id: str) -> bool:
    try:
        NotificationTemplate(TEMPLATES, template_id).delete(condition=NotificationTemplate.pk.exists())
    except Exception as error:
        if _is_condition_failure(error) or "ConditionalCheckFailed" in str(error):
            return False
        raise
    return True


# ------------------------------------------------------------------------------------------------ WeChat

def save_handshake(item: WechatHandshake) -> None:
    item.save(condition=WechatHandshake.pk.does_not_exist())


def handshake(token_digest: str) -> WechatHandshake | None:
    try:
        return WechatHandshake.get(f"WXHS#{token_digest}", "WXHS", consistent_read=True)
    except DoesNotExist:
        return None


def complete_handshake(item: WechatHandshake, *, now: int, now_ms: int) -> bool:
    """The handshake is verified (kept: WeChat checks again when its settings change) and so is the channel."""
    try:
        with common.transaction() as tx:
            tx.update(item, actions=[WechatHandshake.verified_at.set(now), WechatHandshake.expires_at.remove()],
                      condition=WechatHandshake.pk.exists())
            tx.update(NotificationChannel(user_key(item.user_id), channel_sk(item.channel_id)),
                      actions=[NotificationChannel.verified.set(True), NotificationChannel.verified_at_ms.set(now_ms),
                               NotificationChannel.updated_at_ms.set(now_ms)],
                      condition=NotificationChannel.type == "wechat")
    except TransactWriteError as error:
        if common.failed_conditions(error):
            return False
        raise
    return True


# ------------------------------------------------------------------------------------------------ receipts

def receipt(event_id: str, channel_id: int) -> DeliveryReceipt | None:
    try:
        return DeliveryReceipt.get(f"DELIVERY#{event_id}#{channel_id}", "DELIVERY", consistent_read=True)
    except DoesNotExist:
        return None


def save_receipt(item: DeliveryReceipt) -> None:
    item.save()


def table() -> str:
    return config.extended().require("notifications_table")
