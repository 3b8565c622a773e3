"""suite.idempotency: a side effect runs once per payload, repeats get the first answer (moto DynamoDB)."""

import threading

import pytest
from moto import mock_aws

from suite import aws, idempotency
from tests.support.lambda_events import FakeLambdaContext


@pytest.fixture
def table():
    with mock_aws():
        aws.reset_clients()
        aws.client("dynamodb").create_table(
            TableName="idem", BillingMode="PAY_PER_REQUEST",
            KeySchema=[{"AttributeName": "id", "KeyType": "HASH"}],
            AttributeDefinitions=[{"AttributeName": "id", "AttributeType": "S"}])
        yield "idem"
        # inside the session's moto stack a nested mock_aws() keeps its backend: leave nothing behind
        aws.client("dynamodb").delete_table(TableName="idem")


def test_repeats_get_the_first_answer_and_do_not_run_again(table):
    runs = []

    def action():
        runs.append(1)
        return {"n": len(runs)}

    def once(payload):
        return idempotency.run_once(action, payload=payload, table_name=table, key_prefix="test.notify",
                                    expires_after_seconds=60, lambda_context=FakeLambdaContext())

    assert once({"caller": "a", "request": {"x": 1}}) == {"n": 1}
    assert once({"caller": "a", "request": {"x": 1}}) == {"n": 1}
    assert once({"caller": "b", "request": {"x": 1}}) == {"n": 2}
    assert len(runs) == 2


def test_a_repeat_while_the_first_runs_is_in_progress(table):
    started, release = threading.Event(), threading.Event()
    outcome = {}

    def slow():
        started.set()
        release.wait(5)
        return {"done": True}

    def first():
        outcome["first"] = idempotency.run_once(slow, payload={"k": 1}, table_name=table, key_prefix="t",
                                                expires_after_seconds=60, lambda_context=FakeLambdaContext())

    thread = threading.Thread(target=first)
    thread.start()
    assert started.wait(5)
    with pytest.raises(idempotency.InProgress):
        idempotency.run_once(lambda: {"done": False}, payload={"k": 1}, table_name=table, key_prefix="t",
                             expires_after_seconds=60, lambda_context=FakeLambdaContext())
    release.set()
    thread.join(5)
    assert outcome["first"] == {"done": True}
