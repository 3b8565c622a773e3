"""The service's stored entities as plain dataclasses: what store/ reads and writes and logic/ works with."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

PROVIDERS = ("feishu", "dingtalk", "wecom")


@dataclass
class Channel:
    """One notification robot of a device. Webhook URL and signing secret are sealed (KMS envelope encryption):
    the URL carries the robot's credential too. `webhook_display` is the masked form shown to clients."""

    provider: str  # feishu | dingtalk | wecom
    label: str  # the type name the client used: wechat is an alias of wecom, answered as it was sent
    enabled: bool
    webhook_sealed: str
    webhook_display: str
    secret_sealed: str | None = None
    updated_at: str = ""


@dataclass
class Device:
    device_id: str
    name: str
    token_digest: str
    created_at: str
    last_seen_at: str
    type: str | None = None
    platform: str | None = None
    hostname: str | None = None
    version: str | None = None
    user_id: str | None = None
    channels: dict[str, Channel] = field(default_factory=dict)  # provider → channel
    channels_version: int = 0  # optimistic lock for channel updates
    # -- issue 18 ------------------------------------------------------------------------------------------------
    os_version: str | None = None  # CCJKCloudClient's deviceInfo on /bind/use
    arch: str | None = None
    machine_id: str | None = None
    heartbeat_status: str | None = None  # what the daemon last reported: online | busy | offline
    last_heartbeat_at: str | None = None


@dataclass
class User:
    user_id: str
    email: str
    name: str
    password_hash: str
    tier: str
    created_at: str


@dataclass
class BindCode:
    code: str
    user_id: str
    status: str  # pending | bound
    created_at: str
    expires_at: int  # epoch seconds; also the TTL attribute
    device_id: str | None = None
    bound_at: str | None = None


@dataclass
class Delivery:
    """The outcome so far of one notification on one channel."""

    status: str = "pending"  # pending | sent | failed
    attempts: int = 0
    error: str | None = None
    http_status: int | None = None
    last_attempt_at: str | None = None
    delivered_at: str | None = None


@dataclass
class Notification:
    notification_id: str
    device_id: str
    type: str
    title: str | None
    body: str
    priority: str
    created_at: str
    expires_at: int
    deliveries: dict[str, Delivery] = field(default_factory=dict)  # provider → delivery
    data: dict[str, Any] | None = None
    wait_reply: bool = False
    task_id: str | None = None
    # -- issue 18 ------------------------------------------------------------------------------------------------
    actions: list[dict[str, Any]] = field(default_factory=list)  # [{id, label, value, primary}] reply options
    task: dict[str, Any] | None = None
    metadata: dict[str, Any] | None = None
    reply_code: str | None = None  # `#<code> <answer>` in a chat replies to it (while it waits for a reply)
    reply_until: int | None = None  # epoch seconds: replies are taken until then
    card_id: str | None = None  # a cloud-control card (POST /api/control/mobile/send-card): buttons make commands
    last_reply: dict[str, Any] | None = None  # the newest reply (GET /reply/{notificationId})

    @property
    def status(self) -> str:
        """pending until every channel is final; then sent when all were delivered, else failed."""
        states = [d.status for d in self.deliveries.values()]
        if not states or "pending" in states:
            return "pending"
        return "sent" if all(s == "sent" for s in states) else "failed"


@dataclass
class SyncItem:
    item_type: str  # skills | mcpServers | prompts | hooks
    item_id: str
    content: Any
    content_hash: str
    version: int
    updated_at: str
    updated_at_ms: int


@dataclass
class SyncConflict:
    conflict_id: str
    item_type: str
    item_id: str
    local_content: Any
    local_hash: str
    remote_version: int
    remote_hash: str
    detected_at: str


# -- issue 18: replies and cloud control ------------------------------------------------------------------------

@dataclass
class Reply:
    """An answer to a notification: a button click or a text reply on a platform, or a manual reply."""

    reply_id: str
    device_id: str
    notification_id: str
    channel: str  # feishu | dingtalk | wechat | manual
    content: str
    created_at: str  # ISO with milliseconds and Z: sorts by time
    expires_at: int
    action_id: str | None = None
    task_id: str | None = None
    metadata: dict[str, Any] = field(default_factory=dict)
