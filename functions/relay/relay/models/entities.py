"""Stored entities of relay as PynamoDB models (decision 0008); used only from `relay.store`.

Keys and indexes are described in docs/relay.md ("Data"); tests/integration/relay/test_entities.py checks every
model against the template's tables (tests/support/entity_rules.py). Times are epoch seconds (NumberAttribute);
views render them as ISO-8601.

`RelayTable` holds every fixed-shape entity. Entities listed by kind carry `kind`/`kind_order` for the
`byKind` index (a Query per kind, never a Scan). `RelayLogsTable` holds request and operation logs.
"""

from __future__ import annotations

from pynamodb.attributes import (
    BooleanAttribute,
    NumberAttribute,
    NumberSetAttribute,
    UnicodeAttribute,
    UnicodeSetAttribute,
)
from pynamodb.indexes import AllProjection, GlobalSecondaryIndex
from pynamodb.models import Model

from suite.entities import table_from_env

ENTITIES_TABLE = "RELAY_TABLE"
LOGS_TABLE = "RELAY_LOGS_TABLE"


class ByKind(GlobalSecondaryIndex):
    """Every entity of one kind, in `kind_order` order (sparse: only listed entities carry `kind`)."""

    class Meta:
        index_name = "byKind"
        projection = AllProjection()

    kind = UnicodeAttribute(hash_key=True)
    kind_order = UnicodeAttribute(range_key=True)


def order(number: int, width: int = 12) -> str:
    """A number as a sort key that orders like the number."""
    return f"{int(number):0{width}d}"


class _Keyed(Model):
    """pk/sk of RelayTable (never used directly: each entity declares its own Meta)."""

    Meta = table_from_env(ENTITIES_TABLE)
    pk = UnicodeAttribute(hash_key=True)
    sk = UnicodeAttribute(range_key=True)


class _Listed(_Keyed):
    Meta = table_from_env(ENTITIES_TABLE)
    kind = UnicodeAttribute(null=True)
    kind_order = UnicodeAttribute(null=True)
    id = NumberAttribute()
    created_at = NumberAttribute(default=0)
    updated_at = NumberAttribute(default=0)


# ---------------------------------------------------------------------------------------------------- plumbing

class Unique(_Keyed):
    """A name taken by one entity (`USERNAME#<lower>`, `EMAIL#<lower>`, `MODELNAME#<name>`...): written with
    `attribute_not_exists` in the entity's transaction, so two creates can never take one name."""

    Meta = table_from_env(ENTITIES_TABLE)
    owner_id = NumberAttribute()


class Ref(_Keyed):
    """A pointer to an object kept in its owner's partition: `KEY#<id>`, `KEYDIGEST#<sha256>`, `UPKG#<id>`
    → (user_id, target_id)."""

    Meta = table_from_env(ENTITIES_TABLE)
    user_id = NumberAttribute()
    target_id = NumberAttribute()


# ---------------------------------------------------------------------------------------------------- users

class User(_Listed):
    Meta = table_from_env(ENTITIES_TABLE)
    by_kind = ByKind()
    username = UnicodeAttribute()
    email = UnicodeAttribute(null=True)
    password_hash = UnicodeAttribute()
    role = UnicodeAttribute(default="user")  # admin | user
    status = UnicodeAttribute(default="active")  # active | disabled
    balance = NumberAttribute(default=0)
    price_rate = NumberAttribute(default=1)
    max_concurrency = NumberAttribute(default=10)
    key_count = NumberAttribute(default=0)
    tokens_valid_after = NumberAttribute(default=0)


class ApiKey(_Listed):
    """pk `USER#<user_id>`, sk `KEY#<id>`. Only the digest of the key is kept."""

    Meta = table_from_env(ENTITIES_TABLE)
    by_kind = ByKind()
    user_id = NumberAttribute()
    name = UnicodeAttribute()
    key_digest = UnicodeAttribute()
    key_prefix = UnicodeAttribute()
    key_suffix = UnicodeAttribute()
    status = UnicodeAttribute(default="active")  # active | disabled | expired
    price_rate = NumberAttribute(default=1)
    user_package_id = NumberAttribute(null=True)
    billing_type = UnicodeAttribute(default="quota")
    allowed_platforms = UnicodeAttribute(default="all")
    allowed_models = UnicodeAttribute(default="")
    blocked_models = UnicodeAttribute(default="")
    allowed_clients = UnicodeAttribute(default="")
    rate_limit = NumberAttribute(default=60)
    daily_limit = NumberAttribute(default=0)
    monthly_quota = NumberAttribute(default=0)
    expires_at = NumberAttribute(null=True)
    last_used_at = NumberAttribute(null=True)


# ---------------------------------------------------------------------------------------------------- packages

