"""Engine.IO v4 and Socket.IO v5 framing, text only, written from the two protocol documents
(github.com/socketio/engine.io-protocol, github.com/socketio/socket.io-protocol).

Engine.IO packet: one digit type then the data, `<type>[<data>]`:

| type | name    | data                                                      |
|------|---------|-----------------------------------------------------------|
| 0    | open    | the handshake JSON (sid, upgrades, pingInterval, ...)     |
| 1    | close   | -                                                         |
| 2    | ping    | `probe` while upgrading, else nothing                     |
| 3    | pong    | echoes the ping's data                                    |
| 4    | message | a Socket.IO packet                                        |
| 5    | upgrade | -                                                         |
| 6    | noop    | -                                                         |

A polling payload is packets joined by the record separator `\\x1e` (JSON escapes that character, so it never
occurs inside a packet); over WebSocket every packet is its own frame.

Socket.IO packet (inside an Engine.IO message):
`<type>[<attachments>-][<namespace>,][<ack id>][<JSON payload>]`, the namespace only when it is not `/`.
Types: 0 CONNECT (payload: auth object, or `{"sid"}` in the answer), 1 DISCONNECT, 2 EVENT (`[name, ...args]`),
3 ACK (`[...results]`, with the id of the event it answers), 4 CONNECT_ERROR (`{"message", "data"?}`),
5 BINARY_EVENT and 6 BINARY_ACK.

Binary data is refused: a `b`-prefixed (base64) polling packet and the BINARY_* types raise ProtocolError, which
the engine treats like any malformed packet (the session is closed). API Gateway WebSocket APIs carry text
frames only (a binary frame makes API Gateway close the connection with 1003), so a Lambda could not receive the
attachment frames anyway.
"""

from __future__ import annotations

import json
from collections.abc import Iterable
from dataclasses import dataclass, field
from enum import IntEnum
from typing import Any

PROTOCOL = "4"  # the `EIO` query parameter of Engine.IO v4
SEPARATOR = "\x1e"
MAX_ACK_ID = 2**53 - 1  # the largest integer a JavaScript client can count to exactly
RESERVED_EVENTS = frozenset({"connect", "connect_error", "disconnect", "disconnecting", "newListener",
                             "removeListener"})


class ProtocolError(ValueError):
    """Data that is not Engine.IO v4 / Socket.IO v5 as spoken here; the peer's session is closed."""


class EngineType(IntEnum):
    OPEN = 0
    CLOSE = 1
    PING = 2
    PONG = 3
    MESSAGE = 4
    UPGRADE = 5
    NOOP = 6


class SocketType(IntEnum):
    CONNECT = 0
    DISCONNECT = 1
    EVENT = 2
    ACK = 3
    CONNECT_ERROR = 4
    BINARY_EVENT = 5
    BINARY_ACK = 6


# ------------------------------------------------------------------------------------------------ Engine.IO

@dataclass(frozen=True)
class EnginePacket:
    type: EngineType
    data: str = ""

    def encode(self) -> str:
        return f"{int(self.type)}{self.data}"


def decode_packet(text: str) -> EnginePacket:
    """One Engine.IO packet from its text form (a WebSocket frame, or one record of a polling payload)."""
    if not isinstance(text, str) or not text:
        raise ProtocolError("empty packet")
    head = text[0]
    if head == "b":
        raise ProtocolError("binary packets are not supported")
    if head not in "0123456":
        raise ProtocolError(f"unknown packet type {head!r}")
    return EnginePacket(EngineType(int(head)), text[1:])


def encode_payload(packets: Iterable[str | EnginePacket]) -> str:
    """A polling payload: encoded packets joined by the record separator."""
    return SEPARATOR.join(p.encode() if isinstance(p, EnginePacket) else p for p in packets)


def decode_payload(body: str) -> list[EnginePacket]:
    """The packets of a polling payload (a POST body); an empty body or an empty record is an error."""
    if not body:
        raise ProtocolError("empty payload")
    return [decode_packet(record) for record in body.split(SEPARATOR)]


