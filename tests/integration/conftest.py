"""Integration tests share one moto stack for the whole session: every resource of template.yaml, created once
from the real templates (tests/support/moto_stack.py). Tests isolate themselves with their own ids, or empty
their service's tables first (`wipe_tables`)."""

from __future__ import annotations

import pytest

from tests.support.moto_stack import moto_suite


@pytest.fixture(scope="session")
def moto_stack():
    with moto_suite() as loaded:
        yield loaded
