"""GET /health, wrapped in the spec's `{"data": ...}` success envelope."""

from certctrl.api import ENVELOPE
from suite.api import Router

router = Router()


@router.get("/health", summary="Health check", tags=["health"])
def health():
    return ENVELOPE.ok({"status": "ok"})
