from certctrl.api import ENVELOPE
from certctrl.routes import health
from suite.api import http_function

app, handler = http_function(ENVELOPE, health.router)
