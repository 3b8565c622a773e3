"""Notification channels, subscriptions and templates (docs/certctrl.md §8, "Notifications").

- **Channels**: `email` (an address, verified by a 6-digit code sent to it: 30 minutes, 5 attempts; resend at most
  once a minute and 5 times an hour) and `wechat` (an official account's app id and secret, the follower's openid
  and a template id; verified by the official account's server check, see `handshake`). A channel receives
  nothing until verified, and nothing while disabled. At most MAX_CHANNELS per user; an address once per user.
  Changing an e-mail address (or a WeChat app id) makes the channel unverified again.
- **Subscriptions** `(event_key, channel)`: `event_key` from the catalogue (logic/notify_events.py) or `*`;
  `channel` a channel id of the user, or `email` / `wechat` (every verified channel of that type).
- **Templates** are global: built-in ones for every event and channel type, replaced by stored ones with the same
  id (`<event_key>.<channel_type>[.<locale>]`); only admins write them. `{{field}}` prints an event's field.
- **WeChat handshake**: POST gives a handshake URL and a Token to enter in the official account's server settings;
  WeChat then calls the URL with `signature = sha1(sort(token, timestamp, nonce))`, and a match (timestamp within
  5 minutes) answers `echostr` and verifies the channel.
"""

from __future__ import annotations

import hashlib
import hmac
import re
import secrets
import string
from typing import Any

from certctrl import clock, config, ids
from certctrl.logic import notify_events
from certctrl.logic.accounts import EMAIL
from certctrl.logic.callers import UserCaller
from certctrl.models.notification_entities import (
    ChannelCode,
    NotificationChannel,
    NotificationSubscription,
    NotificationTemplate,
    WechatHandshake,
)
from certctrl.store import counters, limits, mail, sealed
from certctrl.store import notifications as store
from suite.errors import BadRequest, Conflict, Forbidden, NotFound, TooManyRequests
from suite.security.masking import mask_secret
from suite.security.opaque_tokens import digest_matches

MAX_CHANNELS = 20
CODE_SECONDS = 30 * 60
CODE_ATTEMPTS = 5
RESEND_SECONDS = 60
HANDSHAKE_SECONDS = 24 * 3600
SIGNATURE_WINDOW = 300
TEMPLATE_ID = re.compile(r"^[a-z0-9][a-z0-9._-]{0,99}$")
WECHAT_ID = re.compile(r"^[A-Za-z0-9_-]{1,128}$")
TOKEN_ALPHABET = string.ascii_letters + string.digits


def _limit(key: str, *, limit: int, window_seconds: int) -> None:
    decision = limits.hit(key, limit=limit, window_seconds=window_seconds)
    if not decision.allowed:
        raise TooManyRequests("Too many requests; try again later", retry_after=decision.retry_after,
                              details={"params": {"retry_after": decision.retry_after}})


def _not_found() -> NotFound:
    return NotFound("Channel not found", code="404")


# ------------------------------------------------------------------------------------------------ channels

def channel_view(item: NotificationChannel) -> dict[str, Any]:
    view: dict[str, Any] = {
        "id": int(item.id), "type": item.type, "name": item.name, "address": item.address, "locale": item.locale,
        "verified": bool(item.verified), "enabled": bool(item.enabled), "created_at": int(item.created_at_ms),
        "updated_at": int(item.updated_at_ms),
        "verified_at": int(item.verified_at_ms) if item.verified_at_ms else None, "wechat": None}
    if item.type == "wechat":
        view["wechat"] = {"app_id": item.wechat_app_id, "open_id": item.wechat_open_id,
                          "template_id": item.wechat_template_id, "app_secret_set": bool(item.wechat_app_secret)}
    return view


def _email(value: str | None) -> str:
    address = (value or "").strip().lower()
    if len(address) > 254 or not EMAIL.match(address):
        raise BadRequest("address: not a valid e-mail address")
    return address


def _wechat_field(name: str, value: str | None) -> str:
    if not value or not WECHAT_ID.match(value):
        raise BadRequest(f"{name}: letters, digits, '_' or '-' (1-128)")
    return value


