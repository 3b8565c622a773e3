"""A scripted transport and a recording sink for the proxy engine's unit tests (no sockets)."""

from __future__ import annotations

import contextlib
import json
from dataclasses import dataclass, field
from typing import Any

import anyio

from relay.logic.proxy_pool import Credential, UpstreamAccount
from relay.providers.upstream_http import UpstreamUnavailable


@dataclass
class Script:
    """One upstream answer: `status`, `headers`, `chunks` (each sent after `pause` seconds), or a failure."""

    status: int = 200
    headers: list[tuple[str, str]] = field(default_factory=lambda: [("content-type", "application/json")])
    chunks: list[bytes] = field(default_factory=list)
    pause: float = 0.0
    head_delay: float = 0.0
    fail: str | None = None  # connect_error | timeout: no answer at all
    break_after: int | None = None  # raise a broken stream after this many chunks


def sse(chunks: list[bytes], **kwargs: Any) -> Script:
    return Script(headers=[("content-type", "text/event-stream")], chunks=chunks, **kwargs)


def json_answer(payload: Any, status: int = 200, headers: list[tuple[str, str]] | None = None) -> Script:
    return Script(status=status, headers=[("content-type", "application/json"), *(headers or [])],
                  chunks=[json.dumps(payload).encode()])


class _Response:
    def __init__(self, script: Script) -> None:
        self.status = script.status
        self.headers = script.headers
        self.script = script

    def header(self, name: str) -> str | None:
        return next((v for k, v in self.headers if k == name), None)

    async def chunks(self):
        for index, chunk in enumerate(self.script.chunks):
            if self.script.break_after is not None and index >= self.script.break_after:
                raise UpstreamUnavailable("broken", "connection reset")
            if self.script.pause:
                await anyio.sleep(self.script.pause)
            yield chunk


class FakeTransport:
    """Answers per account (the base URL's host is the account id) from queued scripts; records every call."""

    def __init__(self, scripts: dict[str, list[Script]]) -> None:
        self.scripts = {k: list(v) for k, v in scripts.items()}
        self.calls: list[dict[str, Any]] = []
        self.closed: list[str] = []

    @contextlib.asynccontextmanager
    async def open(self, url: str, headers: dict[str, str], content: bytes):
        account = url.split("//", 1)[1].split("/", 1)[0].split(".", 1)[0]
        self.calls.append({"account": account, "url": url, "headers": dict(headers), "content": content})
        script = self.scripts[account].pop(0) if len(self.scripts[account]) > 1 else self.scripts[account][0]
        if script.head_delay:
            await anyio.sleep(script.head_delay)
        if script.fail:
            raise UpstreamUnavailable(script.fail, f"scripted {script.fail}")
        try:
            yield _Response(script)
        finally:
            self.closed.append(account)


class RecordingSink:
    def __init__(self) -> None:
        self.status: int | None = None
        self.headers: list[tuple[str, str]] = []
        self.sends: list[bytes] = []

    async def start(self, status: int, headers: list[tuple[str, str]]) -> None:
        assert self.status is None, "started twice"
        self.status, self.headers = status, headers

    async def send(self, data: bytes) -> None:
        assert self.status is not None, "sent before start"
        self.sends.append(data)

    @property
    def body(self) -> bytes:
        return b"".join(self.sends)

    def header(self, name: str) -> str | None:
        return next((v for k, v in self.headers if k == name), None)


def account(account_id: str, platform: str = "claude", kind: str | None = None, **kwargs: Any) -> UpstreamAccount:
    kind = kind or {"claude": "claude-console", "openai": "openai", "gemini": "gemini-api"}[platform]
    return UpstreamAccount(id=account_id, type=kind, platform=platform, base_url=f"https://{account_id}.example.com",
                           credential=kwargs.pop("credential", Credential(api_key=f"key-{account_id}")), **kwargs)
