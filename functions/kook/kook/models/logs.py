"""Response bodies of the logs routes (pydantic)."""

from __future__ import annotations

from pydantic import BaseModel


class LogRow(BaseModel):
    """One delivery of one KOOK message to one target (`id` = `<kook_message_id>:<target>`)."""

    id: str
    kook_message_id: str
    kook_channel_id: str | None
    content: str
    message_type: str
    sender_name: str
    target_platform: str | None
    target_channel: str
    target_bot_id: int | None
    mapping_id: int | None
    status: str | None  # success | failed | pending
    error_message: str | None
    latency_ms: int | None
    attempts: int
    created_at: str
    updated_at: str | None


class LogPage(BaseModel):
    data: list[LogRow]
    total: int
    page: int
    limit: int


class Figures(BaseModel):
    total: int
    success: int
    failed: int
    pending: int
    success_rate: float  # percent, one decimal
    avg_latency_ms: int  # of the successes


class LogStats(Figures):
    """The original's `/api/logs/stats` body. Its `success` is the count of successful deliveries, as the
    original's clients read it, so this body is sent as is (no `success: true` flag)."""

    by_platform: dict[str, int]
    period: str


class PlatformStats(BaseModel):
    period: str
    platforms: dict[str, Figures]


class Trend(BaseModel):
    hours: list[str]  # "HH:00", oldest first
    counts: list[int]
    timestamps: list[str]


class Cleared(BaseModel):
    message: str
    deleted: int
    complete: bool  # false: the call ran out of time, call again
    days: int


class LogExport(BaseModel):
    """The JSON export file (sent as is)."""

    export_time: str
    count: int
    logs: list[LogRow]
