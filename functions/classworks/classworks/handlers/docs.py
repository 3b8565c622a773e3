"""GET /openapi.json and /swagger: the service's OpenAPI document, generated from all of its routers."""

from classworks.api import ENVELOPE, TITLE, VERSION
from classworks.routes import accounts, apps, device_code, devices, health, kv, socket_io, tokens
from suite.api import docs_function

ROUTERS = [health.router, apps.router, tokens.router, kv.router, devices.router, accounts.router,
           device_code.router, socket_io.router]

app, handler = docs_function(ENVELOPE, ROUTERS, title=TITLE, version=VERSION)
