"""Every environment variable kook reads, typed, read once per execution environment (suite.config).

`config.get()` → Config. The template's Globals give every function the same variables, so the first request
of a cold start fails with a ConfigError naming a missing or malformed one, whichever function it is; only the
dead-letter queue URLs are the ReplayFunction's own (empty elsewhere). Tests change the environment and call
`suite.config.reset_all()` (the shared test client does that before every request).
"""

from __future__ import annotations

from dataclasses import dataclass, field

from suite.config import Environment, settings

PLATFORMS = ("discord", "telegram", "feishu")
QUEUES = ("ingest", *PLATFORMS)
DEFAULT_BASE_URLS = {
    "kook": "https://www.kookapp.cn",
    "discord": "https://discord.com",
    "telegram": "https://api.telegram.org",
    "feishu": "https://open.feishu.cn",
    "github_api": "https://api.github.com",
}
DEFAULT_KOOK_ASSET_HOSTS = ("img.kookapp.cn", "img.kaiheila.cn", "img.kookapp.com")


@dataclass(frozen=True)
class Config:
    config_table: str
    logs_table: str
    backup_bucket: str
    media_bucket: str
    secrets_key_arn: str
    utc_offset: str  # the display offset of every timestamp and stats day ("+08:00")
    log_retention_days: int  # default retention of message logs and their counters (system-config may override)
    backup_retention_count: int  # automatic backups the schedule keeps
    static_api_token: str  # the original's `.env API_TOKEN`; empty: disabled
    update_repository: str
    reset_email_to: str  # both empty: the e-mail password reset is disabled
    reset_email_from: str
    ingest_queue_url: str
    forward_queue_urls: tuple[str, ...]  # every queue of the pipeline (status and health count them)
    platform_queue_urls: dict[str, str] = field(hash=False)  # platform → its sender's FIFO queue
    dead_letter_urls: dict[str, str] = field(hash=False)  # queue name → its DLQ (ReplayFunction only)
    base_urls: dict[str, str] = field(hash=False)  # provider → base URL (`<PROVIDER>_BASE_URL`, else the real one)
    ws_management_endpoint: str  # https://<api-id>.execute-api.<region>.amazonaws.com of the live WebSocket API
    kook_asset_hosts: frozenset[str]  # the only hosts media is downloaded from
    status_pushes_per_run: int  # `{"type":"status"}` pushes per run of the minutely status schedule
    status_push_interval_seconds: int
    retry_base_seconds: int  # backoff base of a failed delivery (full jitter, capped)

    def base_url(self, provider: str) -> str:
        return self.base_urls[provider]

    def forward_queue_url(self, platform: str) -> str:
        return self.platform_queue_urls[platform]

    def replay_pairs(self) -> dict[str, tuple[str, str]]:
        """Queue name → (dead-letter queue URL, source queue URL), for the DLQ replay."""
        sources = {"ingest": self.ingest_queue_url, **self.platform_queue_urls}
        return {name: (dead, sources[name]) for name, dead in self.dead_letter_urls.items()}


def _load(env: Environment) -> Config:
    dead_letters = {name: url for name in QUEUES if (url := env.optional(f"{name.upper()}_DLQ_URL"))}
    return Config(
        config_table=env.text("CONFIG_TABLE"),
        logs_table=env.text("LOGS_TABLE"),
        backup_bucket=env.text("BACKUP_BUCKET"),
        media_bucket=env.text("MEDIA_BUCKET"),
        secrets_key_arn=env.text("SECRETS_KEY_ARN"),
        utc_offset=env.text("KOOK_UTC_OFFSET", "+08:00"),
        log_retention_days=env.integer("LOG_RETENTION_DAYS", 30, minimum=1),
        backup_retention_count=env.integer("BACKUP_RETENTION_COUNT", 7, minimum=1),
        static_api_token=env.text("API_TOKEN", ""),
        update_repository=env.text("UPDATE_REPOSITORY", "gfchfjh/CSBJJWT"),
        reset_email_to=env.text("RESET_EMAIL_TO", ""),
        reset_email_from=env.text("RESET_EMAIL_FROM", ""),
        ingest_queue_url=env.text("INGEST_QUEUE_URL"),
        forward_queue_urls=env.csv("FORWARD_QUEUE_URLS", ()),
        platform_queue_urls={platform: env.text(f"{platform.upper()}_QUEUE_URL") for platform in PLATFORMS},
        dead_letter_urls=dead_letters,
        base_urls={name: env.url(f"{name.upper()}_BASE_URL", default) for name, default in DEFAULT_BASE_URLS.items()},
        ws_management_endpoint=env.url("WS_MANAGEMENT_ENDPOINT"),
        kook_asset_hosts=frozenset(host.lower() for host in env.csv("KOOK_ASSET_HOSTS", DEFAULT_KOOK_ASSET_HOSTS)),
        status_pushes_per_run=env.integer("STATUS_PUSHES_PER_RUN", 4, minimum=1),
        status_push_interval_seconds=env.integer("STATUS_PUSH_INTERVAL_SECONDS", 15, minimum=1),
        retry_base_seconds=env.integer("RETRY_BASE_SECONDS", 5, minimum=1),
    )


get = settings(_load)
