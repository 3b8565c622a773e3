"""The local stack: the whole suite on localhost, with no Docker and no AWS account.

`DevStack.start()` starts moto in-process (or uses AWS_ENDPOINT_URL: LocalStack or a real account), creates
every resource the templates declare, serves each service's HTTP API on its port, pumps SQS queues into their
consumers, fires schedules, and serves a small control API (status, fire a schedule, invoke a function).
"""

from __future__ import annotations

import json
import logging
import os
import subprocess
import sys
import tempfile
import threading
import time
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Any

from devstack import persistence
from devstack.asgi_server import AsgiServer
from devstack.fake_aws import FAKE_AWS_ENV
from devstack.http_gateway import HttpApiGateway, RouteTable
from devstack.log_mirror import LogMirror
from devstack.logs import LogSink
from devstack.pebble import LocalPebble
from devstack.resources import AwsClients, Provisioner
from devstack.runtime import FunctionRuntime, Invocation, worker_environment
from devstack.scheduler import ScheduledTarget
from devstack.sqs_pump import SqsPump
from devstack.stream_pump import StreamPump
from devstack.template import REGION, HttpApiSpec, Stack, Suite, TemplateError, local_api_id, open_suite
from devstack.ws_gateway import WebSocketGateway, rewrite_execute_api

REPO_ROOT = Path(__file__).resolve().parent.parent
DEFAULT_TEMPLATE = REPO_ROOT / "template.yaml"
DEFAULT_MOTO_PORT = 4566
DEFAULT_CONTROL_PORT = 4599
IDLE_WORKER_SECONDS = 900


@dataclass
class DevStackConfig:
    template: Path = DEFAULT_TEMPLATE
    stack_name: str = "suite-local"
    host: str = "127.0.0.1"
    ephemeral_ports: bool = False  # every listener on a free port (tests); the ready file says which
    port_overrides: dict[str, int] = field(default_factory=dict)
    moto_port: int = DEFAULT_MOTO_PORT
    control_port: int = DEFAULT_CONTROL_PORT
    aws_endpoint: str | None = None  # None: embedded moto; else LocalStack / real AWS (empty string)
    schedules: bool = True
    sqs_retry_delay: int | None = None
    env_overrides: dict[str, str] = field(default_factory=dict)
    persist_file: Path | None = None
    only: set[str] | None = None
    ready_file: Path | None = None
    quiet: bool = False
    pebble: str | None = None  # "validate" | "skip": a local ACME CA (devstack/pebble.py)
    pebble_dir: Path | None = None


