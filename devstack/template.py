"""Read the SAM templates (root and nested) into a model the local stack and the tests run from.

template.yaml is the single source of truth: tables, queues, keys, functions, routes, queue consumers and
schedules are all read from it, so local runs and tests cannot drift from what gets deployed. This module
knows CloudFormation's intrinsic functions and SAM's Globals well enough for the templates of this repository
and fails loudly on anything it does not understand, rather than guessing.
"""

from __future__ import annotations

import copy
import hashlib
import json
import re
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from samtranslator.yaml_helper import yaml_parse

REGION = "us-east-1"
ACCOUNT_ID = "123456789012"  # moto's default account
NO_VALUE = object()  # AWS::NoValue: the key disappears

# Resource types the local stack creates in the AWS endpoint (moto by default).
PROVISIONED_TYPES = {
    "AWS::DynamoDB::Table",
    "AWS::Serverless::SimpleTable",
    "AWS::SQS::Queue",
    "AWS::S3::Bucket",
    "AWS::KMS::Key",
    "AWS::KMS::Alias",
    "AWS::SNS::Topic",
    "AWS::SecretsManager::Secret",
    "AWS::SSM::Parameter",
    "AWS::Route53::HostedZone",
}


class TemplateError(Exception):
    """The template uses something the local stack cannot model; the message says what and where."""


class Unresolved(TemplateError):
    """A reference to a resource whose physical id does not exist yet (it has not been created)."""

    def __init__(self, logical_id: str) -> None:
        super().__init__(f"{logical_id} has no physical id yet")
        self.logical_id = logical_id


# ------------------------------------------------------------------------------------------------ the model

@dataclass
class HttpRoute:
    method: str  # upper case, or ANY
    path: str  # as in the template: /device/{deviceId}, /{proxy+}
    api: str  # logical id of the HttpApi
    event_name: str
    timeout_ms: int = 30000  # the integration timeout (the event's TimeoutInMillis; API Gateway's maximum is 30 s)


@dataclass
class SqsSource:
    event_name: str
    queue_arn: str
    batch_size: int = 10
    report_batch_item_failures: bool = False
    enabled: bool = True
    batching_window_seconds: int = 0
    maximum_concurrency: int | None = None

    @property
    def queue_name(self) -> str:
        return self.queue_arn.rsplit(":", 1)[-1]


@dataclass
class ScheduleSource:
    event_name: str
    expression: str  # rate(...) or cron(...)
    input: str | None = None  # JSON text delivered instead of the scheduled-event shape
    enabled: bool = True
    kind: str = "Schedule"  # Schedule (EventBridge rule) or ScheduleV2 (EventBridge Scheduler)


@dataclass
class StreamSource:
    """A DynamoDB stream event source."""

    event_name: str
    stream_arn: str
    starting_position: str = "LATEST"
    batch_size: int = 100
    report_batch_item_failures: bool = False
    maximum_retry_attempts: int = -1  # Lambda's default: retry until the record expires
    enabled: bool = True
    on_failure_arn: str | None = None  # SQS queue that receives the description of a batch given up on


@dataclass
class UnsupportedSource:
    event_name: str
    type: str


@dataclass
class FunctionSpec:
    stack: Stack
    logical_id: str
    handler: str
    code_dir: Path
    layer_dirs: list[Path]
    runtime: str
    timeout: int
    memory: int
    environment: dict[str, str]
    routes: list[HttpRoute] = field(default_factory=list)
    queues: list[SqsSource] = field(default_factory=list)
    schedules: list[ScheduleSource] = field(default_factory=list)
    streams: list[StreamSource] = field(default_factory=list)
    unsupported: list[UnsupportedSource] = field(default_factory=list)
    # Metadata.LocalDev.Concurrency: how many invocations may overlap locally (default 4). Long-polling
    # functions hold an invocation for up to their whole timeout, so they need more than the default.
    local_concurrency: int | None = None
    # Metadata.LocalDev.Asgi ("module:attribute"): the function is an ASGI app (served in AWS by the Lambda Web
    # Adapter, or by Mangum behind API Gateway). Locally it runs under uvicorn and its HTTP API routes stream
    # through the gateway for real; layers outside the templates (the adapter's) are not needed for that.
    asgi: str | None = None
    function_url: bool = False  # FunctionUrlConfig: served locally on a port of its own when `asgi` is set

    @property
    def name(self) -> str:
        return self.stack.physical_name(self.logical_id)

    @property
    def key(self) -> str:
        """Short id used on the command line and in logs: `<service>.<LogicalId>`."""
        return f"{self.stack.key}.{self.logical_id}"


