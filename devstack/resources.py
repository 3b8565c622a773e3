"""Create the resources a template declares (tables, queues, buckets, keys, topics, secrets, parameters).

Used by the local stack (against its embedded moto server, or any endpoint given by AWS_ENDPOINT_URL) and by
the integration tests (against moto's in-process `mock_aws`), so both run on exactly the key schemas, indexes,
TTL settings, FIFO flags and redrive policies that get deployed. Creation is idempotent: an existing resource
is adopted, so a second start against a persistent endpoint (LocalStack, a kept state) does not fail.
"""

from __future__ import annotations

import json
import re
import secrets
import string
from collections.abc import Callable
from typing import Any

import boto3
from botocore.config import Config
from botocore.exceptions import ClientError

from devstack.template import ACCOUNT_ID, REGION, Stack, TemplateError


class AwsClients:
    """boto3 clients for one endpoint (None: boto3's own resolution, e.g. moto's mock_aws in tests)."""

    def __init__(self, endpoint_url: str | None = None, region: str = REGION) -> None:
        self.endpoint_url = endpoint_url
        self.region = region
        self._session = boto3.session.Session(region_name=region)
        self._clients: dict[str, Any] = {}

    def __call__(self, service: str) -> Any:
        if service not in self._clients:
            self._clients[service] = self._session.client(
                service, endpoint_url=self.endpoint_url,
                config=Config(retries={"max_attempts": 2, "mode": "standard"}),
            )
        return self._clients[service]