def open_packet(*, sid: str, upgrades: Iterable[str], ping_interval_ms: int, ping_timeout_ms: int,
                max_payload: int) -> str:
    """The `open` packet that answers a handshake."""
    handshake = {"sid": sid, "upgrades": list(upgrades), "pingInterval": ping_interval_ms,
                 "pingTimeout": ping_timeout_ms, "maxPayload": max_payload}
    return EnginePacket(EngineType.OPEN, _dumps(handshake)).encode()


# ------------------------------------------------------------------------------------------------ Socket.IO

_ABSENT: Any = None  # a packet without payload has data None (JSON null is not a valid payload of any type)


@dataclass(frozen=True)
class SocketPacket:
    type: SocketType
    namespace: str = "/"
    data: Any = field(default=_ABSENT)
    id: int | None = None

    def encode(self) -> str:
        """The packet's text form, without the Engine.IO `4` in front (see `message`)."""
        if self.type in (SocketType.BINARY_EVENT, SocketType.BINARY_ACK):
            raise ProtocolError("binary packets are not supported")
        text = str(int(self.type))
        if self.namespace != "/":
            text += self.namespace + ","
        if self.id is not None:
            text += str(self.id)
        if self.data is not None:
            text += _dumps(self.data)
        return text

    def message(self) -> str:
        """The packet as an Engine.IO message packet (`4` + packet): what goes on the wire."""
        return EnginePacket(EngineType.MESSAGE, self.encode()).encode()


def event(namespace: str, name: str, *args: Any, ack_id: int | None = None) -> SocketPacket:
    return SocketPacket(SocketType.EVENT, namespace, [name, *args], ack_id)


def decode_socket(text: str) -> SocketPacket:
    """A Socket.IO packet from the data of an Engine.IO message; malformed packets raise ProtocolError (the
    reference server closes the connection on them, as its protocol test suite expects)."""
    if not text or text[0] not in "0123456":
        raise ProtocolError("unknown Socket.IO packet type")
    kind = SocketType(int(text[0]))
    if kind in (SocketType.BINARY_EVENT, SocketType.BINARY_ACK):
        raise ProtocolError("binary packets are not supported")
    i = 1
    namespace = "/"
    if text.startswith("/", i):
        end = text.find(",", i)
        namespace, i = (text[i:], len(text)) if end < 0 else (text[i:end], end + 1)
    start = i
    while i < len(text) and text[i].isdigit() and text[i].isascii():
        i += 1
    ack_id = None
    if i > start:
        if i - start > 16 or int(text[start:i]) > MAX_ACK_ID:
            raise ProtocolError("ack id out of range")
        ack_id = int(text[start:i])
    data = _loads(text[i:]) if i < len(text) else _ABSENT
    if not _valid(kind, data, ack_id):
        raise ProtocolError(f"invalid {kind.name} payload")
    return SocketPacket(kind, namespace, data, ack_id)


def _valid(kind: SocketType, data: Any, ack_id: int | None) -> bool:
    if kind == SocketType.CONNECT:
        return data is None or isinstance(data, dict)
    if kind == SocketType.DISCONNECT:
        return data is None
    if kind == SocketType.EVENT:
        return (isinstance(data, list) and bool(data) and not isinstance(data[0], bool)
                and (isinstance(data[0], int | float)
                     or (isinstance(data[0], str) and data[0] not in RESERVED_EVENTS)))
    if kind == SocketType.ACK:
        return isinstance(data, list) and ack_id is not None
    return isinstance(data, str | dict)  # CONNECT_ERROR


# ------------------------------------------------------------------------------------------------ JSON

def _dumps(value: Any) -> str:
    """JSON as JavaScript's JSON.stringify writes it: compact, non-ASCII kept as UTF-8, control characters
    escaped (so a record separator can never appear inside a packet); NaN and infinities refused."""
    try:
        return json.dumps(value, ensure_ascii=False, separators=(",", ":"), allow_nan=False)
    except (TypeError, ValueError) as exc:
        raise ProtocolError(f"payload is not JSON: {exc}") from None


def _refuse_constant(name: str) -> Any:
    raise ProtocolError(f"{name} is not JSON")


def _loads(text: str) -> Any:
    try:
        return json.loads(text, parse_constant=_refuse_constant)
    except (ValueError, RecursionError) as exc:
        raise ProtocolError(f"payload is not JSON: {exc}") from None
