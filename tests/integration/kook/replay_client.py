"""A client that talks to the kook handlers the way the original's code talked to its backend (issue 13).

The original is gfchfjh/CSBJJWT at v1.11.0 (commit 69925f1): its Vue front-end (`frontend/src/api/index.js`,
the stores and the screens) and its backend's HTTP tests (`backend/tests/test_api_integration.py`). The replay
tests need nothing from a client but `.get/.post/.put/.delete(path, body=..., headers=..., query=...)` answering
`.status`, `.body` (parsed JSON, or the text of a download) and `.headers`, so this wraps whatever client the
kook tests use (today `tests.support.api_client.ApiClient` over the package's moto suite) in a few lines.

- The front-end sends its login token as `Authorization: Bearer <token>` (axios interceptor); the original's
  backend tests were pointed at us with the doc's `X-API-Token`. `ReplayClient(..., header=...)` picks one.
- A path no route serves gets API Gateway's own answer, `404 {"message": "Not Found"}`, as the browser sees it.
- The list style (issue 13's compatibility setting) is the environment variable `LIST_RESPONSE_STYLE`
  (`envelope`, the default and the contract's `{success, data}`, or `bare`, the original's JSON arrays); the
  client sets it for every request, like a deployment's stack parameter would.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

from tests.support.api_client import ApiClient

STYLE_VARIABLE = "LIST_RESPONSE_STYLE"
ENVELOPE = "envelope"
BARE = "bare"
PASSWORD = "admin-pass-1"
BEARER = "authorization"  # what the original front-end sends
API_TOKEN = "x-api-token"  # what the contract documents
PROVIDERS = ("KOOK", "DISCORD", "TELEGRAM", "FEISHU", "GITHUB_API")


STYLES = [ENVELOPE, BARE]


def provider_env(fake_url: str, style: str = ENVELOPE) -> dict[str, str]:
    """The environment the replay runs with: every provider on the fake, and the list style."""
    return {**{f"{name}_BASE_URL": fake_url for name in PROVIDERS}, STYLE_VARIABLE: style}


@dataclass
class Reply:
    status: int
    body: Any
    headers: dict[str, str]


class ReplayClient:
    def __init__(self, api: Any, *, header: str = BEARER, token: str | None = None) -> None:
        self.api = api  # anything with .request(method, path, body, raw_body=, headers=, query=) → Answer
        self.header = header
        self.token = token

    @property
    def style(self) -> str:
        return self.api.overrides.get(STYLE_VARIABLE, ENVELOPE)

    def set_env(self, name: str, value: str) -> None:
        """A deployment setting for the following requests (e.g. DISCORD_BASE_URL back to the real Discord)."""
        self.api.overrides[name] = value

    def anonymous(self) -> ReplayClient:
        """The same deployment, no token: what `fetch()` and the file downloads of the front-end send."""
        return ReplayClient(self.api, header=self.header)

    def request(self, method: str, path: str, body: Any = None, *, headers: Mapping[str, str] | None = None,
                query: Mapping[str, Any] | str | None = None, raw_body: bytes | None = None) -> Reply:
        sent = dict(headers or {})
        if self.token:
            sent.setdefault(self.header, f"Bearer {self.token}" if self.header == BEARER else self.token)
        try:
            answer = self.api.request(method, path, body, raw_body=raw_body, headers=sent, query=query or "")
        except AssertionError as exc:
            if str(exc).startswith("no "):  # no route: API Gateway answers this itself
                return Reply(404, {"message": "Not Found"}, {})
            raise
        return Reply(answer.status, answer.body, dict(answer.headers))

    def get(self, path: str, **kwargs: Any) -> Reply:
        return self.request("GET", path, **kwargs)

    def post(self, path: str, body: Any = None, **kwargs: Any) -> Reply:
        return self.request("POST", path, body, **kwargs)

    def put(self, path: str, body: Any = None, **kwargs: Any) -> Reply:
        return self.request("PUT", path, body, **kwargs)

    def delete(self, path: str, **kwargs: Any) -> Reply:
        return self.request("DELETE", path, **kwargs)

    def set_up_and_log_in(self, password: str = PASSWORD) -> str:
        """What the login screen does on a fresh deployment: set the password, then log in with "remember"."""
        assert self.post("/auth/setup", {"password": password}).status == 200
        answer = self.post("/auth/login", {"password": password, "remember": True})
        assert answer.status == 200, answer.body
        self.token = answer.body["token"]
        return self.token


def connector(stack: Any, monkeypatch: Any, fake_url: str, *, header: str = BEARER) -> Any:
    """`connect(style)`: a client of the deployment in that list style, on the session's stack (a test file's
    `connect` fixture returns it)."""
    return lambda style=ENVELOPE: ReplayClient(ApiClient(stack, "kook", monkeypatch,
                                                         overrides=provider_env(fake_url, style)), header=header)


def logged_in(connect: Any, style: str = ENVELOPE) -> ReplayClient:
    """A client of a fresh deployment (`connect(style)`: a test file's fixture), set up and logged in."""
    client = connect(style)
    client.set_up_and_log_in()
    return client


def listed(reply: Reply, style: str) -> list[Any]:
    """The rows of a list answer: the envelope's `data`, or the bare array (what the front-end reads)."""
    assert reply.status == 200, reply.body
    if style == BARE:
        assert isinstance(reply.body, list), reply.body
        return reply.body
    assert reply.body["success"] is True, reply.body
    assert isinstance(reply.body["data"], list), reply.body
    return reply.body["data"]
