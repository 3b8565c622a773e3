"""Update checks against the latest GitHub release of UPDATE_REPOSITORY (cached for an hour in DynamoDB).

When GitHub cannot be reached (no connection, a timeout, its 5xx, its rate limit), the check answers as the
original did: `{success: false, message}` with the current version, and nothing is cached, so the next check
tries again (issue 13). A refusal that is the deployment's to fix (a bad repository name) stays an error.
"""

from __future__ import annotations

import re
from typing import Any

from kook import clock, config
from kook.api import VERSION
from kook.errors import fail
from kook.logic import failures
from kook.providers import github
from kook.store import cache
from suite.errors import ApiError
from suite.outbound import ProviderError

CACHE_TTL_SECONDS = 3600
UNREACHABLE = frozenset({"unreachable", "timeout", "rate_limited", "bad_response"})
UNREACHABLE_MESSAGE = "无法检查更新，请稍后重试"
PLATFORM_ASSETS = {
    "windows": (".exe", ".msi", "win"),
    "macos": (".dmg", ".pkg", "mac", "darwin"),
    "linux": (".appimage", ".deb", ".rpm", "linux"),
}
PLATFORM_ALIASES = {"win": "windows", "win32": "windows", "mac": "macos", "darwin": "macos", "osx": "macos"}


def version_tuple(text: str) -> tuple[int, ...]:
    numbers = re.findall(r"\d+", text.split("-", 1)[0])
    return tuple(int(n) for n in numbers[:4]) or (0,)


def _fetched(*, refresh: bool = False) -> dict[str, Any]:
    """{release, checked_at}; release is None when the repository has no release yet. ProviderError when GitHub
    fails (never cached)."""
    repository = config.get().update_repository
    name = f"updates#{repository}"
    cached = None if refresh else cache.get(name)
    if cached is not None:
        return cached
    release = github.latest_release(repository)
    entry = {"release": release, "checked_at": clock.iso(), "repository": repository}
    cache.put(name, entry, ttl_seconds=CACHE_TTL_SECONDS)
    return entry


def _as_error(exc: ProviderError) -> ApiError:
    return failures.as_api_error(exc, rejected_code="CONFIG_ERROR", rejected_message="无法从GitHub获取最新版本")


def _release(*, refresh: bool = False) -> dict[str, Any]:
    try:
        return _fetched(refresh=refresh)
    except ProviderError as exc:
        raise _as_error(exc) from None


def unreachable(exc: ProviderError) -> bool:
    """GitHub could not answer (a 403 without 429 is how GitHub states its API rate limit)."""
    return exc.reason in UNREACHABLE or (exc.reason == "rejected" and exc.status == 403)


def _latest_version(release: dict[str, Any] | None) -> str:
    if not release:
        return VERSION
    return release["tag_name"].lstrip("vV") or VERSION


def _downloads(release: dict[str, Any] | None) -> dict[str, str | None]:
    """The installer of each desktop platform in the release (None where it has none)."""
    found: dict[str, str | None] = dict.fromkeys(PLATFORM_ASSETS)
    for platform, markers in PLATFORM_ASSETS.items():
        for asset in (release or {}).get("assets", []):
            if any(marker in asset["name"].lower() for marker in markers):
                found[platform] = asset["download_url"]
                break
    return found


def _checked(entry: dict[str, Any]) -> dict[str, Any]:
    release = entry["release"]
    latest = _latest_version(release)
    newer = version_tuple(latest) > version_tuple(VERSION)
    return {
        "current_version": VERSION,
        "latest_version": latest,
        "update_available": newer,
        "has_update": newer,  # the original front-end's name
        "release_notes": (release or {}).get("body", ""),
        "download_url": (release or {}).get("html_url", ""),
        "published_at": (release or {}).get("published_at"),
        "checked_at": entry["checked_at"],
        "data": {  # what the original's Advanced screen reads
            "has_update": newer, "current_version": VERSION, "latest_version": latest,
            "release_name": (release or {}).get("name", ""), "release_notes": (release or {}).get("body", ""),
            "published_at": (release or {}).get("published_at"), "release_url": (release or {}).get("html_url", ""),
            "downloads": _downloads(release), "checked_at": entry["checked_at"],
        },
    }


def check(*, refresh: bool = False) -> dict[str, Any]:
    """The check's answer; `success: false` (the original's answer) when GitHub cannot be reached."""
    try:
        entry = _fetched(refresh=refresh)
    except ProviderError as exc:
        if not unreachable(exc):
            raise _as_error(exc) from None
        return {"success": False, "message": UNREACHABLE_MESSAGE, "error_code": "NETWORK_ERROR",
                "current_version": VERSION, "checked_at": clock.iso()}
    return _checked(entry)


def status() -> dict[str, Any]:
    answer = _checked(_release())
    return {"current_version": VERSION, "latest_version": answer["latest_version"],
            "update_available": answer["update_available"], "last_check": answer["checked_at"],
            "repository": config.get().update_repository, "check_interval_hours": CACHE_TTL_SECONDS // 3600}


def latest() -> dict[str, Any]:
    release = _release()["release"]
    if release is None:
        raise fail(404, "CONFIG_NOT_FOUND", "该仓库还没有发布版本", solution="请稍后再检查")
    return {"version": _latest_version(release), "name": release["name"], "published_at": release["published_at"],
            "release_notes": release["body"], "download_url": release["html_url"], "assets": release["assets"]}


def download(platform: str) -> dict[str, Any]:
    wanted = PLATFORM_ALIASES.get(platform.lower(), platform.lower())
    if wanted not in PLATFORM_ASSETS:
        raise fail(400, "INVALID_PARAM", "platform 必须是 windows、macos 或 linux")
    release = _release()["release"]
    for asset in (release or {}).get("assets", []):
        name = asset["name"].lower()
        if any(marker in name for marker in PLATFORM_ASSETS[wanted]):
            return {"platform": wanted, "version": _latest_version(release), "file_name": asset["name"],
                    "size": asset["size"], "download_url": asset["download_url"]}
    raise fail(404, "CONFIG_NOT_FOUND", f"最新版本没有 {wanted} 的安装包",
               solution=f"请前往 {(release or {}).get('html_url') or 'GitHub Releases'} 手动下载")
