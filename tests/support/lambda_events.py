"""Build API Gateway HTTP API (payload 2.0) events and Lambda contexts for handler tests.

The shape matches `sam local generate-event apigateway http-api-proxy` and what the local stack sends
(tests/unit/test_http_gateway.py checks that both agree), so a handler tested here behaves the same there.
"""

from __future__ import annotations

import base64
import json
import uuid
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from devstack.http_gateway import build_event

REPO_ROOT = Path(__file__).resolve().parents[2]
EVENTS_DIR = REPO_ROOT / "events"


@dataclass
class FakeLambdaContext:
    function_name: str = "test-function"
    function_version: str = "$LATEST"
    memory_limit_in_mb: int = 512
    invoked_function_arn: str = "arn:aws:lambda:us-east-1:123456789012:function:test-function"
    aws_request_id: str = field(default_factory=lambda: str(uuid.uuid4()))
    log_group_name: str = "/aws/lambda/test-function"
    log_stream_name: str = "test"

    def get_remaining_time_in_millis(self) -> int:
        return 10_000


def http_event(method: str, path: str, *, route: str | None = None, body: Any = None,
               headers: dict[str, str] | None = None, query: str = "",
               path_parameters: dict[str, str] | None = None, raw_body: bytes | None = None) -> dict[str, Any]:
    """An HTTP API event for `method path`; `route` is the template's route path when it has parameters."""
    data = raw_body if raw_body is not None else (b"" if body is None else json.dumps(body).encode())
    header_list = list((headers or {}).items())
    if data and not any(k.lower() == "content-type" for k, _ in header_list):
        header_list.append(("content-type", "application/json"))
    header_list.append(("host", "localhost"))
    return build_event(method=method, raw_path=path, raw_query=query, headers=header_list, body=data,
                       route_key=f"{method} {route or path}", path_parameters=path_parameters or {},
                       source_ip="127.0.0.1", api_id="test")


def load_event(relative: str) -> dict[str, Any]:
    """An event file from events/ (the same files `sam local invoke -e` and `python -m devstack invoke` use)."""
    return json.loads((EVENTS_DIR / relative).read_text(encoding="utf-8"))


def response_json(response: dict[str, Any]) -> Any:
    body = response.get("body") or ""
    if response.get("isBase64Encoded"):
        body = base64.b64decode(body).decode()
    return json.loads(body) if body else None
