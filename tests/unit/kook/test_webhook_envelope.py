"""KOOK's webhook envelope: zlib (or not), the AES-256-CBC `{"encrypt"}` layer, and what is refused."""

import base64
import json
import zlib

import pytest
from cryptography.hazmat.primitives import padding
from cryptography.hazmat.primitives.ciphers import Cipher, algorithms, modes

from kook.logic import webhook

EVENT = {"s": 0, "sn": 7, "d": {"type": 255, "channel_type": "WEBHOOK_CHALLENGE", "challenge": "c-1",
                                "verify_token": "vt"}}


def kook_encrypt(plain: bytes, key: str, *, iv: bytes = b"0123456789abcdef", pkcs7: bool = True) -> str:
    """As KOOK's PHP sample does it: base64(iv + base64(aes-256-cbc(plain, key NUL-padded to 32)))."""
    if pkcs7:
        padder = padding.PKCS7(128).padder()
        plain = padder.update(plain) + padder.finalize()
    else:
        plain = plain + b"\0" * (-len(plain) % 16)
    encryptor = Cipher(algorithms.AES(key.encode().ljust(32, b"\0")), modes.CBC(iv)).encryptor()
    return base64.b64encode(iv + base64.b64encode(encryptor.update(plain) + encryptor.finalize())).decode()


def test_plain_zlib_and_raw_deflate_bodies():
    body = json.dumps(EVENT).encode()
    raw_deflate = zlib.compressobj(wbits=-zlib.MAX_WBITS)
    for sent in (body, zlib.compress(body), raw_deflate.compress(body) + raw_deflate.flush()):
        assert webhook.open_envelope(sent, encrypt_key=None) == EVENT


@pytest.mark.parametrize("pkcs7", [True, False])
def test_encrypted_events_open_with_the_account_key(pkcs7):
    encrypted = {"encrypt": kook_encrypt(json.dumps(EVENT).encode(), "short-key", pkcs7=pkcs7)}
    assert webhook.open_envelope(zlib.compress(json.dumps(encrypted).encode()), encrypt_key="short-key") == EVENT


def test_refusals_say_why_without_echoing_the_body():
    encrypted = json.dumps({"encrypt": kook_encrypt(json.dumps(EVENT).encode(), "right-key")}).encode()
    cases = [
        (b"\x00\x01not zlib", "right-key", "neither JSON nor zlib"),
        (zlib.compress(b"[1, 2]"), None, "not a JSON object"),
        (encrypted, None, "no encrypt key"),
        (encrypted, "wrong-key", "not valid JSON"),
        (json.dumps({"encrypt": "%%%"}).encode(), "k", "not base64"),
        (json.dumps({"s": 0}).encode(), None, "no d object"),
        (json.dumps({"encrypt": "x"}).encode(), "k" * 33, "longer than 32"),
    ]
    for body, key, message in cases:
        with pytest.raises(webhook.EnvelopeError, match=message):
            webhook.open_envelope(body, encrypt_key=key)


def test_a_zip_bomb_is_refused():
    bomb = zlib.compress(b"{" + b" " * (webhook.MAX_INFLATED_BYTES * 4) + b"}")
    with pytest.raises(webhook.EnvelopeError, match="too large"):
        webhook.inflate(bomb)