class Package(_Listed):
    Meta = table_from_env(ENTITIES_TABLE)
    by_kind = ByKind()
    name = UnicodeAttribute()
    type = UnicodeAttribute()  # subscription | quota
    price = NumberAttribute(default=0)
    duration = NumberAttribute(default=30)  # days
    daily_quota = NumberAttribute(default=0)
    weekly_quota = NumberAttribute(default=0)
    monthly_quota = NumberAttribute(default=0)
    quota_amount = NumberAttribute(default=0)  # USD, quota packages
    allowed_models = UnicodeAttribute(default="")
    allowed_platforms = UnicodeAttribute(default="all")
    rate_limit = NumberAttribute(default=0)
    daily_limit = NumberAttribute(default=0)
    description = UnicodeAttribute(default="")
    status = UnicodeAttribute(default="active")  # active | disabled


class UserPackage(_Listed):
    """pk `USER#<user_id>`, sk `UPKG#<id>`. Spend per period lives in the usage table (`P#<id>`)."""

    Meta = table_from_env(ENTITIES_TABLE)
    by_kind = ByKind()
    user_id = NumberAttribute()
    package_id = NumberAttribute()
    name = UnicodeAttribute()
    type = UnicodeAttribute()
    status = UnicodeAttribute(default="active")  # active | expired | exhausted | disabled
    start_time = NumberAttribute(null=True)
    expire_time = NumberAttribute(null=True)
    daily_quota = NumberAttribute(default=0)
    weekly_quota = NumberAttribute(default=0)
    monthly_quota = NumberAttribute(default=0)
    quota_total = NumberAttribute(default=0)
    allowed_models = UnicodeAttribute(default="")


# ---------------------------------------------------------------------------------------------------- accounts

class Account(_Listed):
    """An upstream account. Every credential is inside `credentials` (KMS envelope, one JSON object);
    `credential_fields` names the ones that are set."""

    Meta = table_from_env(ENTITIES_TABLE)
    by_kind = ByKind()
    name = UnicodeAttribute()
    description = UnicodeAttribute(default="")
    type = UnicodeAttribute()
    platform = UnicodeAttribute()
    status = UnicodeAttribute(default="valid")
    enabled = BooleanAttribute(default=True)
    priority = NumberAttribute(default=50)
    weight = NumberAttribute(default=100)
    account_type = UnicodeAttribute(default="shared")
    base_url = UnicodeAttribute(null=True)
    proxy_id = NumberAttribute(null=True)
    model_mapping = UnicodeAttribute(default="")  # JSON object source → target
    allowed_models = UnicodeAttribute(default="")
    max_concurrency = NumberAttribute(default=5)
    daily_budget = NumberAttribute(default=0)
    organization_id = UnicodeAttribute(null=True)
    subscription_level = UnicodeAttribute(null=True)
    opus_access = BooleanAttribute(default=False)
    aws_region = UnicodeAttribute(null=True)
    azure_endpoint = UnicodeAttribute(null=True)
    azure_deployment_name = UnicodeAttribute(null=True)
    azure_api_version = UnicodeAttribute(null=True)
    credentials = UnicodeAttribute(null=True)  # sealed JSON
    credential_fields = UnicodeSetAttribute(null=True)
    token_expiry = NumberAttribute(null=True)
    group_ids = NumberSetAttribute(null=True)
    error_count = NumberAttribute(default=0)
    consecutive_error_count = NumberAttribute(default=0)
    suspended_count = NumberAttribute(default=0)
    last_used_at = NumberAttribute(null=True)
    last_error_at = NumberAttribute(null=True)
    last_error = UnicodeAttribute(null=True)
    rate_limit_reset_at = NumberAttribute(null=True)
    last_health_check_at = NumberAttribute(null=True)
    next_health_check_at = NumberAttribute(null=True)
    health_check_interval = NumberAttribute(default=0)
    usage_status = UnicodeAttribute(null=True)
    five_hour_utilization = NumberAttribute(null=True)
    five_hour_resets_at = NumberAttribute(null=True)
    seven_day_utilization = NumberAttribute(null=True)
    seven_day_resets_at = NumberAttribute(null=True)
    seven_day_sonnet_utilization = NumberAttribute(null=True)
    seven_day_sonnet_resets_at = NumberAttribute(null=True)


class AccountGroup(_Listed):
    Meta = table_from_env(ENTITIES_TABLE)
    by_kind = ByKind()
    name = UnicodeAttribute()
    description = UnicodeAttribute(default="")
    platform = UnicodeAttribute(default="")
    is_default = BooleanAttribute(default=False)


