"""GET /health: liveness for load balancers and the client's server probe (top-level shape, no envelope)."""

from suite.api import Router
from suite.envelopes import utc_timestamp

router = Router()


@router.get("/health", summary="Health check", tags=["health"])
def health() -> dict:
    return {"status": "ok", "timestamp": utc_timestamp()}
