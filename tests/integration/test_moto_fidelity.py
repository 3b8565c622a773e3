"""moto, as the local stack and the integration tests use it, accepts at most one of two racing conditional writes."""

import threading

import boto3
from moto import mock_aws

from devstack.moto_fidelity import make_dynamodb_requests_atomic

THREADS, ROUNDS = 8, 25


def test_racing_conditional_writes_never_both_succeed():
    make_dynamodb_requests_atomic()
    with mock_aws():
        ddb = boto3.client("dynamodb", region_name="us-east-1")
        ddb.create_table(TableName="t", BillingMode="PAY_PER_REQUEST",
                         KeySchema=[{"AttributeName": "pk", "KeyType": "HASH"}],
                         AttributeDefinitions=[{"AttributeName": "pk", "AttributeType": "S"}])
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