def _new_code(channel: NotificationChannel) -> tuple[str, ChannelCode]:
    code = ids.email_code()
    now = clock.epoch()
    return code, ChannelCode(store.user_key(channel.user_id), f"CHCODE#{channel.id}",
                             digest=ids.digest(f"{channel.id}:{code}"), attempts=0, created_at=now,
                             expires_at=now + CODE_SECONDS)


def _send_code(channel: NotificationChannel, code: str) -> None:
    text = (f"Enter this code to receive cert-ctrl notifications at this address: {code}\n\nIt is valid for "
            f"{CODE_SECONDS // 60} minutes. If you did not ask for it, ignore this message.")
    mail.send(mail.EmailMessage(to=channel.address or "", subject="Confirm your cert-ctrl notification address",
                                text=text, tags={"kind": "channel-verify"}))


def _owned(caller: UserCaller, channel_id: int) -> NotificationChannel:
    item = store.channel(caller.user_id, channel_id)
    if item is None:
        raise _not_found()
    return item


def list_channels(caller: UserCaller, *, offset: int, limit: int) -> tuple[list[dict[str, Any]], int]:
    items = sorted(store.channels(caller.user_id), key=lambda c: c.id)
    return [channel_view(c) for c in items[offset:offset + limit]], len(items)


def get_channel(caller: UserCaller, channel_id: int) -> dict[str, Any]:
    return channel_view(_owned(caller, channel_id))


def create_channel(caller: UserCaller, request: Any) -> dict[str, Any]:
    _limit(f"channel-create#{caller.user_id}", limit=30, window_seconds=3600)
    existing = store.channels(caller.user_id)
    if len(existing) >= MAX_CHANNELS:
        raise Conflict(f"A user has at most {MAX_CHANNELS} channels", code="409")
    now_ms = clock.epoch_ms()
    item = NotificationChannel(store.user_key(caller.user_id), "", id=0, user_id=caller.user_id, type=request.type,
                               name=request.name.strip(), locale=request.locale, verified=False,
                               enabled=request.enabled, created_at_ms=now_ms, updated_at_ms=now_ms)
    code_item, code = None, None
    if request.type == "email":
        item.address = _email(request.address)
        if any(c.type == "email" and c.address == item.address for c in existing):
            raise Conflict("This address is a channel already", code="409")
    else:
        item.wechat_app_id = _wechat_field("app_id", request.app_id)
        item.wechat_open_id = _wechat_field("open_id", request.open_id)
        item.wechat_template_id = _wechat_field("template_id", request.template_id)
        if not request.app_secret:
            raise BadRequest("app_secret: required for a WeChat channel")
    item.id = counters.next_id("channels")
    item.sk = store.channel_sk(item.id)
    if request.type == "wechat":
        item.wechat_app_secret = sealed.seal("wechat_app_secret", request.app_secret, user=caller.user_id,
                                             channel=item.id)
    if request.type == "email":
        code, code_item = _new_code(item)
        item.code_sent_at = clock.epoch()
    store.create_channel(item, code_item)
    if code is not None:
        _send_code(item, code)
    return channel_view(item)


def update_channel(caller: UserCaller, channel_id: int, request: Any) -> dict[str, Any]:
    item = _owned(caller, channel_id)
    seen = int(item.updated_at_ms)
    if request.name is not None:
        item.name = request.name.strip()
    if request.enabled is not None:
        item.enabled = request.enabled
    if request.locale is not None:
        item.locale = request.locale
    code, code_item = None, None
    if item.type == "email" and request.address is not None:
        address = _email(request.address)
        if address != item.address:
            if any(c.type == "email" and c.address == address and c.id != item.id
                   for c in store.channels(caller.user_id)):
                raise Conflict("This address is a channel already", code="409")
            item.address, item.verified, item.verified_at_ms = address, False, None
            code, code_item = _new_code(item)
            item.code_sent_at = clock.epoch()
    if item.type == "wechat":
        _update_wechat(item, request)
    item.updated_at_ms = max(clock.epoch_ms(), seen + 1)
    if not store.save_channel(item, code=code_item, expected_updated_at_ms=seen):
        raise Conflict("The channel changed meanwhile; read it again", code="409")
    if code is not None:
        _send_code(item, code)
    return channel_view(item)


