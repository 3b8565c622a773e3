"""GET /openapi.json and /swagger: the service's OpenAPI document, generated from all of its routers."""

from relay.api import ENVELOPE, TITLE, VERSION
from relay.routes import health
from suite.api import docs_function

ROUTERS = [health.router]

app, handler = docs_function(ENVELOPE, ROUTERS, title=TITLE, version=VERSION)