class GroupMember(_Keyed):
    """pk `GROUP#<group_id>`, sk `MEMBER#<account_id>`."""

    Meta = table_from_env(ENTITIES_TABLE)
    account_id = NumberAttribute()
    added_at = NumberAttribute(default=0)


# ---------------------------------------------------------------------------------------------------- catalogue

class AiModel(_Listed):
    Meta = table_from_env(ENTITIES_TABLE)
    by_kind = ByKind()
    name = UnicodeAttribute()
    display_name = UnicodeAttribute(default="")
    platform = UnicodeAttribute()
    provider = UnicodeAttribute(default="")
    description = UnicodeAttribute(default="")
    category = UnicodeAttribute(default="chat")
    context_size = NumberAttribute(default=0)
    max_output = NumberAttribute(default=0)
    input_price = NumberAttribute(default=0)  # USD per 1M tokens
    output_price = NumberAttribute(default=0)
    cache_create_price = NumberAttribute(default=0)
    cache_read_price = NumberAttribute(default=0)
    enabled = BooleanAttribute(default=True)
    is_default = BooleanAttribute(default=False)
    sort_order = NumberAttribute(default=0)
    aliases = UnicodeAttribute(default="")
    capabilities = UnicodeAttribute(default="")


class ModelMapping(_Listed):
    Meta = table_from_env(ENTITIES_TABLE)
    by_kind = ByKind()
    source_model = UnicodeAttribute()
    target_model = UnicodeAttribute()
    enabled = BooleanAttribute(default=True)
    priority = NumberAttribute(default=0)
    description = UnicodeAttribute(default="")


class ProxyConfig(_Listed):
    Meta = table_from_env(ENTITIES_TABLE)
    by_kind = ByKind()
    name = UnicodeAttribute()
    type = UnicodeAttribute(default="http")  # http | https | socks5
    host = UnicodeAttribute()
    port = NumberAttribute()
    username = UnicodeAttribute(null=True)
    password = UnicodeAttribute(null=True)  # sealed
    enabled = BooleanAttribute(default=True)
    is_default = BooleanAttribute(default=False)
    test_status = UnicodeAttribute(default="")
    test_latency = NumberAttribute(default=0)
    test_error = UnicodeAttribute(null=True)
    last_test_at = NumberAttribute(null=True)
    remark = UnicodeAttribute(default="")


class ErrorMessage(_Listed):
    Meta = table_from_env(ENTITIES_TABLE)
    by_kind = ByKind()
    code = NumberAttribute()
    error_type = UnicodeAttribute()
    custom_message = UnicodeAttribute()
    enabled = BooleanAttribute(default=True)
    description = UnicodeAttribute(default="")


class ErrorRule(_Listed):
    Meta = table_from_env(ENTITIES_TABLE)
    by_kind = ByKind()
    http_status_code = NumberAttribute(default=0)
    keyword = UnicodeAttribute(default="")
    target_status = UnicodeAttribute()
    priority = NumberAttribute(default=0)
    enabled = BooleanAttribute(default=True)
    description = UnicodeAttribute(default="")


class ClientType(_Listed):
    Meta = table_from_env(ENTITIES_TABLE)
    by_kind = ByKind()
    client_id = UnicodeAttribute()
    name = UnicodeAttribute()
    display_name = UnicodeAttribute(default="")
    description = UnicodeAttribute(default="")
    icon = UnicodeAttribute(default="")
    ua_pattern = UnicodeAttribute(default="")
    enabled = BooleanAttribute(default=True)
    priority = NumberAttribute(default=0)


class ClientRule(_Listed):
    Meta = table_from_env(ENTITIES_TABLE)
    by_kind = ByKind()
    client_type_id = NumberAttribute()
    rule_key = UnicodeAttribute(default="")
    rule_name = UnicodeAttribute(default="")
    description = UnicodeAttribute(default="")
    rule_type = UnicodeAttribute()  # user_agent | header | body | path | custom
    pattern = UnicodeAttribute(default="")
    field_path = UnicodeAttribute(default="")
    enabled = BooleanAttribute(default=True)
    required = BooleanAttribute(default=True)
    priority = NumberAttribute(default=0)


# ---------------------------------------------------------------------------------------------------- settings

class Setting(_Keyed):
    """pk `CONFIG`, sk `SYS#<key>`: a stored system config value (the defaults live in logic/configs.py)."""

    Meta = table_from_env(ENTITIES_TABLE)
    key = UnicodeAttribute()
    value = UnicodeAttribute()
    category = UnicodeAttribute(default="")
    updated_at = NumberAttribute(default=0)


