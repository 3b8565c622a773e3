"""Every relay router, for the docs function (the OpenAPI document covers every route of the service)."""

from relay.routes import (
    admin_account_groups,
    admin_accounts,
    admin_api_keys,
    admin_cache,
    admin_client_filter,
    admin_configs,
    admin_error_messages,
    admin_error_rules,
    admin_logs,
    admin_model_mappings,
    admin_models,
    admin_monitor,
    admin_oauth,
    admin_operation_logs,
    admin_packages,
    admin_proxy_configs,
    admin_system_logs,
    admin_user_packages,
    admin_users,
    api_keys,
    auth,
    health,
    models,
    packages,
    profile,
    usage,
)

ROUTERS = [health.router, auth.router, profile.router, api_keys.router, models.router, packages.router,
           usage.router, admin_users.router, admin_api_keys.router, admin_user_packages.router,
           admin_accounts.router, admin_account_groups.router, admin_oauth.router, admin_models.router,
           admin_model_mappings.router, admin_packages.router, admin_configs.router, admin_error_messages.router,
           admin_error_rules.router, admin_logs.router, admin_operation_logs.router, admin_cache.router,
           admin_monitor.router, admin_system_logs.router, admin_client_filter.router, admin_proxy_configs.router]

