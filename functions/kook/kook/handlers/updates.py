from kook.api import ENVELOPE
from kook.routes import updates
from suite.api import http_function

app, handler = http_function(ENVELOPE, updates.router)
