"""The OpenAPI document as the wire is: security, every status a route answers, bodies in the service's envelope.

Powertools generates the paths, parameters and request bodies from the routes. What it cannot know comes from
what each route declared on `suite.api.Router` (its `RouteContract`) and from the service's envelope:

- `security` per operation and `components.securitySchemes`, from the route's credentials (suite.auth);
- the success status and body: `returns=Model` is wrapped in the envelope's success shape; `media_type=` for
  bodies sent as they are, outside the envelope (a text/csv download is a string; with `returns=` too, that
  model describes the body as is: a JSON file, a provider's handshake); `status_code=` for 201/202/204,
  `also_status_codes=` for other successes with the same body; a route that returns a plain annotated value (no
  envelope, e.g. a health check) keeps the schema Powertools derived from its annotation;
- `requestBody` from `body=` where the route reads its body itself (raw JSON values, webhooks); `requires=`
  marks parameters (or the body) required that the route checks itself, to answer with its own messages;
- error statuses with the envelope's error body: 401/403 where credentials are declared (several credentials on
  one route are all required), the envelope's
  validation status (400 or 422, never Powertools' fixed 422) where the route reads parameters or a body,
  415 where it reads a body, 429 where the route is rate limited, and whatever the route lists in `errors=`;
- statuses the route answers with no body besides its success (`empty=(204,)`: a poll with nothing new).
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from http import HTTPStatus
from typing import Any

from pydantic import BaseModel, TypeAdapter

from suite.auth import Credential

COMPONENTS = "#/components/schemas/"


@dataclass(frozen=True)
class RouteContract:
    """What a route declared beyond Powertools' own arguments."""

    credentials: tuple[Credential, ...] = ()
    errors: tuple[int, ...] = ()
    returns: Any = None  # a pydantic model or type for the success payload
    status_code: int = 200
    also_status_codes: tuple[int, ...] = ()  # other successes with the same body (201 or 200 for create-or-refresh)
    media_type: str | None = None  # a non-JSON success body (text/csv, text/html...)
    reads_body: bool = False
    extra: dict[int, str] = field(default_factory=dict)  # status → description, for statuses without a body
    empty: tuple[int, ...] = ()  # other statuses the route answers with no body (204 beside a 200, 304...)
    body: Any = None  # the JSON body of a route that reads its body itself (suite.body), for the document only
    body_media_type: str = "application/json"  # that body's media type (a protocol's text/plain payload)
    requires: tuple[str, ...] = ()  # parameters (and `body`) the route requires but checks itself, with its messages
    # a protocol's own error body (a model) some of the route's errors answer with (Engine.IO's {code, message});
    # the document allows it beside the envelope's, which requests no route can read still get
    error_body: Any = None


def openapi_path(rule: str) -> str:
    """Powertools' `<name>` path parameters as OpenAPI's `{name}`."""
    return re.sub(r"<(\w+)>", r"{\1}", rule)


def _schema_of(model: Any, definitions: dict[str, Any]) -> dict[str, Any]:
    """The JSON Schema of a pydantic model or type, its sub-models moved to the document's components."""
    adapter = TypeAdapter(model)
    schema = adapter.json_schema(ref_template=COMPONENTS + "{model}", mode="serialization")
    for name, definition in schema.pop("$defs", {}).items():
        definitions.setdefault(name, definition)
    if isinstance(model, type) and issubclass(model, BaseModel):
        name = model.__name__
        definitions.setdefault(name, schema)
        return {"$ref": COMPONENTS + name}
    return schema


def _json(schema: dict[str, Any], media_type: str = "application/json") -> dict[str, Any]:
    return {media_type: {"schema": schema}}


def complete(document: dict[str, Any], envelope: Any, contracts: Mapping[tuple[str, str], RouteContract]) -> dict:
    """Fill in what Powertools leaves out (see the module docstring); returns the same, changed, document."""
    components = document.setdefault("components", {})
    definitions = components.setdefault("schemas", {})
    schemes = components.setdefault("securitySchemes", {})
    definitions["ErrorBody"] = envelope.error_schema()
    error_ref = {"$ref": COMPONENTS + "ErrorBody"}
    for path, item in document.get("paths", {}).items():
        for method, operation in item.items():
            if not isinstance(operation, dict) or "responses" not in operation:
                continue
            contract = contracts.get((method.upper(), path), RouteContract())
            _complete_operation(operation, contract, envelope, error_ref=error_ref, definitions=definitions,
                                schemes=schemes)
    # Powertools' own 422 models are no longer referenced when the envelope answers 400.
    if not _references(document, "HTTPValidationError"):
        definitions.pop("HTTPValidationError", None)
        if not _references(document, "ValidationError"):
            definitions.pop("ValidationError", None)
    if not schemes:
        components.pop("securitySchemes")
    return document


