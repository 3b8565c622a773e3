"""JWT codec: pinned algorithm, required claims, audiences and kid rotation (anchors §8, RFC 8725)."""

from __future__ import annotations

import base64
import hashlib
import hmac
import json
import time

import jwt
import pytest
from aws_lambda_powertools.utilities import parameters
from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric import rsa

from suite.security import jwt_tokens
from suite.security.jwt_tokens import InvalidToken, JwtCodec, JwtKeyring, load_keyring

K1 = b"k1-secret-0123456789abcdef0123456789"
K2 = b"k2-secret-fedcba9876543210fedcba9876"
ISS = "https://auth.suite.test"
AUD = "user-api"


def codec(keyring: JwtKeyring | None = None, **overrides) -> JwtCodec:
    options = {"issuer": ISS, "audience": AUD, "ttl_seconds": 900}
    options.update(overrides)
    return JwtCodec(keyring or JwtKeyring({"k1": K1}, "k1"), **options)


def forge(claims: dict, key: bytes = K1, *, headers: dict | None = None, algorithm: str = "HS256") -> str:
    return jwt.encode(claims, key, algorithm=algorithm, headers={"kid": "k1", **(headers or {})})


def valid_claims(**changes) -> dict:
    now = int(time.time())
    claims = {"iss": ISS, "aud": AUD, "sub": "user-1", "iat": now, "nbf": now, "exp": now + 600}
    claims.update(changes)
    return {k: v for k, v in claims.items() if v is not None}


def b64url(data: bytes) -> str:
    return base64.urlsafe_b64encode(data).rstrip(b"=").decode()


@pytest.fixture(scope="module")
def rsa_pem() -> bytes:
    key = rsa.generate_private_key(public_exponent=65537, key_size=2048)
    return key.private_bytes(
        serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8, serialization.NoEncryption()
    )


def test_round_trip_carries_registered_and_extra_claims():
    c = codec()
    token = c.issue("user-1", claims={"role": "admin", "tenant": "t1"})
    header = jwt.get_unverified_header(token)
    claims = c.verify(token)

    assert header == {"alg": "HS256", "kid": "k1", "typ": "JWT"}
    assert claims["sub"] == "user-1"
    assert claims["iss"] == ISS
    assert claims["aud"] == AUD
    assert claims["role"] == "admin"
    assert claims["tenant"] == "t1"
    assert claims["exp"] - claims["iat"] == 900
    assert claims["nbf"] == claims["iat"]
    assert len(claims["jti"]) == 32
    assert c.issue("user-1", claims={"role": "admin"}) != token  # jti makes every token unique


def test_custom_ttl_and_now_are_honoured():
    c = codec()
    now = int(time.time()) - 100
    claims = c.verify(c.issue("user-1", ttl_seconds=3600, now=now))
    assert claims["iat"] == now
    assert claims["exp"] == now + 3600


def test_expired_token_is_rejected():
    c = codec()
    token = c.issue("user-1", ttl_seconds=60, now=time.time() - 120)  # expired 60 s ago, beyond the 30 s leeway
    with pytest.raises(InvalidToken) as exc:
        c.verify(token)
    assert exc.value.reason == "ExpiredSignatureError"


def test_leeway_tolerates_small_clock_skew_only():
    c = codec()
    assert c.verify(c.issue("user-1", ttl_seconds=60, now=time.time() - 75))["sub"] == "user-1"  # 15 s past exp
    with pytest.raises(ValueError, match="leeway"):
        codec(leeway=31)


def test_not_yet_valid_token_is_rejected():
    c = codec()
    token = c.issue("user-1", now=time.time() + 300)  # issued 5 minutes in the future
    with pytest.raises(InvalidToken) as exc:
        c.verify(token)
    assert exc.value.reason == "ImmatureSignatureError"


def test_token_for_another_audience_is_rejected():
    user_codec = codec(audience="user-api")
    device_codec = codec(audience="device-api")
    with pytest.raises(InvalidToken) as exc:
        device_codec.verify(user_codec.issue("user-1"))
    assert exc.value.reason == "InvalidAudienceError"
    with pytest.raises(InvalidToken):
        user_codec.verify(device_codec.issue("device-1"))


