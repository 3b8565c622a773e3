"""GET /openapi.json and /swagger: the service's OpenAPI document, generated from all of its routers."""

from certctrl.api import ENVELOPE, TITLE, VERSION
from certctrl.routes import apikeys, auth, catalogs, health
from suite.api import docs_function

ROUTERS = [health.router, auth.router, apikeys.router, catalogs.router]

app, handler = docs_function(ENVELOPE, ROUTERS, title=TITLE, version=VERSION)
