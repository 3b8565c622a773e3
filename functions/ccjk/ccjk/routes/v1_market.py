"""API v1, what changes state (MarketFunction): a user's installs and quota, ratings, downloads (counted, with a
SHA-256 checksum), skill and provider uploads, the hooks/agents/CLAUDE.md sync, usage, attributions, session
transfers, and telemetry (always 202).

Signed-in routes take the user's `Authorization: Bearer <token>` (a v1 access token or any ccjk user JWT);
`/users/{userId}/…` answers 403 for another user's id.
"""

from __future__ import annotations

from typing import Annotated

from aws_lambda_powertools.event_handler.openapi.params import Query

from ccjk import access
from ccjk.api import MARKET_ENVELOPE
from ccjk.logic import catalog, catalog_admin, downloads, installs, ratings, v1_state
from ccjk.models.market import (
    InstallSkill,
    NewAttribution,
    NewProvider,
    NewRating,
    SessionUpload,
    SyncItems,
    UninstallSkill,
    UpdateUserSkill,
    UploadSkill,
    UsageQuery,
)
from ccjk.models.market_views import (
    Accepted,
    AttributionCreated,
    AttributionView,
    Deleted,
    Download,
    Installed,
    ItemRatings,
    ItemView,
    NewRatingView,
    ProviderView,
    Quota,
    SyncResult,
    TransferCreated,
    TransferList,
    TransferStatus,
    Uninstalled,
    Usage,
    UserSkills,
    UserSkillUpdated,
)
from ccjk.routes import market_common as common
from suite import auth, body
from suite.api import Router
from suite.errors import Forbidden

router = Router(envelope=MARKET_ENVELOPE)
ENVELOPE = MARKET_ENVELOPE
USER_SKILLS = ["v1-user-skills"]
RATINGS = ["v1-ratings"]
SYNC = ["v1-sync"]
SESSIONS = ["v1-sessions"]
TELEMETRY = ["v1-telemetry"]
SKILL = (catalog.SKILL,)
Text = Annotated[str | None, Query()]


def _own(user_id: str) -> str:
    caller = auth.caller()
    if user_id != caller:
        raise Forbidden("You can only manage your own skills", code="FORBIDDEN")
    return caller


# ------------------------------------------------------------------------------------------------ installs

@router.get("/api/v1/skills/user", auth=access.USER, returns=UserSkills, summary="Your installed skills and quota",
            tags=USER_SKILLS)
def user_skills():
    return ENVELOPE.ok(installs.user_skills(auth.caller(), catalog.SKILL))


@router.post("/api/v1/skills/user/install", auth=access.USER, returns=Installed, status_code=201,
             errors=(404, 409), summary="Install a skill (quota: free 10, pro 100, enterprise unlimited)",
             tags=USER_SKILLS)
def install(request: InstallSkill):
    return ENVELOPE.ok(installs.install(auth.caller(), request.skillId, SKILL, version=request.version,
                                        item_config=request.config), status=201)


@router.post("/api/v1/skills/user/uninstall", auth=access.USER, returns=Uninstalled, errors=(404, 409),
             summary="Uninstall a skill (NOT_INSTALLED when it is not)", tags=USER_SKILLS)
def uninstall(request: UninstallSkill):
    return ENVELOPE.ok(installs.uninstall(auth.caller(), request.skillId, SKILL))


@router.get("/api/v1/skills/user/quota", auth=access.USER, returns=Quota, summary="Your skill install quota",
            tags=USER_SKILLS)
def quota():
    return ENVELOPE.ok(installs.quota(auth.caller(), catalog.SKILL))


@router.get("/api/v1/users/<userId>/skills", auth=access.USER, returns=UserSkills, errors=(403,),
            summary="A user's installed skills (yours only)", tags=USER_SKILLS)
def users_skills(userId: str):
    return ENVELOPE.ok(installs.user_skills(_own(userId), catalog.SKILL))


@router.post("/api/v1/users/<userId>/skills", auth=access.USER, returns=Installed, status_code=201,
             errors=(403, 404, 409), summary="Install a skill for yourself (older path)", tags=USER_SKILLS)
def users_install(userId: str, request: InstallSkill):
    return ENVELOPE.ok(installs.install(_own(userId), request.skillId, SKILL, version=request.version,
                                        item_config=request.config), status=201)


