"""ccjk's unit tests run with the service's template environment (read without AWS), as its functions do."""

from __future__ import annotations

import functools

import pytest

from suite import config
from tests.support.moto_stack import service_environment


@functools.cache
def _environment() -> dict[str, str]:
    return service_environment("ccjk")


@pytest.fixture(autouse=True)
def ccjk_environment(monkeypatch):
    for name, value in _environment().items():
        monkeypatch.setenv(name, value)
    config.reset_all()
    yield
    config.reset_all()
