"""KOOK's bot webhook (`POST /kook/webhook/{account_id}`): open the envelope, check it, answer fast.

KOOK posts every event to one callback URL per bot and wants HTTP 200 within a second (else it retries after about
2, 4, 8, 16, 32 and 64 s, and may take the bot offline). So this does only local work and two small writes: no
provider is called here.

1. The body is zlib (deflate) unless the callback URL has `compress=0`; a JSON body is read as is either way.
2. An `{"encrypt": …}` body is AES-256-CBC: base64-decode it; the first 16 characters are the IV, the rest is
   base64 of the ciphertext; the key is the account's encrypt key right-padded with NUL to 32 bytes.
3. `d.verify_token` must equal the account's verify token (constant-time compare), challenge included.
4. `WEBHOOK_CHALLENGE` is answered `{"challenge": …}`.
5. A channel message (GROUP, types 1–10) is claimed by (sn, msg_id) with a conditional put (KOOK's retries are
   dropped) and queued on the ingest FIFO queue (group = channel, deduplication id = message id).
Events while the service or the account is stopped, direct messages and system events are acknowledged and dropped.
"""

from __future__ import annotations

import base64
import binascii
import functools
import json
import zlib
from dataclasses import dataclass
from typing import Any

from cryptography.hazmat.primitives import padding
from cryptography.hazmat.primitives.ciphers import Cipher, algorithms, modes

from kook import config
from kook.errors import fail
from kook.logic import messages
from kook.store import ingest as ingest_store
from kook.store import queues, secrets, snapshots
from suite import observability
from suite.security.opaque_tokens import constant_time_equals

MAX_INFLATED_BYTES = 1024 * 1024  # a KOOK event is a few KB; refuse zip bombs
log = observability.logger()


class EnvelopeError(ValueError):
    """The body is not a KOOK event we can read (the message says why, without echoing the body)."""


@dataclass(frozen=True)
class Answer:
    outcome: str  # challenge | queued | duplicate | ignored
    challenge: str | None = None


# ------------------------------------------------------------------------------------------------ the envelope

def inflate(raw: bytes) -> bytes:
    """zlib (or raw deflate) → bytes, at most MAX_INFLATED_BYTES. A body that already is JSON is returned."""
    if raw.lstrip()[:1] == b"{":
        return raw
    for window in (zlib.MAX_WBITS, -zlib.MAX_WBITS):
        inflater = zlib.decompressobj(window)
        try:
            data = inflater.decompress(raw, MAX_INFLATED_BYTES)
        except zlib.error:
            continue
        if inflater.unconsumed_tail:
            raise EnvelopeError("the inflated body is too large")
        return data
    raise EnvelopeError("the body is neither JSON nor zlib-compressed JSON")


def decrypt(encrypted: str, encrypt_key: str) -> bytes:
    """KOOK's AES-256-CBC envelope (see the module docstring)."""
    key = encrypt_key.encode("utf-8")
    if len(key) > 32:
        raise EnvelopeError("the configured encrypt key is longer than 32 bytes")
    try:
        outer = base64.b64decode(encrypted, validate=True)
        iv, ciphertext = outer[:16], base64.b64decode(outer[16:], validate=True)
    except (binascii.Error, ValueError):
        raise EnvelopeError("the encrypted body is not base64") from None
    if len(iv) != 16 or not ciphertext or len(ciphertext) % 16:
        raise EnvelopeError("the encrypted body has the wrong size")
    decryptor = Cipher(algorithms.AES(key.ljust(32, b"\0")), modes.CBC(iv)).decryptor()
    padded = decryptor.update(ciphertext) + decryptor.finalize()
    unpadder = padding.PKCS7(128).unpadder()
    try:
        return unpadder.update(padded) + unpadder.finalize()
    except ValueError:
        return padded.rstrip(b"\0")  # some senders pad with NUL instead of PKCS#7


