"""One Lambda execution environment, as a child process of the local stack.

Started as `python -m devstack.worker <module.handler>` with the function's environment, working directory
(its CodeUri, like /var/task) and PYTHONPATH (code + layers). The init phase imports the handler; then each
line on stdin is an invocation `{"id", "event", "deadline_ms", "request_id"}` and the answer is one line
`{"id", "result"}` or `{"id", "error": {"errorType", "errorMessage", "stackTrace"}}` on the protocol pipe.
Anything the function prints (its logs) goes to stderr, so it can never corrupt the protocol.
"""

from __future__ import annotations

import importlib
import json
import os
import sys
import time
import traceback
from typing import Any


class LambdaContext:
    """The attributes and method of the Lambda Python runtime's context object."""

    def __init__(self, request_id: str, deadline_ms: int) -> None:
        self.function_name = os.environ.get("AWS_LAMBDA_FUNCTION_NAME", "local")
        self.function_version = "$LATEST"
        self.invoked_function_arn = (
            f"arn:aws:lambda:{os.environ.get('AWS_REGION', 'us-east-1')}:123456789012:function:{self.function_name}"
        )
        self.memory_limit_in_mb = int(os.environ.get("AWS_LAMBDA_FUNCTION_MEMORY_SIZE", "128"))
        self.aws_request_id = request_id
        self.log_group_name = f"/aws/lambda/{self.function_name}"
        self.log_stream_name = "local"
        self.identity = None
        self.client_context = None
        self._deadline_ms = deadline_ms

    def get_remaining_time_in_millis(self) -> int:
        return max(0, self._deadline_ms - int(time.time() * 1000))


def _error(exc: BaseException) -> dict[str, Any]:
    return {
        "errorType": type(exc).__name__,
        "errorMessage": str(exc),
        "stackTrace": traceback.format_exception(exc),
    }


def main() -> int:
    handler_path = sys.argv[1]
    # Keep the real stdout for the protocol; everything else the function writes goes to stderr.
    protocol = os.fdopen(os.dup(1), "w", buffering=1, encoding="utf-8")
    os.dup2(2, 1)
    sys.stdout = sys.stderr

    started = time.perf_counter()
    try:
        module_name, function_name = handler_path.rsplit(".", 1)
        handler = getattr(importlib.import_module(module_name.replace("/", ".")), function_name)
    except Exception as exc:  # an init failure is reported to the parent, as Lambda does
        protocol.write(json.dumps({"ready": False, "error": _error(exc)}) + "\n")
        return 1
    init_ms = (time.perf_counter() - started) * 1000
    protocol.write(json.dumps({"ready": True, "init_ms": round(init_ms, 1)}) + "\n")

    for line in sys.stdin:
        request = json.loads(line)
        context = LambdaContext(request["request_id"], request["deadline_ms"])
        started = time.perf_counter()
        try:
            answer = {"id": request["id"], "result": handler(request["event"], context)}
        except Exception as exc:  # a function error is a result, not a crash of the environment
            traceback.print_exc()
            answer = {"id": request["id"], "error": _error(exc)}
        answer["duration_ms"] = round((time.perf_counter() - started) * 1000, 1)
        try:
            protocol.write(json.dumps(answer, default=str) + "\n")
        except (TypeError, ValueError) as exc:
            protocol.write(json.dumps({"id": request["id"], "error": _error(exc)}) + "\n")
        sys.stderr.flush()
    return 0


if __name__ == "__main__":
    # Started by file path: drop devstack/ from the import path so functions see only their code and layers.
    if sys.path and os.path.abspath(sys.path[0]) == os.path.dirname(os.path.abspath(__file__)):
        sys.path.pop(0)
    sys.exit(main())
