"""The platforms' callback cryptography, exactly as each documents it (docs/ccjk-client.md, "Inbound platform
callbacks"). Pure functions; every failure is a `CallbackRefused` (the route answers 401 and stores nothing).

- Feishu: body `{"encrypt": base64(iv ‖ AES-256-CBC(key = SHA-256(Encrypt Key), PKCS#7(json)))}`;
  `X-Lark-Signature` = hex SHA-256 of `timestamp + nonce + Encrypt Key` followed by the raw body bytes.
- DingTalk (app robot, HTTP mode): headers `timestamp` (ms) and `sign` = base64(HMAC-SHA256(key = AppSecret,
  message = timestamp + "\\n" + AppSecret)).
- WeCom: `msg_signature` = hex SHA-1 of token, timestamp, nonce and the ciphertext, sorted and concatenated; AES key
  = base64decode(EncodingAESKey + "="), AES-256-CBC with IV = key[:16]; plaintext = 16 random bytes ‖ 4-byte
  big-endian length ‖ message ‖ receive id (the CorpID), PKCS#7-padded to 32-byte blocks.
"""

from __future__ import annotations

import base64
import binascii
import hashlib
import hmac
import struct

MAX_SKEW_SECONDS = 3600  # a signed timestamp more than an hour from now is refused (replays)


class CallbackRefused(Exception):
    """The request is not the platform's (bad signature, token, ciphertext, or timestamp)."""


def _aes_cbc_decrypt(key: bytes, iv: bytes, data: bytes) -> bytes:
    from cryptography.hazmat.primitives.ciphers import Cipher, algorithms, modes  # noqa: PLC0415

    if not data or len(data) % 16:
        raise CallbackRefused("ciphertext is not whole AES blocks")
    decryptor = Cipher(algorithms.AES(key), modes.CBC(iv)).decryptor()
    return decryptor.update(data) + decryptor.finalize()


def _unpad(data: bytes, block: int) -> bytes:
    pad = data[-1] if data else 0
    if not 1 <= pad <= block or data[-pad:] != bytes([pad]) * pad:
        raise CallbackRefused("bad padding")
    return data[:-pad]


def _b64(text: str) -> bytes:
    try:
        return base64.b64decode(text, validate=True)
    except (binascii.Error, ValueError):
        raise CallbackRefused("not base64") from None


def fresh(timestamp_seconds: float, now: float) -> None:
    if abs(now - timestamp_seconds) > MAX_SKEW_SECONDS:
        raise CallbackRefused("timestamp too far from now")


# ------------------------------------------------------------------------------------------------ Feishu

def feishu_decrypt(encrypted: str, encrypt_key: str) -> str:
    raw = _b64(encrypted)
    if len(raw) < 32:
        raise CallbackRefused("ciphertext too short")
    key = hashlib.sha256(encrypt_key.encode()).digest()
    plain = _unpad(_aes_cbc_decrypt(key, raw[:16], raw[16:]), 16)
    try:
        return plain.decode("utf-8")
    except UnicodeDecodeError:
        raise CallbackRefused("plaintext is not UTF-8") from None


def feishu_check_signature(*, timestamp: str | None, nonce: str | None, signature: str | None, encrypt_key: str,
                           body: bytes, now: float) -> None:
    if not (timestamp and nonce and signature):
        raise CallbackRefused("unsigned")
    try:
        fresh(float(timestamp), now)
    except ValueError:
        raise CallbackRefused("bad timestamp") from None
    expected = hashlib.sha256((timestamp + nonce + encrypt_key).encode() + body).hexdigest()
    if not hmac.compare_digest(expected, signature.strip().lower()):
        raise CallbackRefused("bad signature")


# ------------------------------------------------------------------------------------------------ DingTalk

def dingtalk_check_signature(*, timestamp: str | None, sign: str | None, app_secret: str, now: float) -> None:
    if not (timestamp and sign):
        raise CallbackRefused("unsigned")
    try:
        fresh(int(timestamp) / 1000, now)
    except ValueError:
        raise CallbackRefused("bad timestamp") from None
    digest = hmac.new(app_secret.encode(), f"{timestamp}\n{app_secret}".encode(), hashlib.sha256).digest()
    if not hmac.compare_digest(base64.b64encode(digest).decode(), sign.strip()):
        raise CallbackRefused("bad signature")


# ------------------------------------------------------------------------------------------------ WeCom

def wecom_check_signature(*, token: str, timestamp: str | None, nonce: str | None, encrypted: str,
                          signature: str | None, now: float) -> None:
    if not (timestamp and nonce and signature):
        raise CallbackRefused("unsigned")
    try:
        fresh(float(timestamp), now)
    except ValueError:
        raise CallbackRefused("bad timestamp") from None
    expected = hashlib.sha1("".join(sorted([token, timestamp, nonce, encrypted])).encode()).hexdigest()  # noqa: S324
    if not hmac.compare_digest(expected, signature.strip().lower()):
        raise CallbackRefused("bad signature")


def wecom_decrypt(encrypted: str, encoding_aes_key: str, corp_id: str) -> str:
    """The message, when it was encrypted for `corp_id`."""
    try:
        key = base64.b64decode(encoding_aes_key + "=")
    except (binascii.Error, ValueError):
        raise CallbackRefused("bad EncodingAESKey") from None
    if len(key) != 32:
        raise CallbackRefused("bad EncodingAESKey")
    plain = _unpad(_aes_cbc_decrypt(key, key[:16], _b64(encrypted)), 32)
    if len(plain) < 20:
        raise CallbackRefused("plaintext too short")
    size = struct.unpack(">I", plain[16:20])[0]
    message, receive_id = plain[20:20 + size], plain[20 + size:]
    if len(message) != size or not hmac.compare_digest(receive_id, corp_id.encode()):
        raise CallbackRefused("not for this CorpID")
    try:
        return message.decode("utf-8")
    except UnicodeDecodeError:
        raise CallbackRefused("plaintext is not UTF-8") from None
