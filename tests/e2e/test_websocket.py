"""The local stack plays API Gateway WebSocket APIs: $connect can refuse, messages reach their route, two-way
routes answer, other functions push through @connections, and $disconnect runs (tests/fixtures/websocket)."""

import json
import shutil

import pytest
import requests

from tests.support.devstack_process import DevStackProcess, wait_until
from tests.support.lambda_events import REPO_ROOT
from tests.support.ws_client import HandshakeRefused, WebSocketClient


@pytest.fixture(scope="module")
def live_stack(tmp_path_factory):
    stack = DevStackProcess(REPO_ROOT / "tests/fixtures/websocket/template.yaml",
                            tmp_path_factory.mktemp("live"), "--no-schedules").start()
    yield stack
    stack.stop()


def ws_url(stack, path):
    return stack.url("live").replace("http://", "ws://") + path


def connection_ids(stack):
    item = stack.aws("dynamodb").get_item(TableName="suite-local-ConnectionsTable",
                                           Key={"pk": {"S": "connections"}}).get("Item") or {}
    return set(item.get("ids", {}).get("SS", []))


def test_connect_is_refused_without_the_token(live_stack):
    with pytest.raises(HandshakeRefused) as refused:
        WebSocketClient(ws_url(live_stack, "/live?token=wrong"))
    assert refused.value.status == 401


def test_messages_pushes_and_disconnect(live_stack):
    client = WebSocketClient(ws_url(live_stack, "/live?token=let-me-in"))
    other = WebSocketClient(ws_url(live_stack, "/live/extra?token=let-me-in"))
    try:
        wait_until(lambda: len(connection_ids(live_stack)) == 2, message="both connections recorded")
        client.send_text("ping")
        assert json.loads(client.receive_text()) == {"type": "pong"}
        client.send_text(json.dumps({"action": "unknown", "x": 1}))
        assert json.loads(client.receive_text())["type"] == "echo"
        assert client.ping(b"keepalive") == b"keepalive"  # control frames are the gateway's business
        answer = requests.post(live_stack.url("live") + "/broadcast", data='{"type":"log","data":{"n":1}}',
                               timeout=30)
        assert answer.json() == {"sent": 2}
        assert json.loads(client.receive_text()) == {"type": "log", "data": {"n": 1}}
        assert json.loads(other.receive_text()) == {"type": "log", "data": {"n": 1}}
    finally:
        client.close()
    wait_until(lambda: len(connection_ids(live_stack)) == 1, message="$disconnect to remove the closed connection")
    other.close()
    wait_until(lambda: not connection_ids(live_stack), message="$disconnect for the second connection")


def test_push_to_a_gone_connection_is_410(live_stack):
    response = requests.post(live_stack.url("live") + "/live/@connections/bm90LWEtY29ubmVjdGlvbg==", data="x",
                             timeout=30)
    assert response.status_code == 410


def test_table_stream_changes_reach_connected_clients(live_stack):
    client = WebSocketClient(ws_url(live_stack, "/live?token=let-me-in"))
    try:
        wait_until(lambda: connection_ids(live_stack), message="connection recorded")
        for key in ("a", "poison", "b"):
            assert requests.put(f"{live_stack.url('live')}/notes/{key}", data="text", timeout=30).status_code == 204
        received = [json.loads(client.receive_text()) for _ in range(3)]
        # poison failed once and was retried from its own sequence number: nothing lost, order kept, no repeats
        assert [(m["key"], m["action"]) for m in received] == [("a", "INSERT"), ("poison", "INSERT"),
                                                              ("b", "INSERT")]
    finally:
        client.close()


def test_a_batch_given_up_on_goes_to_the_failure_destination(live_stack):
    requests.put(f"{live_stack.url('live')}/notes/always-fails", data="x", timeout=30)
    sqs = live_stack.aws("sqs")
    url = sqs.get_queue_url(QueueName="suite-local-NotesStreamFailures")["QueueUrl"]
    messages = wait_until(lambda: sqs.receive_message(QueueUrl=url).get("Messages"), timeout=60,
                          message="the failure description")
    info = json.loads(messages[0]["Body"])
    assert info["requestContext"]["condition"] == "RetryAttemptsExhausted"
    assert info["requestContext"]["approximateInvokeCount"] == 4  # the first try and MaximumRetryAttempts: 3
    assert info["DDBStreamBatchInfo"]["batchSize"] == 1


# ------------------------------------------------------------------------------------------------ two services

PAIR = """\
AWSTemplateFormatVersion: "2010-09-09"
Transform: AWS::Serverless-2016-10-31
Description: Two services with a WebSocket API each (the same fixture twice, as classworks and kook have LiveApi).
Metadata:
  LocalDev:
    Service: pair
Resources:
  AlphaApp:
    Type: AWS::Serverless::Application
    Properties:
      Location: alpha/template.yaml
  BetaApp:
    Type: AWS::Serverless::Application
    Properties:
      Location: beta/template.yaml
"""


@pytest.fixture(scope="module")
def pair_stack(tmp_path_factory):
    """tests/fixtures/websocket as two nested services, alpha and beta, on one local stack."""
    root = tmp_path_factory.mktemp("pair")
    fixture = REPO_ROOT / "tests/fixtures/websocket"
    for service in ("alpha", "beta"):
        shutil.copytree(fixture, root / service, ignore=shutil.ignore_patterns("__pycache__"))
        template = root / service / "template.yaml"
        template.write_text(template.read_text().replace("ContentUri: ../../../layers/common/",
                                                         f"ContentUri: {REPO_ROOT / 'layers/common'}/"))
    (root / "template.yaml").write_text(PAIR)
    stack = DevStackProcess(root / "template.yaml", root, "--no-schedules").start()
    yield stack
    stack.stop()


def test_two_services_websocket_apis_stay_apart(pair_stack):
    assert {"alpha", "beta"} <= set(pair_stack.status["services"])
    tables = {service: f"suite-local-{service.title()}App-ConnectionsTable" for service in ("alpha", "beta")}

    def recorded(service):
        item = pair_stack.aws("dynamodb").get_item(TableName=tables[service], Key={"pk": {"S": "connections"}})
        return item.get("Item", {}).get("ids", {}).get("SS", [])

    clients = {service: WebSocketClient(pair_stack.url(service).replace("http://", "ws://") + "/live?token=let-me-in")
               for service in ("alpha", "beta")}
    try:
        for service in clients:
            wait_until(lambda service=service: recorded(service), message=f"{service}'s connection recorded")
        for service in ("alpha", "beta"):  # each service pushes through its own @connections endpoint
            answer = requests.post(pair_stack.url(service) + "/broadcast", data=json.dumps({"from": service}),
                                   timeout=30)
            assert (answer.status_code, answer.json()) == (200, {"sent": 1})
        # each client's first message is its own service's push: alpha's push did not reach beta first, and
        # after beta's push alpha's next frame is the answer to its own ping, not beta's push
        assert json.loads(clients["alpha"].receive_text()) == {"from": "alpha"}
        assert json.loads(clients["beta"].receive_text()) == {"from": "beta"}
        clients["alpha"].send_text("ping")
        assert json.loads(clients["alpha"].receive_text()) == {"type": "pong"}
    finally:
        for client in clients.values():
            client.close()
