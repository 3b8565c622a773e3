"""GET /openapi.json and /swagger: the service's OpenAPI document, generated from all of its routers."""

from relay.api import ENVELOPE, TITLE, VERSION
from relay.routes.every_router import ROUTERS
from suite.api import docs_function

app, handler = docs_function(ENVELOPE, ROUTERS, title=TITLE, version=VERSION)
