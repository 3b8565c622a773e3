"""Admin: which upstream error puts an account in which status (tsv group `admin-error-rules`)."""

from typing import Annotated

from aws_lambda_powertools.event_handler.openapi.params import Query

from relay.logic import error_catalog
from relay.models.common import Message
from relay.models.settings import Affected, Counted, ErrorRuleCreate, ErrorRulesPage, ErrorRuleUpdate, ErrorRuleView
from relay.routes.common import AdminRouter, created, ok, pagination, parse_id

router = AdminRouter("error_rules")
TAGS = ["admin-error-rules"]


@router.get("/api/admin/error-rules", returns=ErrorRulesPage, summary="Rules, highest priority first", tags=TAGS)
def list_rules(page: Annotated[int | None, Query(ge=1, le=100000)] = None,
               page_size: Annotated[int | None, Query(ge=1, le=1000)] = None):
    paging = pagination(page, page_size, max_size=1000)
    every = [error_catalog.rule_view(r) for r in error_catalog.rules()]
    return ok(paging.body(every[paging.offset:paging.offset + paging.page_size], len(every)))


@router.post("/api/admin/error-rules", returns=ErrorRuleView, status_code=201, errors=(400,), summary="Add a rule",
             tags=TAGS)
def create_rule(body: ErrorRuleCreate):
    return created(error_catalog.create_rule(body.model_dump()))


@router.put("/api/admin/error-rules/enable-all", returns=Affected, summary="Enable every rule", tags=TAGS)
def enable_all():
    return ok(error_catalog.set_all_rules(True))


@router.put("/api/admin/error-rules/disable-all", returns=Affected, summary="Disable every rule", tags=TAGS)
def disable_all():
    return ok(error_catalog.set_all_rules(False))


@router.post("/api/admin/error-rules/refresh", returns=Counted,
             summary="Reload the rules (a no-op: the proxy reads them fresh)", tags=TAGS)
def refresh():
    return ok({"message": "rules are read fresh", "rule_count": len(error_catalog.rules())})


@router.post("/api/admin/error-rules/reset", returns=Counted, summary="Replace every rule by the defaults",
             tags=TAGS)
def reset():
    return ok({"message": "rules reset to the defaults", **error_catalog.reset_rules()})


@router.get("/api/admin/error-rules/<id>", returns=ErrorRuleView, errors=(400, 404), summary="One rule", tags=TAGS)
def get_rule(id: str):
    return ok(error_catalog.rule_view(error_catalog.get_rule(parse_id(id, "rule id"))))


@router.put("/api/admin/error-rules/<id>", returns=ErrorRuleView, errors=(400, 404), summary="Change a rule",
            tags=TAGS)
def update_rule(id: str, body: ErrorRuleUpdate):
    return ok(error_catalog.update_rule(parse_id(id, "rule id"), body.model_dump(exclude_unset=True)))


@router.delete("/api/admin/error-rules/<id>", returns=Message, errors=(400, 404), summary="Remove a rule",
               tags=TAGS)
def delete_rule(id: str):
    error_catalog.delete_rule(parse_id(id, "rule id"))
    return ok({"message": "deleted"})
