"""`POST /notify/test` (device token; no body, as both clients send it): a test message to every enabled channel,
sent now, each channel's outcome answered."""

from __future__ import annotations

from ccjk import access
from ccjk.api import ENVELOPE
from ccjk.logic import test_send
from ccjk.models.notify import TestSent
from ccjk.routes.common import Quota, limited
from suite import auth
from suite.api import Router

router = Router()


@router.post("/notify/test", auth=access.DEVICE, returns=TestSent, errors=(400, 429),
             middlewares=[limited(Quota("notify-test", 10, 60))],
             summary="Send a test message to every enabled channel now; per-channel results", tags=["notify"])
def notify_test():
    return ENVELOPE.ok(test_send.send(auth.caller()))
