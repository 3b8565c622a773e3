"""The layer's plumbing for configuration, non-HTTP entry points and outbound failures."""

import json
from dataclasses import dataclass

import pytest

from suite import clock, config, websocket, workers
from suite.outbound import ProviderError, check_status, guarded, retry_after_of
from suite.outbound.client import HttpResponse, ResponseHeaders, RetryLater, UpstreamError
from suite.outbound.url_guard import UnsafeUrlError
from tests.support.lambda_events import FakeLambdaContext

# -- config ------------------------------------------------------------------------------------------------------


@dataclass(frozen=True)
class Cfg:
    table: str
    retries: int
    enabled: bool
    hosts: tuple[str, ...]


def _load(env: config.Environment) -> Cfg:
    return Cfg(table=env.text("TABLE"), retries=env.integer("RETRIES", 3, minimum=0, maximum=10),
               enabled=env.boolean("ENABLED", False), hosts=env.csv("HOSTS", ()))


def test_settings_read_typed_values_once_until_reset(monkeypatch):
    loader = config.settings(_load)
    monkeypatch.setenv("TABLE", "t1")
    monkeypatch.setenv("HOSTS", "a.example, b.example,,")
    first = loader()
    assert first == Cfg("t1", 3, False, ("a.example", "b.example"))
    monkeypatch.setenv("TABLE", "t2")
    assert loader() is first  # cached for the execution environment
    config.reset_all()
    assert loader().table == "t2"


@pytest.mark.parametrize(("values", "message"), [
    ({}, "TABLE is required"),
    ({"TABLE": "t", "RETRIES": "many"}, "RETRIES must be an integer"),
    ({"TABLE": "t", "RETRIES": "11"}, "RETRIES must be at most 10"),
    ({"TABLE": "t", "ENABLED": "perhaps"}, "ENABLED must be true or false"),
])
def test_a_missing_or_malformed_variable_is_named(values, message):
    with pytest.raises(config.ConfigError, match=message):
        config.settings(_load).load(values)


# -- SQS consumers -----------------------------------------------------------------------------------------------

def _record(message_id: str, body: str, group: str | None = None) -> dict:
    attributes = {"ApproximateReceiveCount": "1", "SentTimestamp": "1", "SenderId": "x",
                  "ApproximateFirstReceiveTimestamp": "1"}
    if group:
        attributes |= {"MessageGroupId": group, "SequenceNumber": message_id, "MessageDeduplicationId": message_id}
    return {"messageId": message_id, "receiptHandle": "r", "body": body, "attributes": attributes,
            "messageAttributes": {}, "md5OfBody": "", "eventSource": "aws:sqs",
            "eventSourceARN": "arn:aws:sqs:us-east-1:1:q", "awsRegion": "us-east-1"}


def test_sqs_consumer_reports_only_the_failed_records():
    seen = []

    def handle(record, context):
        seen.append((record.body, context.function_name))
        if record.body == "bad":
            raise ValueError("boom")

    handler = workers.sqs_consumer(handle)
    answer = handler({"Records": [_record("1", "ok"), _record("2", "bad"), _record("3", "ok")]},
                     FakeLambdaContext(function_name="worker"))
    assert answer == {"batchItemFailures": [{"itemIdentifier": "2"}]}
    assert seen == [("ok", "worker"), ("bad", "worker"), ("ok", "worker")]
    every_failed = handler({"Records": [_record("4", "bad")]}, FakeLambdaContext())
    assert every_failed == {"batchItemFailures": [{"itemIdentifier": "4"}]}  # not raised: deferrals are normal


def test_fifo_consumer_stops_only_the_failed_group_and_wraps_the_batch():
    order = []
    handler = workers.sqs_consumer(lambda record: order.append(record.body) or (_ for _ in ()).throw(ValueError())
                                   if record.body == "a1" else order.append(record.body),
                                   fifo=True, before_batch=lambda: "state", after_batch=order.append)
    records = [_record("1", "a1", "A"), _record("2", "b1", "B"), _record("3", "a2", "A")]
    answer = handler({"Records": records}, FakeLambdaContext())
    assert {f["itemIdentifier"] for f in answer["batchItemFailures"]} == {"1", "3"}
    assert order == ["a1", "b1", "state"]


