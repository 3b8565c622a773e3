"""HTTP API functions: one Powertools resolver per Lambda, errors rendered in the service's own envelope.

A service's endpoint group is a `Router` (one module of routes); its Lambda is built with `http_function`,
which mounts the routers on an `APIGatewayHttpResolver` with validation on and maps every failure to the
envelope: ApiError → its status; request validation → 400/422 (per envelope); unknown route → 404;
anything unexpected → a generic 500 with the details only in the log (never a traceback to the caller).
The service's docs function mounts all of its routers and serves `/openapi.json` and a Swagger UI.
"""

from __future__ import annotations

import json
from collections.abc import Callable, Iterable, Sequence
from typing import Any

from aws_lambda_powertools.event_handler import APIGatewayHttpResolver, Response, content_types
from aws_lambda_powertools.event_handler.exceptions import NotFoundError, ServiceError
from aws_lambda_powertools.event_handler.openapi.exceptions import (
    RequestUnsupportedContentType,
    RequestValidationError,
)
from aws_lambda_powertools.event_handler.router import APIGatewayHttpRouter
from aws_lambda_powertools.logging import correlation_paths
from aws_lambda_powertools.metrics import MetricUnit

from suite import observability
from suite.envelopes import Envelope, dumps
from suite.errors import ApiError, BadRequest, NotFound, UnprocessableEntity

Router = APIGatewayHttpRouter
Handler = Callable[[dict[str, Any], Any], dict[str, Any]]

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
        return respond(validation_error(envelope, exc))

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


def _json_body(text: str) -> Any:
    """json.loads for request bodies: absurdly deep nesting is invalid JSON (a 400), not a RecursionError."""
    try:
        return json.loads(text)
    except RecursionError:
        raise json.JSONDecodeError("nested too deeply", text, 0) from None


def create_app(envelope: Envelope, routers: Iterable[Router]) -> APIGatewayHttpResolver:
    app = APIGatewayHttpResolver(enable_validation=True, serializer=dumps, json_body_deserializer=_json_body)
    for router in routers:
        app.include_router(router)
    _register_error_handlers(app, envelope)
    return app


def lambda_entrypoint(app: APIGatewayHttpResolver) -> Handler:
    """The Lambda handler: correlation id from the request, cold-start metric, then the resolver."""
    log = observability.logger()
    metrics = observability.metrics()

    @log.inject_lambda_context(correlation_id_path=correlation_paths.API_GATEWAY_HTTP, clear_state=True)
    @metrics.log_metrics(capture_cold_start_metric=True)
    def handler(event: dict[str, Any], context: Any) -> dict[str, Any]:
        return app.resolve(event, context)

    return handler


def http_function(envelope: Envelope, *routers: Router) -> tuple[APIGatewayHttpResolver, Handler]:
    """Build one endpoint-group Lambda: `app, handler = http_function(ENVELOPE, devices.router)`."""
    app = create_app(envelope, routers)
    return app, lambda_entrypoint(app)


def docs_function(
    envelope: Envelope, routers: Iterable[Router], *, title: str, version: str, description: str = ""
) -> tuple[APIGatewayHttpResolver, Handler]:
    """The service's API documentation Lambda: every router mounted, `/openapi.json` and `/swagger` served."""
    app = create_app(envelope, routers)
    app.enable_swagger(path="/swagger", title=title, version=version, description=description)

    @app.get("/openapi.json", include_in_schema=False)
    def openapi_document():  # no return annotation: Powertools would try to model Response
        body = app.get_openapi_json_schema(title=title, version=version, description=description)
        return Response(status_code=200, content_type=content_types.APPLICATION_JSON, body=body)

    return app, lambda_entrypoint(app)
