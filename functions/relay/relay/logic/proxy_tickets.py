"""What the gate and the account pool share about one request in flight (a `Ticket` per request id, in this
execution environment only: the gate writes it when it admits a request, the pool reads the settings and the
model name it needs and notes the account it leased, `finish` takes it away), and the way both call the store
from async code: the store is boto3 (blocking), so every call runs in a worker thread, independent reads side
by side.
"""

from __future__ import annotations

import threading
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from typing import Any

import anyio

from relay.logic import proxy_checks


@dataclass
class Ticket:
    """One admitted request."""

    request_id: str
    grant: proxy_checks.Grant
    values: Mapping[str, str]  # the system configs in effect (logic/configs.py)
    upstream_model: str  # the client's model after the global model mappings
    prices: Mapping[str, proxy_checks.Prices]  # catalogue prices by lower-case model name and alias
    rate: float
    platform: str
    path: str
    user_agent: str
    source_ip: str
    session_hint: str | None
    user_lease: str | None = None  # the concurrency owner (`U#<id>`) whose slot this request holds
    account_names: dict[str, str] = field(default_factory=dict)  # account id → name, as the pool leased them

    def number(self, key: str, default: float) -> float:
        try:
            return float(self.values.get(key, default))
        except (TypeError, ValueError):
            return default


class Tickets:
    def __init__(self) -> None:
        self._items: dict[str, Ticket] = {}
        self._lock = threading.Lock()

    def put(self, ticket: Ticket) -> None:
        with self._lock:
            self._items[ticket.request_id] = ticket

    def get(self, request_id: str) -> Ticket | None:
        with self._lock:
            return self._items.get(request_id)

    def pop(self, request_id: str) -> Ticket | None:
        with self._lock:
            return self._items.pop(request_id, None)


async def call(function: Callable[..., Any], *args: Any) -> Any:
    """A blocking (store) call from async code."""
    return await anyio.to_thread.run_sync(function, *args)


async def together(*functions: Callable[[], Any]) -> list[Any]:
    """Blocking calls side by side; their results in order (the first failure is raised as itself)."""
    results: list[Any] = [None] * len(functions)
    failures: list[BaseException] = []

    async def run(index: int, function: Callable[[], Any]) -> None:
        try:
            results[index] = await anyio.to_thread.run_sync(function)
        except Exception as exc:  # re-raised below, unwrapped from the task group
            failures.append(exc)

    async with anyio.create_task_group() as group:
        for index, function in enumerate(functions):
            group.start_soon(run, index, function)
    if failures:
        raise failures[0]
    return results


class Remembered:
    """A value read at most every `seconds` per execution environment (the catalogue's prices and the global
    model mappings, which only admins change): the proxy reads them on every request otherwise."""

    def __init__(self, load: Callable[[], Any], seconds: float, clock: Callable[[], float]) -> None:
        self.load = load
        self.seconds = seconds
        self.clock = clock
        self._value: Any = None
        self._until = 0.0
        self._lock = threading.Lock()

    def get(self) -> Any:
        now = self.clock()
        with self._lock:
            if now < self._until:
                return self._value
        value = self.load()
        with self._lock:
            self._value, self._until = value, now + self.seconds
        return value

    def forget(self) -> None:
        with self._lock:
            self._until = 0.0
