"""Media for the senders: from the MediaBucket when an earlier delivery (or retry) already fetched it, else
downloaded from KOOK once and kept there. Targets always get the bytes, never a link to us."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from kook.providers import kook_assets
from kook.store import media as media_store
from suite.outbound import ProviderError

# Download failures that retrying cannot fix, as the note the target gets instead of the file.
_PROBLEMS = {"rejected": "KOOK上已无法获取", "too_large": "文件过大", "unsafe_url": "不是KOOK的文件地址"}


@dataclass(frozen=True)
class Fetched:
    item: dict[str, Any]  # the job's media entry: url, kind, name, size, file_type
    stored: media_store.StoredMedia | None  # None: KOOK no longer has it, or it is too large for any target
    problem: str = ""

    @property
    def size(self) -> int:
        return len(self.stored.data) if self.stored else 0

    @property
    def filename(self) -> str:
        name = self.item.get("name") or (self.stored.filename if self.stored else "") or "file"
        return name[:200]


def fetch(item: dict[str, Any]) -> Fetched:
    """The file of one media entry. A file KOOK refuses or that is too large comes back without bytes (the
    sender mentions it in text); a transport failure raises ProviderError, so the delivery is retried."""
    key = media_store.key_for(item["url"])
    stored = media_store.get(key)
    if stored is not None:
        return Fetched(item, stored)
    try:
        data, content_type = kook_assets.download(item["url"])
    except ProviderError as exc:
        if exc.reason in _PROBLEMS:
            return Fetched(item, None, problem=_PROBLEMS[exc.reason])
        raise
    if item.get("file_type") and content_type == "application/octet-stream":
        content_type = item["file_type"]
    stored = media_store.put(key, data, content_type=content_type, filename=item.get("name") or "file")
    return Fetched(item, stored)


def note(fetched: Fetched, reason: str | None = None) -> str:
    """A line telling the target a file could not be uploaded, with KOOK's own (public) link."""
    label = {"image": "图片", "video": "视频", "audio": "音频"}.get(fetched.item.get("kind"), "文件")
    why = reason or fetched.problem or "无法上传"
    return f"[{label}] {fetched.item.get('name') or ''} 未能转发（{why}）：{fetched.item['url']}".replace("  ", " ")