class Provisioner:
    """`provision(stack, logical_id) -> physical ids` for `devstack.template.open_suite`."""

    def __init__(self, clients: AwsClients, log: Callable[[str], None] | None = None) -> None:
        self.clients = clients
        self.log = log or (lambda _msg: None)
        self.created: list[tuple[str, str, str]] = []  # (type, logical id, physical name)

    def __call__(self, stack: Stack, logical_id: str) -> dict[str, Any]:
        resource = stack.resources[logical_id]
        rtype = resource["Type"]
        props = stack.resolve(resource.get("Properties") or {})
        creator = _CREATORS[rtype]
        physical = creator(self, stack, logical_id, props)
        self.created.append((rtype, logical_id, str(physical["Ref"])))
        self.log(f"created {rtype} {logical_id} -> {physical['Ref']}")
        return physical

    # --- DynamoDB ---------------------------------------------------------------------------------------
    def table(self, stack: Stack, logical_id: str, props: dict[str, Any]) -> dict[str, Any]:
        ddb = self.clients("dynamodb")
        name = props.get("TableName") or stack.physical_name(logical_id)
        billing = props.get("BillingMode", "PROVISIONED")
        request: dict[str, Any] = {
            "TableName": name,
            "KeySchema": props["KeySchema"],
            "AttributeDefinitions": props["AttributeDefinitions"],
            "BillingMode": billing,
        }
        if billing == "PROVISIONED":
            request["ProvisionedThroughput"] = props.get("ProvisionedThroughput") or _DEFAULT_THROUGHPUT
        for index_key in ("GlobalSecondaryIndexes", "LocalSecondaryIndexes"):
            if props.get(index_key):
                request[index_key] = [_index(ix, billing) for ix in props[index_key]]
        if (props.get("StreamSpecification") or {}).get("StreamViewType"):
            request["StreamSpecification"] = {"StreamEnabled": True,
                                              "StreamViewType": props["StreamSpecification"]["StreamViewType"]}
        sse = props.get("SSESpecification") or {}
        if sse.get("SSEEnabled"):
            request["SSESpecification"] = {k: v for k, v in sse.items() if k in ("Enabled", "SSEEnabled", "SSEType",
                                                                                 "KMSMasterKeyId")}
            request["SSESpecification"]["Enabled"] = request["SSESpecification"].pop("SSEEnabled")
        try:
            ddb.create_table(**request)
        except ClientError as exc:
            if exc.response["Error"]["Code"] != "ResourceInUseException":
                raise
        ttl = props.get("TimeToLiveSpecification") or {}
        if ttl.get("Enabled"):
            _ignore_conflict(lambda: ddb.update_time_to_live(
                TableName=name, TimeToLiveSpecification={"Enabled": True, "AttributeName": ttl["AttributeName"]}))
        if (props.get("PointInTimeRecoverySpecification") or {}).get("PointInTimeRecoveryEnabled"):
            ddb.update_continuous_backups(TableName=name, PointInTimeRecoverySpecification={
                "PointInTimeRecoveryEnabled": True})
        return {
            "Ref": name,
            "Arn": f"arn:aws:dynamodb:{REGION}:{ACCOUNT_ID}:table/{name}",
            "StreamArn": lambda: ddb.describe_table(TableName=name)["Table"].get("LatestStreamArn"),
        }

    def simple_table(self, stack: Stack, logical_id: str, props: dict[str, Any]) -> dict[str, Any]:
        key = props.get("PrimaryKey") or {"Name": "id", "Type": "String"}
        attr_type = {"String": "S", "Number": "N", "Binary": "B"}[key.get("Type", "String")]
        return self.table(stack, logical_id, {
            "TableName": props.get("TableName"),
            "KeySchema": [{"AttributeName": key["Name"], "KeyType": "HASH"}],
            "AttributeDefinitions": [{"AttributeName": key["Name"], "AttributeType": attr_type}],
            "BillingMode": "PAY_PER_REQUEST",
            "SSESpecification": props.get("SSESpecification"),
        })

    # --- SQS --------------------------------------------------------------------------------------------
    def queue(self, stack: Stack, logical_id: str, props: dict[str, Any]) -> dict[str, Any]:
        sqs = self.clients("sqs")
        fifo = bool(props.get("FifoQueue"))
        name = props.get("QueueName") or stack.physical_name(logical_id)
        if fifo and not name.endswith(".fifo"):
            name = f"{name[:75]}.fifo"
        attributes = {}
        for key in ("DelaySeconds", "MaximumMessageSize", "MessageRetentionPeriod", "ReceiveMessageWaitTimeSeconds",
                    "VisibilityTimeout", "KmsMasterKeyId", "KmsDataKeyReusePeriodSeconds", "DeduplicationScope",
                    "FifoThroughputLimit"):
            if key in props:
                attributes[key] = str(props[key])
        if fifo:
            attributes["FifoQueue"] = "true"
            if props.get("ContentBasedDeduplication"):
                attributes["ContentBasedDeduplication"] = "true"
        for key in ("RedrivePolicy", "RedriveAllowPolicy"):
            if key in props:
                value = props[key]
                attributes[key] = value if isinstance(value, str) else json.dumps(value)
        url = sqs.create_queue(QueueName=name, Attributes=attributes)["QueueUrl"]
        return {
            "Ref": url,
            "QueueUrl": url,
            "QueueName": name,
            "Arn": f"arn:aws:sqs:{REGION}:{ACCOUNT_ID}:{name}",
        }

    # --- S3 ---------------------------------------------------------------------------------------------
    def bucket(self, stack: Stack, logical_id: str, props: dict[str, Any]) -> dict[str, Any]:
        s3 = self.clients("s3")
        name = props.get("BucketName") or _bucket_name(stack.physical_name(logical_id))
        try:
            s3.create_bucket(Bucket=name)
        except ClientError as exc:
            if exc.response["Error"]["Code"] not in ("BucketAlreadyOwnedByYou", "BucketAlreadyExists"):
                raise
        if (props.get("VersioningConfiguration") or {}).get("Status"):
            s3.put_bucket_versioning(Bucket=name, VersioningConfiguration={
                "Status": props["VersioningConfiguration"]["Status"]})
        if props.get("PublicAccessBlockConfiguration"):
            s3.put_public_access_block(Bucket=name,
                                       PublicAccessBlockConfiguration=props["PublicAccessBlockConfiguration"])
        if props.get("BucketEncryption"):
            # CloudFormation's rule shape names the default "ServerSideEncryptionByDefault"; the API's "Apply...".
            rules = [{"ApplyServerSideEncryptionByDefault": rule["ServerSideEncryptionByDefault"],
                      **({"BucketKeyEnabled": rule["BucketKeyEnabled"]} if "BucketKeyEnabled" in rule else {})}
                     for rule in props["BucketEncryption"]["ServerSideEncryptionConfiguration"]]
            s3.put_bucket_encryption(Bucket=name, ServerSideEncryptionConfiguration={"Rules": rules})
        return {
            "Ref": name,
            "Arn": f"arn:aws:s3:::{name}",
            "DomainName": f"{name}.s3.amazonaws.com",
            "RegionalDomainName": f"{name}.s3.{REGION}.amazonaws.com",
        }

    # --- KMS --------------------------------------------------------------------------------------------
    def key(self, stack: Stack, logical_id: str, props: dict[str, Any]) -> dict[str, Any]:
        kms = self.clients("kms")
        # A marker alias lets a restart against a persistent endpoint find the key it created before.
        marker = f"alias/devstack/{stack.physical_name(logical_id)}"
        key_id = _alias_target(kms, marker)
        if key_id is None:
            request = {"Description": props.get("Description", logical_id)}
            for key in ("KeyUsage", "KeySpec"):
                if key in props:
                    request[key] = props[key]
            key_id = kms.create_key(**request)["KeyMetadata"]["KeyId"]
            kms.create_alias(AliasName=marker, TargetKeyId=key_id)
        return {"Ref": key_id, "KeyId": key_id, "Arn": f"arn:aws:kms:{REGION}:{ACCOUNT_ID}:key/{key_id}"}

    def alias(self, stack: Stack, logical_id: str, props: dict[str, Any]) -> dict[str, Any]:
        kms = self.clients("kms")
        target = props["TargetKeyId"].rsplit("/", 1)[-1]
        if _alias_target(kms, props["AliasName"]) is None:
            kms.create_alias(AliasName=props["AliasName"], TargetKeyId=target)
        return {"Ref": props["AliasName"]}

    # --- SNS, Secrets Manager, SSM -----------------------------------------------------------------------
    def topic(self, stack: Stack, logical_id: str, props: dict[str, Any]) -> dict[str, Any]:
        name = props.get("TopicName") or stack.physical_name(logical_id)
        arn = self.clients("sns").create_topic(Name=name)["TopicArn"]
        return {"Ref": arn, "TopicArn": arn, "TopicName": name}

    def secret(self, stack: Stack, logical_id: str, props: dict[str, Any]) -> dict[str, Any]:
        sm = self.clients("secretsmanager")
        name = props.get("Name") or stack.physical_name(logical_id)
        try:
            arn = sm.describe_secret(SecretId=name)["ARN"]
        except ClientError as exc:
            if exc.response["Error"]["Code"] != "ResourceNotFoundException":
                raise
            value = props.get("SecretString")
            if value is None:
                value = _generate_secret(props.get("GenerateSecretString") or {})
            arn = sm.create_secret(Name=name, SecretString=value)["ARN"]
        return {"Ref": arn, "Id": arn}

    def parameter(self, stack: Stack, logical_id: str, props: dict[str, Any]) -> dict[str, Any]:
        name = props.get("Name") or f"/{stack.physical_name(logical_id)}"
        self.clients("ssm").put_parameter(Name=name, Value=str(props["Value"]), Type=props.get("Type", "String"),
                                          Overwrite=True)
        return {"Ref": name, "Type": props.get("Type", "String"), "Value": str(props["Value"])}


    # --- Route 53 ------------------------------------------------------------------------------------------
    def hosted_zone(self, stack: Stack, logical_id: str, props: dict[str, Any]) -> dict[str, Any]:
        """A public hosted zone (adopted when one of that name exists); Ref is the id without /hostedzone/."""
        route53 = self.clients("route53")
        name = props["Name"].rstrip(".") + "."
        found = route53.list_hosted_zones_by_name(DNSName=name, MaxItems="1").get("HostedZones") or []
        if found and found[0]["Name"] == name:
            zone_id = found[0]["Id"]
        else:
            comment = (props.get("HostedZoneConfig") or {}).get("Comment", "")
            zone_id = route53.create_hosted_zone(Name=name, CallerReference=stack.physical_name(logical_id),
                                                 HostedZoneConfig={"Comment": comment})["HostedZone"]["Id"]
        zone_id = zone_id.rsplit("/", 1)[-1]
        servers = route53.get_hosted_zone(Id=zone_id).get("DelegationSet", {}).get("NameServers", [])
        return {"Ref": zone_id, "Id": zone_id, "NameServers": servers}


