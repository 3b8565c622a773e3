"""Engine.IO v4 / Socket.IO v5 framing (suite.socketio.packets), checked against the protocol documents' own
examples and the reference server's test-suite cases for malformed packets."""

import json

import pytest

from suite.socketio.packets import (
    SEPARATOR,
    EnginePacket,
    EngineType,
    ProtocolError,
    SocketPacket,
    SocketType,
    decode_packet,
    decode_payload,
    decode_socket,
    encode_payload,
    event,
    open_packet,
)

# ------------------------------------------------------------------------------------------------ Engine.IO


@pytest.mark.parametrize(("text", "kind", "data"), [
    ("0{\"sid\":\"x\"}", EngineType.OPEN, "{\"sid\":\"x\"}"),
    ("1", EngineType.CLOSE, ""),
    ("2probe", EngineType.PING, "probe"),
    ("3probe", EngineType.PONG, "probe"),
    ("4hello", EngineType.MESSAGE, "hello"),
    ("5", EngineType.UPGRADE, ""),
    ("6", EngineType.NOOP, ""),
    ("4€ and 中文", EngineType.MESSAGE, "€ and 中文"),
])
def test_every_engine_packet_type_round_trips(text, kind, data):
    packet = decode_packet(text)
    assert packet == EnginePacket(kind, data)
    assert packet.encode() == text


@pytest.mark.parametrize(("text", "reason"), [
    ("", "empty"), ("7", "unknown packet type"), ("x", "unknown packet type"), ("abc", "unknown packet type"),
    ("bAQIDBA==", "binary"),
])
def test_malformed_or_binary_engine_packets_are_refused(text, reason):
    with pytest.raises(ProtocolError, match=reason):
        decode_packet(text)


def test_polling_payloads_use_the_record_separator():
    # the protocol document's example: 4hello\x1e2\x1e4world
    body = "4hello\x1e2\x1e4world"
    assert decode_payload(body) == [EnginePacket(EngineType.MESSAGE, "hello"), EnginePacket(EngineType.PING),
                                    EnginePacket(EngineType.MESSAGE, "world")]
    assert encode_payload(["4hello", EnginePacket(EngineType.PING), "4world"]) == body
    assert encode_payload(["6"]) == "6"


@pytest.mark.parametrize("body", ["", "4hello\x1e", "\x1e4hello", "4hello\x1ebAQIDBA=="])
def test_bad_polling_payloads_are_refused(body):
    # an empty record, and the protocol document's binary example (base64, prefixed with b)
    with pytest.raises(ProtocolError):
        decode_payload(body)


def test_the_open_packet_carries_the_handshake():
    text = open_packet(sid="lv_VI97HAXpY6yYWAAAC", upgrades=["websocket"], ping_interval_ms=25000,
                       ping_timeout_ms=20000, max_payload=1000000)
    assert text[0] == "0"
    assert json.loads(text[1:]) == {"sid": "lv_VI97HAXpY6yYWAAAC", "upgrades": ["websocket"],
                                    "pingInterval": 25000, "pingTimeout": 20000, "maxPayload": 1000000}
    assert " " not in text  # compact, as JSON.stringify writes it


# ------------------------------------------------------------------------------------------------ Socket.IO

# The protocol document's examples (socket.io-protocol, "Packet encoding").
DOCUMENT_EXAMPLES = [
    (SocketPacket(SocketType.CONNECT), "0"),
    (SocketPacket(SocketType.CONNECT, "/admin", {"sid": "oSO0OpakMV_3jnilAAAA"}),
     '0/admin,{"sid":"oSO0OpakMV_3jnilAAAA"}'),
    (SocketPacket(SocketType.CONNECT_ERROR, "/", {"message": "Not authorized"}), '4{"message":"Not authorized"}'),
    (SocketPacket(SocketType.EVENT, "/", ["foo"]), '2["foo"]'),
    (SocketPacket(SocketType.EVENT, "/admin", ["bar"]), '2/admin,["bar"]'),
    (SocketPacket(SocketType.EVENT, "/", ["foo"], 12), '212["foo"]'),
    (SocketPacket(SocketType.ACK, "/admin", ["bar"], 13), '3/admin,13["bar"]'),
    (SocketPacket(SocketType.DISCONNECT), "1"),
    (SocketPacket(SocketType.DISCONNECT, "/admin"), "1/admin,"),
]


@pytest.mark.parametrize(("packet", "text"), DOCUMENT_EXAMPLES, ids=[t for _, t in DOCUMENT_EXAMPLES])
def test_the_protocol_documents_examples_encode_and_decode(packet, text):
    assert packet.encode() == text
    assert decode_socket(text) == packet


def test_a_packet_on_the_wire_is_an_engine_message():
    assert event("/", "hey", "Jude").message() == '42["hey","Jude"]'
    assert event("/api", "kv-key-changed", {"key": "k"}).message() == '42/api,["kv-key-changed",{"key":"k"}]'


def test_connect_with_auth_payload_and_namespace_without_comma():
    assert decode_socket('0{"token":"123"}') == SocketPacket(SocketType.CONNECT, "/", {"token": "123"})
    assert decode_socket('0/admin,{"token":"123"}') == SocketPacket(SocketType.CONNECT, "/admin", {"token": "123"})
    # "40/random" (no comma) is a CONNECT to /random: the test suite expects 44/random,{...} back, not a close
    assert decode_socket("0/random") == SocketPacket(SocketType.CONNECT, "/random")
    assert decode_socket("0/api/") == SocketPacket(SocketType.CONNECT, "/api/")


def test_non_ascii_is_written_as_utf8_and_control_characters_escaped():
    text = event("/", "msg", "作业\x1e").encode()
    assert text == '2["msg","作业\\u001e"]'
    assert SEPARATOR not in text
    assert decode_socket(text).data == ["msg", "作业\x1e"]


@pytest.mark.parametrize("text", [
    "abc",  # unknown packet type (test suite: closes the connection)
    "2{}",  # an event payload must be an array
    "2[]",  # ... that is not empty
    '2abc["message-with-ack",1]',  # invalid ack id
    '2["connect"]',  # reserved event names
    '2["disconnect",1]',
    "2[true]",
    '0["x"]',  # CONNECT carries an object or nothing
    '1{"x":1}',  # DISCONNECT carries nothing
    "3[1]",  # ACK needs its id
    "31{}",  # ... and an array
    '51-["baz",{"_placeholder":true,"num":0}]',  # binary event
    '61-15["bar",{"_placeholder":true,"num":0}]',  # binary ack
    "2[NaN]",  # JSON has no NaN
    '2["x",Infinity]',
    '2["x"',  # truncated
    "2" + "[" * 5000 + "]" * 5000,  # nesting beyond the parser
    '212345678901234567["x"]',  # ack id beyond what a JavaScript number counts exactly
    "7",
])
def test_malformed_socket_packets_are_refused(text):
    with pytest.raises(ProtocolError):
        decode_socket(text)


def test_event_names_may_be_numbers_as_the_reference_parser_allows():
    assert decode_socket("2[42,1]").data == [42, 1]


def test_binary_packets_cannot_be_encoded_either():
    with pytest.raises(ProtocolError, match="binary"):
        SocketPacket(SocketType.BINARY_EVENT, "/", ["x"]).encode()


def test_payloads_that_are_not_json_cannot_be_encoded():
    with pytest.raises(ProtocolError):
        event("/", "x", float("nan")).encode()
    with pytest.raises(ProtocolError):
        event("/", "x", object()).encode()
