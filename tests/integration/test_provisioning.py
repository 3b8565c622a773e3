"""Resources are created in moto exactly as the templates declare them (the same code the local stack runs)."""

import json

import boto3
import pytest

from devstack.resources import AwsClients, Provisioner
from devstack.template import open_suite
from tests.support.lambda_events import REPO_ROOT
from tests.support.moto_stack import moto_suite

FIXTURE = REPO_ROOT / "tests/fixtures/templates/resources.yaml"


@pytest.fixture
def suite():
    with moto_suite(FIXTURE, stack_name="prov") as loaded:
        yield loaded


def test_table_keys_indexes_stream_and_ttl(suite):
    ddb = boto3.client("dynamodb")
    table = ddb.describe_table(TableName="prov-Items")["Table"]
    assert table["KeySchema"] == [
        {"AttributeName": "pk", "KeyType": "HASH"}, {"AttributeName": "sk", "KeyType": "RANGE"}]
    [index] = table["GlobalSecondaryIndexes"]
    assert index["IndexName"] == "byOwner"
    assert index["KeySchema"][0] == {"AttributeName": "gsi1pk", "KeyType": "HASH"}
    assert table["StreamSpecification"] == {"StreamEnabled": True, "StreamViewType": "NEW_AND_OLD_IMAGES"}
    assert table["BillingModeSummary"]["BillingMode"] == "PAY_PER_REQUEST"
    ttl = ddb.describe_time_to_live(TableName="prov-Items")["TimeToLiveDescription"]
    assert ttl == {"TimeToLiveStatus": "ENABLED", "AttributeName": "expires_at"}
    backups = ddb.describe_continuous_backups(TableName="prov-Items")["ContinuousBackupsDescription"]
    assert backups["PointInTimeRecoveryDescription"]["PointInTimeRecoveryStatus"] == "ENABLED"
    simple = ddb.describe_table(TableName="prov-Simple")["Table"]
    assert simple["KeySchema"] == [{"AttributeName": "code", "KeyType": "HASH"}]


def test_fifo_queue_with_dead_letter_queue(suite):
    sqs = boto3.client("sqs")
    url = sqs.get_queue_url(QueueName="prov-Ordered.fifo")["QueueUrl"]
    attributes = sqs.get_queue_attributes(QueueUrl=url, AttributeNames=["All"])["Attributes"]
    assert attributes["FifoQueue"] == "true"
    assert attributes["ContentBasedDeduplication"] == "true"
    assert attributes["VisibilityTimeout"] == "120"
    redrive = json.loads(attributes["RedrivePolicy"])
    assert redrive["maxReceiveCount"] == 5
    assert redrive["deadLetterTargetArn"].endswith(":prov-OrderedDead.fifo")


def test_bucket_key_topic_secret_and_parameter(suite):
    s3 = boto3.client("s3")
    assert s3.get_bucket_versioning(Bucket="prov-media")["Status"] == "Enabled"
    block = s3.get_public_access_block(Bucket="prov-media")["PublicAccessBlockConfiguration"]
    assert all(block.values())
    kms = boto3.client("kms")
    key_id = kms.describe_key(KeyId="alias/prov-secrets")["KeyMetadata"]["KeyId"]
    assert kms.decrypt(CiphertextBlob=kms.encrypt(KeyId=key_id, Plaintext=b"x")["CiphertextBlob"])["Plaintext"] == b"x"
    assert any(t["TopicArn"].endswith(":prov-Topic") for t in boto3.client("sns").list_topics()["Topics"])
    secret = json.loads(boto3.client("secretsmanager").get_secret_value(SecretId="prov-SigningKey")["SecretString"])
    assert secret["kid"] == "k1"
    assert len(secret["secret"]) == 48
    assert secret["secret"].isalnum()
    assert boto3.client("ssm").get_parameter(Name="/prov-Setting")["Parameter"]["Value"] == "42"


def test_function_environment_resolves_to_the_created_resources(suite):
    env = suite.function("Reader").environment
    assert env["TABLE"] == "prov-Items"
    assert env["STREAM"].startswith("arn:aws:dynamodb:us-east-1:123456789012:table/prov-Items/stream/")
    assert env["QUEUE_URL"].endswith("/prov-Ordered.fifo")
    assert env["BUCKET"] == "prov-media"
    assert env["KEY_ARN"].startswith("arn:aws:kms:us-east-1:123456789012:key/")
    assert env["SIGNING_SECRET"].startswith("arn:aws:secretsmanager:")
    assert env["SETTING"] == "/prov-Setting"


def test_provisioning_twice_adopts_what_exists(suite):
    again = open_suite(FIXTURE, stack_name="prov", provision=Provisioner(AwsClients()))
    assert again.function("Reader").environment["KEY_ARN"] == suite.function("Reader").environment["KEY_ARN"]
    # only this stack's secrets: a session's moto backend may hold other stacks' too
    secrets = [s for s in boto3.client("secretsmanager").list_secrets()["SecretList"] if s["Name"].startswith("prov-")]
    assert len(secrets) == 1