def test_wrong_issuer_is_rejected():
    token = codec(issuer="https://evil.test").issue("user-1")
    with pytest.raises(InvalidToken) as exc:
        codec().verify(token)
    assert exc.value.reason == "InvalidIssuerError"


@pytest.mark.parametrize("claim", ["exp", "sub", "iat", "iss", "aud"])
def test_missing_required_claim_is_rejected(claim):
    token = forge(valid_claims(**{claim: None}))
    assert claim not in jwt.decode(token, options={"verify_signature": False})
    with pytest.raises(InvalidToken):
        codec().verify(token)


def test_missing_exp_reports_missing_claim():
    with pytest.raises(InvalidToken) as exc:
        codec().verify(forge(valid_claims(exp=None)))
    assert exc.value.reason == "MissingRequiredClaimError"


def test_alg_none_is_rejected():
    header = b64url(json.dumps({"alg": "none", "typ": "JWT", "kid": "k1"}).encode())
    payload = b64url(json.dumps(valid_claims()).encode())
    for token in (f"{header}.{payload}.", f"{header}.{payload}.{b64url(b'sig')}"):
        with pytest.raises(InvalidToken):
            codec().verify(token)


def test_hs256_token_fails_on_rs256_codec(rsa_pem):
    hs_token = codec().issue("user-1")
    rs_codec = codec(JwtKeyring({"k1": rsa_pem}, "k1"), algorithm="RS256")
    with pytest.raises(InvalidToken) as exc:
        rs_codec.verify(hs_token)
    assert exc.value.reason == "InvalidAlgorithmError"


def test_rs256_token_fails_on_hs256_codec(rsa_pem):
    rs_codec = codec(JwtKeyring({"k1": rsa_pem}, "k1"), algorithm="RS256")
    rs_token = rs_codec.issue("device-1")
    assert rs_codec.verify(rs_token)["sub"] == "device-1"  # the RS256 codec itself works
    with pytest.raises(InvalidToken) as exc:
        codec().verify(rs_token)
    assert exc.value.reason == "InvalidAlgorithmError"


def test_public_key_used_as_hmac_secret_is_rejected(rsa_pem):
    # The classic confusion attack: sign HS256 with the (public) RSA key and hope the verifier uses it as a secret.
    private = serialization.load_pem_private_key(rsa_pem, password=None)
    public_pem = private.public_key().public_bytes(
        serialization.Encoding.PEM, serialization.PublicFormat.SubjectPublicKeyInfo
    )
    header = b64url(json.dumps({"alg": "HS256", "typ": "JWT", "kid": "k1"}).encode())
    payload = b64url(json.dumps(valid_claims()).encode())
    signature = b64url(hmac.new(public_pem, f"{header}.{payload}".encode(), hashlib.sha256).digest())
    verify_only = codec(JwtKeyring({"k1": public_pem}, "k1"), algorithm="RS256")
    with pytest.raises(InvalidToken):
        verify_only.verify(f"{header}.{payload}.{signature}")


def test_tampered_signature_and_payload_are_rejected():
    c = codec()
    token = c.issue("user-1")
    header, payload, signature = token.split(".")
    flipped = signature[:-2] + ("A" if signature[-2] != "A" else "B") + signature[-1]
    other_payload = b64url(json.dumps({**c.verify(token), "sub": "admin"}).encode())
    for bad in (f"{header}.{payload}.{flipped}", f"{header}.{other_payload}.{signature}", token + "x", "a.b.c", ""):
        with pytest.raises(InvalidToken):
            c.verify(bad)


def test_token_signed_with_another_secret_is_rejected():
    with pytest.raises(InvalidToken) as exc:
        codec().verify(forge(valid_claims(), key=K2))
    assert exc.value.reason == "InvalidSignatureError"


