"""Reading SAM templates: Globals, intrinsic functions, nested stacks, events, ports."""

import textwrap
from pathlib import Path

import pytest

from devstack.template import Stack, TemplateError, Unresolved, open_suite, provision_stack
from tests.support.lambda_events import REPO_ROOT

TEMPLATE = textwrap.dedent("""
    AWSTemplateFormatVersion: "2010-09-09"
    Transform: AWS::Serverless-2016-10-31
    Metadata:
      LocalDev:
        Service: demo
        Port: 4321
    Parameters:
      Stage: {Type: String, Default: dev}
    Conditions:
      IsProd: !Equals [!Ref Stage, prod]
    Globals:
      Function:
        Runtime: python3.12
        CodeUri: src/
        Timeout: 9
        Layers: [!Ref Shared]
        Environment:
          Variables:
            STAGE: !Ref Stage
            TABLE: !Ref Items
    Resources:
      Shared:
        Type: AWS::Serverless::LayerVersion
        Properties: {ContentUri: layer/}
      Items:
        Type: AWS::DynamoDB::Table
        Properties:
          KeySchema: [{AttributeName: pk, KeyType: HASH}]
          AttributeDefinitions: [{AttributeName: pk, AttributeType: S}]
      Jobs:
        Type: AWS::SQS::Queue
        Properties:
          RedrivePolicy: {deadLetterTargetArn: !GetAtt Dead.Arn, maxReceiveCount: 5}
      Dead:
        Type: AWS::SQS::Queue
      ProdOnly:
        Type: AWS::SQS::Queue
        Condition: IsProd
      Api:
        Type: AWS::Serverless::HttpApi
        Properties:
          CorsConfiguration: {AllowOrigins: ["*"]}
      Worker:
        Type: AWS::Serverless::Function
        Properties:
          Handler: app.worker
          Timeout: 20
          Environment:
            Variables:
              QUEUE: !GetAtt Jobs.QueueName
              LABEL: !Sub "${AWS::StackName}-${Stage}-${!literal}"
              JOINED: !Join ["/", [a, !Select [1, !Split [",", "x,y,z"]]]]
              MODE: !If [IsProd, strict, relaxed]
          Events:
            Get:
              Type: HttpApi
              Properties: {ApiId: !Ref Api, Path: "/items/{id}", Method: get}
            Consume:
              Type: SQS
              Properties:
                Queue: !GetAtt Jobs.Arn
                BatchSize: 5
                FunctionResponseTypes: [ReportBatchItemFailures]
            Tick:
              Type: Schedule
              Properties: {Schedule: rate(5 minutes), Input: '{"x": 1}'}
            Stream:
              Type: DynamoDB
              Properties: {Stream: !GetAtt Items.StreamArn, StartingPosition: LATEST}
""")


@pytest.fixture
def template(tmp_path: Path) -> Path:
    path = tmp_path / "template.yaml"
    path.write_text(TEMPLATE)
    return path


def test_globals_intrinsics_and_events(template, tmp_path):
    suite = open_suite(template, stack_name="s")
    [worker] = suite.functions()
    assert worker.key == "demo.Worker"
    assert worker.name == "s-Worker"
    assert worker.timeout == 20  # the function overrides Globals
    assert worker.code_dir == (tmp_path / "src").resolve()
    assert worker.layer_dirs == [(tmp_path / "layer").resolve()]
    assert worker.environment == {
        "STAGE": "dev",
        "TABLE": "s-Items",
        "QUEUE": "s-Jobs",
        "LABEL": "s-dev-${literal}",
        "JOINED": "a/y",
        "MODE": "relaxed",
    }
    assert [(r.method, r.path, r.api) for r in worker.routes] == [("GET", "/items/{id}", "Api")]
    [queue] = worker.queues
    assert queue.queue_name == "s-Jobs"
    assert (queue.batch_size, queue.report_batch_item_failures) == (5, True)
    [tick] = worker.schedules
    assert (tick.expression, tick.input) == ("rate(5 minutes)", '{"x": 1}')
    assert [(s.event_name, s.starting_position) for s in worker.streams] == [("Stream", "LATEST")]
    assert worker.unsupported == []
    stack = suite.stack("demo")
    assert stack.local_port == 4321
    assert stack.http_apis()[0].cors == {"AllowOrigins": ["*"]}


def test_parameters_and_conditions(template):
    prod = open_suite(template, stack_name="s", parameters={"Stage": "prod"})
    assert prod.functions()[0].environment["MODE"] == "strict"
    assert "ProdOnly" in prod.root.resources_of("AWS::SQS::Queue")
    dev = open_suite(template, stack_name="s")
    assert "ProdOnly" not in dev.root.resources_of("AWS::SQS::Queue")
    with pytest.raises(TemplateError, match="unknown parameters"):
        open_suite(template, parameters={"Nope": "1"})


def test_resources_are_provisioned_after_what_they_reference(template):
    order = []

    def record(stack: Stack, logical_id: str) -> dict:
        order.append(logical_id)
        stack.resolve(stack.resources[logical_id].get("Properties") or {})  # fails if a dependency is missing
        return {"Ref": logical_id.lower(), "Arn": f"arn:{logical_id}", "QueueName": logical_id}

    stack = Stack(path=template, name="s", key="demo")
    provision_stack(stack, record)
    assert order.index("Dead") < order.index("Jobs")
    assert set(order) == {"Items", "Jobs", "Dead"}


def test_unprovisioned_reference_is_reported(template):
    stack = Stack(path=template, name="s", key="demo")
    with pytest.raises(Unresolved):
        stack.resolve({"Ref": "Items"})


def test_unknown_intrinsic_fails_loudly(template):
    stack = Stack(path=template, name="s", key="demo")
    with pytest.raises(TemplateError, match="ImportValue"):
        stack.resolve({"Fn::ImportValue": "x"})


def test_the_suite_has_five_services_on_their_fixed_ports():
    suite = open_suite(REPO_ROOT / "template.yaml")
    ports = {stack.key: stack.local_port for stack in suite.stacks if stack.parent}
    assert ports == {"classworks": 3000, "ccjk": 3001, "relay": 3002, "certctrl": 8080, "kook": 9527}
    layer = REPO_ROOT / "layers" / "common"
    assert all(fn.layer_dirs == [layer] for fn in suite.functions())


def test_local_seed_is_read_from_the_metadata(template, tmp_path):
    assert Stack(path=template, name="s", key="demo").local_seed == []
    seeded = tmp_path / "seeded.yaml"
    seeded.write_text(template.read_text().replace("Port: 4321", "Port: 4321\n    Seed: [demo.seed, --quiet]"))
    assert Stack(path=seeded, name="s", key="demo").local_seed == ["demo.seed", "--quiet"]
    suite = open_suite(REPO_ROOT / "template.yaml")
    assert {stack.key: stack.local_seed for stack in suite.stacks if stack.local_seed} == {"relay": ["relay.seed"]}
