"""Function output into the local CloudWatch Logs, so code that reads its own logs (relay's system-log routes)
works under `make dev` as it does on AWS.

Each line a function writes goes, batched once a second, to the log group `/aws/lambda/<function name>` and a
stream named as Lambda names them (`YYYY/MM/DD/[$LATEST]devstack`). Only with the embedded moto: against
LocalStack or a real account the stack leaves CloudWatch Logs alone.
"""

from __future__ import annotations

import contextlib
import datetime as dt
import threading
import time
from typing import Any

FLUSH_SECONDS = 1.0
MAX_BATCH = 1000


class LogMirror:
    def __init__(self, logs_client: Any) -> None:
        self.logs = logs_client
        self._pending: dict[str, list[dict[str, Any]]] = {}
        self._lock = threading.Lock()
        self._known: set[tuple[str, str]] = set()
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._run, name="log-mirror", daemon=True)

    def start(self) -> LogMirror:
        self._thread.start()
        return self

    def stop(self) -> None:
        self._stop.set()
        self._thread.join(timeout=5)
        self.flush()

    def add(self, group: str, line: str) -> None:
        with self._lock:
            self._pending.setdefault(group, []).append({"timestamp": int(time.time() * 1000), "message": line})

    def _run(self) -> None:
        while not self._stop.wait(FLUSH_SECONDS):
            self.flush()

    def flush(self) -> None:
        with self._lock:
            pending, self._pending = self._pending, {}
        for group, events in pending.items():
            stream = dt.datetime.now(dt.UTC).strftime("%Y/%m/%d/") + "[$LATEST]devstack"
            # The mirror is a convenience (the terminal log is the record): a failed write is dropped.
            with contextlib.suppress(Exception):
                self._ensure(group, stream)
                for start in range(0, len(events), MAX_BATCH):
                    self.logs.put_log_events(logGroupName=group, logStreamName=stream,
                                             logEvents=events[start:start + MAX_BATCH])

    def _ensure(self, group: str, stream: str) -> None:
        if (group, stream) in self._known:
            return
        for create, kwargs in ((self.logs.create_log_group, {"logGroupName": group}),
                               (self.logs.create_log_stream, {"logGroupName": group, "logStreamName": stream})):
            with contextlib.suppress(self.logs.exceptions.ResourceAlreadyExistsException):
                create(**kwargs)
        self._known.add((group, stream))