@dataclass
class HttpApiSpec:
    logical_id: str
    cors: dict[str, Any] | None
    api_id: str = ""  # what Ref gives (requestContext.apiId); local_api_id of the API's physical name


@dataclass
class WebSocketRoute:
    route_key: str  # $connect, $disconnect, $default, or a value of the selection expression
    function: str  # logical id of the integrated function
    two_way: bool  # the route has a RouteResponseSelectionExpression: the function's body goes back


@dataclass
class WebSocketApiSpec:
    logical_id: str
    api_id: str  # what Ref gives; also the execute-api host name the functions are told
    selection_expression: str
    routes: dict[str, WebSocketRoute]
    paths: dict[str, str]  # local URL path → stage name (Metadata.LocalDev.Paths, default /<stage>)

    @property
    def execute_api_origin(self) -> str:
        return f"https://{self.api_id}.execute-api.{REGION}.amazonaws.com"


# ------------------------------------------------------------------------------------------------ stacks

class Stack:
    """One template (the root or a nested application) with its parameters and physical ids."""

    def __init__(self, *, path: Path, name: str, key: str, parameters: dict[str, Any] | None = None,
                 parent: Stack | None = None) -> None:
        self.path = path
        self.name = name
        self.key = key
        self.parent = parent
        self.template: dict[str, Any] = load_yaml(path)
        self.parameters = self._parameters(parameters or {})
        self.template = expand_language_extensions(self.template, self.parameters, where=str(path))
        self.resources: dict[str, dict[str, Any]] = self.template.get("Resources") or {}
        self.globals: dict[str, Any] = (self.template.get("Globals") or {}).get("Function") or {}
        self.physical: dict[str, dict[str, Any]] = {}
        self.conditions = {name: bool(self.resolve(expr)) for name, expr in
                           (self.template.get("Conditions") or {}).items()}
        self.children: list[Stack] = []
        self._layer_dirs: dict[str, Path] = parent._layer_dirs if parent else {}
        self._functions: tuple[int, list[FunctionSpec]] | None = None

    # --- identity ---------------------------------------------------------------------------------------
    @property
    def local_port(self) -> int | None:
        port = ((self.template.get("Metadata") or {}).get("LocalDev") or {}).get("Port")
        return int(port) if port is not None else None

    @property
    def local_seed(self) -> list[str]:
        """Metadata.LocalDev.Seed: a module (with arguments) the local stack runs once its resources exist."""
        seed = ((self.template.get("Metadata") or {}).get("LocalDev") or {}).get("Seed")
        if not seed:
            return []
        return [str(part) for part in seed] if isinstance(seed, list) else str(seed).split()

    @property
    def base_dir(self) -> Path:
        return self.path.parent

    def physical_name(self, logical_id: str) -> str:
        return f"{self.name}-{logical_id}"

    def walk(self) -> Iterator[Stack]:
        yield self
        for child in self.children:
            yield from child.walk()

    def _parameters(self, given: dict[str, Any]) -> dict[str, Any]:
        values: dict[str, Any] = {}
        for name, decl in (self.template.get("Parameters") or {}).items():
            if name in given:
                values[name] = given[name]
            elif "Default" in decl:
                values[name] = decl["Default"]
            else:
                raise TemplateError(f"{self.path}: parameter {name} has no value and no default")
        unknown = set(given) - set(values)
        if unknown:
            raise TemplateError(f"{self.path}: unknown parameters {sorted(unknown)}")
        return values

    # --- resources --------------------------------------------------------------------------------------
    def resources_of(self, *types: str) -> dict[str, dict[str, Any]]:
        return {lid: res for lid, res in self.resources.items()
                if res.get("Type") in types and self.condition_holds(res)}

    def condition_holds(self, resource: dict[str, Any]) -> bool:
        name = resource.get("Condition")
        return True if name is None else self.conditions[name]

    def dependencies(self, logical_id: str) -> set[str]:
        """Logical ids that a resource's properties refer to (its creation order)."""
        found: set[str] = set()
        _collect_refs(self.resources[logical_id].get("Properties") or {}, found)
        return {ref for ref in found if ref in self.resources and ref != logical_id}

    # --- intrinsic functions ----------------------------------------------------------------------------
    def resolve(self, node: Any) -> Any:
        if isinstance(node, dict):
            if len(node) == 1:
                (key, arg), = node.items()
                if key == "Ref":
                    return self._ref(arg)
                if key == "Condition":
                    return self.conditions[arg]
                if key.startswith("Fn::"):
                    return self._function(key, arg)
            out = {}
            for key, value in node.items():
                resolved = self.resolve(value)
                if resolved is not NO_VALUE:
                    out[key] = resolved
            return out
        if isinstance(node, list):
            return [v for v in (self.resolve(item) for item in node) if v is not NO_VALUE]
        return node

    def _ref(self, name: str) -> Any:
        pseudo = {
            "AWS::Region": REGION,
            "AWS::AccountId": ACCOUNT_ID,
            "AWS::StackName": self.name,
            "AWS::StackId": f"arn:aws:cloudformation:{REGION}:{ACCOUNT_ID}:stack/{self.name}/local",
            "AWS::Partition": "aws",
            "AWS::URLSuffix": "amazonaws.com",
            "AWS::NoValue": NO_VALUE,
        }
        if name in pseudo:
            return pseudo[name]
        if name in self.parameters:
            return self.parameters[name]
        if name in self.resources:
            return self._attribute(name, "Ref")
        raise TemplateError(f"{self.path}: Ref to unknown name {name}")

    def _attribute(self, logical_id: str, attribute: str) -> Any:
        if logical_id not in self.resources:
            raise TemplateError(f"{self.path}: reference to unknown resource {logical_id}")
        if logical_id in self.physical and attribute in self.physical[logical_id]:
            value = self.physical[logical_id][attribute]
            return value() if callable(value) else value
        rtype = self.resources[logical_id]["Type"]
        if rtype in PROVISIONED_TYPES:
            raise Unresolved(logical_id)
        return self._virtual_attribute(logical_id, rtype, attribute)

    def _virtual_attribute(self, logical_id: str, rtype: str, attribute: str) -> Any:  # noqa: PLR0911
        """Ids of resources the local stack does not create (functions, APIs, log groups, alarms...)."""
        name = self.physical_name(logical_id)
        if rtype == "AWS::Serverless::LayerVersion":
            arn = f"arn:aws:lambda:{REGION}:{ACCOUNT_ID}:layer:{name}:1"
            content = self.resources[logical_id]["Properties"]["ContentUri"]
            self._layer_dirs[arn] = (self.base_dir / content).resolve()
            return arn
        if rtype == "AWS::Serverless::Application" and attribute.startswith("Outputs."):
            child = next(c for c in self.children if c.name == name)
            return child.output(attribute.split(".", 1)[1])
        arn_service = {
            "AWS::Serverless::Function": f"arn:aws:lambda:{REGION}:{ACCOUNT_ID}:function:{name}",
            "AWS::Logs::LogGroup": f"arn:aws:logs:{REGION}:{ACCOUNT_ID}:log-group:{name}",
        }
        if rtype in ("AWS::ApiGatewayV2::Api", "AWS::Serverless::HttpApi"):
            api_id = local_api_id(name)
            if attribute in ("Ref", "ApiId"):
                return api_id
            props = self.resources[logical_id].get("Properties") or {}
            scheme = "wss" if props.get("ProtocolType") == "WEBSOCKET" else "https"
            return f"{scheme}://{api_id}.execute-api.{REGION}.amazonaws.com"
        if rtype == "AWS::ApiGatewayV2::Stage" and attribute == "Ref":
            return self.resolve((self.resources[logical_id].get("Properties") or {}).get("StageName"))
        if attribute == "Ref":
            if rtype == "AWS::Logs::LogGroup":
                props = self.resources[logical_id].get("Properties") or {}
                return self.resolve(props["LogGroupName"]) if "LogGroupName" in props else name
            return name
        if attribute == "Arn":
            return arn_service.get(rtype, f"arn:aws:local:{REGION}:{ACCOUNT_ID}:{name}")
        return f"{name}.{attribute}"

    def output(self, name: str) -> Any:
        outputs = self.template.get("Outputs") or {}
        if name not in outputs:
            raise TemplateError(f"{self.path}: no output {name}")
        return self.resolve(outputs[name]["Value"])

    def layer_dir(self, arn: str) -> Path | None:
        return self._layer_dirs.get(arn)

    def _function(self, key: str, arg: Any) -> Any:
        handler = _FUNCTIONS.get(key)
        if handler is None:
            raise TemplateError(f"{self.path}: {key} is not supported by the local stack")
        return handler(self, arg)

    # --- functions --------------------------------------------------------------------------------------
    def function_properties(self, logical_id: str) -> dict[str, Any]:
        """A function's properties with SAM Globals applied (maps merge, lists append, scalars override)."""
        props = self.resources[logical_id].get("Properties") or {}
        return _merge_globals(copy.deepcopy(self.globals), copy.deepcopy(props))

    def functions(self) -> list[FunctionSpec]:
        """The stack's functions, resolved. Resolving copies and walks every function's properties, so the result
        is kept until a resource is provisioned (physical ids only ever get added, and they feed the resolution)."""
        if self._functions is None or self._functions[0] != len(self.physical):
            specs = [self._function_spec(logical_id) for logical_id in self.resources_of("AWS::Serverless::Function")]
            self._functions = (len(self.physical), specs)
        return list(self._functions[1])

    def _function_spec(self, logical_id: str) -> FunctionSpec:
        props = self.resolve(self.function_properties(logical_id))
        code_uri = props.get("CodeUri")
        if not isinstance(code_uri, str):
            raise TemplateError(f"{self.path}: {logical_id} needs a local CodeUri")
        asgi = _local_asgi(self.resources[logical_id])
        layer_dirs = []
        for arn in props.get("Layers", []):
            directory = self.layer_dir(arn)
            if directory is None and asgi:
                continue  # e.g. the Lambda Web Adapter: uvicorn serves the app locally
            if directory is None:
                raise TemplateError(f"{self.path}: {logical_id} uses layer {arn}, which is not in these templates")
            layer_dirs.append(directory)
        env = {k: _env_text(v) for k, v in ((props.get("Environment") or {}).get("Variables") or {}).items()}
        spec = FunctionSpec(
            stack=self,
            logical_id=logical_id,
            handler=props["Handler"],
            code_dir=(self.base_dir / code_uri).resolve(),
            layer_dirs=layer_dirs,
            runtime=props.get("Runtime", "python3.12"),
            timeout=int(props.get("Timeout", 3)),
            memory=int(props.get("MemorySize", 128)),
            environment=env,
            local_concurrency=_local_concurrency(self.resources[logical_id]),
            asgi=asgi,
            function_url="FunctionUrlConfig" in props,
        )
        raw_events = self.function_properties(logical_id).get("Events") or {}
        for event_name, event in (props.get("Events") or {}).items():
            self._add_event(spec, event_name, event, raw_events[event_name])
        return spec

    def _add_event(self, spec: FunctionSpec, event_name: str, event: dict[str, Any], raw: dict[str, Any]) -> None:
        etype, props = event["Type"], event.get("Properties") or {}
        if etype == "HttpApi":
            # The API is named by logical id in the template; the resolved value would be its physical id.
            api = _ref_target((raw.get("Properties") or {}).get("ApiId")) or "ServerlessHttpApi"
            spec.routes.append(HttpRoute(method=str(props.get("Method", "ANY")).upper(),
                                         path=props.get("Path", "$default"), api=api, event_name=event_name,
                                         timeout_ms=int(props.get("TimeoutInMillis", 30000))))
        elif etype == "SQS":
            spec.queues.append(SqsSource(
                event_name=event_name,
                queue_arn=props["Queue"],
                batch_size=int(props.get("BatchSize", 10)),
                report_batch_item_failures="ReportBatchItemFailures" in (props.get("FunctionResponseTypes") or []),
                enabled=bool(props.get("Enabled", True)),
                batching_window_seconds=int(props.get("MaximumBatchingWindowInSeconds", 0)),
                maximum_concurrency=(props.get("ScalingConfig") or {}).get("MaximumConcurrency"),
            ))
        elif etype == "Schedule":
            spec.schedules.append(ScheduleSource(event_name=event_name, expression=props["Schedule"],
                                                 input=props.get("Input"), enabled=bool(props.get("Enabled", True))))
        elif etype == "ScheduleV2":
            spec.schedules.append(ScheduleSource(event_name=event_name, expression=props["ScheduleExpression"],
                                                 input=props.get("Input"),
                                                 enabled=props.get("State", "ENABLED") == "ENABLED", kind="ScheduleV2"))
        elif etype == "DynamoDB":
            spec.streams.append(StreamSource(
                event_name=event_name,
                stream_arn=props["Stream"],
                starting_position=props.get("StartingPosition", "LATEST"),
                batch_size=int(props.get("BatchSize", 100)),
                report_batch_item_failures="ReportBatchItemFailures" in (props.get("FunctionResponseTypes") or []),
                maximum_retry_attempts=int(props.get("MaximumRetryAttempts", -1)),
                enabled=bool(props.get("Enabled", True)),
                on_failure_arn=((props.get("DestinationConfig") or {}).get("OnFailure") or {}).get("Destination"),
            ))
        else:
            spec.unsupported.append(UnsupportedSource(event_name=event_name, type=etype))

    def http_apis(self) -> list[HttpApiSpec]:
        return [HttpApiSpec(lid, self.resolve((res.get("Properties") or {}).get("CorsConfiguration")),
                            api_id=self._attribute(lid, "Ref"))
                for lid, res in self.resources_of("AWS::Serverless::HttpApi").items()]

    def websocket_apis(self) -> list[WebSocketApiSpec]:
        """API Gateway WebSocket APIs (raw AWS::ApiGatewayV2 resources: SAM has no WebSocket event type)."""
        functions = {self.physical_name(lid): lid for lid in self.resources_of("AWS::Serverless::Function")}
        integrations = dict(self.resources_of("AWS::ApiGatewayV2::Integration"))
        apis = []
        for api_id, api in self.resources_of("AWS::ApiGatewayV2::Api").items():
            props = api.get("Properties") or {}
            if props.get("ProtocolType") != "WEBSOCKET":
                continue
            routes = {}
            for route in self.resources_of("AWS::ApiGatewayV2::Route").values():
                route_props = route.get("Properties") or {}
                if _ref_target(route_props.get("ApiId")) != api_id:
                    continue
                target = str(self.resolve(route_props.get("Target", ""))).removeprefix("integrations/")
                integration_id = next((lid for lid in integrations if self.physical_name(lid) == target), None)
                if integration_id is None:
                    raise TemplateError(f"{self.path}: route {route_props.get('RouteKey')} has no integration")
                uri = str(self.resolve((integrations[integration_id].get("Properties") or {})["IntegrationUri"]))
                function = next((lid for name, lid in functions.items() if f":function:{name}/" in uri), None)
                if function is None:
                    raise TemplateError(f"{self.path}: integration {integration_id} targets no function here")
                key = route_props["RouteKey"]
                routes[key] = WebSocketRoute(key, function, "RouteResponseSelectionExpression" in route_props)
            stages = [str((res.get("Properties") or {}).get("StageName"))
                      for res in self.resources_of("AWS::ApiGatewayV2::Stage").values()
                      if _ref_target((res.get("Properties") or {}).get("ApiId")) == api_id]
            paths = ((api.get("Metadata") or {}).get("LocalDev") or {}).get("Paths") or {
                f"/{stage}": stage for stage in stages}
            apis.append(WebSocketApiSpec(
                logical_id=api_id, api_id=self._attribute(api_id, "Ref"),
                selection_expression=props.get("RouteSelectionExpression", "$request.body.action"),
                routes=routes, paths=dict(paths)))
        return apis


