"""Run functions the way Lambda does: each in its own warm process, one invocation at a time per process.

A `FunctionRuntime` owns a small pool of worker processes for one function (scaling out when invocations
overlap, like Lambda's concurrency), enforces the function's timeout (a timed-out environment is killed,
as Lambda does), reports cold starts, and streams the function's log lines to the terminal. Processes keep
the functions' environments apart: each has exactly its template's variables, its CodeUri as working
directory and its code + layers on the path.
"""

from __future__ import annotations

import json
import os
import queue
import subprocess
import sys
import threading
import time
import uuid
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from devstack.logs import LogSink
from devstack.template import FunctionSpec

WORKER_FILE = Path(__file__).with_name("worker.py")
INIT_TIMEOUT_SECONDS = 30  # generous: the first import of a cold virtualenv compiles bytecode
# Lambda's synchronous invoke limits, in bytes of JSON: the event (6 MiB) and what the function returns (100 more).
MAX_EVENT_BYTES = 6 * 1024 * 1024
MAX_RESULT_BYTES = 6 * 1024 * 1024 + 100
EVENT_TOO_LARGE = "RequestEntityTooLargeException"


@dataclass
class Invocation:
    request_id: str
    result: Any = None
    error: dict[str, Any] | None = None
    duration_ms: float = 0.0
    init_ms: float | None = None  # set on a cold start

    @property
    def ok(self) -> bool:
        return self.error is None

    @property
    def event_too_large(self) -> bool:
        """Lambda refused the event before running anything (the caller sees a 413 from the Invoke API)."""
        return (self.error or {}).get("errorType") == EVENT_TOO_LARGE


def json_size(value: Any) -> int:
    """Bytes of `value` as compact UTF-8 JSON (how Lambda measures payloads)."""
    return len(json.dumps(value, ensure_ascii=False, separators=(",", ":"), default=str)
               .encode("utf-8", "surrogatepass"))


class _Worker:
    def __init__(self, spec: FunctionSpec, env: dict[str, str], logs: LogSink) -> None:
        self.spec = spec
        self.proc = subprocess.Popen(
            [sys.executable, str(WORKER_FILE), spec.handler],
            cwd=spec.code_dir, env=env, text=True, encoding="utf-8", bufsize=1,
            stdin=subprocess.PIPE, stdout=subprocess.PIPE, stderr=subprocess.PIPE,
        )
        self.answers: queue.Queue[dict[str, Any] | None] = queue.Queue()
        self.last_used = time.monotonic()
        threading.Thread(target=self._read_answers, daemon=True).start()
        threading.Thread(target=self._read_logs, args=(logs,), daemon=True).start()
        hello = self._next_answer(INIT_TIMEOUT_SECONDS)
        if hello is None or not hello.get("ready"):
            self.kill()
            error = (hello or {}).get("error") or {"errorType": "Runtime.ExitError",
                                                    "errorMessage": "the worker died during init"}
            raise InitError(error)
        self.init_ms: float | None = hello.get("init_ms")

    def _read_answers(self) -> None:
        assert self.proc.stdout is not None
        for line in self.proc.stdout:
            try:
                self.answers.put(json.loads(line))
            except ValueError:
                continue
        self.answers.put(None)  # the process ended

    def _read_logs(self, logs: LogSink) -> None:
        assert self.proc.stderr is not None
        for line in self.proc.stderr:
            logs.function_line(self.spec.key, line, group=f"/aws/lambda/{self.spec.name}")

    def _next_answer(self, timeout: float) -> dict[str, Any] | None:
        try:
            return self.answers.get(timeout=timeout)
        except queue.Empty as exc:
            raise TimeoutError from exc

    def call(self, event: Any, request_id: str, timeout: float) -> dict[str, Any]:
        assert self.proc.stdin is not None
        deadline_ms = int((time.time() + timeout) * 1000)
        message = {"id": request_id, "request_id": request_id, "deadline_ms": deadline_ms, "event": event}
        self.proc.stdin.write(json.dumps(message) + "\n")
        self.proc.stdin.flush()
        answer = self._next_answer(timeout)
        self.last_used = time.monotonic()
        if answer is None:
            raise ProcessLookupError("the function's process exited")
        return answer

    @property
    def alive(self) -> bool:
        return self.proc.poll() is None

    def kill(self) -> None:
        if self.alive:
            self.proc.kill()
        self.proc.wait(timeout=5)


class InitError(Exception):
    def __init__(self, error: dict[str, Any]) -> None:
        super().__init__(error.get("errorMessage"))
        self.error = error


