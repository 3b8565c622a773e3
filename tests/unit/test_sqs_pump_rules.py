"""Lambda's partial-batch rules, as the local SQS event source applies them."""

from devstack.sqs_pump import failed_ids, lambda_record
from devstack.template import SqsSource

REPORTING = SqsSource(event_name="q", queue_arn="arn:aws:sqs:us-east-1:123456789012:q", report_batch_item_failures=True)
PLAIN = SqsSource(event_name="q", queue_arn="arn:aws:sqs:us-east-1:123456789012:q")
BATCH = {"m1", "m2", "m3"}


def test_named_failures_stay_the_rest_succeed():
    assert failed_ids(REPORTING, {"batchItemFailures": [{"itemIdentifier": "m2"}]}, BATCH) == {"m2"}


def test_empty_or_null_answers_are_success():
    for answer in (None, {}, {"batchItemFailures": []}):
        assert failed_ids(REPORTING, answer, BATCH) == set()


def test_malformed_answers_fail_the_whole_batch():
    for answer in ({"batchItemFailures": [{"itemIdentifier": "unknown"}]}, {"batchItemFailures": [{}]},
                   {"batchItemFailures": "m1"}, ["m1"]):
        assert failed_ids(REPORTING, answer, BATCH) == BATCH


def test_without_report_batch_item_failures_the_answer_is_ignored():
    assert failed_ids(PLAIN, {"batchItemFailures": [{"itemIdentifier": "m2"}]}, BATCH) == set()


def test_record_shape():
    message = {"MessageId": "m1", "ReceiptHandle": "rh", "Body": "{}", "MD5OfBody": "99914b932bd37a50b983c5e7c90ae93b",
               "Attributes": {"ApproximateReceiveCount": "2", "SentTimestamp": "1", "MessageGroupId": "g",
                              "Unrelated": "x"},
               "MessageAttributes": {"kind": {"DataType": "String", "StringValue": "job"}}}
    record = lambda_record(message, REPORTING.queue_arn)
    assert record["messageId"] == "m1"
    assert record["eventSource"] == "aws:sqs"
    assert record["eventSourceARN"] == REPORTING.queue_arn
    assert record["attributes"] == {"ApproximateReceiveCount": "2", "SentTimestamp": "1", "MessageGroupId": "g"}
    assert record["messageAttributes"]["kind"]["stringValue"] == "job"
