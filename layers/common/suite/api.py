"""HTTP API functions: one Powertools resolver per Lambda, errors rendered in the service's own envelope.

A service's endpoint group is a `Router` (one module of routes); its Lambda is built with `http_function`,
which mounts the routers on an `APIGatewayHttpResolver` with validation on and maps every failure to the
envelope: ApiError → its status; request validation → 400/422 (per envelope); unknown route → 404;
anything unexpected → a generic 500 with the details only in the log (never a traceback to the caller).
The service's docs function mounts all of its routers and serves `/openapi.json` and a Swagger UI.

Routes declare who may call them and what they answer, beside the path:

    @router.get("/device/<deviceId>", auth=access.DEVICE, returns=DeviceView, errors=(404,))

`auth` (suite.auth credentials) runs before the body is looked at, so bad credentials are a 401 even with a
bad body, and `suite.auth.caller()` gives the caller to the route. `returns`, `errors`, `status_code`,
`also_status_codes` (other successes with the same body: a create-or-refresh route answers 201 or 200) and
`media_type` make the OpenAPI document tell the truth (suite.openapi). Bodies that cannot be decoded are the
client's error (suite.body): 400 or 415 in the envelope, before any route runs.
"""

from __future__ import annotations

import inspect
import json
from collections.abc import Callable, Iterable, Sequence
from types import UnionType
from typing import Annotated, Any, Union, get_args, get_origin

from aws_lambda_powertools.event_handler import APIGatewayHttpResolver, Response, content_types
from aws_lambda_powertools.event_handler.exceptions import NotFoundError, ServiceError
from aws_lambda_powertools.event_handler.openapi.exceptions import (
    RequestUnsupportedContentType,
    RequestValidationError,
)
from aws_lambda_powertools.event_handler.router import APIGatewayHttpRouter
from aws_lambda_powertools.logging import correlation_paths
from aws_lambda_powertools.metrics import MetricUnit
from pydantic import BaseModel, RootModel

from suite import auth, body, observability
from suite.envelopes import Envelope, dumps
from suite.errors import ApiError, BadRequest, NotFound, UnprocessableEntity
from suite.openapi import RouteContract, complete, merge_contracts, openapi_path

Handler = Callable[[dict[str, Any], Any], dict[str, Any]]
Credentials = auth.Credential | Sequence[auth.Credential] | None


def _body_annotations(func: Callable[..., Any]) -> list[Any]:
    """The annotations of a route function's body parameters (pydantic models, `Body()`, unions of models).
    Annotations written as strings (modules with `from __future__ import annotations`) are resolved first."""
    try:
        parameters = inspect.signature(func, eval_str=True).parameters.values()
    except (NameError, SyntaxError):  # an annotation that cannot be resolved here: read them as written
        parameters = inspect.signature(func).parameters.values()
    except (TypeError, ValueError):
        return []
    found = []
    for parameter in parameters:
        annotation = parameter.annotation
        metadata = getattr(annotation, "__metadata__", None) or ()
        if any(type(meta).__name__ == "Body" for meta in metadata):
            found.append(get_args(annotation)[0])
        elif _mentions_model(annotation):
            found.append(annotation)
    return found


def _mentions_model(annotation: Any) -> bool:
    if isinstance(annotation, type) and not get_args(annotation):
        return issubclass(annotation, BaseModel)
    return any(_mentions_model(arg) for arg in get_args(annotation))


def _is_sequence(annotation: Any) -> bool:
    """list[...], tuple[...], a union holding one, or a RootModel over one."""
    origin = get_origin(annotation)
    if annotation in (list, tuple, set, frozenset) or origin in (list, tuple, set, frozenset, Sequence):
        return True
    if origin is Annotated:
        return _is_sequence(get_args(annotation)[0])
    if origin in (Union, UnionType):
        return any(_is_sequence(arg) for arg in get_args(annotation))
    if isinstance(annotation, type) and issubclass(annotation, RootModel):
        return _is_sequence(annotation.model_fields["root"].annotation)
    return False


def _reads_body(func: Callable[..., Any]) -> bool:
    """True when a route function takes a pydantic model (Powertools reads it from the body)."""
    return bool(_body_annotations(func))


