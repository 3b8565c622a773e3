"""State starts empty by default; with --persist, items, secrets and KMS keys survive a restart."""

import requests

from tests.support.devstack_process import DevStackProcess, wait_until
from tests.support.lambda_events import REPO_ROOT

TEMPLATE = REPO_ROOT / "tests/fixtures/pipeline/template.yaml"
KEY_ALIAS = "alias/devstack/suite-local-SecretsKey"


def run(tmp_path, *extra):
    return DevStackProcess(TEMPLATE, tmp_path, "--no-schedules", "--sqs-retry-delay", "0", *extra).start()


def recorded(stack, key):
    return stack.aws("dynamodb").get_item(TableName="suite-local-ResultsTable", Key={"pk": {"S": key}}).get("Item")


def test_persisted_state_survives_a_restart(tmp_path):
    state = tmp_path / "state.json"
    first = run(tmp_path, "--persist", "--state-file", str(state))
    try:
        requests.post(first.url("pipeline") + "/jobs", json={"id": "kept"}, timeout=30)
        wait_until(lambda: recorded(first, "job#kept"), message="job recorded")
        kms = first.aws("kms")
        sealed = kms.encrypt(KeyId=KEY_ALIAS, Plaintext=b"canary-secret")["CiphertextBlob"]
        key_id = kms.describe_key(KeyId=KEY_ALIAS)["KeyMetadata"]["KeyId"]
    finally:
        first.stop()
    assert state.exists()

    second = run(tmp_path, "--persist", "--state-file", str(state))
    try:
        assert recorded(second, "job#kept")["receives"] == {"N": "1"}
        kms = second.aws("kms")
        assert kms.describe_key(KeyId=KEY_ALIAS)["KeyMetadata"]["KeyId"] == key_id
        assert kms.decrypt(CiphertextBlob=sealed)["Plaintext"] == b"canary-secret"
    finally:
        second.stop()


def test_without_persist_every_start_is_empty(tmp_path):
    first = run(tmp_path)
    try:
        requests.post(first.url("pipeline") + "/jobs", json={"id": "gone"}, timeout=30)
        wait_until(lambda: recorded(first, "job#gone"), message="job recorded")
    finally:
        first.stop()
    second = run(tmp_path)
    try:
        assert recorded(second, "job#gone") is None
    finally:
        second.stop()