class DevStack:
    def __init__(self, config: DevStackConfig) -> None:
        self.config = config
        self.logs = LogSink(quiet=config.quiet)
        self.moto: Any = None
        self.endpoint: str | None = None
        self.clients: AwsClients | None = None
        self.suite: Suite | None = None
        self.runtimes: dict[str, FunctionRuntime] = {}
        self.gateways: dict[str, HttpApiGateway] = {}
        self.asgi_servers: dict[str, AsgiServer] = {}  # function key → uvicorn serving its ASGI app
        self.pumps: list[SqsPump | StreamPump] = []
        self.schedules: dict[str, ScheduledTarget] = {}
        self.control: ThreadingHTTPServer | None = None
        self.pebble: LocalPebble | None = None
        self.mirror: LogMirror | None = None
        self._stop = threading.Event()

    # --- lifecycle --------------------------------------------------------------------------------------
    def start(self) -> DevStack:
        started = time.perf_counter()
        self._start_aws()
        assert self.clients is not None
        saved = persistence.load_state(self.config.persist_file) if self.config.persist_file else None
        if saved and self.moto is not None:
            persistence.restore_keys(saved, self.clients)
        provisioner = Provisioner(self.clients, log=lambda _m: None)
        self.suite = open_suite(self.config.template, stack_name=self.config.stack_name, provision=provisioner)
        if saved:
            persistence.restore_data(saved, self.clients)
            self.logs.system(f"restored state from {self.config.persist_file}")
        self.logs.system(f"created {len(provisioner.created)} resources in {self.endpoint or 'AWS'}")
        if self.moto is not None:  # function output into the local CloudWatch Logs (devstack/log_mirror.py)
            self.mirror = LogMirror(self.clients("logs")).start()
            self.logs.mirror = self.mirror.add
        aws_env = self._aws_env()
        for spec in self.suite.functions():
            env = worker_environment(spec, aws_env, self.config.env_overrides)
            self.runtimes[spec.key] = FunctionRuntime(spec, env, self.logs,
                                                      max_concurrency=spec.local_concurrency or 4)
        for stack in self.suite.stacks:
            if self.config.only and stack.key not in self.config.only:
                continue
            self._seed(stack)
            self._serve_http(stack)
        self._start_pebble()
        self._start_queues()
        self._start_schedules()
        self._start_control()
        threading.Thread(target=self._reap_workers, name="reaper", daemon=True).start()
        self._announce(time.perf_counter() - started)
        return self

    def stop(self) -> None:
        self._stop.set()
        for pump in self.pumps:
            pump.stop()
        for target in self.schedules.values():
            target.stop()
        for gateway in self.gateways.values():
            for websocket in gateway.websockets:
                websocket.close_all()
            gateway.stop()
        if self.control:
            self.control.shutdown()
            self.control.server_close()
        for runtime in self.runtimes.values():
            runtime.close()
        if self.pebble:
            self.pebble.stop()
        if self.mirror is not None:
            self.mirror.stop()
        for server in self.asgi_servers.values():
            server.stop()
        if self.config.persist_file and self.suite and self.clients:
            counts = persistence.export_state(self.suite, self.clients, self.config.persist_file)
            self.logs.system(f"kept state in {self.config.persist_file}: {counts}")
        if self.moto:
            self.moto.stop()

    def wait(self) -> None:
        while not self._stop.wait(0.5):
            pass

    # --- AWS ----------------------------------------------------------------------------------------------
    def _start_aws(self) -> None:
        if self.config.aws_endpoint is None:
            from moto.server import ThreadedMotoServer  # noqa: PLC0415  (only the embedded default needs moto)

            from devstack.moto_fidelity import (  # noqa: PLC0415
                make_dynamodb_requests_atomic,
                make_s3_conditional_writes_atomic,
            )

            make_dynamodb_requests_atomic()  # conditional writes must not race inside the emulator
            make_s3_conditional_writes_atomic()

            logging.getLogger("werkzeug").setLevel(logging.ERROR)  # moto's per-request lines drown the logs
            os.environ.setdefault("AWS_ACCESS_KEY_ID", FAKE_AWS_ENV["AWS_ACCESS_KEY_ID"])
            os.environ.setdefault("AWS_SECRET_ACCESS_KEY", FAKE_AWS_ENV["AWS_SECRET_ACCESS_KEY"])
            port = 0 if self.config.ephemeral_ports else self.config.moto_port
            self.moto = ThreadedMotoServer(ip_address="127.0.0.1", port=port, verbose=False)
            self.moto.start()
            host, port = self.moto.get_host_and_port()
            self.endpoint = f"http://{host}:{port}"
        else:
            self.endpoint = self.config.aws_endpoint or None
        self.clients = AwsClients(self.endpoint)

    def _aws_env(self) -> dict[str, str]:
        env = {"AWS_REGION": REGION, "AWS_DEFAULT_REGION": REGION}
        if self.moto is not None:
            env.update(FAKE_AWS_ENV)
        else:
            for name in ("AWS_ACCESS_KEY_ID", "AWS_SECRET_ACCESS_KEY", "AWS_SESSION_TOKEN", "AWS_PROFILE",
                         "AWS_CONFIG_FILE", "AWS_SHARED_CREDENTIALS_FILE"):
                if os.environ.get(name):
                    env[name] = os.environ[name]
        if self.endpoint:
            env["AWS_ENDPOINT_URL"] = self.endpoint
        return env

    # --- seeds ------------------------------------------------------------------------------------------
    def _seed(self, stack: Stack) -> None:
        """Run the stack's Metadata.LocalDev.Seed module (idempotent by contract) with the environment of its
        first function, so a fresh local stack has what it needs to be used (e.g. relay's first admin)."""
        command = stack.local_seed
        functions = [self.runtimes[f.key] for f in stack.functions()]
        if not command or not functions:
            return
        runtime = functions[0]
        done = subprocess.run([sys.executable, "-m", *command], cwd=runtime.spec.code_dir, env=runtime.env,
                              capture_output=True, text=True, timeout=120, check=False)
        for line in (done.stdout + done.stderr).splitlines():
            if line.strip():
                self.logs.system(f"{stack.key} seed: {line}")
        if done.returncode != 0:
            self.logs.system(f"{stack.key} seed failed (exit {done.returncode})")

    # --- HTTP APIs --------------------------------------------------------------------------------------
    def _serve_http(self, stack: Stack) -> None:
        apis = stack.http_apis()
        functions = [self.runtimes[f.key] for f in stack.functions()]
        websockets = [WebSocketGateway(service=stack.key, api=spec, logs=self.logs,
                                       runtimes={rt.spec.logical_id: rt for rt in functions})
                      for spec in stack.websocket_apis()]
        if not any(rt.spec.routes for rt in functions) and not websockets:
            return
        if len(apis) > 1:
            raise TemplateError(f"{stack.path}: one HttpApi per service (one port each) is supported locally")
        api = apis[0] if apis else HttpApiSpec("ServerlessHttpApi", None,
                                                 api_id=local_api_id(stack.physical_name("ServerlessHttpApi")))
        table = RouteTable()
        for runtime in functions:
            for route in runtime.spec.routes:
                table.add(route, runtime)
        port = 0 if self.config.ephemeral_ports else self.config.port_overrides.get(stack.key, stack.local_port or 0)
        gateway = HttpApiGateway(service=stack.key, api=api, table=table, host=self.config.host, port=port,
                                 logs=self.logs, websockets=websockets)
        gateway.start()
        self.gateways[stack.key] = gateway
        # This stack's functions reach its WebSocket APIs' @connections endpoints through their execute-api URLs
        # (one id, so one host, per API): send them to this port. Other stacks' functions keep their own.
        origins = {ws.api.execute_api_origin: f"http://127.0.0.1:{gateway.port}" for ws in websockets}
        if len(origins) != len(websockets):
            raise TemplateError(f"{stack.path}: two WebSocket APIs share one local id")
        for runtime in functions:
            runtime.env = rewrite_execute_api(runtime.env, origins)
        # ASGI functions run under uvicorn with their final environment; their routes then stream through it.
        servers = [self._asgi_server(rt) for rt in functions
                   if rt.spec.asgi and (rt.spec.routes or rt.spec.function_url)]
        for server in servers:
            server.wait_ready()
            table.attach(server.spec.key, server)

    def _asgi_server(self, runtime: FunctionRuntime) -> AsgiServer:
        """uvicorn for an ASGI function; its Function URL (if any) is that server's own address."""
        server = AsgiServer(runtime.spec, runtime.env, self.logs, host="127.0.0.1")
        self.asgi_servers[runtime.spec.key] = server
        return server

    def function_urls(self) -> dict[str, str]:
        return {key: server.url for key, server in self.asgi_servers.items() if server.spec.function_url}

    # --- a local ACME CA ---------------------------------------------------------------------------------
    def _start_pebble(self) -> None:
        """pebble for the services whose functions declare ACME_DIRECTORIES: HTTP-01 validated on that service's
        port, DNS-01 against the Route 53 TXT records (mirrored into the mock DNS), the functions pointed at it."""
        if not self.config.pebble:
            return
        users = [rt for rt in self.runtimes.values() if "ACME_DIRECTORIES" in rt.spec.environment
                 and rt.spec.stack.key in self.gateways]
        if not users:
            self.logs.system("--with-pebble: no served service declares ACME_DIRECTORIES; pebble not started")
            return
        service = sorted({rt.spec.stack.key for rt in users})[0]
        workdir = self.config.pebble_dir or Path(tempfile.mkdtemp(prefix="devstack-pebble-"))
        self.pebble = LocalPebble(workdir, http01_port=self.gateways[service].port,
                                  always_valid=self.config.pebble == "skip").start()
        for runtime in users:
            runtime.env = {**runtime.env, **{k: v for k, v in self.pebble.env.items()
                                             if k in runtime.spec.environment and k not in self.config.env_overrides}}
        if not self.pebble.always_valid:
            self.pebble.mirror_route53(lambda: self.clients("route53"))

    # --- queues and schedules -----------------------------------------------------------------------------
    def queue_urls(self) -> dict[str, str]:
        """Queue ARN → URL for every queue the templates declare."""
        assert self.suite is not None
        urls = {}
        for stack in self.suite.stacks:
            for physical in stack.physical.values():
                if "QueueUrl" in physical:
                    urls[physical["Arn"]] = physical["QueueUrl"]
        return urls

    def _start_queues(self) -> None:
        urls = self.queue_urls()
        for runtime in self.runtimes.values():
            if self.config.only and runtime.spec.stack.key not in self.config.only:
                continue
            for source in runtime.spec.queues:
                if not source.enabled:
                    continue
                if source.queue_arn not in urls:
                    raise TemplateError(f"{runtime.spec.key}: queue {source.queue_arn} is not in the templates")
                pump = SqsPump(source=source, queue_url=urls[source.queue_arn], runtime=runtime,
                               sqs=self.clients("sqs"), logs=self.logs, retry_delay=self.config.sqs_retry_delay)
                pump.start()
                self.pumps.append(pump)
            for stream in runtime.spec.streams:
                if stream.enabled:
                    stream_pump = StreamPump(source=stream, runtime=runtime, streams=self.clients("dynamodbstreams"),
                                             logs=self.logs, sqs=self.clients("sqs"), queue_urls=urls)
                    stream_pump.start()
                    self.pumps.append(stream_pump)

    def _start_schedules(self) -> None:
        for runtime in self.runtimes.values():
            if self.config.only and runtime.spec.stack.key not in self.config.only:
                continue
            for schedule in runtime.spec.schedules:
                key = f"{runtime.spec.key}.{schedule.event_name}"
                target = ScheduledTarget(key=key, schedule=schedule, runtime=runtime, logs=self.logs)
                self.schedules[key] = target
                if self.config.schedules:
                    target.start()

    def fire(self, name: str) -> Invocation:
        matches = [t for key, t in self.schedules.items()
                   if key == name or key.endswith("." + name) or key.startswith(name + ".") or f".{name}." in key]
        if len(matches) != 1:
            raise KeyError(f"{name!r} matches {len(matches)} schedules; known: {sorted(self.schedules)}")
        return matches[0].fire()

    def invoke(self, name: str, event: Any) -> Invocation:
        matches = [rt for key, rt in self.runtimes.items() if name in (key, rt.spec.logical_id)]
        if len(matches) != 1:
            raise KeyError(f"{name!r} matches {len(matches)} functions")
        return matches[0].invoke(event)

    def queue_depths(self) -> dict[str, dict[str, int]]:
        sqs = self.clients("sqs")
        depths = {}
        for arn, url in self.queue_urls().items():
            attrs = sqs.get_queue_attributes(QueueUrl=url, AttributeNames=[
                "ApproximateNumberOfMessages", "ApproximateNumberOfMessagesNotVisible"])["Attributes"]
            depths[arn.rsplit(":", 1)[-1]] = {"visible": int(attrs["ApproximateNumberOfMessages"]),
                                             "in_flight": int(attrs["ApproximateNumberOfMessagesNotVisible"])}
        return depths

    def _reap_workers(self) -> None:
        while not self._stop.wait(60):
            for runtime in self.runtimes.values():
                runtime.reap_idle(IDLE_WORKER_SECONDS)

    # --- control API and status ---------------------------------------------------------------------------
    def status(self) -> dict[str, Any]:
        return {
            "services": {key: gw.url for key, gw in self.gateways.items()},
            "function_urls": self.function_urls(),
            "aws_endpoint": self.endpoint,
            "control": self.control_url,
            "functions": {key: {"invocations": rt.invocations, "cold_starts": rt.cold_starts}
                          for key, rt in self.runtimes.items()},
            "schedules": {key: {"expression": t.schedule.expression, "fired": t.fired}
                          for key, t in self.schedules.items()},
            "queues": self.queue_depths(),
            **({"pebble": self.pebble.status()} if self.pebble else {}),
        }

    @property
    def control_url(self) -> str | None:
        return f"http://127.0.0.1:{self.control.server_address[1]}" if self.control else None

    def _start_control(self) -> None:
        port = 0 if self.config.ephemeral_ports else self.config.control_port
        self.control = ThreadingHTTPServer(("127.0.0.1", port), _control_handler(self))
        self.control.daemon_threads = True
        threading.Thread(target=self.control.serve_forever, name="control", daemon=True).start()

    def _announce(self, seconds: float) -> None:
        lines = [f"ready in {seconds:.1f}s"]
        for key, gateway in sorted(self.gateways.items(), key=lambda kv: kv[1].port):
            lines.append(f"  {key:<11} {gateway.url}")
        for key, url in sorted(self.function_urls().items()):
            lines.append(f"  {key:<11} {url}  (Function URL, streaming)")
        lines.append(f"  {'aws':<11} {self.endpoint or 'default AWS credentials'}")
        lines.append(f"  {'control':<11} {self.control_url}  (python -m devstack fire|invoke|status)")
        if self.pebble:
            mode = "validation skipped" if self.pebble.always_valid else \
                f"mock DNS {self.pebble.challtestsrv_url}, HTTP-01 on :{self.pebble.http01_port}"
            lines.append(f"  {'pebble':<11} {self.pebble.directory_url}  ({mode})")
        self.logs.system("\n".join(lines))
        if self.config.ready_file:
            self.config.ready_file.parent.mkdir(parents=True, exist_ok=True)
            # Written whole or not at all: a test waiting for the file must never read it half-written.
            partial = self.config.ready_file.with_suffix(".partial")
            partial.write_text(json.dumps(self.status()), encoding="utf-8")
            partial.replace(self.config.ready_file)


