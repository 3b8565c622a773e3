"""moto, as the local stack and the integration tests use it, accepts at most one of two racing conditional writes."""

import threading

import boto3
import pytest
from moto import mock_aws

from devstack.moto_fidelity import make_dynamodb_requests_atomic

THREADS, ROUNDS = 8, 25


@pytest.fixture
def ddb():
    """A moto DynamoDB client with the fidelity patches on and one table `t` keyed by a string `pk`."""
    make_dynamodb_requests_atomic()
    with mock_aws():
        client = boto3.client("dynamodb", region_name="us-east-1")
        client.create_table(TableName="t", BillingMode="PAY_PER_REQUEST",
                            KeySchema=[{"AttributeName": "pk", "KeyType": "HASH"}],
                            AttributeDefinitions=[{"AttributeName": "pk", "AttributeType": "S"}])
        yield client
        # inside the session's moto stack a nested mock_aws() keeps its backend: leave nothing behind
        client.delete_table(TableName="t")


def test_racing_conditional_writes_never_both_succeed(ddb):
    ddb.put_item(TableName="t", Item={"pk": {"S": "x"}, "v": {"N": "0"}})
    start = threading.Barrier(THREADS)
    won: list[int] = []
    lock = threading.Lock()

    def worker() -> None:
        for _ in range(ROUNDS):
            start.wait()
            seen = int(ddb.get_item(TableName="t", Key={"pk": {"S": "x"}}, ConsistentRead=True)["Item"]["v"]["N"])
            try:
                ddb.put_item(TableName="t", Item={"pk": {"S": "x"}, "v": {"N": str(seen + 1)}},
                             ConditionExpression="v = :seen", ExpressionAttributeValues={":seen": {"N": str(seen)}})
            except ddb.exceptions.ConditionalCheckFailedException:
                continue
            with lock:
                won.append(seen + 1)

    threads = [threading.Thread(target=worker) for _ in range(THREADS)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    final = int(ddb.get_item(TableName="t", Key={"pk": {"S": "x"}})["Item"]["v"]["N"])
    assert sorted(won) == list(range(1, final + 1))  # each version was won exactly once
    assert len(won) >= ROUNDS  # at least one winner per round


def test_transactions_are_all_or_nothing_and_undo_a_failed_write(ddb):
    ddb.put_item(TableName="t", Item={"pk": {"S": "a"}, "v": {"N": "1"}})

    def put(pk, **extra):
        return {"Put": {"TableName": "t", "Item": {"pk": {"S": pk}, **extra}}}

    refused = [put("b", v={"N": "2"}),
               {"ConditionCheck": {"TableName": "t", "Key": {"pk": {"S": "a"}},
                                   "ConditionExpression": "v = :two",
                                   "ExpressionAttributeValues": {":two": {"N": "2"}}}}]
    with pytest.raises(ddb.exceptions.TransactionCanceledException) as cancelled:
        ddb.transact_write_items(TransactItems=refused)
    assert [r["Code"] for r in cancelled.value.response["CancellationReasons"]] == [
        "None", "ConditionalCheckFailed"]
    assert "Item" not in ddb.get_item(TableName="t", Key={"pk": {"S": "b"}})  # nothing of it was written

    too_big = "x" * 410_000  # only the write itself finds an item over DynamoDB's 400 KB
    with pytest.raises(ddb.exceptions.ClientError, match=r"TransactionCanceled|ValidationException"):
        ddb.transact_write_items(TransactItems=[put("b", v={"N": "1"}), put("c", blob={"S": too_big})])
    assert "Item" not in ddb.get_item(TableName="t", Key={"pk": {"S": "b"}})  # the first write was undone

    ddb.transact_write_items(TransactItems=[put("b", v={"N": "1"}), {"Delete": {
        "TableName": "t", "Key": {"pk": {"S": "a"}}, "ConditionExpression": "v = :one",
        "ExpressionAttributeValues": {":one": {"N": "1"}}}}])
    assert "Item" in ddb.get_item(TableName="t", Key={"pk": {"S": "b"}})
    assert "Item" not in ddb.get_item(TableName="t", Key={"pk": {"S": "a"}})
