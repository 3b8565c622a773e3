"""End-to-end tests: real HTTP through the local stack, started as its own process."""

import pytest

from tests.support.devstack_process import DevStackProcess
from tests.support.lambda_events import REPO_ROOT


def pytest_collection_modifyitems(items):
    for item in items:
        if "/tests/e2e/" in str(item.fspath):
            item.add_marker(pytest.mark.e2e)


@pytest.fixture(scope="session")
def suite_stack(tmp_path_factory):
    """The whole suite (template.yaml) on free ports, shared by the e2e tests that only read."""
    stack = DevStackProcess(REPO_ROOT / "template.yaml", tmp_path_factory.mktemp("suite"), "--no-schedules").start()
    yield stack
    stack.stop()


@pytest.fixture
def pipeline_stack(tmp_path):
    """The pipeline fixture (HTTP → SQS → consumer + DLQ, schedule), fresh per test, fast retries."""
    stack = DevStackProcess(REPO_ROOT / "tests/fixtures/pipeline/template.yaml", tmp_path, "--no-schedules",
                            "--sqs-retry-delay", "0").start()
    yield stack
    stack.stop()