def _invocation_body(invocation: Invocation) -> dict[str, Any]:
    return {"request_id": invocation.request_id, "result": invocation.result, "error": invocation.error,
            "duration_ms": invocation.duration_ms, "init_ms": invocation.init_ms}


def _control_handler(stack: DevStack) -> type[BaseHTTPRequestHandler]:
    class Handler(BaseHTTPRequestHandler):
        def _reply(self, status: int, payload: Any) -> None:
            body = json.dumps(payload, default=str).encode()
            self.send_response(status)
            self.send_header("Content-Type", "application/json")
            self.send_header("Content-Length", str(len(body)))
            self.end_headers()
            self.wfile.write(body)

        def do_GET(self) -> None:
            if self.path == "/status":
                self._reply(200, stack.status())
            elif self.path == "/queues":
                self._reply(200, stack.queue_depths())
            else:
                self._reply(404, {"message": "Not Found"})

        def do_POST(self) -> None:
            length = int(self.headers.get("Content-Length") or 0)
            raw = self.rfile.read(length) if length else b""
            parts = [p for p in self.path.split("/") if p]
            try:
                if len(parts) == 3 and parts[0] == "schedules" and parts[2] == "fire":
                    self._reply(200, _invocation_body(stack.fire(parts[1])))
                elif len(parts) == 3 and parts[0] == "functions" and parts[2] == "invoke":
                    event = json.loads(raw) if raw else {}
                    self._reply(200, _invocation_body(stack.invoke(parts[1], event)))
                else:
                    self._reply(404, {"message": "Not Found"})
            except KeyError as exc:
                self._reply(404, {"message": str(exc)})
            except ValueError as exc:
                self._reply(400, {"message": str(exc)})

        def log_message(self, format: str, *args: Any) -> None:
            return

    return Handler
