"""WebSocket framing and route selection, and the stream source's retry point."""

import io
import json
import struct

import pytest

from devstack.logs import LogSink
from devstack.stream_pump import first_failure
from devstack.template import StreamSource, WebSocketApiSpec, WebSocketRoute
from devstack.ws_gateway import MAX_MESSAGE_BYTES, WebSocketGateway, read_frame, rewrite_execute_api


def client_frame(payload: bytes, opcode: int = 0x1, fin: bool = True, mask: bytes = b"\x01\x02\x03\x04") -> bytes:
    size = len(payload)
    if size < 126:
        head = bytes([(0x80 if fin else 0) | opcode, 0x80 | size])
    elif size < 1 << 16:
        head = bytes([(0x80 if fin else 0) | opcode, 0x80 | 126]) + struct.pack("!H", size)
    else:
        head = bytes([(0x80 if fin else 0) | opcode, 0x80 | 127]) + struct.pack("!Q", size)
    return head + mask + bytes(b ^ mask[i % 4] for i, b in enumerate(payload))


@pytest.mark.parametrize("size", [5, 300, 70_000])
def test_masked_frames_of_every_length_encoding(size):
    payload = bytes(range(256)) * (size // 256) + b"x" * (size % 256)
    assert read_frame(io.BytesIO(client_frame(payload))) == (True, 0x1, payload)


def test_oversized_frames_are_refused():
    with pytest.raises(ValueError, match="too large"):
        read_frame(io.BytesIO(client_frame(b"x" * (MAX_MESSAGE_BYTES + 1))))


def gateway(routes):
    api = WebSocketApiSpec(logical_id="Live", api_id="abc123", selection_expression="$request.body.action",
                           routes={k: WebSocketRoute(k, "Fn", False) for k in routes}, paths={"/ws": "ws"})
    return WebSocketGateway(service="svc", api=api, runtimes={}, logs=LogSink(quiet=True))


def test_route_selection_by_action_then_default():
    gw = gateway(["$connect", "$default", "subscribe"])
    assert gw._select_route(json.dumps({"action": "subscribe"})) == "subscribe"
    assert gw._select_route(json.dumps({"action": "nope"})) == "$default"
    assert gw._select_route("ping") == "$default"
    assert gateway(["$connect"])._select_route("ping") is None


def test_paths_and_management_targets():
    gw = gateway(["$default"])
    assert gw.stage_for("/ws") == "ws"
    assert gw.stage_for("/ws/") == "ws"
    assert gw.stage_for("/other") is None
    assert gw.management_target("/ws/@connections/abc%3D") == ("ws", "abc=")
    assert gw.management_target("/elsewhere/@connections/abc") is None


def test_execute_api_urls_are_pointed_at_the_local_port():
    env = {"URL": "https://abc123.execute-api.us-east-1.amazonaws.com/ws", "OTHER": "x"}
    local = rewrite_execute_api(env, {"https://abc123.execute-api.us-east-1.amazonaws.com": "http://127.0.0.1:9527"})
    assert local == {"URL": "http://127.0.0.1:9527/ws", "OTHER": "x"}


def test_stream_retry_starts_at_the_first_failed_record():
    source = StreamSource(event_name="s", stream_arn="arn", report_batch_item_failures=True)
    records = [{"dynamodb": {"SequenceNumber": str(n)}} for n in (10, 20, 30)]
    assert first_failure(source, {"batchItemFailures": [{"itemIdentifier": "30"}, {"itemIdentifier": "20"}]},
                         records) == 1
    assert first_failure(source, {"batchItemFailures": []}, records) is None
    assert first_failure(source, None, records) is None
    assert first_failure(source, {"batchItemFailures": [{"itemIdentifier": "99"}]}, records) == 0
    plain = StreamSource(event_name="s", stream_arn="arn")
    assert first_failure(plain, {"batchItemFailures": [{"itemIdentifier": "20"}]}, records) is None
