"""GET /health: `{"status": "ok"}` with no envelope, as the spec says."""

from suite.api import Router

router = Router()


@router.get("/health", summary="Health check", tags=["health"])
def health() -> dict:
    return {"status": "ok"}
