"""MarketFunction: API v1 installs, ratings, downloads, uploads, sync, sessions, attributions, telemetry."""

from ccjk.api import MARKET_ENVELOPE
from ccjk.routes import v1_market
from suite.api import http_function

app, handler = http_function(MARKET_ENVELOPE, v1_market.router)
