"""AdminFunction: /admin/* with Authorization: Basic."""

from ccjk.api import MARKET_ENVELOPE
from ccjk.routes import admin
from suite.api import http_function

app, handler = http_function(MARKET_ENVELOPE, admin.router)