def open_envelope(raw: bytes, *, encrypt_key: str | None) -> dict[str, Any]:
    """The event (`{"s", "d", "sn"}`) inside a webhook body."""
    payload = _json(inflate(raw))
    if "encrypt" in payload:
        if not encrypt_key:
            raise EnvelopeError("the event is encrypted but the account has no encrypt key")
        if not isinstance(payload["encrypt"], str):
            raise EnvelopeError("encrypt must be a string")
        payload = _json(decrypt(payload["encrypt"], encrypt_key))
    if not isinstance(payload.get("d"), dict):
        raise EnvelopeError("the event has no d object")
    return payload


def _json(data: bytes) -> dict[str, Any]:
    try:
        parsed = json.loads(data.decode("utf-8"))
    except (UnicodeDecodeError, ValueError, RecursionError):
        raise EnvelopeError("the body is not valid JSON") from None
    if not isinstance(parsed, dict):
        raise EnvelopeError("the body is not a JSON object")
    return parsed


# ------------------------------------------------------------------------------------------------ receiving

@functools.lru_cache(maxsize=256)
def _opened(sealed: str, field: str, owner: str) -> str:
    """Account secrets opened once per execution environment (KMS stays off the 1-second path when warm)."""
    return secrets.open_sealed(sealed, field=field, owner=owner)


def _secret(account: dict[str, Any], field: str) -> str | None:
    sealed = account.get(f"{field}_sealed")
    return _opened(sealed, field, f"account#{account['id']}") if sealed else None


def receive(account_id: int, raw: bytes) -> Answer:
    account, running = snapshots.webhook(account_id)
    if account is None:
        raise fail(404, "ACCOUNT_NOT_FOUND")
    verify_token = _secret(account, "verify_token")
    if not verify_token:
        raise fail(403, "PERMISSION_DENIED", "该账号没有配置 verify_token，不能接收KOOK Webhook",
                   solution="在账号中填写KOOK开发者后台的 Verify Token 与 Encrypt Key")
    try:
        event = open_envelope(raw, encrypt_key=_secret(account, "encrypt_key"))
    except EnvelopeError as exc:
        raise fail(400, "INVALID_PARAM", f"无法解析KOOK事件：{exc}") from None
    d = event["d"]
    if not constant_time_equals(str(d.get("verify_token") or ""), verify_token):
        log.warning("webhook refused: verify_token mismatch", extra={"account_id": account_id})
        raise fail(403, "PERMISSION_DENIED", "verify_token 不匹配", solution="检查账号中的 Verify Token")
    if d.get("channel_type") == "WEBHOOK_CHALLENGE":
        return Answer("challenge", challenge=str(d.get("challenge") or ""))
    if not _wanted(d):
        return Answer("ignored")
    if not account.get("ingestion_enabled") or not running:
        return Answer("ignored")
    message = messages.from_event(d, account_id=account_id)
    if not message["msg_id"] or not message["channel_id"]:
        return Answer("ignored")
    sn = event.get("sn", "-")
    if not ingest_store.claim_event(account_id, sn, message["msg_id"]):
        return Answer("duplicate")
    try:
        enqueue([message])
    except Exception:
        ingest_store.release_event(account_id, sn, message["msg_id"])  # KOOK's retry must not look like a duplicate
        log.exception("webhook event could not be queued", extra={"account_id": account_id})
        raise fail(503, "QUEUE_FULL", "消息暂时无法入队，请KOOK稍后重试") from None
    return Answer("queued")


def _wanted(d: dict[str, Any]) -> bool:
    """Channel messages only: not direct messages, not system events (255) nor KOOK's system author."""
    return (d.get("channel_type") == "GROUP" and int(d.get("type") or 0) in messages.FORWARDED_TYPES
            and str(d.get("author_id")) != messages.SYSTEM_AUTHOR)


def enqueue(found: list[dict[str, Any]]) -> int:
    """KOOK messages onto the ingest queue, in order: one message group per channel keeps KOOK's order, and the
    message id as deduplication id drops the same message arriving twice within five minutes (a webhook retry,
    two overlapping polls, a webhook and a poll)."""
    return queues.send_fifo(config.get().ingest_queue_url, [
        queues.FifoMessage(body=message, group_id=f"channel-{message['channel_id']}",
                           deduplication_id=f"msg-{message['msg_id']}") for message in found])
