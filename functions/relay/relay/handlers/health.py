from relay.api import ENVELOPE
from relay.routes import health
from suite.api import http_function

app, handler = http_function(ENVELOPE, health.router)
