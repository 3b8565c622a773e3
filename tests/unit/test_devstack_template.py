"""Reading SAM templates: Globals, intrinsic functions, nested stacks, events, ports."""

import re
import textwrap
from pathlib import Path

import pytest

from devstack.template import (
    Stack,
    TemplateError,
    Unresolved,
    expand_language_extensions,
    open_suite,
    provision_stack,
)
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


# ------------------------------------------------------------------------------------------------ Fn::ForEach

LOOPS = textwrap.dedent("""
    AWSTemplateFormatVersion: "2010-09-09"
    Transform: [AWS::LanguageExtensions, AWS::Serverless-2016-10-31]
    Metadata:
      LocalDev: {Service: loops}
    Parameters:
      Regions: {Type: CommaDelimitedList, Default: "eu-west-1,us-east-1"}
    Conditions:
      Fn::ForEach::Flags:
        - Flag
        - [Alpha, Beta]
        - Is${Flag}: !Equals [!Ref Flag, Alpha]
    Resources:
      Fn::ForEach::Queues:
        - Name
        - [Alpha, Beta]
        - ${Name}Queue:
            Type: AWS::SQS::Queue
            Properties:
              QueueName: !Sub "${AWS::StackName}-${Name}-${!kept}"
          ${Name}Alarm:
            Type: AWS::CloudWatch::Alarm
            Condition: Is${Name}  # plain strings are substituted too
            Properties:
              AlarmDescription: !Sub queue ${Name}
              Dimensions: [{Name: QueueName, Value: !GetAtt [!Sub "${Name}Queue", QueueName]}]
          Fn::ForEach::PerRegion:
            - Region
            - !Ref Regions
            - ${Name}&{Region}Topic:
                Type: AWS::SNS::Topic
                Properties: {TopicName: !Sub "${Name}-${Region}", DisplayName: !Ref Region}
      Worker:
        Type: AWS::Serverless::Function
        Properties:
          Handler: app.handler
          CodeUri: .
          Environment:
            Variables:
              Fn::ForEach::Urls:
                - Name
                - [Alpha, Beta]
                - ${Name}_QUEUE: !Ref {Fn::Sub: "${Name}Queue"}
    Outputs:
      Fn::ForEach::QueueOutputs:
        - Name
        - [Alpha]
        - ${Name}QueueUrl:
            Value: !Ref {Fn::Sub: "${Name}Queue"}
""")


def test_for_each_expands_resources_properties_conditions_and_outputs(tmp_path):
    path = tmp_path / "template.yaml"
    path.write_text(LOOPS)
    stack = Stack(path=path, name="s", key="loops")
    assert stack.template["Transform"] == "AWS::Serverless-2016-10-31"  # the transform has been applied
    assert "Fn::ForEach" not in str(stack.template)
    assert sorted(stack.resources) == ["AlphaAlarm", "AlphaQueue", "Alphaeuwest1Topic", "Alphauseast1Topic",
                                       "BetaAlarm", "BetaQueue", "Betaeuwest1Topic", "Betauseast1Topic", "Worker"]
    assert stack.conditions == {"IsAlpha": True, "IsBeta": False}
    assert stack.resources["BetaQueue"] == {
        "Type": "AWS::SQS::Queue", "Properties": {"QueueName": {"Fn::Sub": "${AWS::StackName}-Beta-${!kept}"}}}
    assert stack.resources["AlphaAlarm"]["Properties"] == {  # a Sub with nothing left to substitute is its text
        "AlarmDescription": "queue Alpha",
        "Dimensions": [{"Name": "QueueName", "Value": {"Fn::GetAtt": ["AlphaQueue", "QueueName"]}}]}
    # nested loop: &{Region} strips what a logical id cannot hold, ${Region} and Ref keep the value
    assert stack.resources["Betaeuwest1Topic"]["Properties"] == {"TopicName": "Beta-eu-west-1",
                                                                 "DisplayName": "eu-west-1"}
    assert list(stack.resources_of("AWS::CloudWatch::Alarm")) == ["AlphaAlarm"]  # BetaAlarm's condition is false
    provision_stack(stack, lambda s, lid: {"Ref": f"url-{lid}", "QueueName": lid})
    [worker] = stack.functions()
    assert worker.environment == {"Alpha_QUEUE": "url-AlphaQueue", "Beta_QUEUE": "url-BetaQueue"}
    assert stack.output("AlphaQueueUrl") == "url-AlphaQueue"


def test_a_template_without_loops_or_the_transform_is_left_alone():
    template = {"Transform": "AWS::Serverless-2016-10-31", "Resources": {"Q": {"Type": "AWS::SQS::Queue"}}}
    assert expand_language_extensions(template) is template


def _loop(body, *, transform="AWS::LanguageExtensions", section="Resources", **extra):
    return {"Transform": transform, section: body, **extra}


