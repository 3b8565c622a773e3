"""Template invariants that cfn-lint does not check, as small rules over a template's resources.

Each rule takes a `devstack.template.Stack` (raw properties, SAM Globals applied to functions) and returns a
list of violations as readable strings. tests/unit/test_template_rules.py runs them on every template of the
suite (no violations allowed) and on a deliberately broken fixture (each rule must fire), so they have teeth.
"""

from __future__ import annotations

import json
import re
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

from devstack.template import Stack

Rule = Callable[[Stack], list[str]]
FUNCTION = "AWS::Serverless::Function"
TABLE = "AWS::DynamoDB::Table"
QUEUE = "AWS::SQS::Queue"
ALARM = "AWS::CloudWatch::Alarm"


def logical_ref(node: Any) -> str | None:
    """The logical id a `!Ref X` / `!GetAtt X.Attr` / `${X}` points at."""
    if isinstance(node, dict):
        if "Ref" in node:
            return node["Ref"]
        if "Fn::GetAtt" in node:
            value = node["Fn::GetAtt"]
            return value.split(".", 1)[0] if isinstance(value, str) else value[0]
        if "Fn::Sub" in node:
            text = node["Fn::Sub"] if isinstance(node["Fn::Sub"], str) else node["Fn::Sub"][0]
            found = re.findall(r"\$\{([A-Za-z0-9]+)[.}]", text)
            return found[0] if len(found) == 1 else None
    return None


def properties(resource: dict[str, Any]) -> dict[str, Any]:
    return resource.get("Properties") or {}


def sqs_consumers(stack: Stack) -> Iterator[tuple[str, str, dict[str, Any], str | None]]:
    """(function, event name, event properties, queue logical id) for every SQS event source."""
    for function_id in stack.resources_of(FUNCTION):
        events = stack.function_properties(function_id).get("Events") or {}
        for name, event in events.items():
            if event.get("Type") == "SQS":
                props = event.get("Properties") or {}
                yield function_id, name, props, logical_ref(props.get("Queue"))


def alarms(stack: Stack) -> list[dict[str, Any]]:
    return [properties(res) for res in stack.resources_of(ALARM).values()]


def alarm_on(stack: Stack, namespace: str, metric: str, dimension: str, target: str) -> bool:
    for alarm in alarms(stack):
        if alarm.get("Namespace") != namespace or alarm.get("MetricName") != metric:
            continue
        for dim in alarm.get("Dimensions") or []:
            if dim.get("Name") == dimension and logical_ref(dim.get("Value")) == target:
                return True
    return False


# ------------------------------------------------------------------------------------------------ queues

def sqs_visibility_timeout(stack: Stack) -> list[str]:
    problems = []
    for function_id, _name, _props, queue_id in sqs_consumers(stack):
        if queue_id not in stack.resources:
            continue
        timeout = int(stack.function_properties(function_id).get("Timeout", 3))
        visibility = int(properties(stack.resources[queue_id]).get("VisibilityTimeout", 30))
        if visibility < 6 * timeout:
            problems.append(f"{queue_id}: VisibilityTimeout {visibility} < 6 x {function_id} Timeout {timeout}")
    return problems


def report_batch_item_failures(stack: Stack) -> list[str]:
    return [f"{function_id}.{name}: SQS event without ReportBatchItemFailures"
            for function_id, name, props, _queue in sqs_consumers(stack)
            if "ReportBatchItemFailures" not in (props.get("FunctionResponseTypes") or [])]


def dead_letter_queues(stack: Stack) -> list[str]:
    problems = []
    consumed = {queue for *_rest, queue in sqs_consumers(stack)}
    for queue_id, resource in stack.resources_of(QUEUE).items():
        redrive = properties(resource).get("RedrivePolicy")
        if redrive is None:
            if queue_id in consumed:
                problems.append(f"{queue_id}: consumed by a function but has no RedrivePolicy (dead-letter queue)")
            continue
        if isinstance(redrive, str):
            redrive = json.loads(redrive)
        if int(redrive.get("maxReceiveCount", 0)) < 5:
            problems.append(f"{queue_id}: maxReceiveCount {redrive.get('maxReceiveCount')} < 5")
    return problems


