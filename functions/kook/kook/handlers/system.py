from kook.api import ENVELOPE
from kook.routes import system
from suite.api import http_function

app, handler = http_function(ENVELOPE, system.router)
