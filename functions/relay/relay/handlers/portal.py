from relay.api import ENVELOPE
from relay.routes import api_keys, models, packages, profile
from suite.api import http_function

app, handler = http_function(ENVELOPE, profile.router, api_keys.router, models.router, packages.router)
