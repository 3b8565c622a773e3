from ccjk.api import ENVELOPE
from ccjk.routes import health
from suite.api import http_function

app, handler = http_function(ENVELOPE, health.router)
