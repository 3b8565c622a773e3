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
from suite import auth
from suite.api import Router

router = Router()
TAGS = ["control"]


@router.post("/api/control/devices/register", auth=access.DEVICE, returns=Registered,
             summary="The daemon starts: its profile, and the device is online", tags=TAGS)
def register(request: ControlRegister):
    return ENVELOPE.ok(control.register(auth.caller(), request))


@router.post("/api/control/devices/heartbeat", auth=access.DEVICE, returns=HeartbeatAnswer,
             summary="Every 30 s: the daemon's status; answers the commands queued for it (each handed out once)",
             tags=TAGS)
def heartbeat(request: Heartbeat):
    return ENVELOPE.ok(control.heartbeat(auth.caller(), request))


@router.get("/api/control/devices/pending", auth=access.DEVICE, returns=PendingCommands,
            summary="The commands queued for the device (each handed out once)", tags=TAGS)
def pending():
    return ENVELOPE.ok(control.pending(auth.caller()))


@router.post("/api/control/commands/<commandId>/result", auth=access.DEVICE, returns=ResultRecorded, errors=(404,),
             summary="The result of one of the device's commands", tags=TAGS)
def result(commandId: str, request: CommandResult):
    return ENVELOPE.ok(control.result(auth.caller(), commandId, request.model_dump()))


@router.post("/api/control/mobile/send-card", auth=access.DEVICE_OR_USER, returns=CardSent, errors=(404, 503),
             summary="Send a command card to the device's channel; a click on an action queues that command",
             tags=TAGS)
def send_card(request: SendCard):
    return ENVELOPE.ok(control.send_card(auth.caller(), request))
