from relay.api import ENVELOPE
from relay.routes import admin_cache, admin_logs, admin_monitor, admin_operation_logs, admin_system_logs
from suite.api import http_function

app, handler = http_function(ENVELOPE, admin_logs.router, admin_operation_logs.router, admin_cache.router,
                             admin_monitor.router, admin_system_logs.router)