def _update_wechat(item: NotificationChannel, request: Any) -> None:
    if request.app_id is not None and request.app_id != item.wechat_app_id:
        item.wechat_app_id = _wechat_field("app_id", request.app_id)
        item.verified, item.verified_at_ms = False, None  # another official account: check it again
    if request.open_id is not None:
        item.wechat_open_id = _wechat_field("open_id", request.open_id)
    if request.template_id is not None:
        item.wechat_template_id = _wechat_field("template_id", request.template_id)
    if request.app_secret:
        item.wechat_app_secret = sealed.seal("wechat_app_secret", request.app_secret, user=item.user_id,
                                             channel=item.id)


def delete_channel(caller: UserCaller, channel_id: int) -> None:
    naming = [s for s in store.subscriptions(caller.user_id) if s.channel == str(channel_id)]
    if not store.delete_channel(caller.user_id, channel_id, naming):
        raise _not_found()


def resend_code(caller: UserCaller, channel_id: int) -> dict[str, Any]:
    item = _owned(caller, channel_id)
    if item.type != "email":
        raise BadRequest("Only e-mail channels are verified by a code")
    if item.verified:
        raise Conflict("This channel is verified already", code="409")
    now = clock.epoch()
    wait = int(item.code_sent_at or 0) + RESEND_SECONDS - now
    if wait > 0:
        raise TooManyRequests("A code was sent a moment ago; try again later", retry_after=wait,
                              details={"params": {"retry_after": wait}})
    _limit(f"channel-resend#{channel_id}", limit=5, window_seconds=3600)
    code, code_item = _new_code(item)
    store.save_code(code_item, item, sent_at=now)
    _send_code(item, code)
    return {"status": "code_sent", "expires_in": CODE_SECONDS, "resend_after": RESEND_SECONDS}


def verify_code(caller: UserCaller, channel_id: int, code: str, *, ip: str) -> dict[str, Any]:
    _limit(f"channel-code-ip#{ip}", limit=30, window_seconds=900)
    item = _owned(caller, channel_id)
    if item.type != "email":
        raise BadRequest("Only e-mail channels are verified by a code")
    if item.verified:
        return channel_view(item)
    wrong = BadRequest("The code is wrong or has expired", code="400")
    stored = store.code(caller.user_id, channel_id)
    if stored is None or stored.expires_at <= clock.epoch():
        raise wrong
    if not digest_matches(f"{channel_id}:{code.strip()}", stored.digest):
        store.count_attempt(stored, limit=CODE_ATTEMPTS)
        raise wrong
    now_ms = clock.epoch_ms()
    if not store.mark_verified(caller.user_id, channel_id, now_ms=now_ms):
        raise _not_found()
    item.verified, item.verified_at_ms, item.updated_at_ms = True, now_ms, now_ms
    return channel_view(item)


# ------------------------------------------------------------------------------------------------ subscriptions

def subscription_view(item: NotificationSubscription) -> dict[str, Any]:
    return {"event_key": item.event_key, "channel": item.channel, "enabled": bool(item.enabled),
            "created_at": int(item.created_at_ms), "updated_at": int(item.updated_at_ms)}


def _check_channel(caller: UserCaller, channel: str) -> str:
    if channel in notify_events.CHANNEL_TYPES:
        return channel
    if channel.isdigit() and len(channel) <= 18:
        if store.channel(caller.user_id, int(channel)) is None:
            raise NotFound("Channel not found", code="404")
        return str(int(channel))
    raise BadRequest("channel: a channel id of yours, or email / wechat (every verified channel of that type)")


def list_subscriptions(caller: UserCaller) -> list[dict[str, Any]]:
    return [subscription_view(s) for s in store.subscriptions(caller.user_id)]


def get_subscription(caller: UserCaller, event_key: str, channel: str) -> dict[str, Any]:
    item = store.subscription(caller.user_id, event_key, channel)
    if item is None:
        raise NotFound("Subscription not found", code="404")
    return subscription_view(item)


