from relay.api import ENVELOPE
from relay.routes import (
    admin_configs,
    admin_error_messages,
    admin_error_rules,
    admin_model_mappings,
    admin_models,
    admin_packages,
)
from suite.api import http_function

app, handler = http_function(ENVELOPE, admin_models.router, admin_model_mappings.router, admin_packages.router,
                             admin_configs.router, admin_error_messages.router, admin_error_rules.router)
