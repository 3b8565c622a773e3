"""API v8 for a signed-in user (V8MarketFunction): installs of skills, MCP servers, agents and hooks with their
quotas (`max_<kind>`, `used_<kind>`, `remaining_<kind>`), rating an item, and suggestions for the user."""

from __future__ import annotations

from typing import Annotated

from aws_lambda_powertools.event_handler.openapi.params import Query

from ccjk import access
from ccjk.api import V8_ENVELOPE
from ccjk.logic import catalog, installs, ratings
from ccjk.models.market import NewRating, V8Install, V8Uninstall
from ccjk.models.market_views import NewRatingView, V8Installed, V8Installs, V8Suggestions, V8Uninstalled
from ccjk.routes import market_common as common
from suite import auth
from suite.api import Router

router = Router(envelope=V8_ENVELOPE)
ENVELOPE = V8_ENVELOPE
TAGS = ["v8-user"]
KINDS = {"skills": catalog.SKILL, "mcp": catalog.MCP, "agents": catalog.AGENT, "hooks": catalog.HOOK}


def _installs(group: str):
    kind = KINDS[group]
    user_id = auth.caller()
    entries = installs.installed(user_id, (kind,))
    views = [installs.v8_install_view(e) for e in entries]
    return ENVELOPE.ok({"items": views, group: views, "total": len(views), "quota": installs.v8_quota(user_id, kind)})


def _install(group: str, request: V8Install):
    kind = KINDS[group]
    done = installs.install(auth.caller(), request.skill_id, (kind,), version=request.version,
                            enabled=request.enabled, item_config=request.config)
    entry = installs.installed_one(auth.caller(), done["id"])
    return ENVELOPE.ok({"installed": installs.v8_install_view(entry), "quota": installs.v8_quota(auth.caller(), kind)},
                       status=201)


def _uninstall(group: str, request: V8Uninstall):
    kind = KINDS[group]
    done = installs.uninstall(auth.caller(), request.skill_id, (kind,))
    return ENVELOPE.ok({"uninstalled": done["id"], "quota": installs.v8_quota(auth.caller(), kind)})


@router.get("/api/v8/skills/user", auth=access.USER, returns=V8Installs, summary="Your skills and quota", tags=TAGS)
def skills():
    return _installs("skills")


@router.post("/api/v8/skills/user/install", auth=access.USER, returns=V8Installed, status_code=201,
             errors=(400, 404, 409), summary="Install a skill ({skill_id, version?, enabled})", tags=TAGS)
def install_skill(request: V8Install):
    return _install("skills", request)


@router.delete("/api/v8/skills/user/uninstall", auth=access.USER, returns=V8Uninstalled, errors=(404, 409),
               summary="Uninstall a skill ({skill_id} in the body)", tags=TAGS)
def uninstall_skill(request: V8Uninstall):
    return _uninstall("skills", request)


@router.get("/api/v8/mcp/user", auth=access.USER, returns=V8Installs, summary="Your MCP servers and quota", tags=TAGS)
def mcp():
    return _installs("mcp")


@router.post("/api/v8/mcp/user/install", auth=access.USER, returns=V8Installed, status_code=201,
             errors=(400, 404, 409), summary="Install an MCP server ({mcp_id or id, version?, enabled})", tags=TAGS)
def install_mcp(request: V8Install):
    return _install("mcp", request)


@router.delete("/api/v8/mcp/user/uninstall", auth=access.USER, returns=V8Uninstalled, errors=(404, 409),
               summary="Uninstall an MCP server (id in the body)", tags=TAGS)
def uninstall_mcp(request: V8Uninstall):
    return _uninstall("mcp", request)


@router.get("/api/v8/agents/user", auth=access.USER, returns=V8Installs, summary="Your agents and quota", tags=TAGS)
def agents():
    return _installs("agents")


@router.post("/api/v8/agents/user/install", auth=access.USER, returns=V8Installed, status_code=201,
             errors=(400, 404, 409), summary="Install an agent ({agent_id or id, version?, enabled})", tags=TAGS)
def install_agent(request: V8Install):
    return _install("agents", request)


@router.delete("/api/v8/agents/user/uninstall", auth=access.USER, returns=V8Uninstalled, errors=(404, 409),
               summary="Uninstall an agent (id in the body)", tags=TAGS)
def uninstall_agent(request: V8Uninstall):
    return _uninstall("agents", request)


@router.get("/api/v8/hooks/user", auth=access.USER, returns=V8Installs, summary="Your hooks and quota", tags=TAGS)
def hooks():
    return _installs("hooks")


@router.post("/api/v8/hooks/user/install", auth=access.USER, returns=V8Installed, status_code=201,
             errors=(400, 404, 409), summary="Install a hook ({hook_id or id, version?, enabled})", tags=TAGS)
def install_hook(request: V8Install):
    return _install("hooks", request)


@router.delete("/api/v8/hooks/user/uninstall", auth=access.USER, returns=V8Uninstalled, errors=(404, 409),
               summary="Uninstall a hook (id in the body)", tags=TAGS)
def uninstall_hook(request: V8Uninstall):
    return _uninstall("hooks", request)


@router.get("/api/v8/skills/suggestions", auth=access.USER, returns=V8Suggestions, errors=(400,),
            summary="Skills for you: popular ones in the categories you install, without yours", tags=TAGS)
def suggestions(limit: Annotated[str | None, Query(description="1-50, default 10")] = None):
    count = common.number("limit", limit, default=10, minimum=1, maximum=50)
    found = installs.recommendations(auth.caller(), (catalog.SKILL,), count)
    return ENVELOPE.ok({"suggestions": [catalog.template_view(i) for i in found["items"]],
                        "total": len(found["items"])})


@router.post("/api/v8/ratings/<type>/<id>", auth=access.USER, returns=NewRatingView, status_code=201,
             errors=(400, 404, 409), summary="Rate an item 1-5 with an optional comment (once per user)", tags=TAGS)
def rate(type: str, id: str, request: NewRating):
    kinds = common.kinds("type", type, ())
    return ENVELOPE.ok(ratings.rate(auth.caller(), id, kinds, request.rating, request.review), status=201)