def subscribe(caller: UserCaller, event_key: str, channel: str, *, enabled: bool = True) -> dict[str, Any]:
    notify_events.check_event_key(event_key)
    channel = _check_channel(caller, channel)
    now_ms = clock.epoch_ms()
    found = store.subscription(caller.user_id, event_key, channel)
    if found is None and len(store.subscriptions(caller.user_id)) >= 200:
        raise Conflict("A user has at most 200 subscriptions", code="409")
    item = NotificationSubscription(store.user_key(caller.user_id), store.subscription_sk(event_key, channel),
                                    user_id=caller.user_id, event_key=event_key, channel=channel, enabled=enabled,
                                    created_at_ms=int(found.created_at_ms) if found else now_ms,
                                    updated_at_ms=now_ms)
    store.save_subscription(item)
    return subscription_view(item)


def unsubscribe(caller: UserCaller, event_key: str, channel: str) -> None:
    if not store.delete_subscription(caller.user_id, event_key, channel):
        raise NotFound("Subscription not found", code="404")


# ------------------------------------------------------------------------------------------------ templates

def _template_view(data: dict[str, Any], source: str, updated_at: int | None = None) -> dict[str, Any]:
    return {**data, "source": source, "updated_at": updated_at}


def _stored_view(item: NotificationTemplate, builtin_ids: set[str]) -> dict[str, Any]:
    data = {"id": item.sk, "event_key": item.event_key, "channel_type": item.channel_type, "locale": item.locale,
            "subject": item.subject, "body": item.body}
    return _template_view(data, "override" if item.sk in builtin_ids else "custom", int(item.updated_at_ms))


def list_templates() -> list[dict[str, Any]]:
    builtins = {t["id"]: t for t in notify_events.builtin_templates()}
    stored = {item.sk: item for item in store.templates()}
    views = [_stored_view(stored[i], set(builtins)) if i in stored else _template_view(t, "builtin")
             for i, t in builtins.items()]
    views += [_stored_view(item, set(builtins)) for i, item in sorted(stored.items()) if i not in builtins]
    return views


def get_template(template_id: str) -> dict[str, Any]:
    builtins = {t["id"]: t for t in notify_events.builtin_templates()}
    item = store.template(template_id) if TEMPLATE_ID.match(template_id) else None
    if item is not None:
        return _stored_view(item, set(builtins))
    if template_id in builtins:
        return _template_view(builtins[template_id], "builtin")
    raise NotFound("Template not found", code="404")


def _check_template(request: Any) -> None:
    notify_events.check_event_key(request.event_key, allow_all=False)
    for field in ("subject", "body"):
        for name in notify_events.PLACEHOLDER.findall(getattr(request, field)):
            if name not in (*notify_events.BY_KEY[request.event_key].fields, "event_key") and \
                    not name.endswith("_iso") and name not in ("not_after", "serial_number", "days_left"):
                raise BadRequest(f"{field}: {{{{{name}}}}} is not a field of {request.event_key}")


def _require_admin(caller: UserCaller) -> None:
    if "admin" not in (caller.user.roles or []):
        raise Forbidden("Only administrators change templates", code="403")


def create_template(caller: UserCaller, request: Any) -> dict[str, Any]:
    _require_admin(caller)
    _check_template(request)
    template_id = request.id or (f"{request.event_key}.{request.channel_type}" + (
        "" if request.locale == "en" else f".{request.locale}"))
    if not TEMPLATE_ID.match(template_id):
        raise BadRequest("id: lower-case letters, digits, '.', '_' or '-' (1-100)")
    now_ms = clock.epoch_ms()
    item = NotificationTemplate(store.TEMPLATES, template_id, event_key=request.event_key,
                                channel_type=request.channel_type, locale=request.locale, subject=request.subject,
                                body=request.body, updated_by=caller.user_id, created_at_ms=now_ms,
                                updated_at_ms=now_ms)
    if not store.create_template(item):
        raise Conflict("A template with this id exists; PUT replaces it", code="409")
    return get_template(template_id)


