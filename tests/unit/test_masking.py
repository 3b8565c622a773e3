"""Masking and redaction before logging (anchors §3: secrets never reach logs)."""

from __future__ import annotations

import copy

import pytest

from suite.security.masking import mask_secret, redact


def test_mask_secret_keeps_ends_of_long_values():
    assert mask_secret("abcdefghijklmnopqrstuvwxyz") == "abcd****wxyz"
    assert mask_secret("abcdefghijklmnopqrstuvwxyz", keep=2) == "ab****yz"


@pytest.mark.parametrize("value", ["", None, "abc", "abcdefgh", "abcdefghijklmno"])
def test_mask_secret_hides_short_or_empty_values_entirely(value):
    assert mask_secret(value) == "****"


def test_mask_secret_with_keep_zero_hides_everything():
    assert mask_secret("abcdefghijklmnopqrstuvwxyz", keep=0) == "****"


def test_redact_replaces_fields_case_insensitively_at_any_depth():
    payload = {
        "user": "alice",
        "Password": "canary-pw",
        "profile": {"TOKEN": "canary-token", "name": "Alice"},
        "bots": [{"token": "canary-bot", "id": 1}, {"id": 2}],
        "pairs": ({"secret": "canary-tuple"},),
        "headers": {"Authorization": "Bearer canary-jwt"},
    }
    original = copy.deepcopy(payload)

    out = redact(payload, ["password", "token", "secret", "authorization"])

    assert out == {
        "user": "alice",
        "Password": "****",
        "profile": {"TOKEN": "****", "name": "Alice"},
        "bots": [{"token": "****", "id": 1}, {"id": 2}],
        "pairs": [{"secret": "****"}],
        "headers": {"Authorization": "****"},
    }
    assert "canary" not in repr(out)
    assert payload == original  # the input is untouched


def test_redact_masks_whole_subtrees_and_leaves_non_string_keys():
    out = redact({"credentials": {"a": 1}, 7: "seven"}, ["credentials"])
    assert out == {"credentials": "****", 7: "seven"}


def test_redact_accepts_a_single_field_name():
    assert redact({"token": "x", "tok": "y"}, "token") == {"token": "****", "tok": "y"}
