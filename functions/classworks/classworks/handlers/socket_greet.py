"""SocketGreetFunction: the greeting queue → the Engine.IO open packet for websocket-only Socket.IO clients."""

from classworks.routes import live
from suite.workers import sqs_consumer

handler = sqs_consumer(live.greet)
