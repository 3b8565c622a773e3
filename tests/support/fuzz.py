"""Schemathesis against a service's own OpenAPI document, in process: a WSGI bridge hands every generated
request to the service's real handlers through the same route table API Gateway would use (ApiClient.send),
so a fuzz run costs no sockets and no local stack.

    schema = service_schema(ApiClient(moto_stack, "ccjk", monkeypatch))
    for case in cases(schema, max_examples=15): ...

Each service's `tests/integration/<service>/test_openapi_fuzz.py` runs every operation with valid credentials
and the checks that apply (no 5xx, declared statuses, declared content types, bodies matching their schemas,
auth enforced). The seed is fixed (FUZZ_SEED) so a failure replays. `make test` runs 6 examples per operation
(about 700 operations: the fuzz files were half of the suite's time at 12); `make fuzz` runs 30 (FUZZ_EXAMPLES),
what the hardening issue's attack used.
"""

from __future__ import annotations

import json
import os
from collections.abc import Callable, Iterable
from http import HTTPStatus
from typing import Any
from urllib.parse import quote

from tests.support.api_client import ApiClient

FUZZ_SEED = int(os.environ.get("FUZZ_SEED", "20261207"))
FUZZ_EXAMPLES = int(os.environ.get("FUZZ_EXAMPLES", "6"))


class WsgiBridge:
    """A WSGI app in front of an ApiClient: what schemathesis sends reaches the handlers byte for byte."""

    def __init__(self, client: ApiClient, before: Callable[[], None] | None = None) -> None:
        self.client = client
        self.before = before

    def __call__(self, environ: dict[str, Any], start_response: Callable[..., Any]) -> Iterable[bytes]:
        if self.before:
            self.before()
        method = environ["REQUEST_METHOD"]
        raw_path = environ.get("RAW_URI") or environ.get("REQUEST_URI") or quote(
            environ.get("PATH_INFO", "/").encode("latin-1").decode("utf-8", errors="replace"), safe="/%:@!$&'()*+,;=")
        raw_path = raw_path.split("?", 1)[0] or "/"
        headers = [(key[5:].replace("_", "-").lower(), value) for key, value in environ.items()
                   if key.startswith("HTTP_")]
        if environ.get("CONTENT_TYPE"):
            headers.append(("content-type", environ["CONTENT_TYPE"]))
        length = int(environ.get("CONTENT_LENGTH") or 0)
        body = environ["wsgi.input"].read(length) if length else b""
        answer = self.client.send(method, raw_path, environ.get("QUERY_STRING", ""), headers, body)
        if answer is None:
            status, out_headers, data = 404, {"content-type": "application/json"}, b'{"message":"Not Found"}'
        else:
            status, out_headers = answer.status, answer.headers
            data = answer.text.encode("utf-8")
        start_response(f"{status} {HTTPStatus(status).phrase}", list(out_headers.items()))
        return [data]


def service_schema(client: ApiClient, *, openapi_path: str = "/openapi.json", before: Callable[[], None] | None = None):
    """The service's OpenAPI document loaded by schemathesis, calls going to the service in process."""
    import schemathesis  # noqa: PLC0415 (only the fuzz tests pay for its import)

    bridge = WsgiBridge(client, before)
    document = client.get(openapi_path).json
    schema = schemathesis.openapi.from_dict(document)
    schema.app = bridge
    return schema


def document_of(client: ApiClient, openapi_path: str = "/openapi.json") -> dict[str, Any]:
    return json.loads(client.get(openapi_path).text)


def operation_labels(service: str) -> list[str]:
    """Every operation of a service's document as `METHOD /path`, read without AWS (the docs function builds the
    document from the routers alone), so a test can be parametrized per operation at collection time."""
    import importlib  # noqa: PLC0415

    from tests.support.lambda_events import FakeLambdaContext, http_event  # noqa: PLC0415

    docs = importlib.import_module(f"{service}.handlers.docs")
    document = json.loads(docs.handler(http_event("GET", "/openapi.json"), FakeLambdaContext())["body"])
    return [f"{method.upper()} {path}" for path, item in document["paths"].items() for method in item
            if method in ("get", "put", "post", "delete", "patch", "head")]


def fuzz_operation(schema: Any, label: str, *, headers: dict[str, str] | None = None,
                   max_examples: int = FUZZ_EXAMPLES, excluded_checks: Iterable[Any] = (),
                   prepare: Callable[[Any], None] | None = None) -> int:
    """Run `max_examples` generated requests against one operation with the fixed seed; every check that applies
    must pass. `prepare(case)` may adjust a case (e.g. put a real id in the path). Returns the requests made."""
    from hypothesis import HealthCheck, given, seed, settings  # noqa: PLC0415

    method, path = label.split(" ", 1)
    operation = schema[path][method]
    sent = [0]

    @seed(FUZZ_SEED)
    @settings(max_examples=max_examples, database=None, deadline=None, derandomize=False,
              suppress_health_check=list(HealthCheck))
    @given(case=operation.as_strategy())
    def run(case: Any) -> None:
        if prepare:
            prepare(case)
        sent[0] += 1
        case.call_and_validate(headers=headers or {}, excluded_checks=list(excluded_checks))

    run()
    return sent[0]
