from classworks.api import ENVELOPE
from classworks.routes import tokens
from suite.api import http_function

app, handler = http_function(ENVELOPE, tokens.router)