@router.patch("/api/v1/users/<userId>/skills/<skillId>", auth=access.USER, returns=UserSkillUpdated,
              errors=(403, 404), summary="Enable, disable or configure an installed skill", tags=USER_SKILLS)
def users_update(userId: str, skillId: str, request: UpdateUserSkill):
    return ENVELOPE.ok(installs.update(_own(userId), skillId, SKILL, enabled=request.isEnabled,
                                       item_config=request.config))


@router.delete("/api/v1/users/<userId>/skills/<skillId>", auth=access.USER, returns=Uninstalled,
               errors=(403, 404, 409), summary="Uninstall a skill (older path)", tags=USER_SKILLS)
def users_uninstall(userId: str, skillId: str):
    return ENVELOPE.ok(installs.uninstall(_own(userId), skillId, SKILL))


# ------------------------------------------------------------------------------------------------ ratings

@router.get("/api/v1/skills/<id>/ratings", returns=ItemRatings, errors=(400, 404),
            summary="A skill's ratings with their summary: page, limit, sort (newest, oldest, highest, lowest, "
                    "helpful)", tags=RATINGS)
def skill_ratings(id: str, page: Text = None, limit: Text = None,
                  sort: Annotated[str | None, Query(description="newest (default), oldest, highest, lowest, "
                                                               "helpful")] = None):
    paging = common.paging(page, limit)
    order = common.choice("sort", sort, ratings.SORTS, "newest")
    item = catalog.require(id, SKILL, what="Skill", code="SKILL_NOT_FOUND")
    found, cut = ratings.ratings_of(item, order, paging.offset, paging.limit)
    return ENVELOPE.ok({"ratings": [ratings.view(r) for r in found], "summary": ratings.summary(item),
                        "pagination": paging.meta(int(item.rating_count or 0)),
                        "sortedWithin": ratings.MAX_SORTED_READ if cut else None})


@router.post("/api/v1/skills/<id>/ratings", auth=access.USER, returns=NewRatingView, status_code=201,
             errors=(403, 404, 409), summary="Rate a skill 1-5 (once per user: DUPLICATE_RATING)", tags=RATINGS)
def rate_skill(id: str, request: NewRating):
    if request.userId is not None and request.userId != auth.caller():
        raise Forbidden("userId must be your own", code="FORBIDDEN")
    return ENVELOPE.ok(ratings.rate(auth.caller(), id, SKILL, request.rating, request.review), status=201)


# ------------------------------------------------------------------------------------------------ downloads, uploads

@router.get("/api/v1/skills/<id>/download", returns=Download, errors=(404,),
            summary="A skill's content with its SHA-256 checksum (counts a download)", tags=USER_SKILLS)
def download(id: str):
    found = downloads.download(id, SKILL, code="SKILL_NOT_FOUND")
    return ENVELOPE.ok(found, headers={"X-Checksum-SHA256": found["sha256"], "Cache-Control": "no-store"})


@router.post("/api/v1/skills/upload", auth=access.USER, returns=ItemView, status_code=201, errors=(409, 429),
             summary="Publish a skill (community, unverified; 20 a day per user)", tags=USER_SKILLS)
def upload(request: UploadSkill):
    from ccjk.logic import uploads  # noqa: PLC0415

    return ENVELOPE.ok(uploads.upload_skill(auth.caller(), request), status=201)


@router.post("/api/v1/providers", auth=access.USER, returns=ProviderView, status_code=201, errors=(409, 429),
             summary="Register an API provider (custom, unverified, testing until an admin reviews it)",
             tags=["v1-catalog"])
def create_provider(request: NewProvider):
    from ccjk.logic import uploads  # noqa: PLC0415

    uploads.throttle(auth.caller(), "provider")
    return ENVELOPE.ok(catalog_admin.provider_view(
        catalog_admin.create_provider(request, created_by=auth.caller(), trusted=False)), status=201)


# ------------------------------------------------------------------------------------------------ sync, usage

def _sync(kind: str, request: SyncItems):
    owner = v1_state.owner_of(auth.caller(), common.header(router, "X-Device-ID"))
    return ENVELOPE.ok(v1_state.sync(kind, request, owner=owner))


@router.post("/api/v1/agents/sync", auth=access.USER_IF_PRESENT, returns=SyncResult, errors=(413,),
             summary="Sync agents (kept per user, or per X-Device-ID when anonymous)", tags=SYNC)
def sync_agents(request: SyncItems):
    return _sync("agents", request)


