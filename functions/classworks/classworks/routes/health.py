"""GET /api/check: the original's liveness route, under the spec's /api base."""

from classworks import clock
from classworks.models.health import Health
from classworks.routes.common import ok
from suite.api import Router

router = Router()


@router.get("/api/check", returns=Health, summary="Service check", tags=["health"])
def check():
    return ok({"status": "success", "message": "Classworks KV is running", "time": clock.now_ms()})
