"""What the ccjk template and the code must agree on."""

import json

from devstack.template import open_suite
from tests.support.lambda_events import REPO_ROOT

STACK = open_suite(REPO_ROOT / "template.yaml").stack("ccjk")


def test_the_worker_knows_the_queues_max_receive_count():
    redrive = STACK.resources["NotifyQueue"]["Properties"]["RedrivePolicy"]
    redrive = json.loads(redrive) if isinstance(redrive, str) else redrive
    worker = next(f for f in STACK.functions() if f.logical_id == "NotifyWorkerFunction")
    assert int(worker.environment["NOTIFY_MAX_RECEIVE_COUNT"]) == int(redrive["maxReceiveCount"])


def test_provider_base_urls_are_declared_with_the_real_providers_as_defaults():
    for function in STACK.functions():
        env = function.environment
        assert env["FEISHU_BASE_URL"] == "https://open.feishu.cn"
        assert env["DINGTALK_BASE_URL"] == "https://oapi.dingtalk.com"
        assert env["WECOM_BASE_URL"] == "https://qyapi.weixin.qq.com"