class Router(APIGatewayHttpRouter):
    """A Powertools router whose routes also declare `auth`, `returns`, `errors`, `media_type`, `body`, `requires`,
    `also_status_codes` (other successes with the same body), `empty` (other statuses answered without a body,
    e.g. a 204 beside the 200), `error_body` (a protocol's own error model some errors answer with, documented
    beside the envelope's error body) and `body_media_type` (the media type of `body`, JSON unless said).

    `auth` is a suite.auth Credential (or a list of them, all required, as a service's access.py exports them):
    they become the route's first middlewares and its OpenAPI security. `body` documents the JSON body of a
    route that reads it itself (suite.body), where a pydantic parameter would refuse what the route accepts;
    `requires` names the parameters (or `body`) it requires but checks itself, to answer with its own messages.
    The declarations are kept in `contracts`, keyed by (METHOD, OpenAPI path), for the docs function and the
    tests.
    """

    def __init__(self) -> None:
        super().__init__()
        self.contracts: dict[tuple[str, str], RouteContract] = {}

    def _declare(self, rule: str, method: str, *, auth: Credentials = None, errors: Iterable[int] = (),
                 returns: Any = None, media_type: str | None = None, status_code: int = 200, body: Any = None,
                 requires: Iterable[str] = (), empty: Iterable[int] = (), also_status_codes: Iterable[int] = (),
                 error_body: Any = None, body_media_type: str = "application/json",
                 middlewares: list[Callable[..., Any]] | None = None,
                 **kwargs: Any) -> Callable[[Any], Any]:
        credentials = [auth] if isinstance(auth, Credential) else list(auth or [])
        stack = [*credentials, *(middlewares or [])]
        declared_credentials = tuple(m for m in stack if isinstance(m, Credential))
        register = super().route(rule, method, middlewares=stack or None, status_code=status_code, **kwargs)

        def decorator(func: Any) -> Any:
            self.contracts[(method.upper(), openapi_path(rule))] = RouteContract(
                credentials=declared_credentials, errors=tuple(errors), returns=returns, status_code=status_code,
                also_status_codes=tuple(also_status_codes), media_type=media_type, reads_body=_reads_body(func),
                body=body, requires=tuple(requires), empty=tuple(empty), error_body=error_body,
                body_media_type=body_media_type)
            return register(func)

        return decorator

    def route(self, rule: str, method: Any, *args: Any, **kwargs: Any) -> Callable[[Any], Any]:
        if args or not isinstance(method, str):  # Powertools' own positional form: nothing of ours declared
            return super().route(rule, method, *args, **kwargs)
        return self._declare(rule, method, **kwargs)

    def get(self, rule: str, **kwargs: Any) -> Callable[[Any], Any]:  # type: ignore[override]
        return self._declare(rule, "GET", **kwargs)

    def post(self, rule: str, **kwargs: Any) -> Callable[[Any], Any]:  # type: ignore[override]
        return self._declare(rule, "POST", **kwargs)

    def put(self, rule: str, **kwargs: Any) -> Callable[[Any], Any]:  # type: ignore[override]
        return self._declare(rule, "PUT", **kwargs)

    def patch(self, rule: str, **kwargs: Any) -> Callable[[Any], Any]:  # type: ignore[override]
        return self._declare(rule, "PATCH", **kwargs)

    def delete(self, rule: str, **kwargs: Any) -> Callable[[Any], Any]:  # type: ignore[override]
        return self._declare(rule, "DELETE", **kwargs)

    def head(self, rule: str, **kwargs: Any) -> Callable[[Any], Any]:  # type: ignore[override]
        return self._declare(rule, "HEAD", **kwargs)


Credential = auth.Credential

_LOCATION_PREFIXES = ("body", "query", "path", "header", "cookie")


def _field_name(loc: Sequence[Any]) -> str:
    parts = [str(p) for p in loc]
    if parts and parts[0] in _LOCATION_PREFIXES:
        parts = parts[1:]
    return ".".join(parts) or "body"


def validation_error(envelope: Envelope, exc: RequestValidationError) -> ApiError:
    """A pydantic validation failure as the envelope's 400/422, naming the fields (inputs are not echoed)."""
    problems = [
        {"field": _field_name(err.get("loc", ())), "type": err.get("type", "invalid"), "message": err.get("msg", "")}
        for err in exc.errors()
    ]
    first = problems[0] if problems else {"field": "body", "message": "invalid request"}
    if first["type"] == "json_invalid" or (first["type"] == "model_attributes_type" and first["field"] == "body"):
        message = "Request body must be a valid JSON object"
    else:
        message = f"{first['field']}: {first['message']}".rstrip(": ")
    error_class = UnprocessableEntity if envelope.validation_status == 422 else BadRequest
    return error_class(message, code="VALIDATION_ERROR", details={"errors": problems})


def _register_error_handlers(app: APIGatewayHttpResolver, envelope: Envelope) -> None:
    log = observability.logger()

    def respond(error: ApiError) -> Response:
        status_class = "ServerErrors" if error.status >= 500 else "ClientErrors"
        observability.metrics().add_metric(name=status_class, unit=MetricUnit.Count, value=1)
        return envelope.error(error)

    @app.exception_handler(ApiError)
    def _api_error(exc: ApiError) -> Response:
        if exc.status >= 500:
            log.error("request failed", extra={"status": exc.status, "code": exc.code})
        return respond(exc)

    @app.exception_handler(RequestValidationError)
    def _invalid_request(exc: RequestValidationError) -> Response:
        # Powertools validates before route middlewares run: a caller without valid credentials learns nothing
        # about the body (401 before 400/422).
        route = app.context.get("_route")
        refusal = auth.check_declared(getattr(route, "middlewares", None), app.current_event)
        return respond(refusal or validation_error(envelope, exc))

    @app.exception_handler(UnicodeDecodeError)
    def _undecodable(exc: UnicodeDecodeError) -> Response:
        # Powertools decodes a base64 body as UTF-8 while validating; anything else decoding badly is our bug.
        if body.problem(app.current_event.raw_event) is None and _body_is_utf8(app.current_event.raw_event):
            return _unexpected(exc)
        return respond(BadRequest("Request body is not valid UTF-8", code="INVALID_BODY"))

    @app.exception_handler(RequestUnsupportedContentType)
    def _unsupported_body(_exc: RequestUnsupportedContentType) -> Response:
        return respond(ApiError("Request body must be JSON (Content-Type: application/json)", status=415,
                                code="UNSUPPORTED_MEDIA_TYPE"))

    @app.not_found
    def _no_route(_exc: NotFoundError) -> Response:
        return respond(NotFound("Route not found"))

    @app.exception_handler(ServiceError)
    def _powertools_error(exc: ServiceError) -> Response:
        return respond(ApiError(exc.msg, status=exc.status_code, code="ERROR"))

    @app.exception_handler(Exception)
    def _unexpected(exc: Exception) -> Response:
        log.exception("unhandled error")
        return respond(ApiError())


