"""GitHub releases: `GET {GITHUB_API_BASE_URL}/repos/<owner>/<repo>/releases/latest`."""

from __future__ import annotations

import re
from typing import Any

from kook import config
from kook.providers import http
from suite.outbound import ProviderError, check_status, guarded, json_body

REPOSITORY = re.compile(r"^[A-Za-z0-9_.-]{1,100}/[A-Za-z0-9_.-]{1,100}$")


def latest_release(repository: str) -> dict[str, Any] | None:
    """The latest release (tag_name, name, body, html_url, published_at, assets), or None when there is none."""
    if not REPOSITORY.match(repository):
        raise ProviderError("rejected", "github: the configured repository name is invalid")
    base = config.get().base_url("github_api")
    client = http.for_base_url(base)
    response = guarded("github", lambda: client.get(
        f"{base}/repos/{repository}/releases/latest",
        headers={"Accept": "application/vnd.github+json", "X-GitHub-Api-Version": "2022-11-28"},
        deadline=http.deadline()))
    if response.status == 404:
        return None
    check_status("github", response)
    body = json_body("github", response)
    return {
        "tag_name": str(body.get("tag_name") or ""),
        "name": body.get("name") or "",
        "body": body.get("body") or "",
        "html_url": body.get("html_url") or "",
        "published_at": body.get("published_at") or "",
        "assets": [{"name": a.get("name", ""), "size": int(a.get("size") or 0),
                    "download_url": a.get("browser_download_url", "")} for a in body.get("assets") or []],
    }
