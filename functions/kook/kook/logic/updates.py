"""Update checks against the latest GitHub release of UPDATE_REPOSITORY (cached for an hour in DynamoDB)."""

from __future__ import annotations

import re
from typing import Any

from kook import clock, config
from kook.api import VERSION
from kook.errors import fail
from kook.logic import failures
from kook.providers import github
from kook.store import cache
from suite.outbound import ProviderError

CACHE_TTL_SECONDS = 3600
PLATFORM_ASSETS = {
    "windows": (".exe", ".msi", "win"),
    "macos": (".dmg", ".pkg", "mac", "darwin"),
    "linux": (".appimage", ".deb", ".rpm", "linux"),
}
PLATFORM_ALIASES = {"win": "windows", "win32": "windows", "mac": "macos", "darwin": "macos", "osx": "macos"}


def version_tuple(text: str) -> tuple[int, ...]:
    numbers = re.findall(r"\d+", text.split("-", 1)[0])
    return tuple(int(n) for n in numbers[:4]) or (0,)


def _release(*, refresh: bool = False) -> dict[str, Any]:
    """{release, checked_at}; release is None when the repository has no release yet."""
    repository = config.get().update_repository
    name = f"updates#{repository}"
    cached = None if refresh else cache.get(name)
    if cached is not None:
        return cached
    try:
        release = github.latest_release(repository)
    except ProviderError as exc:
        raise failures.as_api_error(exc, rejected_code="CONFIG_ERROR",
                                    rejected_message="无法从GitHub获取最新版本") from None
    entry = {"release": release, "checked_at": clock.iso(), "repository": repository}
    cache.put(name, entry, ttl_seconds=CACHE_TTL_SECONDS)
    return entry


def _latest_version(release: dict[str, Any] | None) -> str:
    if not release:
        return VERSION
    return release["tag_name"].lstrip("vV") or VERSION


def check(*, refresh: bool = False) -> dict[str, Any]:
    entry = _release(refresh=refresh)
    release = entry["release"]
    latest = _latest_version(release)
    return {
        "current_version": VERSION,
        "latest_version": latest,
        "update_available": version_tuple(latest) > version_tuple(VERSION),
        "release_notes": (release or {}).get("body", ""),
        "download_url": (release or {}).get("html_url", ""),
        "published_at": (release or {}).get("published_at"),
        "checked_at": entry["checked_at"],
    }


def status() -> dict[str, Any]:
    answer = check()
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
