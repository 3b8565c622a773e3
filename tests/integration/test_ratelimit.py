"""DynamoDB fixed-window limiter: exact under concurrency, Retry-After until the window ends, TTL set."""

import threading

import boto3
import pytest
from moto import mock_aws

from suite.ratelimit import FixedWindowLimiter


class Clock:
    def __init__(self, now: float) -> None:
        self.now = now

    def __call__(self) -> float:
        return self.now


@pytest.fixture
def table():
    with mock_aws():
        ddb = boto3.client("dynamodb", region_name="us-east-1")
        ddb.create_table(TableName="limits", BillingMode="PAY_PER_REQUEST",
                         KeySchema=[{"AttributeName": "pk", "KeyType": "HASH"},
                                    {"AttributeName": "sk", "KeyType": "RANGE"}],
                         AttributeDefinitions=[{"AttributeName": "pk", "AttributeType": "S"},
                                               {"AttributeName": "sk", "AttributeType": "S"}])
        yield ddb
        # inside the session's moto stack a nested mock_aws() keeps its backend: leave nothing behind
        ddb.delete_table(TableName="limits")


def limiter(ddb, clock):
    return FixedWindowLimiter("limits", sort_key=("sk", "limit"), client=ddb, clock=clock)


def test_the_eleventh_hit_is_refused_until_the_window_ends(table):
    clock = Clock(1_000_000.0 + 15)
    limits = limiter(table, clock)
    decisions = [limits.hit("login#alice", limit=10, window_seconds=60) for _ in range(11)]
    assert [d.allowed for d in decisions] == [True] * 10 + [False]
    assert decisions[9].remaining == 0
    assert decisions[10].retry_after == 5  # window [999960, 1000020): 1000020 - 1000015
    clock.now += 5
    assert limits.hit("login#alice", limit=10, window_seconds=60).allowed
    assert limits.hit("login#bob", limit=10, window_seconds=60).allowed


def test_concurrent_hits_never_exceed_the_limit(table):
    limits = limiter(table, Clock(2_000_000.0))
    allowed = []
    lock = threading.Lock()

    def worker():
        for _ in range(5):
            decision = limits.hit("token#t1", limit=10, window_seconds=60)
            with lock:
                allowed.append(decision.allowed)

    threads = [threading.Thread(target=worker) for _ in range(8)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert allowed.count(True) == 10
    assert allowed.count(False) == 30
    assert limits.count("token#t1", window_seconds=60) == 10


def test_reset_and_ttl(table):
    clock = Clock(3_000_000.0)
    limits = limiter(table, clock)
    for _ in range(3):
        limits.hit("login#carol", limit=3, window_seconds=300)
    assert not limits.hit("login#carol", limit=3, window_seconds=300).allowed
    [item] = table.query(TableName="limits", KeyConditionExpression="pk = :p",
                         ExpressionAttributeValues={":p": {"S": "rl#login#carol#300#3000000"}})["Items"]
    assert int(item["expires_at"]["N"]) == 3_000_000 + 300 + 60
    limits.reset("login#carol", window_seconds=300)
    assert limits.hit("login#carol", limit=3, window_seconds=300).allowed


def test_weighted_costs(table):
    limits = limiter(table, Clock(4_000_000.0))
    assert limits.hit("batch#d", limit=10, window_seconds=60, cost=6).allowed
    assert not limits.hit("batch#d", limit=10, window_seconds=60, cost=6).allowed
    assert limits.hit("batch#d", limit=10, window_seconds=60, cost=4).count == 10
