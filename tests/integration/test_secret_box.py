"""KMS envelope encryption on moto: context binding, tamper detection, key pinning and data-key caching (anchors §3)."""

from __future__ import annotations

import base64
import json
import threading
from collections import Counter

import boto3
import pytest
from cryptography.exceptions import InvalidTag
from cryptography.hazmat.primitives.ciphers.aead import AESGCM
from moto import mock_aws

from suite import aws
from suite.security.secret_box import SecretBox, SecretDecryptError

CANARY = "canary-kook-cookie-7f3a9c"
CTX = {"tenant": "t1", "field": "kook_cookie"}


@pytest.fixture
def kms():
    with mock_aws():
        yield boto3.client("kms", region_name="us-east-1")


@pytest.fixture
def key_a(kms) -> str:
    return kms.create_key(Description="A")["KeyMetadata"]["KeyId"]


@pytest.fixture
def key_b(kms) -> str:
    return kms.create_key(Description="B")["KeyMetadata"]["KeyId"]


@pytest.fixture
def kms_calls(kms) -> Counter:
    """Counts KMS operations made through the ``kms`` client."""
    calls: Counter = Counter()

    def count(event_name: str, **_kwargs):
        calls[event_name.rsplit(".", 1)[-1]] += 1

    kms.meta.events.register("before-call.kms.*", count)
    return calls


