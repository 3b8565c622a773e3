"""GET /health: public liveness probe."""

from suite.api import Router

router = Router()


@router.get("/health", summary="Health check", tags=["health"])
def health() -> dict:
    return {"status": "healthy"}
