"""GET /openapi.json and /swagger: the service's OpenAPI document, generated from all of its routers."""

from relay.api import ENVELOPE, TITLE, VERSION
from relay.routes import health, proxy_docs
from suite.api import docs_function

ROUTERS = [health.router, proxy_docs.router]

app, handler = docs_function(ENVELOPE, ROUTERS, title=TITLE, version=VERSION)