class ClientFilterSettings(_Keyed):
    """pk `CONFIG`, sk `CLIENT_FILTER`."""

    Meta = table_from_env(ENTITIES_TABLE)
    filter_enabled = BooleanAttribute(default=False)
    filter_mode = UnicodeAttribute(default="simple")
    default_allow = BooleanAttribute(default=True)
    log_unmatched_requests = BooleanAttribute(default=True)
    allowed_clients = UnicodeAttribute(default="")
    updated_at = NumberAttribute(default=0)


# ---------------------------------------------------------------------------------------------------- logs

class ByUser(GlobalSecondaryIndex):
    class Meta:
        index_name = "byUser"
        projection = AllProjection()

    user_pk = UnicodeAttribute(hash_key=True)
    sk = UnicodeAttribute(range_key=True)


class ByKey(GlobalSecondaryIndex):
    class Meta:
        index_name = "byKey"
        projection = AllProjection()

    key_pk = UnicodeAttribute(hash_key=True)
    sk = UnicodeAttribute(range_key=True)


class ByAccount(GlobalSecondaryIndex):
    class Meta:
        index_name = "byAccount"
        projection = AllProjection()

    account_pk = UnicodeAttribute(hash_key=True)
    sk = UnicodeAttribute(range_key=True)


class RequestLog(Model):
    """pk `RL#<yyyy-mm-dd>`, sk the id (zero-padded). Written by the proxy's usage consumer; no bodies."""

    Meta = table_from_env(LOGS_TABLE)
    pk = UnicodeAttribute(hash_key=True)
    sk = UnicodeAttribute(range_key=True)
    by_user = ByUser()
    by_key = ByKey()
    by_account = ByAccount()
    user_pk = UnicodeAttribute(null=True)
    key_pk = UnicodeAttribute(null=True)
    account_pk = UnicodeAttribute(null=True)
    id = NumberAttribute()
    request_id = UnicodeAttribute(default="")
    user_id = NumberAttribute(null=True)
    api_key_id = NumberAttribute(null=True)
    account_id = NumberAttribute(null=True)
    account_name = UnicodeAttribute(default="")
    platform = UnicodeAttribute(default="")
    model = UnicodeAttribute(default="")
    endpoint = UnicodeAttribute(default="")
    method = UnicodeAttribute(default="POST")
    path = UnicodeAttribute(default="")
    request_ip = UnicodeAttribute(default="")
    user_agent = UnicodeAttribute(default="")
    session_id = UnicodeAttribute(default="")
    input_tokens = NumberAttribute(default=0)
    output_tokens = NumberAttribute(default=0)
    cache_creation_input_tokens = NumberAttribute(default=0)
    cache_read_input_tokens = NumberAttribute(default=0)
    total_tokens = NumberAttribute(default=0)
    input_cost = NumberAttribute(default=0)
    output_cost = NumberAttribute(default=0)
    cache_create_cost = NumberAttribute(default=0)
    cache_read_cost = NumberAttribute(default=0)
    total_cost = NumberAttribute(default=0)
    status_code = NumberAttribute(default=200)
    success = BooleanAttribute(default=True)
    error = UnicodeAttribute(default="")
    duration = NumberAttribute(default=0)
    upstream_status_code = NumberAttribute(default=0)
    upstream_error = UnicodeAttribute(default="")
    created_at = NumberAttribute(default=0)
    expires_at = NumberAttribute(null=True)


class OperationLog(Model):
    """pk `OP#<yyyy-mm>`, sk the id (zero-padded): one admin write."""

    Meta = table_from_env(LOGS_TABLE)
    pk = UnicodeAttribute(hash_key=True)
    sk = UnicodeAttribute(range_key=True)
    id = NumberAttribute()
    user_id = NumberAttribute(default=0)
    username = UnicodeAttribute(default="")
    ip = UnicodeAttribute(default="")
    method = UnicodeAttribute(default="")
    path = UnicodeAttribute(default="")
    module = UnicodeAttribute(default="")
    action = UnicodeAttribute(default="")
    target_id = UnicodeAttribute(default="")
    target_name = UnicodeAttribute(default="")
    description = UnicodeAttribute(default="")
    request_body = UnicodeAttribute(default="")
    before = UnicodeAttribute(default="")
    after = UnicodeAttribute(default="")
    response_code = NumberAttribute(default=0)
    response_msg = UnicodeAttribute(default="")
    duration = NumberAttribute(default=0)
    user_agent = UnicodeAttribute(default="")
    created_at = NumberAttribute(default=0)
    expires_at = NumberAttribute(null=True)


ENTITY_MODELS = [Unique, Ref, User, ApiKey, Package, UserPackage, Account, AccountGroup, GroupMember, AiModel,
                 ModelMapping, ProxyConfig, ErrorMessage, ErrorRule, ClientType, ClientRule, Setting,
                 ClientFilterSettings]
LOG_MODELS = [RequestLog, OperationLog]
