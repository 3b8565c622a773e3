"""What every relay router shares: the admin router (credentials + operation logs), ids in paths, pages,
the caller's request facts, and answers in the envelope.

    router = AdminRouter("users")                    # every route: auth=access.ADMIN, 403 documented
    @router.put("/api/admin/users/<id>", returns=AdminUserView, errors=(400, 404), summary=..., tags=[...])
    def update_user(id: str, body: AdminUpdateUser): ...   # recorded as an operation log automatically
"""

import base64
import binascii
import json
from typing import Any

from aws_lambda_powertools.event_handler import Response

from relay import access, clock
from relay.api import ENVELOPE
from relay.logic import oplog
from suite import auth
from suite.api import Router
from suite.errors import ApiError, BadRequest
from suite.pagination import ItemsPagination

WRITE_METHODS = ("POST", "PUT", "PATCH", "DELETE")
MAX_ID = 2**53  # log ids (epoch ms × 1000) are large; JavaScript still reads them exactly


def ok(data: Any = None, *, status: int = 200) -> Response:
    return ENVELOPE.ok(data, status=status)


def created(data: Any = None) -> Response:
    return ENVELOPE.ok(data, status=201, message="created")


def parse_id(value: str | int | None, what: str = "id") -> int:
    """A path or body id: a positive integer, else 400 `invalid <what>`."""
    text = str(value if value is not None else "").strip()
    if not text.isascii() or not text.isdigit() or not 0 < int(text) < MAX_ID:
        raise BadRequest(f"invalid {what}")
    return int(text)


def pagination(page: int | None, page_size: int | None, *, max_size: int = 100) -> ItemsPagination:
    """page (1-based) and page_size (default 20, clamped to max_size)."""
    return ItemsPagination.from_query({"page": page, "page_size": page_size}, default_size=20, max_size=max_size)


def source_ip(router: Router) -> str:
    return auth.source_ip(router.current_event)


def user_agent(router: Router) -> str:
    return auth.header(router.current_event, "User-Agent") or ""


def raw_body(event: Any) -> str:
    body = event.body or ""
    if body and event.is_base64_encoded:
        try:
            return base64.b64decode(body).decode("utf-8", errors="replace")
        except (binascii.Error, ValueError):
            return ""
    return body


VERBS = frozenset({"toggle", "status", "reset", "init", "refresh", "clear", "test", "trigger", "recover", "exchange",
                   "cookie-auth", "generate-url", "reload", "init-defaults", "reset-defaults", "health-check",
                   "refresh-token", "batch-price-rate", "all-price-rate", "enable-all", "disable-all", "default",
                   "unavailable", "concurrency", "sessions", "cleanup", "accounts", "config", "file"})


def _action(method: str, rule: str) -> str:
    """The operation log's action: the route's verb (`toggle`, `recover`...) or create/update/delete."""
    tail = rule.rstrip("/").rsplit("/", 1)[-1]
    if tail in VERBS:
        return tail.replace("-", "_") if method != "DELETE" else f"delete_{tail.replace('-', '_')}"
    return {"POST": "create", "PUT": "update", "PATCH": "update", "DELETE": "delete"}.get(method, method.lower())


def _message(response: Any) -> str:
    try:
        return str(json.loads(response.body or "{}").get("message", ""))
    except (ValueError, AttributeError):
        return ""


class AdminRouter(Router):
    """A router of admin routes: `auth=access.ADMIN` and a documented 403 on every route, and an operation log
    for every write (`resource` names the module, e.g. "users")."""

    def __init__(self, resource: str) -> None:
        super().__init__()
        self.resource = resource

    def _declare(self, rule: str, method: str, **kwargs: Any):  # type: ignore[override]
        kwargs.setdefault("auth", access.ADMIN)
        kwargs["errors"] = tuple(sorted({403, *kwargs.get("errors", ())}))
        if method.upper() in WRITE_METHODS:
            kwargs["middlewares"] = [*(kwargs.get("middlewares") or []), self._recorder(method.upper(), rule)]
        return super()._declare(rule, method, **kwargs)

    def _recorder(self, method: str, rule: str):
        resource, action = self.resource, _action(method, rule)

        def record(app: Any, next_middleware: Any) -> Any:
            event = app.current_event
            started = clock.now()
            oplog.begin()
            status, message = 500, "internal error"
            try:
                response = next_middleware(app)
                status, message = response.status_code, _message(response)
                return response
            except ApiError as error:
                status, message = error.status, error.message
                raise
            finally:
                params = event.path_parameters or {}
                oplog.finish(caller=auth.caller(), method=method, path=event.path, module=resource, action=action,
                             target=str(params.get("id") or params.get("keyId") or params.get("user_id") or ""),
                             status=status, message=message, body=raw_body(event),
                             ip=auth.source_ip(event), user_agent=auth.header(event, "User-Agent") or "",
                             started=started)

        record.__name__ = f"oplog:{resource}:{action}"
        return record