def _complete_operation(operation: dict[str, Any], contract: RouteContract, envelope: Any, *,
                        error_ref: dict[str, Any], definitions: dict[str, Any], schemes: dict[str, Any]) -> None:
    responses: dict[str, Any] = operation["responses"]
    had_validation = "422" in responses
    responses.pop("422", None)
    _complete_success(responses, contract, envelope, definitions)

    # a body the route reads itself: documented, refused by the route with the envelope's validation status
    if contract.body is not None and "requestBody" not in operation:
        operation["requestBody"] = {"content": _json(_schema_of(contract.body, definitions), contract.body_media_type)}
    _mark_required(operation, contract.requires)

    # security: every declared credential is required, so the requirement is each combination of their
    # alternatives (one credential: its alternatives as they are)
    statuses = set(contract.errors)
    requirements: list[dict[str, list[str]]] = [{}]
    for credential in contract.credentials:
        schemes.update(credential.schemes())
        requirements = _unique([{**have, **alternative} for have in requirements
                                for alternative in credential.security()])
        statuses.add(401)
    if contract.credentials:
        operation["security"] = requirements
    if had_validation or contract.reads_body or contract.body is not None:
        statuses.add(envelope.validation_status)
    if contract.reads_body:
        statuses.add(415)
    error_schema = error_ref
    if contract.error_body is not None:
        error_schema = {"anyOf": [error_ref, _schema_of(contract.error_body, definitions)]}
    for status in sorted(statuses):
        description = contract.extra.get(status) or HTTPStatus(status).phrase
        responses.setdefault(str(status), {"description": description, "content": _json(error_schema)})
    for status in contract.empty:
        responses.setdefault(str(status), {"description": contract.extra.get(status) or HTTPStatus(status).phrase})


def _complete_success(responses: dict[str, Any], contract: RouteContract, envelope: Any,
                      definitions: dict[str, Any]) -> None:
    """The success status and its body: the route's model in the envelope, a download's media type, or nothing."""
    success = responses.pop("200", None) or {"description": HTTPStatus(contract.status_code).phrase}
    if contract.status_code == 204:
        success.pop("content", None)
    elif contract.media_type:  # a body sent as is (a download, a provider's handshake): not in the envelope
        schema = _schema_of(contract.returns, definitions) if contract.returns is not None else {"type": "string"}
        success["content"] = _json(schema, contract.media_type)
    elif contract.returns is not None:
        success["content"] = _json(envelope.success_schema(_schema_of(contract.returns, definitions)))
    elif not _generated_schema(success):
        # (a route returning a plain annotated value keeps Powertools' schema: it is sent as is, no envelope)
        success["content"] = _json(envelope.success_schema(None))
    responses[str(contract.status_code)] = success
    for status in contract.also_status_codes:
        responses.setdefault(str(status), {**success, "description": HTTPStatus(status).phrase})


def _mark_required(operation: dict[str, Any], names: Iterable[str]) -> None:
    """Parameters (and the body) the route checks for itself: required in the document, though Powertools does
    not refuse them first (the route answers a missing one with its own message, in its validation status)."""
    for name in names:
        if name == "body" and "requestBody" in operation:
            operation["requestBody"]["required"] = True
            for media in operation["requestBody"].get("content", {}).values():  # a required body is not null
                options = [o for o in (media.get("schema") or {}).get("anyOf", []) if o != {"type": "null"}]
                if len(options) == 1:
                    media["schema"] = options[0]
            continue
        for parameter in operation.get("parameters", []):
            if parameter.get("name") == name:
                parameter["required"] = True


def _unique(requirements: list[dict[str, list[str]]]) -> list[dict[str, list[str]]]:
    seen: list[dict[str, list[str]]] = []
    for requirement in requirements:
        if requirement not in seen:
            seen.append(requirement)
    return seen


def _generated_schema(response: dict[str, Any]) -> dict[str, Any]:
    return ((response.get("content") or {}).get("application/json") or {}).get("schema") or {}


def _references(node: Any, name: str) -> bool:
    target = COMPONENTS + name
    if isinstance(node, dict):
        return any(v == target if k == "$ref" else _references(v, name) for k, v in node.items())
    if isinstance(node, list):
        return any(_references(v, name) for v in node)
    return False


def merge_contracts(routers: Iterable[Any]) -> dict[tuple[str, str], RouteContract]:
    contracts: dict[tuple[str, str], RouteContract] = {}
    for router in routers:
        contracts.update(getattr(router, "contracts", {}))
    return contracts


def declared_statuses(contract: RouteContract, envelope: Any) -> Sequence[int]:
    """Every status the document will list for a route (used by tests)."""
    statuses = {contract.status_code, *contract.also_status_codes, *contract.errors, *contract.empty}
    if contract.credentials:
        statuses.add(401)
    if contract.reads_body:
        statuses.update({envelope.validation_status, 415})
    if contract.body is not None:
        statuses.add(envelope.validation_status)
    return sorted(statuses)