def put_template(caller: UserCaller, template_id: str, request: Any) -> dict[str, Any]:
    _require_admin(caller)
    if not TEMPLATE_ID.match(template_id):
        raise NotFound("Template not found", code="404")
    _check_template(request)
    builtin = next((t for t in notify_events.builtin_templates() if t["id"] == template_id), None)
    if builtin and (builtin["event_key"], builtin["channel_type"]) != (request.event_key, request.channel_type):
        raise BadRequest(f"{template_id} is the built-in template of {builtin['event_key']} by "
                         f"{builtin['channel_type']}: keep its event_key and channel_type")
    found = store.template(template_id)
    now_ms = clock.epoch_ms()
    store.save_template(NotificationTemplate(
        store.TEMPLATES, template_id, event_key=request.event_key, channel_type=request.channel_type,
        locale=request.locale, subject=request.subject, body=request.body, updated_by=caller.user_id,
        created_at_ms=int(found.created_at_ms) if found else now_ms, updated_at_ms=now_ms))
    return get_template(template_id)


def delete_template(caller: UserCaller, template_id: str) -> None:
    stored = store.template(template_id) if TEMPLATE_ID.match(template_id) else None
    builtin = any(t["id"] == template_id for t in notify_events.builtin_templates())
    if stored is None and not builtin:
        raise NotFound("Template not found", code="404")  # templates are public: saying so tells nothing
    _require_admin(caller)
    if stored is None:
        raise Conflict("Built-in templates cannot be deleted (PUT replaces one; deleting the replacement "
                       "restores it)", code="409")
    if not store.delete_template(template_id):
        raise NotFound("Template not found", code="404")


# ------------------------------------------------------------------------------------------------ WeChat

def _handshake_url(user_id: int, token: str) -> str:
    return f"{config.extended().public_api_url}/apiv1/users/{user_id}/notifications/wechat/handshake/{token}"


def start_handshake(caller: UserCaller, channel_id: int) -> dict[str, Any]:
    item = _owned(caller, channel_id)
    if item.type != "wechat":
        raise BadRequest("channel_id: not a WeChat channel")
    _limit(f"wechat-handshake#{caller.user_id}", limit=20, window_seconds=3600)
    handshake_token = secrets.token_urlsafe(24)
    token = "".join(secrets.choice(TOKEN_ALPHABET) for _ in range(32))
    now = clock.epoch()
    store.save_handshake(WechatHandshake(
        f"WXHS#{ids.digest(handshake_token)}", "WXHS", user_id=caller.user_id, channel_id=channel_id,
        token=sealed.seal("wechat_token", token, user=caller.user_id, channel=channel_id), created_at=now,
        expires_at=now + HANDSHAKE_SECONDS))
    return {"channel_id": channel_id, "handshake_token": handshake_token,
            "url": _handshake_url(caller.user_id, handshake_token), "token": token,
            "token_hint": mask_secret(token), "expires_at": now + HANDSHAKE_SECONDS}


def wechat_signature(token: str, timestamp: str, nonce: str) -> str:
    return hashlib.sha1("".join(sorted([token, timestamp, nonce])).encode(), usedforsecurity=False).hexdigest()


def answer_handshake(user_id: str, handshake_token: str, *, signature: str, timestamp: str, nonce: str,
                     echostr: str) -> str:
    """WeChat's server check: `echostr` when the signature is right (and the channel is verified)."""
    unknown = NotFound("Unknown handshake", code="404")
    if not user_id.isdigit() or len(handshake_token) > 128:
        raise unknown
    item = store.handshake(ids.digest(handshake_token))
    now = clock.epoch()
    if item is None or str(item.user_id) != user_id or (item.expires_at and item.expires_at <= now):
        raise unknown
    if not timestamp.isdigit() or abs(int(timestamp) - now) > SIGNATURE_WINDOW:
        raise Forbidden("The signature's timestamp is too old or in the future", code="403")
    token = sealed.open_sealed("wechat_token", item.token, user=item.user_id, channel=item.channel_id)
    if not hmac.compare_digest(wechat_signature(token, timestamp, nonce), signature.lower()):
        raise Forbidden("Signature mismatch", code="403")
    if not item.verified_at and not store.complete_handshake(item, now=now, now_ms=clock.epoch_ms()):
        raise unknown  # the channel was deleted meanwhile
    return echostr
