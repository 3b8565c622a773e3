"""Opt-in state between local runs (`make dev PERSIST=1`): tables, objects, secrets and KMS keys.

By default every start is empty. With persistence on, stopping the stack writes `.devstack/state.json` and the
next start loads it back: DynamoDB items, S3 objects, Secrets Manager values, and the embedded moto's KMS keys
(their key material and ids, so data sealed with them stays readable). Queue messages are not kept: a local
restart is like a deploy that drained its queues. This is a development tool, so reading whole tables here is
fine; nothing under functions/ or layers/ may scan.
"""

from __future__ import annotations

import base64
import json
from pathlib import Path
from typing import Any

from devstack.resources import AwsClients
from devstack.template import ACCOUNT_ID, REGION, Suite

FORMAT_VERSION = 1


def _physical(suite: Suite, *types: str) -> list[str]:
    names = []
    for stack in suite.stacks:
        for logical_id in stack.resources_of(*types):
            if logical_id in stack.physical:
                names.append(str(stack.physical[logical_id]["Ref"]))
    return names


def export_state(suite: Suite, clients: AwsClients, path: Path) -> dict[str, int]:
    ddb, s3, sm = clients("dynamodb"), clients("s3"), clients("secretsmanager")
    state: dict[str, Any] = {"version": FORMAT_VERSION, "tables": {}, "buckets": {}, "secrets": {},
                             "kms": _export_kms(clients)}
    for table in _physical(suite, "AWS::DynamoDB::Table", "AWS::Serverless::SimpleTable"):
        items: list[dict[str, Any]] = []
        for page in ddb.get_paginator("scan").paginate(TableName=table):
            items.extend(page["Items"])
        state["tables"][table] = items
    for bucket in _physical(suite, "AWS::S3::Bucket"):
        objects = {}
        for page in s3.get_paginator("list_objects_v2").paginate(Bucket=bucket):
            for entry in page.get("Contents", []):
                body = s3.get_object(Bucket=bucket, Key=entry["Key"])["Body"].read()
                objects[entry["Key"]] = base64.b64encode(body).decode()
        state["buckets"][bucket] = objects
    for secret in _physical(suite, "AWS::SecretsManager::Secret"):
        state["secrets"][secret] = sm.get_secret_value(SecretId=secret)["SecretString"]
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(json.dumps(state), encoding="utf-8")
    return {"tables": len(state["tables"]), "items": sum(len(v) for v in state["tables"].values()),
            "objects": sum(len(v) for v in state["buckets"].values()), "keys": len(state["kms"])}


def load_state(path: Path) -> dict[str, Any] | None:
    if not path.exists():
        return None
    state = json.loads(path.read_text(encoding="utf-8"))
    return state if state.get("version") == FORMAT_VERSION else None


def restore_keys(state: dict[str, Any], clients: AwsClients) -> None:
    """Before provisioning: bring back KMS keys under their old ids, so the provisioner adopts them."""
    from moto.kms.models import kms_backends  # noqa: PLC0415  (only the embedded moto can take key material)

    backend = kms_backends[ACCOUNT_ID][REGION]
    kms = clients("kms")
    for saved in state.get("kms", []):
        fresh_id = kms.create_key(Description=saved["description"])["KeyMetadata"]["KeyId"]
        key = backend.keys.pop(fresh_id)
        key.id = saved["id"]
        key.arn = f"arn:aws:kms:{REGION}:{ACCOUNT_ID}:key/{saved['id']}"
        key.key_material = base64.b64decode(saved["material"])
        backend.keys[saved["id"]] = key
        for alias in saved["aliases"]:
            kms.create_alias(AliasName=alias, TargetKeyId=saved["id"])


def restore_data(state: dict[str, Any], clients: AwsClients) -> None:
    """After provisioning: items, objects and secret values."""
    ddb, s3, sm = clients("dynamodb"), clients("s3"), clients("secretsmanager")
    for table, items in state.get("tables", {}).items():
        for start in range(0, len(items), 25):
            ddb.batch_write_item(RequestItems={table: [{"PutRequest": {"Item": item}}
                                                      for item in items[start:start + 25]]})
    for bucket, objects in state.get("buckets", {}).items():
        for key, body in objects.items():
            s3.put_object(Bucket=bucket, Key=key, Body=base64.b64decode(body))
    for secret, value in state.get("secrets", {}).items():
        sm.put_secret_value(SecretId=secret, SecretString=value)


def _export_kms(clients: AwsClients) -> list[dict[str, Any]]:
    from moto.kms.models import kms_backends  # noqa: PLC0415

    backend = kms_backends[ACCOUNT_ID][REGION]
    aliases: dict[str, list[str]] = {}
    for page in clients("kms").get_paginator("list_aliases").paginate():
        for alias in page["Aliases"]:
            if alias.get("TargetKeyId") and not alias["AliasName"].startswith("alias/aws/"):
                aliases.setdefault(alias["TargetKeyId"], []).append(alias["AliasName"])
    return [
        {"id": key.id, "description": key.description, "aliases": aliases.get(key.id, []),
         "material": base64.b64encode(key.key_material).decode()}
        for key in backend.keys.values() if key.key_spec == "SYMMETRIC_DEFAULT"
    ]
