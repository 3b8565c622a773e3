from kook.api import ENVELOPE
from kook.routes import health
from suite.api import http_function

app, handler = http_function(ENVELOPE, health.router)
