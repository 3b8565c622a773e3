"""Readable terminal output for the local stack: one line per log record, labelled by function.

Functions log JSON (Powertools Logger, EMF metrics); here each record becomes
`12:55:51 ccjk.HealthFunction INFO  message  key=value ...`, metrics become `METRIC name=value`, and
exceptions keep their traceback, indented. Non-JSON output passes through unchanged.
"""

from __future__ import annotations

import json
import sys
import threading
import time
from collections.abc import Callable
from typing import Any, TextIO

# Keys every Powertools record carries; printing them on each line would drown the message.
_CONTEXT_KEYS = {
    "level", "message", "timestamp", "service", "location", "cold_start", "function_name", "function_memory_size",
    "function_arn", "function_request_id", "correlation_id", "xray_trace_id", "sampling_rate", "exception",
    "exception_name", "stack_trace",
}
_COLOURS = {"DEBUG": "\033[90m", "INFO": "\033[36m", "WARNING": "\033[33m", "ERROR": "\033[31m",
            "CRITICAL": "\033[41m"}
_RESET = "\033[0m"


class LogSink:
    def __init__(self, stream: TextIO | None = None, *, colour: bool | None = None, quiet: bool = False) -> None:
        self.stream = stream or sys.stderr
        self.colour = self.stream.isatty() if colour is None else colour
        self.quiet = quiet
        self._lock = threading.Lock()
        # Where function lines also go, by log group (devstack.log_mirror: the local CloudWatch Logs).
        self.mirror: Callable[[str, str], None] | None = None

    def _emit(self, text: str) -> None:
        if self.quiet:
            return
        with self._lock:
            self.stream.write(text + "\n")
            self.stream.flush()

    def system(self, message: str) -> None:
        self._emit(f"{_clock()} devstack {message}")

    def access(self, service: str, method: str, path: str, status: int, millis: float) -> None:
        self._emit(f"{_clock()} {service} {method} {path} -> {status} ({millis:.0f} ms)")

    def function_line(self, label: str, line: str, group: str | None = None) -> None:
        line = line.rstrip("\n")
        if not line:
            return
        if self.mirror is not None and group:
            self.mirror(group, line)
        record = _as_json(line)
        if record is None:
            self._emit(f"{_clock()} {label} {line}")
            return
        if "_aws" in record:  # an EMF metric blob
            names = [m["Name"] for block in record["_aws"].get("CloudWatchMetrics", []) for m in block["Metrics"]]
            values = " ".join(f"{name}={record.get(name)}" for name in names)
            self._emit(f"{_clock()} {label} METRIC {values}")
            return
        level = str(record.get("level", "INFO"))
        level_text = f"{_COLOURS.get(level, '')}{level:<7}{_RESET}" if self.colour else f"{level:<7}"
        extras = " ".join(f"{k}={_short(v)}" for k, v in record.items() if k not in _CONTEXT_KEYS)
        text = f"{_clock()} {label} {level_text} {record.get('message', '')}"
        if extras:
            text += f"  {extras}"
        if record.get("exception"):
            text += "\n" + "\n".join("    " + row for row in str(record["exception"]).splitlines())
        self._emit(text)


def _as_json(line: str) -> dict[str, Any] | None:
    if not line.startswith("{"):
        return None
    try:
        value = json.loads(line)
    except ValueError:
        return None
    return value if isinstance(value, dict) else None


def _short(value: Any, limit: int = 200) -> str:
    text = value if isinstance(value, str) else json.dumps(value, ensure_ascii=False, default=str)
    return text if len(text) <= limit else text[: limit - 1] + "…"


def _clock() -> str:
    return time.strftime("%H:%M:%S")
