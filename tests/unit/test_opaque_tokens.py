"""Opaque bearer tokens: random, prefixed, stored only as a digest, shown masked (anchors §3)."""

from __future__ import annotations

import hashlib
import re

import pytest

from suite.security.opaque_tokens import (
    IssuedToken,
    constant_time_equals,
    digest_matches,
    display_hint,
    generate_token,
    issue_token,
    token_digest,
)


def test_generate_token_has_prefix_and_enough_entropy():
    token = generate_token("sk-")
    assert token.startswith("sk-")
    assert re.fullmatch(r"sk-[A-Za-z0-9_-]{43}", token)  # 32 bytes → 43 base64url characters
    assert len({generate_token() for _ in range(200)}) == 200
    assert len(generate_token(nbytes=48)) == 64


def test_generate_token_refuses_weak_sizes():
    with pytest.raises(ValueError, match="at least 16"):
        generate_token(nbytes=8)


def test_digest_is_sha256_hex_and_matches_only_the_same_token():
    token = generate_token("sk-")
    digest = token_digest(token)
    assert digest == hashlib.sha256(token.encode()).hexdigest()
    assert re.fullmatch(r"[0-9a-f]{64}", digest)
    assert digest_matches(token, digest)
    assert digest_matches(token, digest.upper())
    assert not digest_matches(token[:-1] + ("A" if token[-1] != "A" else "B"), digest)  # right prefix, wrong body
    assert not digest_matches(token, "")
    assert not digest_matches(token, "é" * 64)  # non-ASCII input is a mismatch, not a TypeError


def test_constant_time_equals():
    assert constant_time_equals("abc", "abc")
    assert not constant_time_equals("abc", "abd")
    assert not constant_time_equals("abc", "abcd")
    assert constant_time_equals("ключ", "ключ")


def test_display_hint_shows_prefix_and_at_most_keep_chars_each_side():
    token = "sk-abcdEFGHIJKLMNOPQRSTUVWXYZ0123456789wxyz"
    assert display_hint(token, prefix="sk-") == "sk-abcd…wxyz"
    assert display_hint(token, keep=2, prefix="sk-") == "sk-ab…yz"
    assert display_hint(token) == "sk-a…wxyz"  # without the prefix, the prefix counts as secret


@pytest.mark.parametrize("token", ["", "sk-", "sk-short", "sk-0123456789abcde"])
def test_display_hint_masks_short_tokens_fully(token):
    hint = display_hint(token, prefix="sk-")
    assert hint in {"sk-****", "****"}
    secret = token.removeprefix("sk-")
    assert not secret or secret[:2] not in hint


def test_issue_token_returns_plaintext_digest_and_hint():
    issued = issue_token("sk-")
    assert isinstance(issued, IssuedToken)
    assert issued.plaintext.startswith("sk-")
    assert issued.digest == token_digest(issued.plaintext)
    assert issued.hint == f"sk-{issued.plaintext[3:7]}…{issued.plaintext[-4:]}"
    assert issued.plaintext not in repr(issued)  # never in logs or tracebacks
    assert issued.plaintext[3:] not in issued.hint
