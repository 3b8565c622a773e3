"""V8MarketFunction: API v8 for a signed-in user."""

from ccjk.api import V8_ENVELOPE
from ccjk.routes import v8_market
from suite.api import http_function

app, handler = http_function(V8_ENVELOPE, v8_market.router)
