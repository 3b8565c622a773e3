"""Scripted fakes of KOOK, Discord, Telegram and Feishu for the pipeline tests (on devstack's FakeProvider).

Each fake answers like its platform (status codes, bodies, headers), records what it got, and can be told to fail:
Telegram answers 429 + `parameters.retry_after` on every n-th call to a chat; Discord fails a share of the calls
to one webhook (seeded, so runs repeat) and every call whose content holds a "stubborn" marker while broken.
"""

from __future__ import annotations

import base64
import json
import random
import threading
import time
import zlib
from email.parser import BytesParser
from email.policy import HTTP
from typing import Any

from cryptography.hazmat.primitives import padding
from cryptography.hazmat.primitives.ciphers import Cipher, algorithms, modes

from devstack.fake_provider import FakeProvider, RecordedRequest

PNG = b"\x89PNG\r\n\x1a\n" + b"\x00\x00\x00\rIHDR" + bytes(range(200))


def reply(status: int, payload: Any, headers: dict[str, str] | None = None) -> tuple[int, dict[str, str], bytes]:
    return status, {"Content-Type": "application/json", **(headers or {})}, json.dumps(payload).encode()


def form(request: RecordedRequest) -> dict[str, tuple[str | None, bytes]]:
    """A recorded multipart/form-data request's parts: name → (filename, content)."""
    head = f"Content-Type: {request.headers['Content-Type']}\r\nMIME-Version: 1.0\r\n\r\n".encode()
    message = BytesParser(policy=HTTP).parsebytes(head + request.body)
    parts = {}
    for part in message.iter_parts():
        name = part.get_param("name", header="content-disposition")
        parts[str(name)] = (part.get_filename(), part.get_payload(decode=True) or b"")
    return parts


# ------------------------------------------------------------------------------------------------ KOOK

def envelope(event: dict[str, Any], *, encrypt_key: str | None = None, compress: bool = True) -> bytes:
    """What KOOK posts to a webhook: optionally AES-256-CBC (`{"encrypt": ...}`), then zlib."""
    body = json.dumps(event, ensure_ascii=False).encode()
    if encrypt_key:
        iv = base64.b64encode(random.randbytes(12)).decode()[:16].encode()
        padder = padding.PKCS7(128).padder()
        plain = padder.update(body) + padder.finalize()
        encryptor = Cipher(algorithms.AES(encrypt_key.encode().ljust(32, b"\0")), modes.CBC(iv)).encryptor()
        ciphertext = encryptor.update(plain) + encryptor.finalize()
        body = json.dumps({"encrypt": base64.b64encode(iv + base64.b64encode(ciphertext)).decode()}).encode()
    return zlib.compress(body) if compress else body


class FakeKook:
    """KOOK's API: /user/me, /message/list over an in-memory store per channel, and the asset host."""

    def __init__(self, provider: FakeProvider) -> None:
        self.provider = provider
        self.channels: dict[str, list[dict[str, Any]]] = {}
        self.slow_channels: dict[str, float] = {}  # channel → seconds /message/list waits before answering
        self.lock = threading.Lock()
        provider.respond(json={"code": 0, "message": "", "data": {"id": "bot-self", "username": "转发机器人",
                                                                   "bot": True}}, path="/api/v3/user/me")
        provider.respond_with(self._list, path="/api/v3/message/list")
        provider.respond_with(lambda r: (200, {"Content-Type": "image/png"}, PNG), path="/assets/")

    def add(self, channel: str, content: str, *, author: str = "20000") -> dict[str, Any]:
        with self.lock:
            items = self.channels.setdefault(channel, [])
            item = {"id": f"{channel}-{len(items):04d}", "type": 1, "content": content,
                    "create_at": int(time.time() * 1000) + len(items), "mention_all": False, "mention_here": False,
                    "author": {"id": author, "username": "poller-user", "nickname": "轮询用户", "avatar": ""},
                    "attachments": None, "quote": None, "mention_info": {"mention_part": [], "mention_role_part": []}}
            items.append(item)
            return item

    def _list(self, request: RecordedRequest) -> tuple[int, dict[str, str], bytes]:
        channel = request.query.get("target_id", [""])[0]
        time.sleep(self.slow_channels.get(channel, 0.0))  # holds a poller run open so another one overlaps it
        size = int(request.query.get("page_size", ["50"])[0])
        with self.lock:
            items = list(self.channels.get(channel, []))
        reference = request.query.get("msg_id", [None])[0]
        ids = [item["id"] for item in items]
        if reference and reference not in ids:
            return reply(200, {"code": 40000, "message": "message not found", "data": {}})
        if reference and request.query.get("flag") == ["before"]:
            page = items[:ids.index(reference)][-size:]
        elif reference:
            page = items[ids.index(reference) + 1:][:size]
        else:
            page = items[-size:]
        return reply(200, {"code": 0, "message": "", "data": {"items": list(reversed(page))}},
                     {"X-Rate-Limit-Limit": "120", "X-Rate-Limit-Remaining": "100", "X-Rate-Limit-Reset": "1"})


