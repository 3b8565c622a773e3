from kook.api import ENVELOPE
from kook.routes import webhook
from suite.api import http_function

app, handler = http_function(ENVELOPE, webhook.router)
