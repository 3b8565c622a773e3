from kook.api import ENVELOPE
from kook.routes import bots
from suite.api import http_function

app, handler = http_function(ENVELOPE, bots.router)