def test_unknown_kid_is_rejected_without_fallback():
    # Signed with a key the verifier holds, but under a kid it does not: no fallback to try other keys.
    token = forge(valid_claims(), headers={"kid": "k9"})
    with pytest.raises(InvalidToken) as exc:
        codec().verify(token)
    assert exc.value.reason == "unknown kid"


def test_missing_kid_is_rejected():
    token = jwt.encode(valid_claims(), K1, algorithm="HS256")
    assert "kid" not in jwt.get_unverified_header(token)
    with pytest.raises(InvalidToken) as exc:
        codec().verify(token)
    assert exc.value.reason == "missing kid"


def test_rotation_keeps_old_tokens_until_their_kid_is_removed():
    old_token = codec(JwtKeyring({"k1": K1}, "k1")).issue("user-1")

    rotating = codec(JwtKeyring({"k1": K1, "k2": K2}, "k2"))
    assert rotating.verify(old_token)["sub"] == "user-1"
    new_token = rotating.issue("user-2")
    assert jwt.get_unverified_header(new_token)["kid"] == "k2"
    assert jwt.decode(new_token, K2, algorithms=["HS256"], audience=AUD)["sub"] == "user-2"

    retired = codec(JwtKeyring({"k2": K2}, "k2"))
    assert retired.verify(new_token)["sub"] == "user-2"
    with pytest.raises(InvalidToken) as exc:
        retired.verify(old_token)
    assert exc.value.reason == "unknown kid"


def test_keyring_from_json_single_and_rotation():
    single = JwtKeyring.from_json(json.dumps({"kid": "k1", "secret": K1.decode()}))
    assert single.active_kid == "k1"
    assert single.keys == {"k1": K1}

    rotation = JwtKeyring.from_json(json.dumps({"active": "k2", "keys": {"k1": K1.decode(), "k2": K2.decode()}}))
    assert rotation.active_kid == "k2"
    assert rotation.kids == ("k1", "k2")
    assert K1.decode() not in repr(rotation)


@pytest.mark.parametrize(
    "doc",
    [
        {"kid": "k1", "secret": "too-short-secret"},
        {"active": "k2", "keys": {"k1": K1.decode(), "k2": "x" * 31}},
        {"active": "k3", "keys": {"k1": K1.decode()}},
        {"active": "k1", "keys": {}},
        {"kid": "k1"},
        ["not", "an", "object"],
    ],
)
def test_keyring_rejects_short_secrets_and_bad_shapes(doc):
    with pytest.raises(ValueError):  # noqa: PT011  (several distinct messages; the type is the contract)
        JwtKeyring.from_json(json.dumps(doc))


def test_short_secret_rejected_by_constructor():
    with pytest.raises(ValueError, match="shorter than 32 bytes"):
        JwtKeyring({"k1": b"x" * 31}, "k1")
    assert JwtKeyring({"k1": b"x" * 32}, "k1").active_kid == "k1"


@pytest.mark.parametrize("claim", ["sub", "aud", "iss", "exp", "jti"])
def test_extra_claims_cannot_override_registered_ones(claim):
    with pytest.raises(ValueError, match="registered claims"):
        codec().issue("user-1", claims={claim: "attacker"})


def test_none_algorithm_cannot_be_configured():
    with pytest.raises(ValueError, match="unsupported algorithm"):
        codec(algorithm="none")


def test_load_keyring_reads_secrets_manager_through_powertools(monkeypatch):
    jwt_tokens._parse_keyring.cache_clear()
    calls = []

    def fake_get_secret(name, max_age=None, **_):
        calls.append((name, max_age))
        return json.dumps({"kid": "k1", "secret": K1.decode()})

    monkeypatch.setattr(parameters, "get_secret", fake_get_secret)
    first = load_keyring("suite/jwt/user", max_age=120)
    second = load_keyring("suite/jwt/user", max_age=120)

    assert calls == [("suite/jwt/user", 120), ("suite/jwt/user", 120)]  # powertools owns the TTL cache
    assert first is second  # the parsed keyring is reused for the same secret value
    assert first.keys == {"k1": K1}
    jwt_tokens._parse_keyring.cache_clear()
