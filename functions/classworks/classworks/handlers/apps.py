from classworks.api import ENVELOPE
from classworks.routes import apps
from suite.api import http_function

app, handler = http_function(ENVELOPE, apps.router)