def tamper(sealed: str, part: int) -> str:
    """Flip one bit in one decoded part (1 = edk, 2 = nonce, 3 = ciphertext) and re-encode it canonically."""
    pieces = sealed.split(".")
    raw = bytearray(base64.urlsafe_b64decode(pieces[part] + "=" * (-len(pieces[part]) % 4)))
    raw[len(raw) // 2] ^= 0x01
    pieces[part] = base64.urlsafe_b64encode(bytes(raw)).rstrip(b"=").decode()
    return ".".join(pieces)


def test_round_trip_and_format(kms, key_a):
    box = SecretBox(key_a, kms)
    sealed = box.seal(CANARY, CTX)

    version, edk, nonce, ciphertext = sealed.split(".")
    assert version == "v1"
    assert len(base64.urlsafe_b64decode(nonce + "==")) == 12
    assert len(base64.urlsafe_b64decode(ciphertext + "=" * (-len(ciphertext) % 4))) == len(CANARY) + 16
    assert edk
    assert box.open(sealed, CTX) == CANARY
    assert box.open(sealed, dict(reversed(CTX.items()))) == CANARY  # context order does not matter
    assert SecretBox(key_a, kms).open(sealed, CTX) == CANARY  # a cold box (another Lambda) opens it via KMS


def test_format_opens_by_hand_with_kms_and_canonical_context_as_aad(kms, key_a):
    # Pins the documented envelope so another implementation could read it: KMS-decrypt the edk under the context,
    # then AES-256-GCM with AAD = sorted compact JSON of the context.
    sealed = SecretBox(key_a, kms).seal(CANARY, CTX)
    _, edk, nonce, ciphertext = (base64.urlsafe_b64decode(p + "=" * (-len(p) % 4)) for p in sealed.split("."))
    data_key = kms.decrypt(CiphertextBlob=edk, KeyId=key_a, EncryptionContext=CTX)["Plaintext"]
    aad = json.dumps(CTX, sort_keys=True, separators=(",", ":")).encode()

    assert AESGCM(data_key).decrypt(nonce, ciphertext, aad).decode() == CANARY
    with pytest.raises(InvalidTag):
        AESGCM(data_key).decrypt(nonce, ciphertext, None)


def test_bytes_round_trip(kms, key_a):
    box = SecretBox(key_a, kms)
    blob = bytes(range(256))
    sealed = box.seal(blob, CTX)
    assert box.open_bytes(sealed, CTX) == blob
    with pytest.raises(SecretDecryptError, match="open_bytes"):
        box.open(sealed, CTX)


def test_canary_never_appears_in_sealed_value(kms, key_a):
    box = SecretBox(key_a, kms)
    sealed = [box.seal(CANARY, CTX) for _ in range(3)]
    for value in sealed:
        assert CANARY not in value
        assert base64.urlsafe_b64encode(CANARY.encode()).decode()[:16] not in value
    assert len(set(sealed)) == 3  # fresh nonce every time, even with a cached data key
    assert CANARY not in repr(box)


def test_wrong_context_fails(kms, key_a):
    box = SecretBox(key_a, kms)
    sealed = box.seal(CANARY, CTX)
    with pytest.raises(SecretDecryptError):
        box.open(sealed, {"tenant": "t1", "field": "discord_token"})
    with pytest.raises(SecretDecryptError):
        SecretBox(key_a, kms).open(sealed, {"tenant": "t1"})  # cold box: KMS itself refuses the context


def test_other_tenants_context_fails_warm_and_cold(kms, key_a):
    box = SecretBox(key_a, kms)
    sealed = box.seal(CANARY, CTX)
    other_tenant = {**CTX, "tenant": "t2"}
    with pytest.raises(SecretDecryptError):
        box.open(sealed, other_tenant)  # warm: the cached key is bound to t1's context
    with pytest.raises(SecretDecryptError):
        SecretBox(key_a, kms).open(sealed, other_tenant)  # cold: KMS refuses
    assert box.open(sealed, CTX) == CANARY


@pytest.mark.parametrize(("part", "name"), [(1, "edk"), (2, "nonce"), (3, "ciphertext")])
def test_tampered_parts_fail(kms, key_a, part, name):
    box = SecretBox(key_a, kms)
    sealed = box.seal(CANARY, CTX)
    forged = tamper(sealed, part)
    assert forged != sealed
    with pytest.raises(SecretDecryptError):
        box.open(forged, CTX)
    with pytest.raises(SecretDecryptError):
        SecretBox(key_a, kms).open(forged, CTX)


def test_blob_sealed_under_key_a_cannot_be_opened_with_key_b(kms, key_a, key_b):
    sealed = SecretBox(key_a, kms).seal(CANARY, CTX)
    with pytest.raises(SecretDecryptError):
        SecretBox(key_b, kms).open(sealed, CTX)


@pytest.mark.parametrize(
    "malformed",
    [
        "",
        "v1",
        "v1.a.b",
        "v2.AAAA.AAAAAAAAAAAAAAAA.AAAAAAAAAAAAAAAAAAAAAA",
        "v1.AAAA.AAAA.AAAAAAAAAAAAAAAAAAAAAA",  # nonce too short
        "v1.AAAA.AAAAAAAAAAAAAAAA.AAAA",  # ciphertext shorter than the tag
        "v1.AA+/.AAAAAAAAAAAAAAAA.AAAAAAAAAAAAAAAAAAAAAA",  # not base64url
        "v1.AB.AAAAAAAAAAAAAAAA.AAAAAAAAAAAAAAAAAAAAAA",  # non-canonical base64
        "v1.AAAA.AAAAAAAAAAAAAAAA.AAAAAAAAAAAAAAAAAAAAAA.extra",
        None,
    ],
)
def test_malformed_input_fails_cleanly(kms, key_a, kms_calls, malformed):
    with pytest.raises(SecretDecryptError):
        SecretBox(key_a, kms).open(malformed, CTX)
    assert kms_calls["Decrypt"] == 0  # rejected before any KMS call


def test_garbage_edk_fails(kms, key_a):
    sealed = SecretBox(key_a, kms).seal(CANARY, CTX)
    _, _, nonce, ciphertext = sealed.split(".")
    with pytest.raises(SecretDecryptError):
        SecretBox(key_a, kms).open(f"v1.AAAAAAAAAAAAAAAA.{nonce}.{ciphertext}", CTX)


def test_context_is_required(kms, key_a):
    box = SecretBox(key_a, kms)
    with pytest.raises(ValueError, match="encryption context"):
        box.seal(CANARY, {})
    with pytest.raises(ValueError, match="strings"):
        box.seal(CANARY, {"tenant": 1})


def test_ten_seals_and_opens_make_one_generate_data_key_call(kms, key_a, kms_calls):
    box = SecretBox(key_a, kms)
    sealed = [box.seal(f"{CANARY}-{i}", CTX) for i in range(10)]
    opened = [box.open(value, CTX) for value in sealed]

    assert opened == [f"{CANARY}-{i}" for i in range(10)]
    assert kms_calls["GenerateDataKey"] == 1
    assert kms_calls["Decrypt"] <= 1

    cold = SecretBox(key_a, kms)
    assert [cold.open(value, CTX) for value in sealed] == opened
    assert kms_calls["Decrypt"] <= 2  # a cold box decrypts the shared data key once, then reuses it


def test_each_context_gets_its_own_data_key(kms, key_a, kms_calls):
    box = SecretBox(key_a, kms)
    one = box.seal(CANARY, CTX)
    two = box.seal(CANARY, {**CTX, "tenant": "t2"})
    assert one.split(".")[1] != two.split(".")[1]
    assert kms_calls["GenerateDataKey"] == 2


def test_sealing_key_rotates_after_max_age_and_max_seals(kms, key_a, kms_calls):
    now = [1000.0]
    box = SecretBox(key_a, kms, max_age=300, max_seals=3, clock=lambda: now[0])

    edks = [box.seal(CANARY, CTX).split(".")[1] for _ in range(4)]
    assert len(set(edks[:3])) == 1
    assert edks[3] != edks[0]  # the 4th seal exceeds max_seals
    assert kms_calls["GenerateDataKey"] == 2

    now[0] += 301
    box.seal(CANARY, CTX)
    assert kms_calls["GenerateDataKey"] == 3


def test_decrypted_keys_expire_and_the_cache_is_bounded(kms, key_a, kms_calls):
    sealed = [SecretBox(key_a, kms).seal(CANARY, {"tenant": f"t{i}"}) for i in range(3)]
    now = [0.0]
    box = SecretBox(key_a, kms, cache_size=2, clock=lambda: now[0])

    for i, value in enumerate(sealed):
        box.open(value, {"tenant": f"t{i}"})
    assert kms_calls["Decrypt"] == 3
    box.open(sealed[2], {"tenant": "t2"})
    assert kms_calls["Decrypt"] == 3  # cached
    box.open(sealed[0], {"tenant": "t0"})
    assert kms_calls["Decrypt"] == 4  # evicted by the LRU bound of 2

    now[0] += 301
    box.open(sealed[0], {"tenant": "t0"})
    assert kms_calls["Decrypt"] == 5  # expired after max_age


def test_thread_safe_under_concurrent_seal_and_open(kms, key_a, kms_calls):
    box = SecretBox(key_a, kms)
    errors: list[BaseException] = []

    def work(n: int) -> None:
        try:
            for i in range(20):
                plaintext = f"{CANARY}-{n}-{i}"
                assert box.open(box.seal(plaintext, CTX), CTX) == plaintext
        except BaseException as exc:  # collected and asserted below
            errors.append(exc)

    threads = [threading.Thread(target=work, args=(n,)) for n in range(8)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()

    assert errors == []
    assert 1 <= kms_calls["GenerateDataKey"] <= 8  # at most one racing extra key per thread, not one per seal
    assert kms_calls["Decrypt"] == 0


def test_default_client_is_the_shared_suite_client(kms, key_a):
    box = SecretBox(key_a)
    sealed = box.seal(CANARY, CTX)
    assert box.kms is aws.client("kms")
    assert box.open(sealed, CTX) == CANARY
