"""MarketAuthFunction: API v1 accounts."""

from ccjk.api import MARKET_ENVELOPE
from ccjk.routes import v1_auth
from suite.api import http_function

app, handler = http_function(MARKET_ENVELOPE, v1_auth.router)