def queue_alarms(stack: Stack) -> list[str]:
    problems = []
    consumed = {queue for *_rest, queue in sqs_consumers(stack)}
    for queue_id, resource in stack.resources_of(QUEUE).items():
        redrive = properties(resource).get("RedrivePolicy")
        if isinstance(redrive, dict):
            dlq = logical_ref(redrive.get("deadLetterTargetArn"))
            if dlq and not alarm_on(stack, "AWS/SQS", "ApproximateNumberOfMessagesVisible", "QueueName", dlq):
                problems.append(f"{dlq}: dead-letter queue without a depth alarm")
        if queue_id in consumed and not alarm_on(stack, "AWS/SQS", "ApproximateAgeOfOldestMessage", "QueueName",
                                                 queue_id):
            problems.append(f"{queue_id}: consumed queue without an oldest-message-age alarm")
    return problems


def stream_sources(stack: Stack) -> list[str]:
    """DynamoDB stream consumers retry from the failed record, give up after a bound, and keep what they drop."""
    problems = []
    for function_id in stack.resources_of(FUNCTION):
        events = stack.function_properties(function_id).get("Events") or {}
        for name, event in events.items():
            if event.get("Type") != "DynamoDB":
                continue
            props = event.get("Properties") or {}
            where = f"{function_id}.{name}"
            if "ReportBatchItemFailures" not in (props.get("FunctionResponseTypes") or []):
                problems.append(f"{where}: stream source without ReportBatchItemFailures")
            if int(props.get("MaximumRetryAttempts", -1)) < 0:
                problems.append(f"{where}: MaximumRetryAttempts unset (a poison record would block its shard)")
            destination = logical_ref(((props.get("DestinationConfig") or {}).get("OnFailure") or {})
                                      .get("Destination"))
            if destination is None:
                problems.append(f"{where}: no OnFailure destination")
            elif not alarm_on(stack, "AWS/SQS", "ApproximateNumberOfMessagesVisible", "QueueName", destination):
                problems.append(f"{destination}: failure destination without a depth alarm")
    return problems


def websocket_stages(stack: Stack) -> list[str]:
    problems = []
    for stage_id, resource in stack.resources_of("AWS::ApiGatewayV2::Stage").items():
        props = properties(resource)
        if not (props.get("AccessLogSettings") or {}).get("DestinationArn"):
            problems.append(f"{stage_id}: no access logs")
        route = props.get("DefaultRouteSettings") or {}
        if "ThrottlingRateLimit" not in route or "ThrottlingBurstLimit" not in route:
            problems.append(f"{stage_id}: no default route throttling")
    return problems


# ------------------------------------------------------------------------------------------------ tables

def table_expiry(stack: Stack) -> list[str]:
    """Every table says how its items expire: a TTL attribute, or Metadata.NoTTL with the reason they don't."""
    problems = []
    for table_id, resource in stack.resources_of(TABLE).items():
        ttl = properties(resource).get("TimeToLiveSpecification") or {}
        reason = (resource.get("Metadata") or {}).get("NoTTL")
        if ttl:
            if not (ttl.get("Enabled") and ttl.get("AttributeName")):
                problems.append(f"{table_id}: TimeToLiveSpecification must be enabled with an AttributeName")
        elif not (isinstance(reason, str) and reason.strip()):
            problems.append(f"{table_id}: no TTL and no Metadata.NoTTL reason")
    return problems


def table_protection(stack: Stack) -> list[str]:
    problems = []
    for table_id, resource in stack.resources_of(TABLE).items():
        props = properties(resource)
        if not (props.get("PointInTimeRecoverySpecification") or {}).get("PointInTimeRecoveryEnabled"):
            problems.append(f"{table_id}: point-in-time recovery is off")
        if not (props.get("SSESpecification") or {}).get("SSEEnabled"):
            problems.append(f"{table_id}: SSESpecification.SSEEnabled is not set")
    return problems


def no_scan_permission(stack: Stack) -> list[str]:
    """No function may even be allowed to Scan (SAM's DynamoDB Read/Crud policy templates include Scan)."""
    problems = []
    for function_id in stack.resources_of(FUNCTION):
        for policy in stack.function_properties(function_id).get("Policies") or []:
            if isinstance(policy, dict):
                for template_name in ("DynamoDBCrudPolicy", "DynamoDBReadPolicy"):
                    if template_name in policy:
                        problems.append(f"{function_id}: {template_name} grants dynamodb:Scan; use a Statement")
                for statement in policy.get("Statement") or []:
                    actions = statement.get("Action")
                    for action in [actions] if isinstance(actions, str) else actions or []:
                        if action in ("*", "dynamodb:*", "dynamodb:Scan"):
                            problems.append(f"{function_id}: policy allows {action}")
    return problems


# ------------------------------------------------------------------------------------------------ functions