@router.post("/api/v1/hooks/sync", auth=access.USER_IF_PRESENT, returns=SyncResult, errors=(413,),
             summary="Sync hooks (kept per user, or per X-Device-ID when anonymous)", tags=SYNC)
def sync_hooks(request: SyncItems):
    return _sync("hooks", request)


@router.post("/api/v1/claude-md/sync", auth=access.USER_IF_PRESENT, returns=SyncResult, errors=(413,),
             summary="Sync CLAUDE.md templates (kept per user, or per X-Device-ID when anonymous)", tags=SYNC)
def sync_claude_md(request: SyncItems):
    return _sync("claude-md", request)


@router.post("/api/v1/usage/current", auth=access.USER_IF_PRESENT, returns=Usage,
             summary="Your tier and install usage per kind (anonymous: the free tier's limits)", tags=SYNC)
def usage(request: UsageQuery):
    return ENVELOPE.ok(v1_state.usage(auth.caller()))


# ------------------------------------------------------------------------------------------------ attributions

@router.post("/api/v1/attributions", auth=access.USER_IF_PRESENT, returns=AttributionCreated, status_code=201,
             summary="Record where a session came from", tags=SESSIONS)
def attribute(request: NewAttribution):
    return ENVELOPE.ok(v1_state.attribute(request, user_id=auth.caller()), status=201)


@router.get("/api/v1/attributions/<id>", returns=AttributionView, errors=(404,), summary="An attribution",
            tags=SESSIONS)
def attribution(id: str):
    return ENVELOPE.ok(v1_state.attribution(id))


# ------------------------------------------------------------------------------------------------ sessions

@router.get("/api/v1/sessions", auth=access.USER, returns=TransferList, errors=(400,),
            summary="Your uploaded sessions, newest first (limit, offset)", tags=SESSIONS)
def sessions(limit: Text = None, offset: Text = None, source: Text = None):
    count = common.number("limit", limit, default=20, minimum=1, maximum=100)
    start = common.number("offset", offset, default=0, minimum=0)
    return ENVELOPE.ok(v1_state.list_transfers(auth.caller(), start, count))


@router.post("/api/v1/sessions/upload", auth=access.USER, returns=TransferCreated, status_code=201, errors=(413,),
             summary="Upload a session (kept 7 days, at most 300 KB; checksum = SHA-256 of its canonical JSON)",
             tags=SESSIONS)
def upload_session(request: SessionUpload):
    return ENVELOPE.ok(v1_state.upload(auth.caller(), request), status=201)


@router.get("/api/v1/sessions/<sessionId>", auth=access.USER, errors=(404,),
            summary="An uploaded session's data (by its transferId)", tags=SESSIONS)
def session(sessionId: str):
    return ENVELOPE.ok(v1_state.transfer_data(auth.caller(), sessionId))


@router.delete("/api/v1/sessions/<sessionId>", auth=access.USER, returns=Deleted, errors=(404,),
               summary="Delete an uploaded session", tags=SESSIONS)
def delete_session(sessionId: str):
    return ENVELOPE.ok(v1_state.delete_transfer(auth.caller(), sessionId))


@router.get("/api/v1/sessions/<sessionId>/status", auth=access.USER, returns=TransferStatus, errors=(404,),
            summary="An uploaded session's status", tags=SESSIONS)
def session_status(sessionId: str):
    return ENVELOPE.ok(v1_state.transfer_status(auth.caller(), sessionId))


# ------------------------------------------------------------------------------------------------ telemetry

def _report(kind: str):
    raw = body.raw(router.current_event)
    answer = v1_state.report(kind, raw, device_header=common.header(router, "X-Device-ID"))
    return ENVELOPE.ok(answer, status=202, message="Telemetry accepted")


@router.post("/api/v1/telemetry/installation", returns=Accepted, status_code=202,
             summary="Installation report (anonymous; 202 whatever happens)", tags=TELEMETRY)
def telemetry_installation():
    return _report("installation")


@router.post("/api/v1/telemetry/events", returns=Accepted, status_code=202,
             summary="Usage events (anonymous; 202 whatever happens)", tags=TELEMETRY)
def telemetry_events():
    return _report("events")


@router.post("/api/v1/telemetry/errors", returns=Accepted, status_code=202,
             summary="Error reports (anonymous; 202 whatever happens)", tags=TELEMETRY)
def telemetry_errors():
    return _report("errors")
