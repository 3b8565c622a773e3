"""Functions that are ASGI apps (`Metadata.LocalDev.Asgi: module:attribute`), served for real under uvicorn.

In AWS such an app runs behind the Lambda Web Adapter (a Function URL in RESPONSE_STREAM mode: the adapter
starts the app's web server and streams its answers) or behind API Gateway through Mangum (buffered). The
local stack cannot run the adapter, so it starts the app the way the adapter would, with uvicorn, in a process
of its own with the function's environment, code directory and layers (like a Lambda worker), and:

- routes the function's HTTP API routes (on the service's port) to it, streaming: each chunk the app writes
  reaches the client at once (chunked transfer encoding), and a client that hangs up closes the connection to
  the app, which sees `http.disconnect`;
- serves a function with a Function URL (`FunctionUrlConfig`) on a port of its own: the app itself, as the
  adapter would expose it (`DevStack.status()["function_urls"]`).

The integration timeout of API Gateway is not applied to streamed routes (a stream may last minutes, as it may
through a Function URL); the body limit is.
"""

from __future__ import annotations

import contextlib
import http.client
import select
import socket
import subprocess
import sys
import threading
import time
from http.server import BaseHTTPRequestHandler

from devstack.logs import LogSink
from devstack.template import FunctionSpec

READY_TIMEOUT_SECONDS = 30.0
HOP_BY_HOP = frozenset({"connection", "keep-alive", "proxy-connection", "transfer-encoding", "te", "trailer",
                        "upgrade", "content-length", "host"})


class AsgiServer:
    """uvicorn serving one function's ASGI app on 127.0.0.1:`port` (0: a free port; the socket is bound here
    and handed to uvicorn, so the port is known before the process starts)."""

    def __init__(self, spec: FunctionSpec, env: dict[str, str], logs: LogSink, *, host: str = "127.0.0.1",
                 port: int = 0) -> None:
        if not spec.asgi:
            raise ValueError(f"{spec.key} is not an ASGI function")
        self.spec = spec
        self.logs = logs
        self.sock = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
        self.sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        self.sock.bind((host, port))
        self.sock.listen(128)
        self.sock.set_inheritable(True)
        self.host = host
        self.port = int(self.sock.getsockname()[1])
        command = [sys.executable, "-m", "uvicorn", "--fd", str(self.sock.fileno()), "--no-access-log",
                   "--timeout-keep-alive", "60", "--log-level", "warning", spec.asgi]
        self.proc = subprocess.Popen(command, cwd=spec.code_dir, env=env, pass_fds=(self.sock.fileno(),),
                                     stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True, encoding="utf-8",
                                     errors="replace", bufsize=1)
        threading.Thread(target=self._read_logs, name=f"asgi-logs-{spec.logical_id}", daemon=True).start()

    @property
    def url(self) -> str:
        return f"http://{self.host}:{self.port}"

    def _read_logs(self) -> None:
        assert self.proc.stdout is not None
        for line in self.proc.stdout:
            self.logs.function_line(self.spec.key, line)

    def wait_ready(self, timeout: float = READY_TIMEOUT_SECONDS) -> None:
        """Until the app answers an HTTP request (any status, like the adapter's readiness check)."""
        path = self.spec.environment.get("AWS_LWA_READINESS_CHECK_PATH") or "/"
        deadline = time.monotonic() + timeout
        while True:
            if self.proc.poll() is not None:
                raise RuntimeError(f"{self.spec.key}: uvicorn exited with {self.proc.returncode} (see its log)")
            connection = http.client.HTTPConnection(self.host, self.port, timeout=1)
            try:
                connection.request("GET", path)
                connection.getresponse().read()
                return
            except OSError:
                if time.monotonic() > deadline:
                    raise TimeoutError(f"{self.spec.key}: the ASGI app did not answer within {timeout}s") from None
                time.sleep(0.05)
            finally:
                connection.close()

    def stop(self) -> None:
        if self.proc.poll() is None:
            self.proc.terminate()
            try:
                self.proc.wait(timeout=5)
            except subprocess.TimeoutExpired:
                self.proc.kill()
                self.proc.wait(timeout=5)
        self.sock.close()


def forward(handler: BaseHTTPRequestHandler, server: AsgiServer, *, body: bytes,
            extra_headers: list[tuple[str, str]] = ()) -> int:
    """Send the request `handler` is serving to the app and stream the answer back; returns the status.

    The answer goes out with chunked transfer encoding, each piece as soon as the app wrote it. If the client
    disconnects, the connection to the app is shut down, so the app sees the disconnect.
    """
    upstream = http.client.HTTPConnection(server.host, server.port, timeout=None)
    headers = {k: v for k, v in handler.headers.items() if k.lower() not in HOP_BY_HOP}
    headers["Content-Length"] = str(len(body))
    headers["Host"] = handler.headers.get("Host", "localhost")
    done = threading.Event()
    try:
        upstream.request(handler.command, handler.path, body=body, headers=headers)
        threading.Thread(target=_watch_client, args=(handler.connection, upstream, done), daemon=True).start()
        response = upstream.getresponse()
        handler.send_response(response.status)
        for name, value in response.getheaders():
            if name.lower() not in HOP_BY_HOP:
                handler.send_header(name, value)
        for name, value in extra_headers:
            handler.send_header(name, value)
        streamed = handler.command != "HEAD" and response.status not in (204, 304)
        if streamed:
            handler.send_header("Transfer-Encoding", "chunked")
        else:
            handler.send_header("Content-Length", "0")
        handler.end_headers()
        handler.wfile.flush()
        if streamed:
            while True:
                chunk = response.read1(65536)
                if not chunk:
                    break
                handler.wfile.write(b"%x\r\n%s\r\n" % (len(chunk), chunk))
                handler.wfile.flush()
            handler.wfile.write(b"0\r\n\r\n")
            handler.wfile.flush()
        return response.status
    except OSError:
        handler.close_connection = True
        return 499  # the client went away (or the app did): nothing more can be said
    finally:
        done.set()
        upstream.close()


def _watch_client(client: socket.socket, upstream: http.client.HTTPConnection, done: threading.Event) -> None:
    """Shut the app connection down when the client hangs up (EOF on its socket) before the answer ends."""
    while not done.is_set():
        try:
            readable, _, _ = select.select([client], [], [], 0.2)
            if not readable:
                continue
            if client.recv(1, socket.MSG_PEEK) == b"":
                break
            return  # the client sent more (a pipelined request): it is still there; stop watching
        except (OSError, ValueError):
            break
    if not done.is_set() and upstream.sock is not None:
        with contextlib.suppress(OSError):
            upstream.sock.shutdown(socket.SHUT_RDWR)
