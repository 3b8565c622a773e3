"""Socket.IO v5 over Engine.IO v4 for Lambda: real Socket.IO clients (socket.io-client, python-socketio) on an API
Gateway HTTP API (long-polling) and an API Gateway WebSocket API, with every session in a store.

- `packets`: the wire format (Engine.IO packets and polling payloads, Socket.IO packets); binary refused.
- `session`: the session as plain data, the SessionStore interface and the reference MemoryStore.
- `engine`: the protocol state machine (handshake, long-polling, upgrade, namespaces, events and acks,
  heartbeats), calling an Application for decisions and an Outlet to reach WebSocket connections.
- `gateway`: API Gateway event shapes → engine calls (Lambda handlers for the polling route and the WebSocket
  API's routes); import it from handlers only.

Nothing here knows a service. docs/classworks-clients.md §4 explains the design and what a request costs.
"""

from suite.socketio.engine import Accepted, Application, Engine, EngineConfig, HttpAnswer, Outlet, Refuse, Socket
from suite.socketio.packets import ProtocolError
from suite.socketio.session import MemoryStore, Session, SessionStore

__all__ = ["Accepted", "Application", "Engine", "EngineConfig", "HttpAnswer", "MemoryStore", "Outlet",
           "ProtocolError", "Refuse", "Session", "SessionStore", "Socket"]
