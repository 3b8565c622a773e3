"""AdminFunction: the admin API (users, top-ups, pricing, FX rates, stablecoin seeds and keyrings)."""

from certctrl.api import ENVELOPE
from certctrl.routes import admin
from suite.api import http_function

app, handler = http_function(ENVELOPE, admin.router)
