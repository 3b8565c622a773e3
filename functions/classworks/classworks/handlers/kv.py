from classworks.api import ENVELOPE
from classworks.routes import kv
from suite.api import http_function

app, handler = http_function(ENVELOPE, kv.router)
