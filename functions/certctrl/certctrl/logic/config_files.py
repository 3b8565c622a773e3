"""A device's config files (`application`, `websocket`): what the server wants the agent's local configuration to
be. Saving one (POST creates, PUT replaces) emits `config.updated {reason: "config_file_saved", replace:
[{file, content}]}` in the same transaction, which the agent applies (application: the keys it allows, such as
`verbose`; websocket: the whole snapshot, then it reconnects). Deleting one stops managing it: the agent keeps
its last copy, so no signal is sent. Content is a JSON object of at most 16 KB.
"""

from __future__ import annotations

import json
from typing import Any

from certctrl import clock
from certctrl.logic import feed
from certctrl.models.entities import Device
from certctrl.store import device_data
from suite.errors import BadRequest, Conflict, NotFound

FILES = ("application", "websocket")
MAX_BYTES = 16 * 1024


def view(item: dict[str, Any]) -> dict[str, Any]:
    return {"file": item["file"], "content": item.get("content") or {}, "version": int(item["version"]),
            "updated_at": int(item["updated_at_ms"])}


def _name(name: str) -> str:
    if name not in FILES:
        raise NotFound(f"Config file {name!r} not found (files: {', '.join(FILES)})", code="404")
    return name


def listing(device: Device) -> list[dict[str, Any]]:
    return [view(item) for item in device_data.config_files(int(device.id))]


def get(device: Device, name: str) -> dict[str, Any]:
    item = device_data.config_file(int(device.id), _name(name))
    if item is None:
        raise NotFound(f"Config file {name!r} not found", code="404")
    return view(item)


def save(device: Device, name: str, content: dict[str, Any], *, create_only: bool) -> dict[str, Any]:
    name = _name(name)
    if len(json.dumps(content, ensure_ascii=False).encode("utf-8")) > MAX_BYTES:
        raise BadRequest(f"content: at most {MAX_BYTES // 1024} KB")
    device_id = int(device.id)
    saved: dict[str, Any] = {}

    def build(tx: Any) -> list[dict[str, Any]]:
        previous = device_data.config_file(device_id, name)
        if previous is not None and create_only:
            raise Conflict(f"Config file {name!r} exists; replace it with PUT", code="409")
        item = {"file": name, "content": content, "version": int(previous["version"]) + 1 if previous else 1,
                "updated_at_ms": clock.epoch_ms()}
        device_data.put_config_file(tx, device_id, item,
                                    expected_version=int(previous["version"]) if previous else None)
        saved.update(item)
        return [{"type": "config.updated", "ref": {"reason": "config_file_saved",
                                                    "replace": [{"file": name, "content": content}]}}]

    feed.emit(device_id, int(device.user_id), build)
    return view(saved)


def delete(device: Device, name: str) -> None:
    if not device_data.delete_config_file(int(device.id), _name(name)):
        raise NotFound(f"Config file {name!r} not found", code="404")
