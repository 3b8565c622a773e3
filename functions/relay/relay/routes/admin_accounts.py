"""Admin: upstream accounts, their runtime state, health checks and tokens (tsv group `admin-accounts`)."""

from typing import Annotated, Literal

from aws_lambda_powertools.event_handler.openapi.params import Query
from pydantic import BaseModel, ConfigDict, Field

from relay.logic import accounts
from relay.models.accounts import (
    AccountCreate,
    AccountsPage,
    AccountType,
    AccountUpdate,
    AccountView,
    Concurrency,
    ConcurrencyLimit,
    HealthResult,
    HealthStatus,
    StatusChange,
    Unavailable,
    UnavailableBody,
)
from relay.models.catalog import ModelName
from relay.models.common import Body, Message
from relay.routes.common import AdminRouter, created, ok, pagination, parse_id

router = AdminRouter("accounts")
TAGS = ["admin-accounts"]
Text = Annotated[str | None, Query(max_length=200)]


class TestMessage(Body):
    account_id: Annotated[int, Field(ge=1)]
    model: ModelName | None = None
    message: Annotated[str, Field(max_length=2000)] | None = None


class TestResult(BaseModel):
    model_config = ConfigDict(extra="allow")

    success: bool
    status_code: int | None
    message: str
    response: str
    latency_ms: int


class TokenRefreshed(BaseModel):
    message: str
    token_expiry: str | None


class Removed(BaseModel):
    message: str
    removed: int


class HealthRun(BaseModel):
    message: str
    checked: int
    healthy: int
    unhealthy: int
    skipped: int


class Recovered(BaseModel):
    message: str
    status: str


@router.get("/api/admin/accounts/types", returns=list[AccountType], summary="Account types and their platforms",
            tags=TAGS)
def account_types():
    return ok(accounts.types())


@router.get("/api/admin/accounts", returns=AccountsPage,
            summary="Accounts, newest first, with today's usage and concurrency (credentials never shown)",
            tags=TAGS)
def list_accounts(*, page: Annotated[int | None, Query(ge=1, le=100000)] = None,
                  page_size: Annotated[int | None, Query(ge=1, le=1000)] = None, type: Text = None,
                  types: Text = None, platform: Text = None, status: Text = None, search: Text = None,
                  enabled: Annotated[Literal["true", "false"] | None, Query()] = None):
    paging = pagination(page, page_size)
    items, total = accounts.page(paging.page, paging.page_size, type_=type or None, types_=types or None,
                                 platform=platform or None, status=status or None, search=search,
                                 enabled=None if enabled is None else enabled == "true")
    return ok(paging.body(items, total))


@router.post("/api/admin/accounts", returns=AccountView, status_code=201, errors=(400,),
             summary="Add an account (credentials are sealed with KMS and never returned)", tags=TAGS)
def create_account(body: AccountCreate):
    return created(accounts.create(body))


@router.get("/api/admin/accounts/<id>", returns=AccountView, errors=(400, 404), summary="One account", tags=TAGS)
def get_account(id: str):
    return ok(accounts.view(accounts.get(parse_id(id, "account id"))))


@router.put("/api/admin/accounts/<id>", returns=AccountView, errors=(400, 404),
            summary="Change an account ('****' for a credential leaves it unchanged)", tags=TAGS)
def update_account(id: str, body: AccountUpdate):
    return ok(accounts.update(parse_id(id, "account id"), body))


@router.delete("/api/admin/accounts/<id>", returns=Message, errors=(400, 404), summary="Remove an account",
               tags=TAGS)
def delete_account(id: str):
    accounts.delete(parse_id(id, "account id"))
    return ok({"message": "deleted"})


@router.put("/api/admin/accounts/<id>/status", returns=AccountView, errors=(400, 404),
            summary="Set an account's status (valid, rate_limited, invalid, ...)", tags=TAGS)
def set_status(id: str, body: StatusChange):
    return ok(accounts.set_status(parse_id(id, "account id"), body.status, body.last_error))


@router.post("/api/admin/accounts/<id>/health-check", returns=HealthResult, errors=(400, 404),
             summary="Probe the provider with the account's credential now", tags=TAGS)
def health_check(id: str):
    return ok(accounts.health_check(parse_id(id, "account id")))


@router.post("/api/admin/accounts/<id>/recover", returns=Recovered, errors=(400, 404),
             summary="Put the account back in the pool (status valid, marks cleared)", tags=TAGS)
def recover(id: str):
    return ok(accounts.recover(parse_id(id, "account id")))


@router.post("/api/admin/accounts/<id>/refresh-token", returns=TokenRefreshed, errors=(400, 404),
             summary="Refresh the account's OAuth tokens now", tags=TAGS)
def refresh_token(id: str):
    return ok(accounts.refresh_token(parse_id(id, "account id")))


@router.get("/api/admin/accounts/<id>/cache/concurrency", returns=Concurrency, errors=(400, 404),
            summary="Requests in flight on the account (live leases) and its limit", tags=TAGS)
def get_concurrency(id: str):
    return ok(accounts.concurrency(parse_id(id, "account id")))


@router.put("/api/admin/accounts/<id>/cache/concurrency", returns=Concurrency, errors=(400, 404),
            summary="Set the account's concurrency limit", tags=TAGS)
def set_concurrency(id: str, body: ConcurrencyLimit):
    return ok(accounts.set_concurrency_limit(parse_id(id, "account id"), body.limit))


@router.delete("/api/admin/accounts/<id>/cache/concurrency", returns=Concurrency, errors=(400, 404),
               summary="Drop the account's leases (requests in flight)", tags=TAGS)
def reset_concurrency(id: str):
    return ok(accounts.reset_concurrency(parse_id(id, "account id")))


@router.delete("/api/admin/accounts/<id>/cache/sessions", returns=Removed, errors=(400, 404),
               summary="Drop the sticky sessions bound to the account", tags=TAGS)
def clear_sessions(id: str):
    return ok(accounts.clear_sessions(parse_id(id, "account id")))


@router.post("/api/admin/accounts/<id>/cache/unavailable", returns=Unavailable, errors=(400, 404),
             summary="Keep the proxy off the account for `duration` seconds", tags=TAGS)
def mark_unavailable(id: str, body: UnavailableBody):
    return ok(accounts.mark_unavailable(parse_id(id, "account id"), body.duration, body.reason))


@router.delete("/api/admin/accounts/<id>/cache/unavailable", returns=Message, errors=(400, 404),
               summary="Clear the account's unavailable mark", tags=TAGS)
def clear_unavailable(id: str):
    return ok(accounts.clear_unavailable(parse_id(id, "account id")))


@router.get("/api/admin/health-check/status", returns=HealthStatus, summary="The health check: settings, last run",
            tags=TAGS)
def health_status():
    return ok(accounts.health_status())


@router.post("/api/admin/health-check/trigger", returns=HealthRun,
             summary="Probe every enabled account now (a few at a time, within the function's time)", tags=TAGS)
def trigger():
    return ok(accounts.trigger_health_check())


@router.post("/api/admin/proxy/test", returns=TestResult, errors=(400, 404),
             summary="Send one short message through an account", tags=TAGS)
def test_account(body: TestMessage):
    return ok(accounts.test_message(body.account_id, body.model, body.message))
