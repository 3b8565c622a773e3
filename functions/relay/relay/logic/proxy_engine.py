"""The passthrough engine: one client request → the gate → accounts tried in turn → the answer, streamed.

    engine = Engine(gate, pool, transport)
    result = await engine.run(Incoming(...), sink)      # sink.start(status, headers) then sink.send(bytes)...

Rules (docs/relay-proxy.md):

- Failover happens only before the first byte of an answer reaches the client: on a transport failure, on no
  first byte within `first_byte_timeout`, on an upstream status that names the account (429, 401/403, 5xx,
  529: `Outcome.fail_over`), and on an error as the first SSE event of a 200 answer (every event is held back
  until the first real one has been read). At most `max_attempts` accounts, never the same one twice.
- Once bytes are out nothing is retried: a broken stream ends with an SSE error event in the API's format.
- A streamed answer is sent as it arrives, chunk by chunk; 15 s without anything to send (before the first
  event too, when the client asked for a stream) sends `: keepalive`. `[DONE]` and every other byte pass as is.
- The client going away cancels the task running `run` (the ASGI layer does it): the upstream request is
  closed with it, and the lease is released and the result recorded all the same.
- After failover is exhausted the client gets the last upstream error as the upstream sent it (status and
  body), 502 when no upstream answered at all, 503 when no account could be had.
"""

from __future__ import annotations

import contextlib
import json
import time
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from typing import Any, Protocol

import anyio

from relay.logic import proxy_surfaces as surfaces
from relay.logic.proxy_errors import Outcome, first_event_error, http_outcome
from relay.logic.proxy_pool import (
    AccountPool,
    Admission,
    Gate,
    Lease,
    ProxyCall,
    ProxyRefusal,
    RelayResult,
    SelectionRequest,
)
from relay.logic.sse import KEEPALIVE, SseEvent, SseSplitter
from relay.logic.usage_parsing import StreamUsage, Usage, from_body
from relay.providers.upstream_http import UpstreamUnavailable

MAX_ERROR_BODY = 1024 * 1024
MAX_JSON_BODY = 64 * 1024 * 1024
SSE_HEADERS = [("cache-control", "no-cache"), ("x-accel-buffering", "no")]


class Sink(Protocol):
    """Where the answer goes (the ASGI response). `start` is called once, before any `send`."""

    async def start(self, status: int, headers: list[tuple[str, str]]) -> None: ...

    async def send(self, data: bytes) -> None: ...


class Transport(Protocol):
    def open(self, url: str, headers: Mapping[str, str], content: bytes) -> Any:
        """An async context manager giving a response with `status`, `headers`, `header(name)`, `chunks()`."""


@dataclass(frozen=True)
class Incoming:
    request_id: str
    path: str  # a key of proxy_surfaces.ROUTES
    headers: dict[str, str]  # lower-case names
    body: bytes
    source_ip: str = ""


@dataclass
class _Answer:
    """What the client has been sent so far."""

    sink: Sink
    clock: Callable[[], float]
    started_at: float
    status: int | None = None
    sse: bool = False
    last_sent: float = 0.0
    first_byte: float | None = None

    @property
    def started(self) -> bool:
        return self.status is not None

    async def start(self, status: int, headers: list[tuple[str, str]], *, sse: bool) -> None:
        self.status, self.sse = status, sse
        self.last_sent = self.clock()
        await self.sink.start(status, headers)

    async def send(self, data: bytes, *, real: bool = True) -> None:
        if not data:
            return
        await self.sink.send(data)
        self.last_sent = self.clock()
        if real and self.first_byte is None:
            self.first_byte = self.last_sent


@dataclass
class _Failure:
    """The last failed attempt, kept to answer the client if no account succeeds."""

    outcome: Outcome
    status: int = 502
    headers: list[tuple[str, str]] = field(default_factory=list)
    body: bytes = b""
    sse: bool = False


