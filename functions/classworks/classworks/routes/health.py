"""GET /api/check: the original's liveness route, under the spec's /api base."""

import time

from suite.api import Router

router = Router()


@router.get("/api/check", summary="Service check", tags=["health"])
def check() -> dict:
    return {"status": "success", "message": "Classworks KV is running", "time": int(time.time() * 1000)}
