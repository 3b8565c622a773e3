"""Response bodies of the health routes (pydantic). Components keep the original's names: `redis` is the
forwarding queues (SQS), `database` DynamoDB, `worker` the ingestion, `scrapers` the accounts."""

from __future__ import annotations

from pydantic import BaseModel


class Liveness(BaseModel):
    """`GET /health` (sent as is, as documented)."""

    status: str


class Banner(BaseModel):
    """`GET /` (sent as is, as documented)."""

    app: str
    version: str
    status: str


class QueueHealth(BaseModel):
    status: str  # up | down | not_configured
    latency_ms: int
    queue_size: int


class DatabaseHealth(BaseModel):
    status: str  # up | down
    latency_ms: int | None = None
    error: str | None = None


class WorkerHealth(BaseModel):
    status: str  # stopped | running | stale
    last_ingest_at: str | None = None
    seconds_since_last_ingest: int | None = None


class Scrapers(BaseModel):
    total: int
    active: int


class Components(BaseModel):
    """All four, or only `database` when DynamoDB cannot be read."""

    database: DatabaseHealth
    redis: QueueHealth | None = None
    worker: WorkerHealth | None = None
    scrapers: Scrapers | None = None


class HealthCheck(BaseModel):
    status: str  # healthy | degraded | unhealthy (the answer is 200 whatever it is)
    components: Components
    timestamp: str


class HealthSummary(BaseModel):
    status: str
    service_running: bool
    uptime_seconds: int
    version: str
    timestamp: str