def _local_concurrency(resource: dict[str, Any]) -> int | None:
    value = ((resource.get("Metadata") or {}).get("LocalDev") or {}).get("Concurrency")
    if value is None:
        return None
    if not isinstance(value, int) or isinstance(value, bool) or value < 1:
        raise TemplateError(f"Metadata.LocalDev.Concurrency must be a positive integer, not {value!r}")
    return value


# ------------------------------------------------------------------------------------------------ loading

def _local_asgi(resource: dict[str, Any]) -> str | None:
    value = ((resource.get("Metadata") or {}).get("LocalDev") or {}).get("Asgi")
    if value is None:
        return None
    if not isinstance(value, str) or not re.fullmatch(r"[\w.]+:[\w.]+", value):
        raise TemplateError(f"Metadata.LocalDev.Asgi must be 'module:attribute', not {value!r}")
    return value


def local_api_id(physical_name: str) -> str:
    """An API id as API Gateway makes them (10 characters of [a-z0-9]), one per API: from the API's physical name,
    which holds the stack, the nested application and the logical id, so two services' APIs never share one (and
    so never share an execute-api host, which the local stack maps to a port)."""
    return hashlib.sha256(physical_name.encode("utf-8")).hexdigest()[:10]


def load_yaml(path: Path) -> dict[str, Any]:
    try:
        return yaml_parse(path.read_text(encoding="utf-8"))
    except FileNotFoundError as exc:
        raise TemplateError(f"template not found: {path}") from exc


