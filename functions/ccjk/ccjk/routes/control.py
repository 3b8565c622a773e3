"""Cloud control (`/api/control/*`): the `ccjk daemon`'s register, heartbeat, pending commands and results (its
device token), and command cards sent to the device's channel (the device's token, also as a Bearer token as the
daemon sends it, or the owner's session)."""

from __future__ import annotations

from ccjk import access
from ccjk.api import ENVELOPE
from ccjk.logic import control
from ccjk.models.control import (
    CardSent,
    CommandResult,
    ControlRegister,
    Heartbeat,
    HeartbeatAnswer,
    PendingCommands,
    Registered,
    ResultRecorded,
    SendCard,
)
from ccjk.routes.common import Quota, limited
from suite import auth
from suite.api import Router

router = Router()
TAGS = ["control"]
REGISTER = [limited(Quota("control-register", 10, 60))]
HEARTBEAT = [limited(Quota("control-heartbeat", 10, 60))]  # one every 30 s, with room for restarts
PENDING = [limited(Quota("control-pending", 30, 60))]
RESULTS = [limited(Quota("control-result", 120, 60))]
CARDS = [limited(Quota("control-card", 20, 60))]


@router.post("/api/control/devices/register", auth=access.DEVICE, returns=Registered, errors=(429,),
             middlewares=REGISTER,
             summary="The daemon starts: its profile, and the device is online", tags=TAGS)
def register(request: ControlRegister):
    return ENVELOPE.ok(control.register(auth.caller(), request))


@router.post("/api/control/devices/heartbeat", auth=access.DEVICE, returns=HeartbeatAnswer, errors=(429,),
             middlewares=HEARTBEAT,
             summary="Every 30 s: the daemon's status; answers the commands queued for it (each handed out once)",
             tags=TAGS)
def heartbeat(request: Heartbeat):
    return ENVELOPE.ok(control.heartbeat(auth.caller(), request))


@router.get("/api/control/devices/pending", auth=access.DEVICE, returns=PendingCommands, errors=(429,),
            middlewares=PENDING,
            summary="The commands queued for the device (each handed out once)", tags=TAGS)
def pending():
    return ENVELOPE.ok(control.pending(auth.caller()))


@router.post("/api/control/commands/<commandId>/result", auth=access.DEVICE, returns=ResultRecorded,
             errors=(404, 429), middlewares=RESULTS,
             summary="The result of one of the device's commands", tags=TAGS)
def result(commandId: str, request: CommandResult):
    return ENVELOPE.ok(control.result(auth.caller(), commandId, request.model_dump()))


@router.post("/api/control/mobile/send-card", auth=access.DEVICE_OR_USER, returns=CardSent, errors=(404, 429, 503),
             middlewares=CARDS,
             summary="Send a command card to the device's channel; a click on an action queues that command",
             tags=TAGS)
def send_card(request: SendCard):
    return ENVELOPE.ok(control.send_card(auth.caller(), request))
