"""Credentials declared on the route: `@router.get("/device/info", middlewares=access.DEVICE)`.

A service's `access.py` builds one `Credential` per way of proving who calls (a device token, a user JWT, an
admin session...) and exports lists of them for its routes to declare. The layer does the rest:

- the route's credential runs before anything reads the body: a request with bad credentials gets 401/403 even
  when its body is also invalid (suite.api checks the route's credentials when validation fails, so no
  handler has to remember it);
- the caller it returns is kept for this request in a context variable (`caller()`), so logic code gets it
  without reaching into the event;
- `suite.api.Router` turns the declaration into the OpenAPI operation's `security` requirement and its 401/403
  responses, and the docs function lists each scheme under `components.securitySchemes`.

`any_of(a, b)` accepts whichever credential the request carries (e.g. a device token or a user JWT), in order;
`optional(a)` lets anonymous callers through with `caller()` = None while still refusing bad credentials.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from contextvars import ContextVar
from dataclasses import dataclass, field
from typing import Any

from suite.errors import ApiError, Unauthorized

_caller: ContextVar[Any] = ContextVar("suite_caller", default=None)
_presented: ContextVar[bool] = ContextVar("suite_caller_presented", default=False)


class MissingCredentials(Unauthorized):
    """The request carries no credential of this kind (`any_of` tries the next one)."""


@dataclass(frozen=True, eq=False)
class Credential:
    """One way to authenticate a request, usable as a Powertools route middleware.

    `check(event)` returns the caller or raises an ApiError (401/403); it raises `MissingCredentials` when the
    request carries none of its kind. `scheme_name` and `scheme` describe it in OpenAPI (an OpenAPI Security
    Scheme Object: `{"type": "apiKey", "in": "header", "name": "X-Device-Token"}`, `{"type": "http", "scheme":
    "bearer"}`...).
    """

    scheme_name: str
    scheme: dict[str, Any]
    check: Callable[[Any], Any]
    description: str = ""
    allow_anonymous: bool = False
    alternatives: tuple[Credential, ...] = field(default=())

    # -- as a middleware ------------------------------------------------------------------------------------
    @property
    def __name__(self) -> str:  # Powertools names middlewares in its debug output
        return f"auth:{self.scheme_name}"

    def __call__(self, app: Any, next_middleware: Any) -> Any:
        authenticate(self, app.current_event)
        return next_middleware(app)

    # -- for OpenAPI ----------------------------------------------------------------------------------------
    def schemes(self) -> dict[str, dict[str, Any]]:
        """Every security scheme this credential stands for (an `any_of` stands for each alternative)."""
        if self.alternatives:
            found: dict[str, dict[str, Any]] = {}
            for alternative in self.alternatives:
                found.update(alternative.schemes())
            return found
        scheme = dict(self.scheme)
        if self.description and "description" not in scheme:
            scheme["description"] = self.description
        return {self.scheme_name: scheme}

    def security(self) -> list[dict[str, list[str]]]:
        """The OpenAPI `security` requirement: one alternative per scheme; `{}` when anonymous is allowed."""
        requirement: list[dict[str, list[str]]] = [{name: []} for name in self.schemes()]
        if self.allow_anonymous:
            requirement.append({})
        return requirement


def authenticate(credential: Credential, event: Any) -> Any:
    """Run the credential's check on `event` and remember the caller for this request (None for anonymous)."""
    try:
        found = _run(credential, event)
    except MissingCredentials:
        if not credential.allow_anonymous:
            raise
        found = None
    _caller.set(found)
    _presented.set(found is not None)
    return found


def _run(credential: Credential, event: Any) -> Any:
    if not credential.alternatives:
        return credential.check(event)
    missing: MissingCredentials | None = None
    for alternative in credential.alternatives:
        try:
            return _run(alternative, event)
        except MissingCredentials as absent:
            missing = missing or absent
    raise missing or MissingCredentials("Missing credentials")


def any_of(*credentials: Credential, scheme_name: str | None = None) -> Credential:
    """The first of `credentials` the request carries; a present but invalid one is refused, not skipped."""
    if not credentials:
        raise ValueError("any_of needs at least one credential")
    name = scheme_name or "|".join(c.scheme_name for c in credentials)
    return Credential(name, {}, _never, alternatives=tuple(credentials))


def optional(credential: Credential) -> Credential:
    """`credential` when the request carries it, else anonymous (`caller()` is None)."""
    return Credential(credential.scheme_name, credential.scheme, credential.check, credential.description,
                      allow_anonymous=True, alternatives=credential.alternatives)


def _never(_event: Any) -> Any:
    raise MissingCredentials("Missing credentials")


def caller() -> Any:
    """The caller the route's credential authenticated for this request (None when anonymous was allowed)."""
    return _caller.get()


def reset() -> None:
    """Forget the caller (the API layer does this before every request; tests may call it)."""
    _caller.set(None)
    _presented.set(False)


def declared(middlewares: Sequence[Any] | None) -> list[Credential]:
    """The credentials among a route's middlewares."""
    return [m for m in (middlewares or []) if isinstance(m, Credential)]


def check_declared(middlewares: Sequence[Any] | None, event: Any) -> ApiError | None:
    """Authenticate `event` against the route's declared credentials; the refusal, or None when they pass."""
    try:
        for credential in declared(middlewares):
            authenticate(credential, event)
    except ApiError as refusal:
        return refusal
    return None


# -- helpers every service's access.py uses ------------------------------------------------------------------

def header(event: Any, name: str) -> str | None:
    """A request header, case-insensitively; None when absent or blank."""
    headers = getattr(event, "headers", None)
    if headers is None and isinstance(event, dict):
        headers = event.get("headers")
    value = None
    for key, found in (headers or {}).items():
        if str(key).lower() == name.lower():
            value = found
            break
    if isinstance(value, str) and value.strip():
        return value.strip()
    return None


def bearer_token(event: Any) -> str | None:
    """The token of an `Authorization: Bearer <token>` header, or None."""
    scheme, _, token = (header(event, "Authorization") or "").partition(" ")
    if scheme.lower() == "bearer" and token.strip():
        return token.strip()
    return None


def query_value(event: Any, name: str) -> str | None:
    query = getattr(event, "query_string_parameters", None)
    if query is None and isinstance(event, dict):
        query = event.get("queryStringParameters")
    value = (query or {}).get(name)
    return value.strip() if isinstance(value, str) and value.strip() else None


def source_ip(event: Any) -> str:
    request = getattr(event, "request_context", None)
    if request is not None:
        return request.http.source_ip or "unknown"
    return ((event.get("requestContext") or {}).get("http") or {}).get("sourceIp") or "unknown"


API_KEY_HEADER = "apiKey"
HTTP_BEARER: dict[str, Any] = {"type": "http", "scheme": "bearer"}
HTTP_BASIC: dict[str, Any] = {"type": "http", "scheme": "basic"}


def header_scheme(name: str) -> dict[str, Any]:
    return {"type": API_KEY_HEADER, "in": "header", "name": name}


def query_scheme(name: str) -> dict[str, Any]:
    return {"type": API_KEY_HEADER, "in": "query", "name": name}


def cookie_scheme(name: str) -> dict[str, Any]:
    return {"type": API_KEY_HEADER, "in": "cookie", "name": name}
