"""Request helpers the certctrl routers share: the caller, the client's address, pagination, path ids, the
session cookie."""

from __future__ import annotations

from typing import Any

from aws_lambda_powertools.shared.cookies import Cookie, SameSite

from certctrl.api import ENVELOPE
from certctrl.logic import devices
from certctrl.logic.callers import DeviceCaller, UserCaller
from suite import auth
from suite.errors import NotFound
from suite.pagination import OffsetPagination

DEFAULT_LIMIT = 100


def user_caller() -> UserCaller:
    return auth.caller()


def device_caller() -> DeviceCaller:
    return auth.caller()


def client_ip(app: Any) -> str:
    return auth.source_ip(app.current_event)


def user_agent(app: Any) -> str | None:
    return auth.header(app.current_event, "User-Agent")


def pagination(app: Any) -> OffsetPagination:
    """`offset` and `limit` (default 100, at most 1000; a bigger limit is clamped)."""
    return OffsetPagination.from_query(app.current_event.query_string_parameters, default_limit=DEFAULT_LIMIT)


def listed(items: list[Any], page: OffsetPagination, total: int):
    """`{"data": [...], "offset", "limit", "total"}`: the list itself is `data` (the original's scripts read
    `.data | length` and `.data[]`)."""
    return ENVELOPE.ok(items, **page.meta(total))


def object_id(value: str, what: str = "object") -> int:
    """A numeric path id; anything else cannot name an object: 404."""
    if not value.isdigit() or len(value) > 18:
        raise NotFound(f"{what} not found", code="404")
    return int(value)


def owned_device(device_id: str) -> Any:
    """The calling user's device named by the path (models.entities.Device); anybody else's is a 404."""
    return devices.owned(user_caller().user_id, object_id(device_id, "Device"))


def session_cookie(session_id: str, max_age: int) -> Cookie:
    return Cookie(name="cjj365", value=session_id, path="/", secure=True, http_only=True,
                  same_site=SameSite.LAX_MODE, max_age=max_age)


def expired_session_cookie() -> Cookie:
    return Cookie(name="cjj365", value="", path="/", secure=True, http_only=True, same_site=SameSite.LAX_MODE,
                  max_age=0)
