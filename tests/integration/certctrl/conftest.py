"""certctrl integration tests share the session's moto stack; each test makes its own accounts (unique e-mails),
so no test depends on another's data."""

from __future__ import annotations

import itertools

import pytest

from tests.support.api_client import ApiClient

_addresses = itertools.count(1)


def fresh_address() -> str:
    """A client address of its own for each test: the per-IP rate limits must not carry from test to test."""
    n = next(_addresses)
    return f"10.{(n >> 16) & 255}.{(n >> 8) & 255}.{n & 255}"


@pytest.fixture
def client(moto_stack, monkeypatch):
    return ApiClient(moto_stack, "certctrl", monkeypatch, source_ip=fresh_address())