_CREATORS: dict[str, Callable[[Provisioner, Stack, str, dict[str, Any]], dict[str, Any]]] = {
    "AWS::DynamoDB::Table": Provisioner.table,
    "AWS::Serverless::SimpleTable": Provisioner.simple_table,
    "AWS::SQS::Queue": Provisioner.queue,
    "AWS::S3::Bucket": Provisioner.bucket,
    "AWS::KMS::Key": Provisioner.key,
    "AWS::KMS::Alias": Provisioner.alias,
    "AWS::SNS::Topic": Provisioner.topic,
    "AWS::SecretsManager::Secret": Provisioner.secret,
    "AWS::SSM::Parameter": Provisioner.parameter,
    "AWS::Route53::HostedZone": Provisioner.hosted_zone,
}

_DEFAULT_THROUGHPUT = {"ReadCapacityUnits": 5, "WriteCapacityUnits": 5}


def _index(index: dict[str, Any], billing: str) -> dict[str, Any]:
    out = {k: index[k] for k in ("IndexName", "KeySchema", "Projection") if k in index}
    if billing == "PROVISIONED" and "ProvisionedThroughput" in index:
        out["ProvisionedThroughput"] = index["ProvisionedThroughput"]
    return out


def _ignore_conflict(call: Callable[[], Any]) -> None:
    try:
        call()
    except ClientError as exc:
        if "already" not in str(exc).lower():
            raise


def _alias_target(kms: Any, alias_name: str) -> str | None:
    try:
        return kms.describe_key(KeyId=alias_name)["KeyMetadata"]["KeyId"]
    except ClientError as exc:
        if exc.response["Error"]["Code"] == "NotFoundException":
            return None
        raise


def _bucket_name(text: str) -> str:
    name = re.sub(r"[^a-z0-9.-]", "-", text.lower()).strip("-.")
    return name[:63]


def _generate_secret(spec: dict[str, Any]) -> str:
    """What CloudFormation's GenerateSecretString does, for the options this suite uses."""
    alphabet = string.ascii_letters + string.digits
    if not spec.get("ExcludePunctuation"):
        alphabet += "!#$%&()*+,-.:;<=>?@[]^_{|}~"
    excluded = set(spec.get("ExcludeCharacters", ""))
    alphabet = "".join(c for c in alphabet if c not in excluded)
    length = int(spec.get("PasswordLength", 32))
    value = "".join(secrets.choice(alphabet) for _ in range(length))
    template = spec.get("SecretStringTemplate")
    if template is None:
        return value
    key = spec.get("GenerateStringKey")
    if not key:
        raise TemplateError("GenerateSecretString with SecretStringTemplate needs GenerateStringKey")
    document = json.loads(template)
    document[key] = value
    return json.dumps(document)
