"""Admin: the client filter - config, client types, rules, and `test`, which runs the proxy's own evaluation
(logic/client_filter_rules.py) on the stored settings (tsv group `admin-client-filter`)."""

from typing import Annotated

from aws_lambda_powertools.event_handler.openapi.params import Query

from relay.logic import client_filter
from relay.models.common import Message
from relay.models.filters import (
    ClientRuleCreate,
    ClientRuleUpdate,
    ClientRuleView,
    ClientTypeCreate,
    ClientTypeUpdate,
    ClientTypeView,
    FilterConfig,
    FilterConfigView,
    FilterTest,
    FilterVerdict,
)
from relay.routes.common import AdminRouter, created, ok, parse_id

router = AdminRouter("client_filter")
TAGS = ["admin-client-filter"]


@router.get("/api/admin/client-filter/config", returns=FilterConfigView, summary="The filter's switches",
            tags=TAGS)
def get_config():
    return ok(client_filter.config_view())


@router.put("/api/admin/client-filter/config", returns=FilterConfigView, errors=(400,),
            summary="Change the filter's switches", tags=TAGS)
def put_config(body: FilterConfig):
    return ok(client_filter.update_config(body.model_dump(exclude_unset=True)))


@router.post("/api/admin/client-filter/reload", returns=Message,
             summary="Reload the settings (a no-op: the proxy reads them fresh)", tags=TAGS)
def reload():
    snapshot = client_filter.snapshot()
    return ok({"message": f"{len(snapshot.client_types)} client types in effect"})


@router.post("/api/admin/client-filter/test", returns=FilterVerdict, errors=(400,),
             summary="Would the proxy let this request through? (the proxy's own evaluation)", tags=TAGS)
def test(body: FilterTest):
    return ok(client_filter.evaluate_request(body.user_agent, body.headers, body.body, path=body.path,
                                          key_allowed_clients=body.allowed_clients))


@router.get("/api/admin/client-filter/client-types", returns=list[ClientTypeView], summary="Client types",
            tags=TAGS)
def list_types():
    return ok(client_filter.types())


@router.post("/api/admin/client-filter/client-types", returns=ClientTypeView, status_code=201, errors=(400, 409),
             summary="Add a client type", tags=TAGS)
def create_type(body: ClientTypeCreate):
    fields = body.model_dump()
    display = fields.pop("display_name")
    if fields["client_id"] is None:  # the docs' shape: name is the identifier
        fields["client_id"], fields["name"] = fields["name"], display or fields["name"]
    return created(client_filter.create_type(fields))


@router.get("/api/admin/client-filter/client-types/<id>", returns=ClientTypeView, errors=(400, 404),
            summary="One client type", tags=TAGS)
def get_type(id: str):
    return ok(client_filter.type_view(client_filter.get_type(parse_id(id, "client type id"))))


@router.put("/api/admin/client-filter/client-types/<id>", returns=ClientTypeView, errors=(400, 404, 409),
            summary="Change a client type", tags=TAGS)
def update_type(id: str, body: ClientTypeUpdate):
    fields = body.model_dump(exclude_unset=True)
    display = fields.pop("display_name", None)
    if display and "name" not in fields:
        fields["name"] = display
    return ok(client_filter.update_type(parse_id(id, "client type id"), fields))


@router.delete("/api/admin/client-filter/client-types/<id>", returns=Message, errors=(400, 404, 409),
               summary="Remove a client type (without rules)", tags=TAGS)
def delete_type(id: str):
    client_filter.delete_type(parse_id(id, "client type id"))
    return ok({"message": "deleted"})


@router.put("/api/admin/client-filter/client-types/<id>/toggle", returns=ClientTypeView, errors=(400, 404),
            summary="Enable or disable a client type", tags=TAGS)
def toggle_type(id: str):
    type_id = parse_id(id, "client type id")
    return ok(client_filter.update_type(type_id, {"enabled": not client_filter.get_type(type_id).enabled}))


@router.get("/api/admin/client-filter/rules", returns=list[ClientRuleView], summary="Rules (of one client type)",
            tags=TAGS)
def list_rules(client_type_id: Annotated[int | None, Query(ge=1, le=10**12)] = None):
    return ok(client_filter.rules(client_type_id))


@router.post("/api/admin/client-filter/rules", returns=ClientRuleView, status_code=201, errors=(400, 404),
             summary="Add a rule to a client type", tags=TAGS)
def create_rule(body: ClientRuleCreate):
    return created(client_filter.create_rule(body.model_dump()))


@router.get("/api/admin/client-filter/rules/<id>", returns=ClientRuleView, errors=(400, 404), summary="One rule",
            tags=TAGS)
def get_rule(id: str):
    return ok(client_filter.rule_view(client_filter.get_rule(parse_id(id, "rule id"))))


@router.put("/api/admin/client-filter/rules/<id>", returns=ClientRuleView, errors=(400, 404), summary="Change a rule",
            tags=TAGS)
def update_rule(id: str, body: ClientRuleUpdate):
    return ok(client_filter.update_rule(parse_id(id, "rule id"), body.model_dump(exclude_unset=True)))


@router.delete("/api/admin/client-filter/rules/<id>", returns=Message, errors=(400, 404), summary="Remove a rule",
               tags=TAGS)
def delete_rule(id: str):
    client_filter.delete_rule(parse_id(id, "rule id"))
    return ok({"message": "deleted"})


@router.put("/api/admin/client-filter/rules/<id>/toggle", returns=ClientRuleView, errors=(400, 404),
            summary="Enable or disable a rule", tags=TAGS)
def toggle_rule(id: str):
    rule_id = parse_id(id, "rule id")
    return ok(client_filter.update_rule(rule_id, {"enabled": not client_filter.get_rule(rule_id).enabled}))
