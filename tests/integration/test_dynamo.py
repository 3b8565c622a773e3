"""The shared DynamoDB plumbing: plain values in and out, every page read, batches, conditions, transactions."""

import boto3
import pytest
from botocore.exceptions import ClientError
from moto import mock_aws

from suite import aws, dynamo

TABLE = "plumbing"


@pytest.fixture(autouse=True)
def table():
    with mock_aws():
        aws.reset_clients()
        boto3.client("dynamodb").create_table(
            TableName=TABLE, BillingMode="PAY_PER_REQUEST",
            KeySchema=[{"AttributeName": "pk", "KeyType": "HASH"}, {"AttributeName": "sk", "KeyType": "RANGE"}],
            AttributeDefinitions=[{"AttributeName": "pk", "AttributeType": "S"},
                                  {"AttributeName": "sk", "AttributeType": "S"}])
        yield
        # inside the session's moto stack a nested mock_aws() keeps its backend: leave nothing behind
        for name in boto3.client("dynamodb").list_tables()["TableNames"]:
            if name in (TABLE, "other"):
                boto3.client("dynamodb").delete_table(TableName=name)
        aws.reset_clients()


def test_values_round_trip_as_plain_python():
    item = {"pk": "p", "sk": "s", "count": 3, "ratio": 0.25, "flag": True, "gone": None,
            "nested": {"n": 7, "skip": None, "list": [1, 2.5, "x"]}, "tags": {"a", "b"}}
    dynamo.put(TABLE, item)
    stored = dynamo.get(TABLE, "p", "s")
    assert stored == {"pk": "p", "sk": "s", "count": 3, "ratio": 0.25, "flag": True,
                      "nested": {"n": 7, "list": [1, 2.5, "x"]}, "tags": {"a", "b"}}
    assert type(stored["count"]) is int
    assert dynamo.get(TABLE, "p", "missing") is None


def test_conditional_writes_and_failure_classification():
    dynamo.put(TABLE, {"pk": "p", "sk": "s", "v": 1}, condition="attribute_not_exists(pk)")
    with pytest.raises(ClientError, match="ConditionalCheckFailed") as refused:
        dynamo.put(TABLE, {"pk": "p", "sk": "s", "v": 2}, condition="attribute_not_exists(pk)")
    assert dynamo.is_condition_failure(refused.value)
    updated = dynamo.update(TABLE, "p", "s", "SET #v = #v + :one", names={"#v": "v"},
                            values={":one": 1, ":was": 1}, condition="#v = :was")
    assert updated["v"] == 2
    dynamo.delete(TABLE, "p", "s", condition="#v = :v", names={"#v": "v"}, values={":v": 2})
    assert dynamo.get(TABLE, "p", "s") is None


def test_reads_follow_every_page():
    dynamo.batch_put(TABLE, [{"pk": "part", "sk": f"{i:03d}", "i": i} for i in range(60)])
    request = {"KeyConditionExpression": "pk = :p", "ExpressionAttributeValues": dynamo.expression_values(
        {":p": "part"}), "Limit": 7}
    assert [item["i"] for item in dynamo.query(TABLE, **request)] == list(range(60))
    assert dynamo.count(TABLE, **request) == 60
    page = dynamo.query_page(TABLE, 20, 5, KeyConditionExpression="pk = :p",
                             ExpressionAttributeValues=dynamo.expression_values({":p": "part"}))
    assert [item["i"] for item in page] == [20, 21, 22, 23, 24]
    prefixed = [item["sk"] for item in dynamo.query_partition(TABLE, "part", prefix="05")]
    assert prefixed == [f"{i:03d}" for i in range(50, 60)]
    newest = next(dynamo.query_partition(TABLE, "part", newest_first=True))
    assert newest["i"] == 59


def test_batches_larger_than_one_call():
    dynamo.batch_put(TABLE, [{"pk": "b", "sk": str(i)} for i in range(130)])
    found = dynamo.batch_get(TABLE, [("b", str(i)) for i in range(130)] + [("b", "nope")])
    assert len(found) == 130
    assert found[("b", "7")] == {"pk": "b", "sk": "7"}
    assert dynamo.batch_delete(TABLE, [("b", str(i)) for i in range(130)]) == 130
    assert dynamo.count(TABLE, KeyConditionExpression="pk = :p",
                        ExpressionAttributeValues=dynamo.expression_values({":p": "b"})) == 0