def function_settings(stack: Stack) -> list[str]:
    problems = []
    for function_id in stack.resources_of(FUNCTION):
        props = stack.function_properties(function_id)
        if props.get("Runtime") != "python3.12":
            problems.append(f"{function_id}: Runtime must be python3.12")
        if props.get("Architectures") != ["arm64"]:
            problems.append(f"{function_id}: Architectures must be [arm64]")
        if props.get("Tracing") != "Active":
            problems.append(f"{function_id}: Tracing must be Active")
        if (props.get("LoggingConfig") or {}).get("LogFormat") not in (None, "JSON") or "MemorySize" not in props:
            problems.append(f"{function_id}: needs MemorySize and JSON logs")
    return problems


def function_logs_and_alarms(stack: Stack) -> list[str]:
    problems = []
    retained = set()
    for resource in stack.resources_of("AWS::Logs::LogGroup").values():
        props = properties(resource)
        if "RetentionInDays" in props:
            retained.add(logical_ref(props.get("LogGroupName")))
    for function_id in stack.resources_of(FUNCTION):
        if function_id not in retained:
            problems.append(f"{function_id}: no log group /aws/lambda/${{{function_id}}} with RetentionInDays")
        for metric in ("Errors", "Throttles"):
            if not alarm_on(stack, "AWS/Lambda", metric, "FunctionName", function_id):
                problems.append(f"{function_id}: no {metric} alarm")
    return problems


def http_api_operations(stack: Stack) -> list[str]:
    problems = []
    for api_id, resource in stack.resources_of("AWS::Serverless::HttpApi").items():
        props = properties(resource)
        if not (props.get("AccessLogSettings") or {}).get("DestinationArn"):
            problems.append(f"{api_id}: no access logs")
        route = props.get("DefaultRouteSettings") or {}
        if "ThrottlingRateLimit" not in route or "ThrottlingBurstLimit" not in route:
            problems.append(f"{api_id}: no default route throttling")
        if not alarm_on(stack, "AWS/ApiGateway", "5xx", "ApiId", api_id):
            problems.append(f"{api_id}: no 5xx alarm")
    return problems


def buckets_private(stack: Stack) -> list[str]:
    problems = []
    for bucket_id, resource in stack.resources_of("AWS::S3::Bucket").items():
        block = properties(resource).get("PublicAccessBlockConfiguration") or {}
        wanted = ("BlockPublicAcls", "BlockPublicPolicy", "IgnorePublicAcls", "RestrictPublicBuckets")
        if not all(block.get(flag) is True for flag in wanted):
            problems.append(f"{bucket_id}: public access is not fully blocked")
    return problems


def dashboard_covers_functions(stack: Stack) -> list[str]:
    functions = list(stack.resources_of(FUNCTION))
    if not functions:
        return []
    bodies = []
    for resource in stack.resources_of("AWS::CloudWatch::Dashboard").values():
        body = properties(resource).get("DashboardBody")
        bodies.append(body["Fn::Sub"] if isinstance(body, dict) and isinstance(body.get("Fn::Sub"), str) else "")
    if not bodies:
        return ["no CloudWatch dashboard"]
    text = "\n".join(bodies)
    return [f"{fn}: not on the dashboard" for fn in functions if "${" + fn + "}" not in text]


RULES: dict[str, Rule] = {
    "sqs_visibility_timeout": sqs_visibility_timeout,
    "report_batch_item_failures": report_batch_item_failures,
    "dead_letter_queues": dead_letter_queues,
    "queue_alarms": queue_alarms,
    "stream_sources": stream_sources,
    "websocket_stages": websocket_stages,
    "table_expiry": table_expiry,
    "table_protection": table_protection,
    "no_scan_permission": no_scan_permission,
    "function_settings": function_settings,
    "function_logs_and_alarms": function_logs_and_alarms,
    "http_api_operations": http_api_operations,
    "buckets_private": buckets_private,
    "dashboard_covers_functions": dashboard_covers_functions,
}


def kebab(logical_id: str) -> str:
    base = logical_id.removesuffix("Function")
    return re.sub(r"(?<!^)(?=[A-Z])", "-", base).lower()


def missing_events(stack: Stack, events_dir: Path) -> list[str]:
    """Every function has at least one sample event: events/<service>/<function-in-kebab-case>*.json."""
    folder = events_dir / stack.key
    return [f"{fn}: no events/{stack.key}/{kebab(fn)}*.json" for fn in stack.resources_of(FUNCTION)
            if not list(folder.glob(f"{kebab(fn)}*.json"))]