# ------------------------------------------------------------------------------------------------ Fn::ForEach

LANGUAGE_EXTENSIONS = "AWS::LanguageExtensions"
FOR_EACH = "Fn::ForEach::"
_IDENTIFIER = re.compile(r"[A-Za-z0-9]+")


def expand_language_extensions(template: dict[str, Any], parameters: dict[str, Any] | None = None, *,
                               where: str = "template") -> dict[str, Any]:
    """What CloudFormation's `AWS::LanguageExtensions` transform does with `Fn::ForEach`, before anything else reads
    the template: each `Fn::ForEach::<Loop>: [Identifier, Collection, {OutputKey: OutputValue}]` in Conditions,
    Resources and Outputs (at any depth, so also inside properties) becomes one copy of the fragment per item, with
    `${Identifier}` replaced by the item and `&{Identifier}` by the item without its non-alphanumeric characters in
    every key and string, and `{"Ref": Identifier}` by the item; loops nest. An `Fn::Sub` left with nothing to
    substitute becomes its text, so `!Ref {Fn::Sub: "${Name}Function"}` is `!Ref HealthFunction`, as in the
    transform's output. The transform is then dropped from `Transform`. A template without the transform comes back
    unchanged, unless it uses `Fn::ForEach` (CloudFormation refuses that, and so does this)."""
    transforms = template.get("Transform") or []
    transforms = [transforms] if isinstance(transforms, str) else list(transforms)
    if LANGUAGE_EXTENSIONS not in transforms:
        found = _find_for_each(template)
        if found:
            raise TemplateError(f"{where}: {found} needs Transform {LANGUAGE_EXTENSIONS}")
        return template
    expanded = dict(template)
    rest = [name for name in transforms if name != LANGUAGE_EXTENSIONS]
    if rest:
        expanded["Transform"] = rest[0] if len(rest) == 1 else rest
    else:
        expanded.pop("Transform", None)
    expander = _ForEachExpander(parameters or {}, where)
    for section in ("Conditions", "Resources", "Outputs"):
        if isinstance(template.get(section), dict):
            expanded[section] = _plain_subs(expander.expand(template[section], []))
    for section, value in template.items():
        if section not in ("Conditions", "Resources", "Outputs") and _find_for_each(value):
            raise TemplateError(f"{where}: Fn::ForEach is not allowed in {section}")
    return expanded


