"""The local stack's event machinery: HTTP → SQS → consumer, redrive to the DLQ after maxReceiveCount,
and schedules fired on demand (tests/fixtures/pipeline is the example service)."""

import json
import subprocess
import sys

import requests

from tests.support.devstack_process import wait_until
from tests.support.lambda_events import REPO_ROOT

TABLE = "suite-local-ResultsTable"


def item(stack, key):
    return stack.aws("dynamodb").get_item(TableName=TABLE, Key={"pk": {"S": key}}).get("Item")


def depth(stack, queue):
    return stack.aws("sqs").get_queue_attributes(
        QueueUrl=stack.aws("sqs").get_queue_url(QueueName=queue)["QueueUrl"],
        AttributeNames=["ApproximateNumberOfMessages", "ApproximateNumberOfMessagesNotVisible"])["Attributes"]


def test_message_is_delivered_to_its_consumer_once(pipeline_stack):
    response = requests.post(pipeline_stack.url("pipeline") + "/jobs", json={"id": "ok-1"}, timeout=30)
    assert response.status_code == 202
    record = wait_until(lambda: item(pipeline_stack, "job#ok-1"), message="the consumer to record job ok-1")
    assert record["receives"] == {"N": "1"}
    wait_until(lambda: depth(pipeline_stack, "suite-local-JobsQueue") == {
        "ApproximateNumberOfMessages": "0", "ApproximateNumberOfMessagesNotVisible": "0"},
        message="the delivered message to be deleted")


def test_failing_message_is_redriven_to_the_dlq_after_max_receive_count(pipeline_stack):
    requests.post(pipeline_stack.url("pipeline") + "/jobs", json={"id": "bad-1", "fail": True}, timeout=30)
    requests.post(pipeline_stack.url("pipeline") + "/jobs", json={"id": "ok-2"}, timeout=30)
    sqs = pipeline_stack.aws("sqs")
    dlq = sqs.get_queue_url(QueueName="suite-local-JobsDeadLetterQueue")["QueueUrl"]
    dead = wait_until(lambda: sqs.receive_message(QueueUrl=dlq, AttributeNames=["All"]).get("Messages"),
                      timeout=60, message="the failing message in the DLQ")
    assert json.loads(dead[0]["Body"]) == {"id": "bad-1", "fail": True}
    assert int(dead[0]["Attributes"]["ApproximateReceiveCount"]) >= 5  # received maxReceiveCount times first
    assert item(pipeline_stack, "job#bad-1") is None
    assert item(pipeline_stack, "job#ok-2")["receives"] == {"N": "1"}  # its batch-mate was not retried
    consumer = requests.get(pipeline_stack.control + "/status", timeout=30).json()["functions"]
    assert consumer["pipeline.ConsumerFunction"]["invocations"] >= 5


def test_schedule_fires_on_demand(pipeline_stack):
    answer = pipeline_stack.fire("Beat")
    assert answer["error"] is None
    assert answer["result"] == {"ok": True}
    assert item(pipeline_stack, "heartbeat")["source"] == {"S": "aws.scheduler"}


def test_make_fire_uses_the_cli(pipeline_stack):
    result = subprocess.run(
        [sys.executable, "-m", "devstack", "--control", pipeline_stack.control, "fire",
         "pipeline.HeartbeatFunction.Beat"], cwd=REPO_ROOT, capture_output=True, text=True, timeout=60, check=False)
    assert result.returncode == 0, result.stderr
    assert json.loads(result.stdout)["result"] == {"ok": True}
