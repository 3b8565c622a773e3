"""GET /openapi.json and /swagger: the service's OpenAPI document, generated from all of its routers."""

from kook.api import ENVELOPE, TITLE, VERSION
from kook.routes import accounts, auth, backup, bots, health, logs, mappings, smart_mapping, system, updates, webhook
from suite.api import docs_function

ROUTERS = [health.router, auth.router, accounts.router, bots.router, mappings.router, logs.router, system.router,
           backup.router, smart_mapping.router, updates.router, webhook.router]

app, handler = docs_function(ENVELOPE, ROUTERS, title=TITLE, version=VERSION)