def _body_is_utf8(event: dict[str, Any]) -> bool:
    try:
        body.text(event)
    except ApiError:
        return False
    return True


def _parse_json_body(app: APIGatewayHttpResolver, document: str) -> Any:
    """A JSON body as suite.body parses it, and a top-level array refused unless the route reads a sequence:
    Powertools validates a one-value body against an array's first element, so `[{"keep": 1}, "junk"]` would pass
    as `{"keep": 1}` and `[null, null]` as no body at all. The refusal is an invalid-JSON validation error."""
    value = body.parse_json(document)
    if isinstance(value, list):
        func = getattr(app.context.get("_route"), "func", None)
        if func is not None and not any(_is_sequence(a) for a in _body_annotations(func)):
            raise json.JSONDecodeError("a JSON array where the route reads one value", document, 0)
    return value


def create_app(envelope: Envelope, routers: Iterable[APIGatewayHttpRouter]) -> APIGatewayHttpResolver:
    def json_body(document: str) -> Any:
        return _parse_json_body(app, document)

    app = APIGatewayHttpResolver(enable_validation=True, serializer=dumps, json_body_deserializer=json_body)
    for router in routers:
        app.include_router(router)
    _register_error_handlers(app, envelope)
    return app


def lambda_entrypoint(app: APIGatewayHttpResolver, envelope: Envelope) -> Handler:
    """The Lambda handler: correlation id from the request, cold-start metric, a body no route could read
    refused in the envelope, then the resolver."""
    log = observability.logger()
    metrics = observability.metrics()

    @log.inject_lambda_context(correlation_id_path=correlation_paths.API_GATEWAY_HTTP, clear_state=True)
    @metrics.log_metrics(capture_cold_start_metric=True)
    def handler(event: dict[str, Any], context: Any) -> dict[str, Any]:
        auth.reset()
        refusal = body.problem(event)
        if refusal is not None:
            metrics.add_metric(name="ClientErrors", unit=MetricUnit.Count, value=1)
            return _lambda_response(envelope.error(refusal))
        return app.resolve(event, context)

    return handler


def _lambda_response(response: Response) -> dict[str, Any]:
    """A Response as the HTTP API (payload 2.0) Lambda answer, for answers given before the resolver runs."""
    headers = {"Content-Type": response.content_type or content_types.APPLICATION_JSON, **(response.headers or {})}
    return {"statusCode": response.status_code, "headers": {k: str(v) for k, v in headers.items()},
            "body": response.body or "", "isBase64Encoded": False}


def http_function(envelope: Envelope, *routers: APIGatewayHttpRouter) -> tuple[APIGatewayHttpResolver, Handler]:
    """Build one endpoint-group Lambda: `app, handler = http_function(ENVELOPE, devices.router)`."""
    app = create_app(envelope, routers)
    return app, lambda_entrypoint(app, envelope)


def docs_function(
    envelope: Envelope, routers: Iterable[Router], *, title: str, version: str, description: str = ""
) -> tuple[APIGatewayHttpResolver, Handler]:
    """The service's API documentation Lambda: every router mounted, `/openapi.json` and `/swagger` served."""
    routers = list(routers)
    app = create_app(envelope, routers)
    contracts = merge_contracts(routers)
    app.enable_swagger(path="/swagger", title=title, version=version, description=description)
    cached: list[str] = []

    @app.get("/openapi.json", include_in_schema=False)
    def openapi_document():  # no return annotation: Powertools would try to model Response
        if not cached:  # built once per execution environment: the routes cannot change
            cached.append(json.dumps(openapi_document_of(app, envelope, contracts, title=title, version=version,
                                                         description=description), ensure_ascii=False))
        return Response(status_code=200, content_type=content_types.APPLICATION_JSON, body=cached[0])

    return app, lambda_entrypoint(app, envelope)


def openapi_document_of(app: APIGatewayHttpResolver, envelope: Envelope,
                        contracts: dict[tuple[str, str], RouteContract], **info: str) -> dict[str, Any]:
    """The service's OpenAPI document: Powertools' paths and models, completed from the routes' contracts."""
    generated = json.loads(app.get_openapi_json_schema(**info))
    return complete(generated, envelope, contracts)
