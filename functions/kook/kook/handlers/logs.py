from kook.api import ENVELOPE
from kook.routes import logs
from suite.api import http_function

app, handler = http_function(ENVELOPE, logs.router)
