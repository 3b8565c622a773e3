"""argon2id password hashing (anchors §3). Runs on the cheapest profile except where production is checked."""

from __future__ import annotations

import pytest
from argon2 import PasswordHasher

from suite.security import passwords


@pytest.fixture(autouse=True)
def _fresh_hasher():
    passwords.reset()
    yield
    passwords.reset()


def test_hash_is_argon2id_and_verifies():
    stored = passwords.hash_password("correct horse battery staple")
    assert stored.startswith("$argon2id$")
    assert passwords.verify_password(stored, "correct horse battery staple")
    assert passwords.hash_password("correct horse battery staple") != stored  # fresh salt every time


def test_wrong_password_is_false():
    stored = passwords.hash_password("s3cret")
    assert passwords.verify_password(stored, "S3cret") is False
    assert passwords.verify_password(stored, "") is False


@pytest.mark.parametrize(
    "malformed",
    ["", "not-a-hash", "$argon2id$v=19$m=8,t=1,p=1$!!!$???", "$2b$12$abcdefghijklmnopqrstuv", None],
)
def test_malformed_hash_is_false_not_an_exception(malformed):
    assert passwords.verify_password(malformed, "s3cret") is False


def test_truncated_hash_is_false():
    stored = passwords.hash_password("s3cret")
    assert passwords.verify_password(stored[:-4], "s3cret") is False


def test_needs_rehash_for_other_parameters():
    other = PasswordHasher(time_cost=2, memory_cost=1024, parallelism=1).hash("s3cret")
    assert passwords.verify_password(other, "s3cret")  # still accepted, so the login can upgrade it
    assert passwords.needs_rehash(other) is True
    assert passwords.needs_rehash(passwords.hash_password("s3cret")) is False
    assert passwords.needs_rehash("garbage") is True


def test_fast_profile_is_active_in_tests():
    assert "$m=8,t=1,p=1$" in passwords.hash_password("x")


def test_production_profile_is_rfc9106_low_memory(monkeypatch):
    monkeypatch.delenv("PASSWORD_HASH_PROFILE")
    passwords.reset()
    stored = passwords.hash_password("production check")  # one real 64 MiB hash (~0.1 s)
    assert stored.startswith("$argon2id$v=19$m=65536,t=3,p=4$")
    assert passwords.verify_password(stored, "production check")


def test_unknown_profile_is_a_configuration_error(monkeypatch):
    monkeypatch.setenv("PASSWORD_HASH_PROFILE", "fastest")
    passwords.reset()
    with pytest.raises(ValueError, match="PASSWORD_HASH_PROFILE"):
        passwords.hash_password("x")


def test_overlong_password_is_rejected():
    limit = passwords.MAX_PASSWORD_LENGTH
    stored = passwords.hash_password("a" * limit)
    assert passwords.verify_password(stored, "a" * limit)
    with pytest.raises(ValueError, match="longer than"):
        passwords.hash_password("a" * (limit + 1))
    with pytest.raises(ValueError, match="longer than"):
        passwords.verify_password(stored, "a" * (limit + 1))
    with pytest.raises(ValueError, match="longer than"):
        passwords.dummy_verify("a" * (limit + 1))


def test_dummy_verify_runs_a_real_verify(monkeypatch):
    calls = []
    real_verify = PasswordHasher.verify

    def spy(self, hash_, password):
        calls.append(hash_)
        return real_verify(self, hash_, password)

    monkeypatch.setattr(PasswordHasher, "verify", spy)
    assert passwords.dummy_verify("whatever") is None
    passwords.dummy_verify("another guess")
    assert len(calls) == 2
    assert calls[0] == calls[1]  # one fixed hash, made with the live parameters
    assert calls[0].startswith("$argon2id$v=19$m=8,t=1,p=1$")
