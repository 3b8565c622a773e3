"""Template invariants cfn-lint misses: the suite's templates satisfy all; the broken fixture violates each."""

import pytest

from devstack.template import Stack, load_yaml, open_suite
from tests.support import template_rules
from tests.support.lambda_events import EVENTS_DIR, REPO_ROOT

SUITE = open_suite(REPO_ROOT / "template.yaml")
FIXTURES = [open_suite(REPO_ROOT / f"tests/fixtures/{name}/template.yaml") for name in ("pipeline", "websocket")]
COMPLIANT = {stack.key: stack for suite in (SUITE, *FIXTURES) for stack in suite.stacks}
BROKEN = open_suite(REPO_ROOT / "tests/fixtures/templates/violations.yaml").root


@pytest.mark.parametrize("rule", sorted(template_rules.RULES))
@pytest.mark.parametrize("stack_key", sorted(COMPLIANT))
def test_every_template_follows_the_rule(rule, stack_key):
    assert template_rules.RULES[rule](COMPLIANT[stack_key]) == []


@pytest.mark.parametrize("rule", sorted(template_rules.RULES))
def test_the_rule_catches_the_broken_fixture(rule):
    assert template_rules.RULES[rule](BROKEN), f"{rule} found nothing in violations.yaml"


def test_broken_fixture_findings_are_specific():
    found = {name: rule(BROKEN) for name, rule in template_rules.RULES.items()}
    assert "Jobs: VisibilityTimeout 60 < 6 x Worker Timeout 30" in found["sqs_visibility_timeout"]
    assert "Worker.Jobs: SQS event without ReportBatchItemFailures" in found["report_batch_item_failures"]
    assert "Jobs: maxReceiveCount 3 < 5" in found["dead_letter_queues"]
    assert "Unprotected: consumed by a function but has no RedrivePolicy (dead-letter queue)" in found[
        "dead_letter_queues"]
    assert "Forever: no TTL and no Metadata.NoTTL reason" in found["table_expiry"]
    assert "Worker: DynamoDBCrudPolicy grants dynamodb:Scan; use a Statement" in found["no_scan_permission"]
    assert "Worker: policy allows dynamodb:*" in found["no_scan_permission"]
    assert "Worker.Changes: MaximumRetryAttempts unset (a poison record would block its shard)" in found[
        "stream_sources"]
    assert found["websocket_stages"] == ["LiveStage: no access logs", "LiveStage: no default route throttling"]


@pytest.mark.parametrize("stack", [s for s in SUITE.stacks if s.parent], ids=lambda s: s.key)
def test_every_function_has_a_sample_event(stack):
    assert template_rules.missing_events(stack, EVENTS_DIR) == []


def test_missing_events_are_reported(tmp_path):
    stack = SUITE.stack("ccjk")
    found = template_rules.missing_events(stack, tmp_path)
    assert "HealthFunction: no events/ccjk/health*.json" in found
    assert "DocsFunction: no events/ccjk/docs*.json" in found
    assert len(found) == len(stack.resources_of("AWS::Serverless::Function"))  # one finding per function


# Each service template makes every function's log group and alarms in one Fn::ForEach loop over the function names;
# the rules above read the expanded template, so a function left out of the loop fails function_logs_and_alarms.
LOOP = "Fn::ForEach::FunctionLogsAndAlarms"
SERVICES = [s for s in SUITE.stacks if s.parent]


@pytest.mark.parametrize("stack", SERVICES, ids=lambda s: s.key)
def test_the_log_and_alarm_loop_names_exactly_the_templates_functions(stack):
    _identifier, names, _fragment = load_yaml(stack.path)["Resources"][LOOP]
    functions = {lid.removesuffix("Function") for lid, res in stack.resources.items()
                 if res["Type"] == template_rules.FUNCTION}
    assert len(names) == len(set(names))
    assert sorted(functions - set(names)) == [], f"functions missing from {LOOP} in {stack.path.name}"
    assert sorted(set(names) - functions) == [], f"names in {LOOP} without a function"


def test_a_function_missing_from_the_loop_is_a_violation(tmp_path):
    relay = REPO_ROOT / "functions/relay/template.yaml"
    text = relay.read_text().replace("\nResources:\n", """
Resources:
  ExtraFunction:
    Type: AWS::Serverless::Function
    Properties:
      Handler: relay.handlers.health.handler
""", 1)
    (tmp_path / "template.yaml").write_text(text)
    stack = Stack(path=tmp_path / "template.yaml", name="t", key="relay",
                  parameters={"CommonLayerArn": "arn:layer", "SecretsKeyArn": "arn:key", "AlarmTopicArn": "arn:topic"})
    assert template_rules.function_logs_and_alarms(stack) == [
        "ExtraFunction: no log group /aws/lambda/${ExtraFunction} with RetentionInDays",
        "ExtraFunction: no Errors alarm",
        "ExtraFunction: no Throttles alarm",
    ]
    assert "ExtraFunction: not on the dashboard" in template_rules.dashboard_covers_functions(stack)
