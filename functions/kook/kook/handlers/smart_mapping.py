from kook.api import ENVELOPE
from kook.routes import smart_mapping
from suite.api import http_function

app, handler = http_function(ENVELOPE, smart_mapping.router)
