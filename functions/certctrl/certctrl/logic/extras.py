"""The "other" routes, each behind a feature flag (ENABLED_FEATURES; a route whose flag is off answers 404, as if
it did not exist). docs/certctrl.md §8, "Other routes".

- `txt-as-url`: `POST /txt-as-url-response {text, ttl_seconds}` stores a text (at most 64 KiB, 1 minute to 30
  days, default a day) and answers its URL; `GET /txt-as-url-response/{uuid}` serves it as `text/plain` to anyone
  who has the URL (an unguessable UUID4), with `nosniff` and a sandboxing CSP, until it expires. Uses: a value a
  device or a CA must fetch by URL (a challenge, a one-off config).
- `iroiro` ("various", experimental; the contract gives only the path): `GET /apiv1/iroiro` answers what a front
  end wants to know in one call: the server's time, the API version, the enabled features, the notification
  events and the WebAuthn relying party.
"""

from __future__ import annotations

import uuid as uuidlib
from typing import Any

from certctrl import api, clock, config
from certctrl.logic import notify_events
from certctrl.logic.callers import UserCaller
from certctrl.models.identity_entities import TextResponse
from certctrl.store import limits, texts
from suite.errors import NotFound, TooManyRequests

MAX_TEXT_BYTES = 64 * 1024
UUID4 = 36


def require(feature: str) -> None:
    if not config.extended().feature(feature):
        raise NotFound("Route not found", code="404")


def store_text(caller: UserCaller, text: str, ttl_seconds: int) -> dict[str, Any]:
    require("txt-as-url")
    decision = limits.hit(f"text-url#{caller.user_id}", limit=100, window_seconds=3600)
    if not decision.allowed:
        raise TooManyRequests("Too many texts; try again later", retry_after=decision.retry_after,
                              details={"params": {"retry_after": decision.retry_after}})
    if len(text.encode("utf-8")) > MAX_TEXT_BYTES:
        from suite.errors import ApiError  # noqa: PLC0415

        raise ApiError(f"text: at most {MAX_TEXT_BYTES} bytes", status=413, code="413")
    key = str(uuidlib.uuid4())
    now = clock.epoch()
    texts.save(TextResponse(f"TEXT#{key}", "TEXT", uuid=key, user_id=caller.user_id, text=text,
                            created_at_ms=clock.epoch_ms(), expires_at=now + ttl_seconds))
    return {"uuid": key, "url": f"{config.extended().public_api_url}/txt-as-url-response/{key}",
            "expires_at": now + ttl_seconds, "bytes": len(text.encode("utf-8"))}


def read_text(key: str) -> str:
    require("txt-as-url")
    try:
        valid = len(key) == UUID4 and str(uuidlib.UUID(key)) == key
    except ValueError:
        valid = False
    item = texts.get(key) if valid else None
    if item is None or item.expires_at <= clock.epoch():
        raise NotFound("Not found or expired", code="404")
    return item.text


def iroiro(caller: UserCaller) -> dict[str, Any]:
    require("iroiro")
    settings = config.extended()
    return {"server_time": clock.epoch_ms(), "api": {"title": api.TITLE, "version": api.VERSION},
            "features": sorted(settings.enabled_features), "user_id": caller.user_id,
            "notification_events": notify_events.catalogue(),
            "webauthn": {"rp_id": settings.webauthn_rp_id, "origins": list(settings.webauthn_origins)}}
