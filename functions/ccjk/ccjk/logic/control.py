"""Cloud control (docs/ccjk-client.md, Flow 7): the `ccjk daemon` registers, sends a heartbeat every 30 s, and runs
the commands it is handed; the owner drives it through command cards.

- A device's status is what its daemon last reported while that heartbeat is recent (logic/presence.py); shown
  in the owner's device lists.
- Commands are made only by a click on a card the device (or its owner) sent to the device's own channel
  (`POST /api/control/mobile/send-card`): the card is stored here, and the click names only the card and the
  action, so the platform never supplies a command. The daemon runs whatever it is handed without asking
  (`requireConfirm` is ignored by v9.4.13), so confirmation happens before: an action marked `confirm` is
  rendered with the platform's confirm dialog, and the click is the confirmation.
- A command is handed out once (heartbeat or pull), only to its device; only that device can report its result.
"""

from __future__ import annotations

import contextlib
from typing import Any

from ccjk import clock, config, ids
from ccjk.logic import notifications, presence
from ccjk.logic.channels import canonical
from ccjk.models.control import ControlRegister, Heartbeat, SendCard
from ccjk.models.entities import Delivery, Device, Notification
from ccjk.store import commands, heartbeats
from ccjk.store import devices as device_data
from suite.errors import BadRequest, NotFound

HEARTBEAT_WRITE_SECONDS = 10
COMMAND_RETENTION_SECONDS = 7 * 86_400
DEFAULT_TIMEOUT_MS = 300_000


# ------------------------------------------------------------------------------------------------ status

effective_status = presence.status


def _beat(device: Device, status: str) -> None:
    now = clock.now()
    heartbeats.record(device.device_id, status, clock.iso(now), clock.iso(now - HEARTBEAT_WRITE_SECONDS))
    device.heartbeat_status, device.last_heartbeat_at = status, clock.iso(now)


def register(device: Device, request: ControlRegister) -> dict[str, Any]:
    """The daemon's start: its profile, and the device is online."""
    fields = {"name": request.name, "platform": request.platform, "hostname": request.hostname,
              "version": request.version}
    device_data.update_profile(device.device_id, fields, clock.iso())
    _beat(device, "online")
    return {"device": {"id": device.device_id, "name": request.name or device.name,
                       "platform": request.platform or device.platform, "status": "online"}}


def heartbeat(device: Device, request: Heartbeat) -> dict[str, Any]:
    """Record the status; hand out the queued commands (none to a daemon going offline)."""
    _beat(device, request.status)
    pending = [] if request.status == "offline" else commands.hand_out(device.device_id, now_iso=clock.iso())
    return {"pendingTasks": pending, "deviceStatus": effective_status(device)}


def pending(device: Device) -> dict[str, Any]:
    return {"commands": commands.hand_out(device.device_id, now_iso=clock.iso())}


def result(device: Device, command_id: str, outcome: dict[str, Any]) -> dict[str, Any]:
    """The daemon's result of one of its own commands (another device's, or an unknown id: 404)."""
    found = commands.get(device.device_id, command_id) if 1 <= len(command_id) <= 64 else None
    if found is None:
        raise NotFound("Command not found", code="COMMAND_NOT_FOUND")
    status = "completed" if outcome.get("success") else "failed"
    if not commands.record_result(device.device_id, command_id, status=status, result=outcome, at=clock.iso()):
        status = (commands.get(device.device_id, command_id) or found)["status"]  # reported before: as it stands
    return {"commandId": command_id, "status": status}


# ------------------------------------------------------------------------------------------------ cards

def _target(caller: Device | str, device_id: str) -> Device:
    """The device a card is for: the calling device itself, or one of the calling user's devices."""
    if isinstance(caller, Device):
        if caller.device_id == device_id:
            return caller
    elif 1 <= len(device_id) <= 64:
        found = device_data.get(device_id)
        if found is not None and found.user_id == caller:
            return found
    raise NotFound("Device not found", code="DEVICE_NOT_FOUND")


def send_card(caller: Device | str, request: SendCard) -> dict[str, Any]:
    """Store the card and send it through the notification pipeline to the device's own channel."""
    device = _target(caller, request.deviceId)
    provider = canonical(request.channel)
    if provider is None:
        raise BadRequest(f"Channel not supported: {request.channel}", code="CHANNEL_NOT_SUPPORTED")
    channel = device.channels.get(provider)
    if channel is None or not channel.enabled:
        raise BadRequest(f"Channel not configured or disabled: {request.channel}", code="CHANNEL_NOT_CONFIGURED")
    template = request.template.model_dump(exclude_none=True)
    now = clock.now()
    card_id = ids.card_id()
    reply_until = int(now) + config.get().reply_window_seconds
    notification = Notification(
        notification_id=ids.notification_id(), device_id=device.device_id, type="system",
        title=request.template.name or "CCJK", body=request.message or request.template.message
        or request.template.description or request.template.name or "CCJK",
        priority="normal", created_at=clock.iso(now),
        expires_at=int(now) + config.get().notification_retention_days * 86_400,
        deliveries={provider: Delivery()}, wait_reply=True, card_id=card_id,
        actions=[{"id": a.id, "label": a.label, "style": a.style, "confirm": a.confirm}
                 for a in request.template.actions],
        metadata={"templateId": request.templateId})
    card = commands.card_actions(device_id=device.device_id, card_id=card_id, template=template,
                                 channel=provider, notification_id=notification.notification_id,
                                 created_at=notification.created_at, expires_at=reply_until)
    notifications.store_new(notification, waits=True, also=card)
    notifications.enqueue(notification, [provider])
    return {"cardId": card_id, "sentAt": notification.created_at, "channel": request.channel,
            "notificationId": notification.notification_id}


def card_action(card_id: str, action_id: str, *, event_key: str | None, device_id: str | None = None) -> bool:
    """A click (or a text reply naming an action) on a card: the card's action becomes a queued command for the
    card's device. False when the card is gone or has no such action; a platform event handled before is a no-op."""
    now = clock.now()
    found = commands.card(card_id, int(now))
    if found is None or (device_id is not None and found[0] != device_id):
        return False
    owner, template = found
    action = next((a for a in template.get("actions") or [] if a.get("id") == action_id), None)
    if action is None:
        return False
    command = {"id": ids.command_id(), "deviceId": owner, "commandType": "shell", "command": action["command"],
               "cwd": action.get("cwd"), "timeout": action.get("timeout") or DEFAULT_TIMEOUT_MS,
               "requireConfirm": False, "priority": "normal", "cardId": card_id, "actionId": action_id}
    command = {k: v for k, v in command.items() if v is not None}
    with contextlib.suppress(commands.Duplicate):  # the platform's retry of an event handled before
        commands.create(owner, command, created_at=clock.iso(now), expires_at=int(now) + COMMAND_RETENTION_SECONDS,
                        event_key=event_key, now=int(now))
    return True