@pytest.mark.parametrize(("template", "message"), [
    (_loop({"Fn::ForEach::Q": ["N", ["A"], {"${N}Queue": {"Type": "AWS::SQS::Queue"}}]},
           transform="AWS::Serverless-2016-10-31"), "needs Transform AWS::LanguageExtensions"),
    (_loop({"Fn::ForEach::Q": ["N", ["A"]]}), r"must be \[Identifier, Collection"),
    (_loop({"Fn::ForEach::Q": ["N", ["A"], ["not a map"]]}), r"must be \[Identifier, Collection"),
    (_loop({"Fn::ForEach::Q": ["N-1", ["A"], {"${N-1}Q": {}}]}), "identifier must be alphanumeric"),
    (_loop({"Fn::ForEach::Q": ["N", ["A", "B"], {"Queue": {"Type": "AWS::SQS::Queue"}}]}),
     r"Queue does not use \$\{N\} or &\{N\}"),
    (_loop({"Fn::ForEach::Q": ["N", ["A", "A"], {"${N}Queue": {}}]}), "makes AQueue twice"),
    (_loop({"AQueue": {}, "Fn::ForEach::Q": ["N", ["A"], {"${N}Queue": {}}]}), "makes AQueue twice"),
    (_loop({"Fn::ForEach::Q": ["N", [{"Ref": "Other"}], {"${N}Queue": {}}]}), "collection items must be strings"),
    (_loop({"Fn::ForEach::Q": ["N", "A,B", {"${N}Queue": {}}]}), "collection must be a list"),
    (_loop({"Fn::ForEach::Q": ["N", ["A"], {"Fn::ForEach::R": ["N", ["B"], {"${N}X": {}}]}]}),
     "identifier N is already a parameter or loop name"),
    (_loop({}, Metadata={"Fn::ForEach::Q": ["N", ["A"], {"${N}": {}}]}), "not allowed in Metadata"),
])
def test_malformed_loops_fail_loudly(template, message):
    with pytest.raises(TemplateError, match=message):
        expand_language_extensions(template, where="t.yaml")


def test_a_loop_identifier_may_not_shadow_a_parameter():
    template = _loop({"Fn::ForEach::Q": ["Stage", ["A"], {"${Stage}Queue": {}}]})
    with pytest.raises(TemplateError, match="identifier Stage is already a parameter"):
        expand_language_extensions(template, {"Stage": "dev"})


def test_every_api_of_the_suite_has_its_own_local_id():
    suite = open_suite(REPO_ROOT / "template.yaml")
    http = {f"{s.key}.{api.logical_id}": api.api_id for s in suite.stacks for api in s.http_apis()}
    websocket = {f"{s.key}.{api.logical_id}": api.api_id for s in suite.stacks for api in s.websocket_apis()}
    # classworks and kook: the same logical id in two services; certctrl: the agents' updates socket; ccjk: the
    # cloud control's log socket
    assert set(websocket) == {"classworks.LiveApi", "kook.LiveApi", "certctrl.DeviceSocketApi",
                              "ccjk.ControlLogsApi"}
    ids = [*http.values(), *websocket.values()]
    assert len(set(ids)) == len(ids) == 9
    assert all(re.fullmatch(r"[a-z0-9]{10}", api_id) for api_id in ids)  # the shape of API Gateway's ids
    # each service's functions are told their own WebSocket API's execute-api host, nobody else's
    for key in ("classworks", "kook", "certctrl", "ccjk"):
        stack = suite.stack(key)
        [live] = stack.websocket_apis()
        told = {value for fn in stack.functions() for value in fn.environment.values() if "execute-api" in value}
        assert told
        assert all(value.startswith(live.execute_api_origin) for value in told)


def test_local_seed_is_read_from_the_metadata(template, tmp_path):
    assert Stack(path=template, name="s", key="demo").local_seed == []
    seeded = tmp_path / "seeded.yaml"
    seeded.write_text(template.read_text().replace("Port: 4321", "Port: 4321\n    Seed: [demo.seed, --quiet]"))
    assert Stack(path=seeded, name="s", key="demo").local_seed == ["demo.seed", "--quiet"]
    suite = open_suite(REPO_ROOT / "template.yaml")
    seeds = {stack.key: stack.local_seed for stack in suite.stacks if stack.local_seed}
    assert seeds == {"relay": ["relay.seed"], "ccjk": ["ccjk.seed", "dev"]}


ASGI = textwrap.dedent("""\
    AWSTemplateFormatVersion: "2010-09-09"
    Transform: AWS::Serverless-2016-10-31
    Resources:
      Streamer:
        Type: AWS::Serverless::Function
        Metadata:
          LocalDev:
            Asgi: app.web:app
        Properties:
          Handler: run.sh
          CodeUri: .
          Layers: [!Sub "arn:aws:lambda:${AWS::Region}:753240598075:layer:LambdaAdapterLayerArm64:24"]
          FunctionUrlConfig: {AuthType: NONE, InvokeMode: RESPONSE_STREAM}
      Plain:
        Type: AWS::Serverless::Function
        Properties:
          Handler: app.handler
          CodeUri: .
""")


def test_asgi_functions_are_marked_and_need_no_adapter_layer_locally(tmp_path):
    path = tmp_path / "template.yaml"
    path.write_text(ASGI)
    streamer, plain = Stack(path=path, name="s", key="web").functions()
    assert (streamer.asgi, streamer.function_url, streamer.layer_dirs) == ("app.web:app", True, [])
    assert (plain.asgi, plain.function_url) == (None, False)
    path.write_text(ASGI.replace("Handler: app.handler", "Handler: app.handler\n      Layers: [arn:aws:x]"))
    with pytest.raises(TemplateError, match="not in these templates"):  # an ordinary function still needs them
        Stack(path=path, name="s", key="web").functions()
    path.write_text(ASGI.replace("Asgi: app.web:app", "Asgi: app.web"))
    with pytest.raises(TemplateError, match="module:attribute"):
        Stack(path=path, name="s", key="web").functions()


def test_relays_proxy_functions_are_asgi_apps():
    relay = open_suite(REPO_ROOT / "template.yaml").stack("relay")
    proxies = {f.logical_id: f for f in relay.functions() if f.asgi}
    assert set(proxies) == {"ProxyFunction", "ProxyStreamFunction"}
    assert proxies["ProxyStreamFunction"].function_url
    assert not proxies["ProxyStreamFunction"].routes
    assert proxies["ProxyFunction"].routes
    assert not proxies["ProxyFunction"].function_url