class _ForEachExpander:
    def __init__(self, parameters: dict[str, Any], where: str) -> None:
        self.parameters = parameters
        self.where = where

    def expand(self, node: Any, identifiers: list[str]) -> Any:
        if isinstance(node, list):
            return [self.expand(item, identifiers) for item in node]
        if not isinstance(node, dict):
            return node
        out: dict[str, Any] = {}
        for key, value in node.items():
            if isinstance(key, str) and key.startswith(FOR_EACH):
                for out_key, out_value in self._loop(key, value, identifiers).items():
                    self._put(out, out_key, out_value, key)
            else:
                self._put(out, key, self.expand(value, identifiers), None)
        return out

    def _put(self, out: dict[str, Any], key: str, value: Any, loop: str | None) -> None:
        if key in out:
            raise TemplateError(f"{self.where}: {loop or 'the template'} makes {key} twice")
        out[key] = value

    def _loop(self, key: str, value: Any, identifiers: list[str]) -> dict[str, Any]:
        if not (isinstance(value, list) and len(value) == 3 and isinstance(value[2], dict)):
            raise TemplateError(f"{self.where}: {key} must be [Identifier, Collection, {{OutputKey: OutputValue}}]")
        identifier, collection, fragment = value
        if not (isinstance(identifier, str) and _IDENTIFIER.fullmatch(identifier)):
            raise TemplateError(f"{self.where}: {key}: the identifier must be alphanumeric, not {identifier!r}")
        if identifier in identifiers or identifier in self.parameters:
            raise TemplateError(f"{self.where}: {key}: identifier {identifier} is already a parameter or loop name")
        if not fragment:
            raise TemplateError(f"{self.where}: {key} has nothing to repeat")
        uses = {f"${{{identifier}}}", f"&{{{identifier}}}"}
        for out_key in fragment:
            if not out_key.startswith(FOR_EACH) and not any(use in out_key for use in uses):
                raise TemplateError(f"{self.where}: {key}: {out_key} does not use {' or '.join(sorted(uses))}")
        result: dict[str, Any] = {}
        for item in self._collection(key, collection):
            copy_ = self.expand(_substitute(fragment, identifier, item), [*identifiers, identifier])
            for out_key, out_value in copy_.items():
                self._put(result, out_key, out_value, key)
        return result

    def _collection(self, key: str, collection: Any) -> list[str]:
        if isinstance(collection, dict) and set(collection) == {"Ref"} and collection["Ref"] in self.parameters:
            collection = self.parameters[collection["Ref"]]
            if isinstance(collection, str):
                collection = [item.strip() for item in collection.split(",")] if collection else []
        if not isinstance(collection, list):
            raise TemplateError(f"{self.where}: {key}: the collection must be a list or a Ref to a list parameter")
        items = []
        for item in collection:
            if isinstance(item, bool):
                items.append("true" if item else "false")
            elif isinstance(item, str | int | float):
                items.append(str(item))
            else:
                raise TemplateError(f"{self.where}: {key}: collection items must be strings, not {item!r}")
        return items