# ------------------------------------------------------------------------------------------------ targets

class FakeDiscord:
    """Discord webhooks; `break_webhook(id, share)` fails that share of its calls (500), and every call carrying
    "stubborn" while `broken` is set."""

    def __init__(self, provider: FakeProvider) -> None:
        self.provider = provider
        self.failing: dict[str, float] = {}
        self.broken = False
        self.random = random.Random(20251019)
        self.delivered: list[RecordedRequest] = []
        self.lock = threading.Lock()
        provider.respond_with(self._execute, path="/api/webhooks/")

    def _execute(self, request: RecordedRequest) -> tuple[int, dict[str, str], bytes]:
        webhook = request.path.split("/")[3]
        content = self.content(request)
        with self.lock:
            share = self.failing.get(webhook, 0.0) if self.broken else 0.0
            if share and ("stubborn" in content or self.random.random() < share):
                return reply(500, {"message": "500: Internal Server Error", "code": 0})
            self.delivered.append(request)
            number = len(self.delivered)
        return reply(200, {"id": str(10_000 + number), "content": content},
                     {"X-RateLimit-Limit": "5", "X-RateLimit-Remaining": "4", "X-RateLimit-Reset-After": "0.4"})

    @staticmethod
    def payload(request: RecordedRequest) -> dict[str, Any]:
        if request.json is not None:
            return request.json
        return json.loads(form(request)["payload_json"][1])

    @classmethod
    def content(cls, request: RecordedRequest) -> str:
        return cls.payload(request).get("content", "")


class FakeTelegram:
    """The Bot API; `throttle_every(chat, n)` answers every n-th call to that chat with 429 retry_after."""

    def __init__(self, provider: FakeProvider) -> None:
        self.provider = provider
        self.every: dict[str, int] = {}
        self.calls: dict[str, int] = {}
        self.delivered: list[tuple[str, RecordedRequest]] = []
        self.throttled = 0
        self.lock = threading.Lock()
        provider.respond_with(self._call, path="/bot")

    @staticmethod
    def chat_of(request: RecordedRequest) -> str:
        if request.json is not None:
            return str(request.json.get("chat_id"))
        return form(request)["chat_id"][1].decode()

    def _call(self, request: RecordedRequest) -> tuple[int, dict[str, str], bytes]:
        method = request.path.rsplit("/", 1)[-1]
        chat = self.chat_of(request)
        with self.lock:
            self.calls[chat] = self.calls.get(chat, 0) + 1
            every = self.every.get(chat)
            if every and self.calls[chat] % every == 0:
                self.throttled += 1
                return reply(429, {"ok": False, "error_code": 429, "description": "Too Many Requests: retry after 1",
                                   "parameters": {"retry_after": 1}}, {"Retry-After": "1"})
            self.delivered.append((method, request))
            number = len(self.delivered)
        return reply(200, {"ok": True, "result": {"message_id": number, "chat": {"id": chat}}})

    def texts(self, chat: str) -> list[str]:
        with self.lock:
            return [r.json["text"] for method, r in self.delivered
                    if method == "sendMessage" and self.chat_of(r) == chat]


class FakeFeishu:
    """Feishu's open API: tenant token, image upload, messages."""

    def __init__(self, provider: FakeProvider) -> None:
        self.provider = provider
        provider.respond(json={"code": 0, "msg": "ok", "tenant_access_token": "t-fake-tenant-token", "expire": 7200},
                         path="/open-apis/auth/v3/tenant_access_token/internal")
        provider.respond(json={"code": 0, "msg": "success", "data": {"image_key": "img_v3_fake_key"}},
                         path="/open-apis/im/v1/images")
        provider.respond_with(self._message, path="/open-apis/im/v1/messages")
        self.sent: list[RecordedRequest] = []
        self.uuids: set[str] = set()
        self.lock = threading.Lock()

    def _message(self, request: RecordedRequest) -> tuple[int, dict[str, str], bytes]:
        with self.lock:
            if request.json.get("uuid") not in self.uuids:  # Feishu drops a repeated uuid
                self.uuids.add(request.json.get("uuid"))
                self.sent.append(request)
            number = len(self.sent)
        return reply(200, {"code": 0, "msg": "success", "data": {"message_id": f"om_{number}"}})

    def posts(self, chat: str) -> list[dict[str, Any]]:
        with self.lock:
            return [json.loads(r.json["content"]) for r in self.sent
                    if r.json.get("receive_id") == chat and r.json.get("msg_type") == "post"]
