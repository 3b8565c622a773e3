"""Deployment configuration, read from the environment the template sets (at call time, so tests can change it)."""

from __future__ import annotations

import os

DEFAULT_BASE_URLS = {
    "kook": "https://www.kookapp.cn",
    "discord": "https://discord.com",
    "telegram": "https://api.telegram.org",
    "feishu": "https://open.feishu.cn",
    "github_api": "https://api.github.com",
}


def base_url(provider: str) -> str:
    """`<PROVIDER>_BASE_URL`, or the real provider."""
    # Imported here: the HTTP client stack (requests) stays out of functions that never call a provider.
    from suite.outbound import provider_base_url  # noqa: PLC0415

    return provider_base_url(provider, DEFAULT_BASE_URLS[provider])


def config_table() -> str:
    return os.environ["CONFIG_TABLE"]


def logs_table() -> str:
    return os.environ["LOGS_TABLE"]


def backup_bucket() -> str:
    return os.environ["BACKUP_BUCKET"]


def _int(name: str, default: int, minimum: int = 1) -> int:
    try:
        return max(minimum, int(os.environ.get(name, "") or default))
    except ValueError:
        return default


def log_retention_days() -> int:
    """Default retention of message logs (and their stats counters); system-config may override it."""
    return _int("LOG_RETENTION_DAYS", 30)


def backup_retention_count() -> int:
    """How many automatic backups the schedule keeps."""
    return _int("BACKUP_RETENTION_COUNT", 7)


def static_api_token() -> str:
    """The optional static API token (the original's `.env API_TOKEN`); empty means disabled."""
    return os.environ.get("API_TOKEN", "").strip()


def forward_queue_urls() -> list[str]:
    """The SQS queues of the forwarding pipeline (comma separated); empty until the pipeline declares them."""
    return [url.strip() for url in os.environ.get("FORWARD_QUEUE_URLS", "").split(",") if url.strip()]


def update_repository() -> str:
    return os.environ.get("UPDATE_REPOSITORY", "gfchfjh/CSBJJWT").strip()


def reset_email_to() -> str:
    return os.environ.get("RESET_EMAIL_TO", "").strip()


def reset_email_from() -> str:
    return os.environ.get("RESET_EMAIL_FROM", "").strip()


def secrets_key_arn() -> str:
    return os.environ["SECRETS_KEY_ARN"]


# ------------------------------------------------------------------------------------------------ the pipeline

PLATFORMS = ("discord", "telegram", "feishu")
DEFAULT_KOOK_ASSET_HOSTS = "img.kookapp.cn,img.kaiheila.cn,img.kookapp.com"


def ingest_queue_url() -> str:
    return os.environ["INGEST_QUEUE_URL"]


def forward_queue_url(platform: str) -> str:
    """The FIFO queue of one target platform's sender."""
    return os.environ[f"{platform.upper()}_QUEUE_URL"]


def replay_pairs() -> dict[str, tuple[str, str]]:
    """Queue name → (dead-letter queue URL, source queue URL), for the DLQ replay."""
    pairs = {}
    for name in ("ingest", *PLATFORMS):
        dead, source = os.environ.get(f"{name.upper()}_DLQ_URL", ""), os.environ.get(f"{name.upper()}_QUEUE_URL", "")
        if dead and source:
            pairs[name] = (dead, source)
    return pairs


def media_bucket() -> str:
    return os.environ["MEDIA_BUCKET"]


def ws_management_endpoint() -> str:
    """`https://<api-id>.execute-api.<region>.amazonaws.com` of the live-log WebSocket API (no stage)."""
    return os.environ["WS_MANAGEMENT_ENDPOINT"].rstrip("/")


def kook_asset_hosts() -> frozenset[str]:
    """Hosts KOOK serves images and files from (the only hosts media is downloaded from)."""
    raw = os.environ.get("KOOK_ASSET_HOSTS", "") or DEFAULT_KOOK_ASSET_HOSTS
    return frozenset(host.strip().lower() for host in raw.split(",") if host.strip())


def status_pushes_per_run() -> int:
    """How many `{"type":"status"}` pushes one run of the minutely status schedule makes."""
    return _int("STATUS_PUSHES_PER_RUN", 4)


def status_push_interval_seconds() -> int:
    return _int("STATUS_PUSH_INTERVAL_SECONDS", 15)


def retry_base_seconds() -> int:
    """Backoff base of a failed delivery (full jitter: a retry waits up to base × 2^(attempt-1), capped)."""
    return _int("RETRY_BASE_SECONDS", 5)