def test_transactions_are_all_or_nothing():
    dynamo.put(TABLE, {"pk": "acct", "sk": "balance", "left": 5})
    (dynamo.Transaction()
     .update(TABLE, "acct", "balance", "SET #l = #l - :n", condition="#l >= :n", names={"#l": "left"},
             values={":n": 3})
     .put(TABLE, {"pk": "acct", "sk": "usage#1", "n": 3}, condition="attribute_not_exists(pk)")
     .commit())
    overdraw = (dynamo.Transaction()
                .update(TABLE, "acct", "balance", "SET #l = #l - :n", condition="#l >= :n",
                        names={"#l": "left"}, values={":n": 3})
                .put(TABLE, {"pk": "acct", "sk": "usage#2", "n": 3}, condition="attribute_not_exists(pk)"))
    with pytest.raises(ClientError, match="TransactionCanceled") as cancelled:
        overdraw.commit()
    assert dynamo.is_condition_failure(cancelled.value)
    assert dynamo.cancellation_reasons(cancelled.value) == ["ConditionalCheckFailed", "None"]
    assert dynamo.get(TABLE, "acct", "balance")["left"] == 2
    assert dynamo.get(TABLE, "acct", "usage#2") is None
    assert overdraw.commit_if_conditions_hold() is False
    assert dynamo.get(TABLE, "acct", "balance")["left"] == 2
    refill = dynamo.Transaction().update(TABLE, "acct", "balance", "SET #l = #l + :n", condition="attribute_exists(pk)",
                                         names={"#l": "left"}, values={":n": 4})
    assert refill.commit_if_conditions_hold() is True
    assert overdraw.commit_if_conditions_hold() is True
    assert dynamo.get(TABLE, "acct", "balance")["left"] == 3
    wrong_type = dynamo.Transaction().update(TABLE, "acct", "balance", "SET #l = #l + :s", names={"#l": "left"},
                                             values={":s": "text"})
    with pytest.raises(ClientError):  # not a condition: still raised
        wrong_type.commit_if_conditions_hold()
    too_big = dynamo.Transaction()
    for i in range(101):
        too_big.put(TABLE, {"pk": "x", "sk": str(i)})
    with pytest.raises(ValueError, match="at most 100"):
        too_big.commit()


def test_batch_get_across_tables():
    boto3.client("dynamodb").create_table(
        TableName="other", BillingMode="PAY_PER_REQUEST",
        KeySchema=[{"AttributeName": "pk", "KeyType": "HASH"}, {"AttributeName": "sk", "KeyType": "RANGE"}],
        AttributeDefinitions=[{"AttributeName": "pk", "AttributeType": "S"},
                              {"AttributeName": "sk", "AttributeType": "S"}])
    dynamo.put(TABLE, {"pk": "a", "sk": "1", "v": 1})
    dynamo.put("other", {"pk": "b", "sk": "2", "v": 2})
    found = dynamo.batch_get_tables({TABLE: [("a", "1"), ("a", "missing")], "other": [("b", "2")], "empty": []})
    assert found == {(TABLE, "a", "1"): {"pk": "a", "sk": "1", "v": 1}, ("other", "b", "2"): {"pk": "b", "sk": "2",
                                                                                            "v": 2}}
    with pytest.raises(ValueError, match="at most 100"):
        dynamo.batch_get_tables({TABLE: [("a", str(i)) for i in range(101)]})


def test_put_if_and_delete_if_answer_whether_their_condition_held():
    assert dynamo.put_if(TABLE, {"pk": "c", "sk": "1", "v": 1}, condition="attribute_not_exists(pk)") is True
    assert dynamo.put_if(TABLE, {"pk": "c", "sk": "1", "v": 2}, condition="attribute_not_exists(pk)") is False
    assert dynamo.get(TABLE, "c", "1")["v"] == 1  # the refused write changed nothing
    assert dynamo.delete_if(TABLE, "c", "1", condition="v = :v", values={":v": 2}) is False
    assert dynamo.delete_if(TABLE, "c", "1", condition="v = :v", values={":v": 1}) is True
    assert dynamo.get(TABLE, "c", "1") is None
    with pytest.raises(ClientError):  # anything but a failed condition still raises
        dynamo.put_if("no-such-table", {"pk": "c", "sk": "1"}, condition="attribute_not_exists(pk)")
