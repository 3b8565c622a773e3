"""V8ContextFunction: API v8 context management for a device."""

from ccjk.api import V8_ENVELOPE
from ccjk.routes import v8_context
from suite.api import http_function

app, handler = http_function(V8_ENVELOPE, v8_context.router)