class FunctionRuntime:
    def __init__(self, spec: FunctionSpec, env: dict[str, str], logs: LogSink, *, max_concurrency: int = 4) -> None:
        self.spec = spec
        self.env = env
        self.logs = logs
        self.max_concurrency = max_concurrency
        self._idle: list[_Worker] = []
        self._busy = 0
        self._cond = threading.Condition()
        self.invocations = 0
        self.cold_starts = 0

    def invoke(self, event: Any, *, timeout: float | None = None) -> Invocation:
        request_id = str(uuid.uuid4())
        limit = float(timeout or self.spec.timeout)
        if json_size(event) > MAX_EVENT_BYTES:
            return Invocation(request_id, error={"errorType": EVENT_TOO_LARGE, "errorMessage": (
                f"Request must be smaller than {MAX_EVENT_BYTES} bytes for the InvokeFunction operation")})
        worker, cold_init = self._acquire(request_id)
        if worker is None:
            return Invocation(request_id, error=cold_init)  # init failed: cold_init holds the error
        try:
            answer = worker.call(event, request_id, limit)
        except TimeoutError:
            worker.kill()
            worker = None
            return Invocation(request_id, error={"errorType": "Sandbox.Timedout",
                                                 "errorMessage": f"Task timed out after {limit:.2f} seconds"},
                              duration_ms=limit * 1000)
        except (ProcessLookupError, BrokenPipeError, OSError):
            if worker:
                worker.kill()
            worker = None
            return Invocation(request_id, error={"errorType": "Runtime.ExitError",
                                                 "errorMessage": "the function's process exited"})
        finally:
            self._release(worker)
        self.invocations += 1
        result, error = answer.get("result"), answer.get("error")
        if error is None and json_size(result) > MAX_RESULT_BYTES:
            result, error = None, {"errorType": "Function.ResponseSizeTooLarge", "errorMessage": (
                f"Response payload size exceeded maximum allowed payload size ({MAX_RESULT_BYTES} bytes).")}
        return Invocation(request_id, result=result, error=error, duration_ms=answer.get("duration_ms", 0.0),
                          init_ms=cold_init if isinstance(cold_init, float | int) else None)

    def _acquire(self, request_id: str) -> tuple[_Worker | None, Any]:
        with self._cond:
            while not self._idle and self._busy >= self.max_concurrency:
                self._cond.wait()
            self._busy += 1
            while self._idle:
                worker = self._idle.pop()
                if worker.alive:
                    return worker, None
        try:
            worker = _Worker(self.spec, self.env, self.logs)
        except InitError as exc:
            self._release(None)
            self.logs.system(f"{self.spec.key} init failed ({request_id}): {exc.error.get('errorMessage')}")
            return None, exc.error
        self.cold_starts += 1
        return worker, worker.init_ms

    def _release(self, worker: _Worker | None) -> None:
        with self._cond:
            self._busy -= 1
            if worker is not None and worker.alive:
                self._idle.append(worker)
            self._cond.notify()

    def reap_idle(self, older_than_seconds: float) -> None:
        """Retire environments nobody used for a while (Lambda does the same), freeing their memory."""
        now = time.monotonic()
        with self._cond:
            stale = [w for w in self._idle if now - w.last_used > older_than_seconds]
            self._idle = [w for w in self._idle if w not in stale]
        for worker in stale:
            worker.kill()

    def close(self) -> None:
        with self._cond:
            workers, self._idle = self._idle, []
        for worker in workers:
            worker.kill()


def worker_environment(spec: FunctionSpec, aws_env: dict[str, str], overrides: dict[str, str]) -> dict[str, str]:
    """What the function's process sees: Lambda's reserved variables, AWS access, and its template variables."""
    keep = {k: v for k, v in os.environ.items() if k in ("PATH", "HOME", "LANG", "LC_ALL", "TMPDIR", "SYSTEMROOT",
                                                         "PYTHONDONTWRITEBYTECODE", "SSL_CERT_FILE",
                                                         "REQUESTS_CA_BUNDLE")}
    env = {
        **keep,
        **aws_env,
        "AWS_LAMBDA_FUNCTION_NAME": spec.name,
        "AWS_LAMBDA_FUNCTION_MEMORY_SIZE": str(spec.memory),
        "AWS_LAMBDA_FUNCTION_VERSION": "$LATEST",
        "AWS_LAMBDA_LOG_GROUP_NAME": f"/aws/lambda/{spec.name}",
        "LAMBDA_TASK_ROOT": str(spec.code_dir),
        "_HANDLER": spec.handler,
        "TZ": ":UTC",
        "PYTHONUNBUFFERED": "1",
        "PYTHONPATH": os.pathsep.join(str(p) for p in [spec.code_dir, *spec.layer_dirs]),
    }
    env.update(spec.environment)
    # Overrides (the env file, --env flags) may only change variables the template declares, as in `sam local`.
    env.update({k: v for k, v in overrides.items() if k in spec.environment})
    return env
