"""Health: public liveness (/health) and banner (/), authenticated component checks."""

from kook.access import ADMIN
from kook.api import ENVELOPE
from kook.logic import health
from kook.models.bots import BotCheck
from kook.models.health import Banner, HealthCheck, HealthSummary, Liveness
from suite.api import Router

router = Router()
TAGS = ["health"]
AS_IS = "application/json"  # the documented plain bodies, outside the envelope


@router.get("/health", returns=Liveness, media_type=AS_IS, summary="Health check", tags=TAGS)
def liveness():
    return {"status": "healthy"}


@router.get("/", returns=Banner, media_type=AS_IS, summary="Application banner", tags=TAGS)
def banner():
    return health.banner()


@router.get("/api/health/check", auth=ADMIN, returns=HealthCheck, tags=TAGS, summary="Component checks")
def check():
    return ENVELOPE.ok(health.check())


@router.get("/api/health/status", auth=ADMIN, returns=HealthSummary, tags=TAGS, summary="Overall status and uptime")
def status():
    return ENVELOPE.ok(health.summary())


@router.post("/api/health/check-bot/<bot_id>", auth=ADMIN, returns=BotCheck, errors=(404,), tags=TAGS,
             summary="Check a bot's credentials without sending")
def check_bot(bot_id: int):
    # Imported here: the platform clients (requests) would otherwise slow every cold /health probe.
    from kook.logic import bots  # noqa: PLC0415

    return ENVELOPE.ok(bots.check(bot_id))
