"""GET /openapi.json and /swagger: the service's OpenAPI document, generated from all of its routers."""

from relay.api import ENVELOPE, TITLE, VERSION
from relay.routes import (
    admin_api_keys,
    admin_model_mappings,
    admin_models,
    admin_packages,
    admin_user_packages,
    admin_users,
    api_keys,
    auth,
    health,
    models,
    packages,
    profile,
)
from suite.api import docs_function

ROUTERS = [health.router, auth.router, profile.router, api_keys.router, models.router, packages.router,
           admin_users.router, admin_api_keys.router, admin_user_packages.router, admin_models.router,
           admin_model_mappings.router, admin_packages.router]

app, handler = docs_function(ENVELOPE, ROUTERS, title=TITLE, version=VERSION)
