"""kook's unit tests run with the kook functions' template environment (computed without AWS), so kook.config
reads what a deployed function reads; every test starts from freshly read settings."""

from __future__ import annotations

import functools

import pytest

from suite import config
from tests.support.moto_stack import service_environment


@functools.cache
def _environment() -> dict[str, str]:
    return service_environment("kook")


@pytest.fixture(autouse=True)
def kook_environment(monkeypatch):
    for name, value in _environment().items():
        monkeypatch.setenv(name, value)
    config.reset_all()
    yield
    config.reset_all()
