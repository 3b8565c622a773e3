"""What the local stack needs to serve Socket.IO like API Gateway: long-polling functions may overlap more than the
default four invocations (Metadata.LocalDev.Concurrency), and a binary WebSocket frame closes the connection
with 1003, as API Gateway does."""

import io
import socket
import struct
import textwrap
from types import SimpleNamespace

import pytest

from devstack.logs import LogSink
from devstack.template import TemplateError, WebSocketApiSpec, WebSocketRoute, open_suite
from devstack.ws_gateway import Connection, WebSocketGateway

TEMPLATE = textwrap.dedent("""
    AWSTemplateFormatVersion: "2010-09-09"
    Transform: AWS::Serverless-2016-10-31
    Metadata:
      LocalDev: {Service: demo, Port: 4322}
    Globals:
      Function: {Runtime: python3.12, CodeUri: src/, Timeout: 25}
    Resources:
      Poll:
        Type: AWS::Serverless::Function
        Metadata:
          LocalDev: {Concurrency: %s}
        Properties: {Handler: app.poll}
      Other:
        Type: AWS::Serverless::Function
        Properties: {Handler: app.other}
""")


def functions(tmp_path, concurrency):
    path = tmp_path / "template.yaml"
    path.write_text(TEMPLATE % concurrency)
    return {f.logical_id: f for f in open_suite(path, stack_name="s").functions()}


def test_a_function_may_declare_its_local_concurrency(tmp_path):
    found = functions(tmp_path, 32)
    assert (found["Poll"].local_concurrency, found["Other"].local_concurrency) == (32, None)


@pytest.mark.parametrize("bad", ["0", "-1", "many", "true"])
def test_a_local_concurrency_that_is_not_a_positive_integer_is_refused(tmp_path, bad):
    with pytest.raises(TemplateError, match="Concurrency"):
        functions(tmp_path, bad)


def test_a_binary_frame_closes_the_connection_with_1003():
    api = WebSocketApiSpec(logical_id="Live", api_id="abc123", selection_expression="$request.body.action",
                           routes={"$default": WebSocketRoute("$default", "Fn", True)}, paths={"/ws": "ws"})
    invoked = []
    runtime = SimpleNamespace(invoke=lambda event, **_: invoked.append(event))
    gateway = WebSocketGateway(service="svc", api=api, runtimes={"Fn": runtime}, logs=LogSink(quiet=True))
    ours, theirs = socket.socketpair()
    connection = Connection("c1", "ws", ours, "127.0.0.1", "tests")
    mask = b"\x01\x02\x03\x04"
    payload = b"\x04\x05"
    frame = bytes([0x82, 0x80 | len(payload)]) + mask + bytes(b ^ mask[i % 4] for i, b in enumerate(payload))
    gateway._read_loop(SimpleNamespace(rfile=io.BytesIO(frame)), connection)
    closing = theirs.recv(16)
    assert closing[:2] == b"\x88\x02"
    assert struct.unpack("!H", closing[2:4]) == (1003,)
    assert invoked == []  # the function never sees the frame
    assert not connection.open
    theirs.close()