def test_scheduled_job_gets_the_event_when_it_asks_for_it():
    assert workers.scheduled(lambda event: event["detail-type"])({"detail-type": "Scheduled Event"},
                                                                FakeLambdaContext()) == "Scheduled Event"
    assert workers.scheduled(lambda: 42)({}, FakeLambdaContext()) == 42


def test_scheduled_job_gets_the_lambda_context_when_it_asks_for_it():
    job = workers.scheduled(lambda event, context: (event["time"], context.function_name))
    assert job({"time": "2026-12-07T03:30:00Z"}, FakeLambdaContext(function_name="poll")) == (
        "2026-12-07T03:30:00Z", "poll")


# -- WebSocket dispatch ------------------------------------------------------------------------------------------

def test_socket_handler_dispatches_the_three_routes():
    calls = []
    handler = websocket.socket_handler(
        connect=lambda event, cid: calls.append(("connect", cid, websocket.query_token(event))) or 403,
        disconnect=lambda cid: calls.append(("disconnect", cid)),
        message=lambda event, cid, body: {"echo": json.loads(body)} if body else None)

    def event(route, body=None, query=None):
        return {"requestContext": {"connectionId": "c1", "routeKey": route}, "body": body,
                "queryStringParameters": query}

    assert handler(event("$connect", query={"token": "t"}), FakeLambdaContext()) == {"statusCode": 403}
    assert handler(event("$default", '{"a": 1}'), FakeLambdaContext()) == {"statusCode": 200,
                                                                          "body": '{"echo": {"a": 1}}'}
    assert handler(event("$default"), FakeLambdaContext()) == {"statusCode": 200}
    assert handler(event("$disconnect"), FakeLambdaContext()) == {"statusCode": 200}
    assert calls == [("connect", "c1", "t"), ("disconnect", "c1")]


# -- outbound failures -------------------------------------------------------------------------------------------

def _response(status: int, body: bytes = b"", headers: dict | None = None) -> HttpResponse:
    return HttpResponse(status=status, headers=ResponseHeaders(headers or {}), content=body, elapsed_ms=1.0,
                        attempts=1)


@pytest.mark.parametrize(("failure", "reason", "retryable"), [
    (UnsafeUrlError("private address"), "unsafe_url", False),
    (UpstreamError("timeout", "slow"), "timeout", True),
    (UpstreamError("connection", "refused"), "unreachable", True),
    (UpstreamError("too_large", "big"), "bad_response", False),
    (RetryLater(30.0, _response(429, headers={"Retry-After": "30"})), "rate_limited", True),
])
def test_transport_failures_become_one_error_type(failure, reason, retryable):
    def call():
        raise failure

    with pytest.raises(ProviderError) as caught:
        guarded("feishu", call)
    assert (caught.value.reason, caught.value.retryable) == (reason, retryable)
    assert caught.value.message.startswith("feishu: ")


@pytest.mark.parametrize(("status", "reason"), [(429, "rate_limited"), (408, "timeout"), (401, "rejected"),
                                                (404, "rejected"), (503, "unreachable")])
def test_non_2xx_answers_become_errors(status, reason):
    with pytest.raises(ProviderError) as caught:
        check_status("discord", _response(status, b'{"retry_after": 1.5}'))
    assert caught.value.reason == reason
    assert caught.value.status == status
    check_status("discord", _response(204))  # no error


@pytest.mark.parametrize(("status", "says"), [(429, "discord: rate limited (HTTP 429)"),
                                              (408, "discord: timed out (HTTP 408)")])
def test_retryable_answers_say_what_happened(status, says):
    with pytest.raises(ProviderError) as caught:
        check_status("discord", _response(status))
    assert caught.value.message == says


def test_retry_after_reads_bodies_then_the_header():
    assert retry_after_of(_response(429, b'{"parameters": {"retry_after": 7}}')) == 7.0
    assert retry_after_of(_response(429, b"not json", {"Retry-After": "3"})) == 3.0


# -- clock -------------------------------------------------------------------------------------------------------

def test_clock_forms():
    assert clock.iso_utc(0) == "1970-01-01T00:00:00.000Z"
    assert clock.parse_iso("1970-01-01T08:00:00+08:00") == 0
    assert clock.parse_iso("1970-01-01T00:00:01") == 1
    assert str(clock.fixed_zone("+0530")) == "UTC+05:30"
    assert str(clock.fixed_zone("nonsense", "+08:00")) == "UTC+08:00"