def _substitute(node: Any, identifier: str, value: str) -> Any:
    if isinstance(node, str):
        stripped = re.sub(r"[^A-Za-z0-9]", "", value)
        return node.replace(f"${{{identifier}}}", value).replace(f"&{{{identifier}}}", stripped)
    if isinstance(node, list):
        return [_substitute(item, identifier, value) for item in node]
    if isinstance(node, dict):
        if node == {"Ref": identifier}:
            return value
        return {_substitute(k, identifier, value): _substitute(v, identifier, value) for k, v in node.items()}
    return node


def _plain_subs(node: Any) -> Any:
    """`{"Fn::Sub": "text"}` with nothing left to substitute becomes the text, so `!Ref {Fn::Sub: "${Name}Function"}`
    and `!GetAtt [!Sub "${Name}Queue", Arn]` name their resource plainly, as in the transform's output."""
    if isinstance(node, list):
        return [_plain_subs(item) for item in node]
    if not isinstance(node, dict):
        return node
    if set(node) == {"Fn::Sub"} and isinstance(node["Fn::Sub"], str) and not re.search(r"\$\{[^!]", node["Fn::Sub"]):
        return node["Fn::Sub"].replace("${!", "${")
    return {key: _plain_subs(value) for key, value in node.items()}


def _find_for_each(node: Any) -> str | None:
    if isinstance(node, dict):
        for key, value in node.items():
            if isinstance(key, str) and key.startswith(FOR_EACH):
                return key
            found = _find_for_each(value)
            if found:
                return found
    elif isinstance(node, list):
        for item in node:
            found = _find_for_each(item)
            if found:
                return found
    return None