class Engine:
    def __init__(self, gate: Gate, pool: AccountPool, transport: Transport, *, keepalive_seconds: float = 15.0,
                 first_byte_timeout: float = 120.0, max_attempts: int = 3,
                 clock: Callable[[], float] = time.time) -> None:
        self.gate = gate
        self.pool = pool
        self.transport = transport
        self.keepalive_seconds = keepalive_seconds
        self.first_byte_timeout = first_byte_timeout
        self.max_attempts = max_attempts
        self.clock = clock

    async def run(self, incoming: Incoming, sink: Sink) -> RelayResult:
        surface = surfaces.ROUTES[incoming.path][0]
        answer = _Answer(sink, self.clock, self.clock())
        state = _Run(self, incoming, surface, answer)
        try:
            await state.go()
        finally:
            with anyio.CancelScope(shield=True):
                result = state.result()
                if state.admission is not None:
                    await self.gate.finish(state.admission, result)
        return result


class _Run:
    """One request's way through the engine (kept apart so `Engine` stays a plain configuration)."""

    def __init__(self, engine: Engine, incoming: Incoming, surface: str, answer: _Answer) -> None:
        self.engine = engine
        self.incoming = incoming
        self.surface = surface
        self.answer = answer
        self.request: surfaces.Request | None = None
        self.admission: Admission | None = None
        self.attempts = 0
        self.account_id: str | None = None
        self.upstream_model: str | None = None
        self.usage = Usage()
        self.outcome = "refused"
        self.error_type: str | None = None
        self.cancelled = False

    # --- the whole request ----------------------------------------------------------------------------
    async def go(self) -> None:
        gate = self.engine.gate
        try:
            admission = await gate.authenticate(self.incoming.headers, self.incoming.source_ip)
            self.admission = admission  # from here on, `finish` is owed whatever happens
            raw = surfaces.decode_body(self.incoming.body, self.incoming.headers.get("content-encoding"))
            self.request = surfaces.read_request(self.surface, self.incoming.path, raw)
            self.admission = await gate.admit(self._call(self.request), admission)
        except ProxyRefusal as refusal:
            self.error_type = refusal.error_type
            await self._refuse(refusal.status, refusal.error_type, refusal.message, refusal.headers)
            return
        try:
            await self._attempts(self.request, self.admission)
        except anyio.get_cancelled_exc_class():
            self.cancelled, self.outcome = True, "cancelled"
            raise

    def _call(self, request: surfaces.Request) -> ProxyCall:
        headers = self.incoming.headers
        return ProxyCall(request_id=self.incoming.request_id, surface=self.surface, platform=request.platform,
                         path=self.incoming.path, model=request.model, stream=request.stream,
                         account_type=request.account_type, headers=headers, body=request.body,
                         source_ip=self.incoming.source_ip,
                         session_hint=surfaces.session_hint(self.surface, headers, request.body))

    async def _attempts(self, request: surfaces.Request, admission: Admission) -> None:
        hint = surfaces.session_hint(self.surface, self.incoming.headers, request.body)
        selection = SelectionRequest(platform=request.platform, surface=self.surface, model=request.model,
                                     account_type=request.account_type,
                                     session=f"{admission.scope}:{hint}" if hint else None,
                                     request_id=self.incoming.request_id)
        tried: set[str] = set()
        failure: _Failure | None = None
        while self.attempts < self.engine.max_attempts:
            try:
                lease = await self.engine.pool.acquire(selection, frozenset(tried))
            except ProxyRefusal as refusal:  # e.g. every account busy (429), no account at all (503)
                if failure is not None:
                    break
                self.outcome, self.error_type = "no_account", refusal.error_type
                await self._refuse(refusal.status, refusal.error_type, refusal.message, refusal.headers)
                return
            if lease is None:
                break
            tried.add(lease.account.id)
            self.attempts += 1
            self.account_id = lease.account.id
            outcome = Outcome("cancelled")
            try:
                outcome, failure_here = await self._attempt(request, lease)
            finally:
                with anyio.CancelScope(shield=True):
                    await self.engine.pool.release(lease, outcome)
            self.outcome, self.error_type = outcome.kind, outcome.error_type
            if failure_here is None:
                return
            failure = failure_here
        if failure is None:
            self.outcome, self.error_type = "no_account", "no_available_account"
            await self._refuse(503, "no_available_account", "no upstream account is available for this request")
            return
        await self._give_up(failure)

    # --- one attempt ----------------------------------------------------------------------------------
    async def _attempt(self, request: surfaces.Request, lease: Lease) -> tuple[Outcome, _Failure | None]:
        """(outcome, None) when the client got an answer; (outcome, failure) to try another account."""
        planned = surfaces.plan(request, self.incoming.headers, lease.account)
        self.upstream_model = planned.upstream_model
        send, receive = anyio.create_memory_object_stream[tuple[Any, ...]](64)
        async with anyio.create_task_group() as group:
            group.start_soon(self._pump, planned, send)
            try:
                return await self._consume(request, planned, receive)
            finally:
                group.cancel_scope.cancel()
                receive.close()

    async def _pump(self, planned: surfaces.UpstreamRequest, send: Any) -> None:
        """Reads the upstream into a queue, so that waiting for it can time out without breaking the stream."""
        async with send:
            try:
                async with self.engine.transport.open(planned.url, planned.headers, planned.content) as response:
                    await send.send(("head", response))
                    async for chunk in response.chunks():
                        await send.send(("chunk", chunk))
                await send.send(("end",))
            except UpstreamUnavailable as exc:
                await send.send(("error", exc))
            except (anyio.BrokenResourceError, anyio.ClosedResourceError):
                return

    async def _next(self, receive: Any, *, deadline: float | None) -> tuple[Any, ...] | None:
        """The next item from the upstream; keepalives while waiting; None once `deadline` passes."""
        while True:
            now = self.engine.clock()
            waits = []
            if deadline is not None:
                waits.append(deadline - now)
            keepalive = self._keepalive_due(now)
            if keepalive is not None:
                waits.append(keepalive)
            timeout = max(min(waits), 0) if waits else None
            with anyio.move_on_after(timeout):
                try:
                    return await receive.receive()
                except anyio.EndOfStream:
                    return ("end",)
            if deadline is not None and self.engine.clock() >= deadline:
                return None
            if self._keepalive_due(self.engine.clock()) == 0:
                await self._send_keepalive()

    def _keepalive_due(self, now: float) -> float | None:
        """Seconds until a keepalive is due (0: now), or None when the answer cannot take one."""
        wants_stream = self.answer.sse if self.answer.started else bool(self.request and self.request.stream)
        if not wants_stream:
            return None
        last = self.answer.last_sent if self.answer.started else self.answer.started_at
        return max(last + self.engine.keepalive_seconds - now, 0)

    async def _send_keepalive(self) -> None:
        if not self.answer.started:
            await self.answer.start(200, [("content-type", "text/event-stream; charset=utf-8"), *SSE_HEADERS],
                                    sse=True)
        await self.answer.send(KEEPALIVE, real=False)

    async def _consume(self, request: surfaces.Request, planned: surfaces.UpstreamRequest,
                       receive: Any) -> tuple[Outcome, _Failure | None]:
        deadline = self.engine.clock() + self.engine.first_byte_timeout
        item = await self._next(receive, deadline=deadline)
        if item is None:
            outcome = Outcome("timeout", message="no answer within the first-byte timeout")
            return outcome, _Failure(outcome)
        if item[0] == "error":
            outcome = Outcome(item[1].kind if item[1].kind == "timeout" else "connect_error", message=item[1].message)
            return outcome, _Failure(outcome)
        if item[0] != "head":
            outcome = Outcome("connect_error", message="the upstream closed without an answer")
            return outcome, _Failure(outcome)
        response = item[1]
        content_type = (response.header("content-type") or "").lower()
        if not 200 <= response.status < 300:
            return await self._error_answer(response, receive, deadline)
        if content_type.startswith("text/event-stream"):
            return await self._stream(request, planned, response, receive, deadline)
        return await self._whole(response, receive)

    async def _read_all(self, receive: Any, limit: int, deadline: float | None) -> tuple[bytes, str | None]:
        """(body, problem): the rest of the upstream body, or what went wrong reading it."""
        parts, size = [], 0
        while True:
            item = await self._next(receive, deadline=deadline)
            if item is None:
                return b"".join(parts), "timeout"
            if item[0] == "end":
                return b"".join(parts), None
            if item[0] == "error":
                return b"".join(parts), item[1].message
            size += len(item[1])
            if size > limit:
                return b"".join(parts), "too_large"
            parts.append(item[1])

    async def _error_answer(self, response: Any, receive: Any,
                            deadline: float) -> tuple[Outcome, _Failure | None]:
        body, _ = await self._read_all(receive, MAX_ERROR_BODY, deadline)
        try:
            parsed = json.loads(body) if body else None
        except (ValueError, UnicodeDecodeError):
            parsed = None
        outcome = http_outcome(response.status, response.headers, parsed, self.engine.clock())
        headers = surfaces.passed_back(response.headers)
        failure = _Failure(outcome, response.status, headers, body)
        if outcome.fail_over:
            return outcome, failure
        await self._deliver_failure(failure)
        return outcome, None

    async def _whole(self, response: Any, receive: Any) -> tuple[Outcome, _Failure | None]:
        body, problem = await self._read_all(receive, MAX_JSON_BODY, None)
        if problem is not None:
            outcome = Outcome("connect_error", message=f"upstream body: {problem}")
            return outcome, _Failure(outcome)
        with contextlib.suppress(ValueError, UnicodeDecodeError):
            self.usage, _model = from_body(self.surface, json.loads(body))
        if self.answer.started:  # keepalives went out: the client reads a stream now
            await self.answer.send(body)
        else:
            await self.answer.start(response.status, [*surfaces.passed_back(response.headers), _length(body)],
                                    sse=False)
            await self.answer.send(body)
        return Outcome("ok", status=response.status), None

    async def _stream(self, request: surfaces.Request, planned: surfaces.UpstreamRequest, response: Any,
                      receive: Any, deadline: float) -> tuple[Outcome, _Failure | None]:
        splitter = SseSplitter()
        meter = StreamUsage(self.surface)
        held = bytearray()
        seen: list[SseEvent] = []
        first: SseEvent | None = None
        while first is None:  # hold everything back until the first real event
            item = await self._next(receive, deadline=deadline)
            if item is None or item[0] == "error":
                kind = "timeout" if item is None or item[1].kind == "timeout" else "connect_error"
                outcome = Outcome(kind, message="the stream ended before its first event")
                return outcome, _Failure(outcome)
            events = splitter.flush() if item[0] == "end" else splitter.feed(item[1])
            if item[0] != "end":
                held += item[1]
            seen.extend(events)
            first = next((e for e in events if not e.comment), None)
            if first is None and item[0] == "end":
                outcome = Outcome("connect_error", message="the stream ended before its first event")
                return outcome, _Failure(outcome)
        for event in seen:
            meter.feed(event)
        error = first_event_error(first.json(), first.event)
        if error is not None:
            outcome = Outcome("stream_error", status=response.status, error_type=error[0], message=error[1])
            failure = _Failure(outcome, response.status, surfaces.passed_back(response.headers), bytes(held), sse=True)
            if outcome.fail_over:
                return outcome, failure
            await self._deliver_failure(failure)
            return outcome, None
        if not self.answer.started:
            headers = surfaces.passed_back(response.headers)
            await self.answer.start(response.status, [*headers, *SSE_HEADERS], sse=True)
        filter_usage = _UsageChunkFilter() if planned.strip_usage_chunk else None
        await self.answer.send(b"".join(filter_usage.keep(e) for e in seen) if filter_usage else bytes(held))
        outcome = await self._relay_rest(receive, splitter, meter, filter_usage)
        self.usage = meter.usage
        return outcome, None

    async def _relay_rest(self, receive: Any, splitter: SseSplitter, meter: StreamUsage,
                          filter_usage: _UsageChunkFilter | None) -> Outcome:
        while True:
            item = await self._next(receive, deadline=None)
            if item is None or item[0] == "end":
                for event in splitter.flush():
                    meter.feed(event)
                    if filter_usage:
                        await self.answer.send(filter_usage.keep(event))
                return Outcome("ok", status=200)
            if item[0] == "error":
                await self.answer.send(surfaces.stream_error_event(self.surface, "api_error",
                                                                   "the upstream stream broke"))
                self.usage = meter.usage
                return Outcome("broken", message=item[1].message)
            events = splitter.feed(item[1])
            for event in events:
                meter.feed(event)
            if filter_usage:
                await self.answer.send(b"".join(filter_usage.keep(e) for e in events))
            else:
                await self.answer.send(item[1])

    # --- answers that are not a success -----------------------------------------------------------------
    async def _deliver_failure(self, failure: _Failure) -> None:
        if self.answer.started:
            if failure.sse:
                await self.answer.send(failure.body)
            else:
                kind = failure.outcome.error_type or "api_error"
                await self.answer.send(surfaces.stream_error_event(self.surface, kind, failure.outcome.message))
            return
        if failure.outcome.kind in ("connect_error", "timeout"):
            await self._refuse(502 if failure.outcome.kind == "connect_error" else 504, "upstream_unavailable",
                               "the upstream did not answer")
            return
        headers = failure.headers
        if failure.sse:
            headers = [*headers, *SSE_HEADERS]
        else:
            if not any(name == "content-type" for name, _ in headers):
                headers = [*headers, ("content-type", "application/json")]
            headers = [*headers, _length(failure.body)]
        await self.answer.start(failure.status, headers, sse=failure.sse)
        await self.answer.send(failure.body)

    async def _give_up(self, failure: _Failure) -> None:
        await self._deliver_failure(failure)

    async def _refuse(self, status: int, error_type: str, message: str,
                      headers: Mapping[str, str] | None = None) -> None:
        if self.answer.started:
            await self.answer.send(surfaces.stream_error_event(self.surface, error_type, message))
            return
        extra = [(k.lower(), v) for k, v in (headers or {}).items()]
        body = surfaces.error_body(self.surface, status, error_type, message)
        await self.answer.start(status, [("content-type", "application/json"), *extra, _length(body)], sse=False)
        await self.answer.send(body)

    def result(self) -> RelayResult:
        now = self.engine.clock()
        answer = self.answer
        return RelayResult(
            request_id=self.incoming.request_id, surface=self.surface,
            model=self.request.model if self.request else "", upstream_model=self.upstream_model,
            account_id=self.account_id, status=answer.status or 499, stream=answer.sse, usage=self.usage,
            attempts=self.attempts, outcome="cancelled" if self.cancelled else self.outcome,
            error_type=self.error_type, started_at=answer.started_at,
            first_byte_ms=(answer.first_byte - answer.started_at) * 1000 if answer.first_byte else None,
            duration_ms=(now - answer.started_at) * 1000)


def _length(body: bytes) -> tuple[str, str]:
    """A whole answer's length: the client has all of it as soon as the bytes arrive, while the request's
    bookkeeping (leases, the usage event) still finishes inside the invocation before the response ends."""
    return ("content-length", str(len(body)))


class _UsageChunkFilter:
    """OpenAI Chat: drops the usage-only chunk (`choices: []` + `usage`) the relay asked for on the client's
    behalf; everything else passes event by event."""

    def keep(self, event: SseEvent) -> bytes:
        data = event.json()
        if isinstance(data, dict) and data.get("choices") == [] and isinstance(data.get("usage"), dict):
            return b""
        return event.raw
