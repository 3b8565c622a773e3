from kook.api import ENVELOPE
from kook.routes import mappings
from suite.api import http_function

app, handler = http_function(ENVELOPE, mappings.router)