def service_key(location: Path) -> str:
    """`functions/ccjk/template.yaml` → `ccjk` (the folder that holds the service)."""
    return location.parent.name


@dataclass
class Suite:
    """The root stack and its nested service stacks."""

    root: Stack

    @property
    def stacks(self) -> list[Stack]:
        return list(self.root.walk())

    def stack(self, key: str) -> Stack:
        for stack in self.stacks:
            if stack.key == key:
                return stack
        raise KeyError(f"no stack {key!r}; known: {[s.key for s in self.stacks]}")

    def functions(self) -> list[FunctionSpec]:
        return [fn for stack in self.stacks for fn in stack.functions()]

    def function(self, key: str) -> FunctionSpec:
        """Find a function by `<service>.<LogicalId>` or by a unique logical id."""
        matches = [fn for fn in self.functions() if key in (fn.key, fn.logical_id)]
        if len(matches) != 1:
            raise KeyError(f"{key!r} matches {len(matches)} functions")
        return matches[0]


def placeholder_physical(stack: Stack, logical_id: str) -> dict[str, Any]:
    """Deterministic ids for resources that are not created (reading the templates without any AWS)."""
    name = stack.physical_name(logical_id)
    rtype = stack.resources[logical_id]["Type"]
    service = rtype.split("::")[1].lower()
    arn = f"arn:aws:{service}:{REGION}:{ACCOUNT_ID}:{name}"
    physical: dict[str, Any] = {"Ref": name, "Arn": arn}
    if rtype == "AWS::SQS::Queue":
        url = f"https://sqs.{REGION}.amazonaws.com/{ACCOUNT_ID}/{name}"
        physical.update(Ref=url, QueueUrl=url, QueueName=name, Arn=f"arn:aws:sqs:{REGION}:{ACCOUNT_ID}:{name}")
    elif rtype == "AWS::KMS::Key":
        physical.update(Ref=f"key-{name}", KeyId=f"key-{name}")
    elif rtype in ("AWS::SNS::Topic", "AWS::SecretsManager::Secret"):
        physical.update(Ref=arn)
    elif rtype in ("AWS::DynamoDB::Table", "AWS::Serverless::SimpleTable"):
        physical.update(StreamArn=f"arn:aws:dynamodb:{REGION}:{ACCOUNT_ID}:table/{name}/stream/local")
    return physical


def open_suite(template: Path | str, *, stack_name: str = "suite-local",
               parameters: dict[str, Any] | None = None,
               provision: Callable[[Stack, str], dict[str, Any]] = placeholder_physical) -> Suite:
    """Load the root template and every nested application, creating resources as it goes through
    `provision` (nested stacks need the root's physical ids as parameters, so loading and creating interleave).
    The default creates nothing and gives placeholder ids: enough to read functions, routes and environments.
    """
    root_path = Path(template).resolve()
    root = Stack(path=root_path, name=stack_name, key=_root_key(root_path), parameters=parameters)
    provision_stack(root, provision)
    for logical_id, res in root.resources_of("AWS::Serverless::Application").items():
        props = res.get("Properties") or {}
        location = root.base_dir / props["Location"]
        params = {k: _env_text(v) for k, v in root.resolve(props.get("Parameters") or {}).items()}
        child = Stack(path=location.resolve(), name=root.physical_name(logical_id), key=service_key(location),
                      parameters=params, parent=root)
        root.children.append(child)
        provision_stack(child, provision)
    return Suite(root=root)


def provision_stack(stack: Stack, provision: Callable[[Stack, str], dict[str, Any]]) -> None:
    """Create a stack's provisioned resources in dependency order; record their physical ids."""
    pending = list(stack.resources_of(*PROVISIONED_TYPES))
    done: set[str] = set()
    while pending:
        ready = [lid for lid in pending if not (stack.dependencies(lid) & (set(pending) - done) - {lid})]
        ready = [lid for lid in ready if lid not in done]
        if not ready:
            raise TemplateError(f"{stack.path}: circular references between {sorted(pending)}")
        for logical_id in ready:
            stack.physical[logical_id] = provision(stack, logical_id)
            done.add(logical_id)
        pending = [lid for lid in pending if lid not in done]


def _root_key(path: Path) -> str:
    meta = (load_yaml(path).get("Metadata") or {}).get("LocalDev") or {}
    return str(meta.get("Service", "root"))


# ------------------------------------------------------------------------------------------------ helpers

def _collect_refs(node: Any, found: set[str]) -> None:
    if isinstance(node, dict):
        for key, value in node.items():
            if key == "Ref" and isinstance(value, str):
                found.add(value)
            elif key == "Fn::GetAtt":
                target = value.split(".", 1)[0] if isinstance(value, str) else value[0]
                found.add(target)
            elif key == "Fn::Sub":
                text = value if isinstance(value, str) else value[0]
                found.update(m.split(".", 1)[0] for m in re.findall(r"\$\{([^!}][^}]*)\}", text))
                if not isinstance(value, str):
                    _collect_refs(value[1], found)
            else:
                _collect_refs(value, found)
    elif isinstance(node, list):
        for item in node:
            _collect_refs(item, found)


def _ref_target(node: Any) -> str | None:
    if isinstance(node, dict) and "Ref" in node:
        return node["Ref"]
    return None


def _env_text(value: Any) -> str:
    """Lambda environment values and nested-stack parameters are strings."""
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, dict | list):
        return json.dumps(value)
    return str(value)


def _merge_globals(glob: dict[str, Any], props: dict[str, Any]) -> dict[str, Any]:
    merged = dict(glob)
    for key, value in props.items():
        if key in merged and isinstance(merged[key], dict) and isinstance(value, dict):
            merged[key] = _merge_globals(merged[key], value)
        elif key in merged and isinstance(merged[key], list) and isinstance(value, list):
            merged[key] = merged[key] + value
        else:
            merged[key] = value
    return merged


def _sub(stack: Stack, arg: Any) -> str:
    text, variables = (arg, {}) if isinstance(arg, str) else (arg[0], stack.resolve(arg[1]))

    def replace(match: re.Match[str]) -> str:
        token = match.group(1)
        if token.startswith("!"):
            return "${" + token[1:] + "}"
        if token in variables:
            return str(variables[token])
        if "." in token and not token.startswith("AWS::"):
            logical_id, attribute = token.split(".", 1)
            return str(stack._attribute(logical_id, attribute))
        return str(stack._ref(token))

    return re.sub(r"\$\{([^}]+)\}", replace, text)


def _get_att(stack: Stack, arg: Any) -> Any:
    logical_id, attribute = arg.split(".", 1) if isinstance(arg, str) else (arg[0], stack.resolve(arg[1]))
    return stack._attribute(logical_id, attribute)


def _if(stack: Stack, arg: list[Any]) -> Any:
    name, when_true, when_false = arg
    return stack.resolve(when_true if stack.conditions[name] else when_false)


_FUNCTIONS: dict[str, Callable[[Stack, Any], Any]] = {
    "Fn::Sub": _sub,
    "Fn::GetAtt": _get_att,
    "Fn::Join": lambda s, a: str(a[0]).join(str(v) for v in s.resolve(a[1])),
    "Fn::Select": lambda s, a: s.resolve(a[1])[int(s.resolve(a[0]))],
    "Fn::Split": lambda s, a: str(s.resolve(a[1])).split(a[0]),
    "Fn::If": _if,
    "Fn::Equals": lambda s, a: s.resolve(a[0]) == s.resolve(a[1]),
    "Fn::Not": lambda s, a: not s.resolve(a[0]),
    "Fn::And": lambda s, a: all(s.resolve(x) for x in a),
    "Fn::Or": lambda s, a: any(s.resolve(x) for x in a),
    "Fn::FindInMap": lambda s, a: s.template["Mappings"][s.resolve(a[0])][s.resolve(a[1])][s.resolve(a[2])],
    "Fn::GetAZs": lambda s, a: [f"{REGION}a", f"{REGION}b", f"{REGION}c"],
    "Fn::ToJsonString": lambda s, a: json.dumps(s.resolve(a)),
}
