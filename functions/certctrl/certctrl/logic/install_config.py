"""A device's install config (the agent's plan of copy / exec / import_ca steps) and its history.

The DTO is the original's: `{id, user_device_id, version, installs[], installs_hash, after_update_script,
updated_by, created_at, updated_at}` (times in epoch seconds). There is one config per device, so its `id` is the
device's id. A device without one reads the default `{id: 0, version: 0, installs: []}` (the agent treats any
answer but 200 as a failure). Every save or restore bumps `version`, keeps the previous versions (the last
HISTORY_KEPT) and emits `install.updated {config_id, version, installs_hash_b64}` in the same transaction.
`installs_hash` is the base64 SHA-256 of the items' canonical JSON (the original's algorithm is not public);
the same value is the signal's `installs_hash_b64`, which the agent compares with the config it fetches.

Items are stored as given; what is checked is what the agent needs to run them: an object with a unique string
`id` and a `type` of `copy` (with `from`/`to` lists of the same length), `exec` (`cmd` or `cmd_argv`) or
`import_ca` (with `ob_type: "ca"`); `ob_type` is `cert` or `ca` and `ob_id` an integer when present.
"""

from __future__ import annotations

import base64
import hashlib
import json
from collections.abc import Callable
from typing import Any

from certctrl import clock
from certctrl.logic import feed
from certctrl.logic.callers import UserCaller
from certctrl.models.entities import Device
from certctrl.store import device_data
from suite.errors import BadRequest, NotFound

HISTORY_KEPT = 50
UNSET: Any = object()  # install-config-update without after_update_script: the stored one stays
MAX_BYTES = 64 * 1024
TYPES = ("copy", "exec", "import_ca")


def canonical(installs: list[dict[str, Any]]) -> str:
    return json.dumps(installs, sort_keys=True, separators=(",", ":"), ensure_ascii=False)


def installs_hash(installs: list[dict[str, Any]]) -> str:
    return base64.b64encode(hashlib.sha256(canonical(installs).encode("utf-8")).digest()).decode()


def check(installs: list[dict[str, Any]]) -> list[dict[str, Any]]:
    seen: set[str] = set()
    for index, item in enumerate(installs):
        where = f"installs[{index}]"
        item_id = item.get("id")
        if not isinstance(item_id, str) or not item_id or len(item_id) > 128:
            raise BadRequest(f"{where}.id: a non-empty string is required")
        if item_id in seen:
            raise BadRequest(f"{where}.id: {item_id!r} is used twice")
        seen.add(item_id)
        kind = item.get("type")
        if kind not in TYPES:
            raise BadRequest(f"{where}.type: one of {', '.join(TYPES)}")
        if item.get("ob_type") not in (None, "cert", "ca"):
            raise BadRequest(f"{where}.ob_type: cert or ca")
        if "ob_id" in item and (not isinstance(item["ob_id"], int) or isinstance(item["ob_id"], bool)):
            raise BadRequest(f"{where}.ob_id: an integer")
        if kind == "copy":
            sources, targets = item.get("from"), item.get("to")
            if not isinstance(sources, list) or not isinstance(targets, list) or len(sources) != len(targets) \
                    or not all(isinstance(v, str) for v in [*sources, *targets]):
                raise BadRequest(f"{where}: copy needs string lists from and to of the same length")
        elif kind == "exec":
            if not isinstance(item.get("cmd"), str | list) and not isinstance(item.get("cmd_argv"), list):
                raise BadRequest(f"{where}: exec needs cmd or cmd_argv")
        elif item.get("ob_type") != "ca":
            raise BadRequest(f"{where}: import_ca needs ob_type \"ca\"")
    if len(canonical(installs).encode("utf-8")) > MAX_BYTES:
        raise BadRequest(f"installs: at most {MAX_BYTES // 1024} KB")
    return installs


def default(device: Device) -> dict[str, Any]:
    return {"id": 0, "user_device_id": int(device.id), "version": 0, "installs": [], "installs_hash": "",
            "after_update_script": None, "updated_by": None, "created_at": 0, "updated_at": 0}


def view(stored: dict[str, Any]) -> dict[str, Any]:
    return {key: stored.get(key) for key in ("id", "user_device_id", "version", "installs", "installs_hash",
                                             "after_update_script", "updated_by", "created_at", "updated_at")}


def current(device: Device) -> dict[str, Any]:
    stored = device_data.install_config(int(device.id))
    return view(stored) if stored else default(device)


def _author(caller: UserCaller) -> str:
    return caller.user.name if caller.via == "session" else f"apikey:{int(caller.api_key.key_id)}"


def _save(device: Device, *, installs: list[dict[str, Any]] | None = None, script: str | None = None,
          note: str | None, author: str,
          derive: Callable[[dict[str, Any] | None], tuple[list[dict[str, Any]], str | None]] | None = None
          ) -> dict[str, Any]:
    """Save a new version. `derive(previous)` computes the items and script from the current config instead (a
    patch): it runs again on fresh state when a concurrent save wins the race, so no change is lost."""
    device_id = int(device.id)
    saved: dict[str, Any] = {}

    def build(tx: Any) -> list[dict[str, Any]]:
        nonlocal installs, script
        now = clock.epoch()
        previous = device_data.install_config(device_id)
        if derive is not None:
            installs, script = derive(previous)
        assert installs is not None
        version = int(previous["version"]) + 1 if previous else 1
        config = {"id": device_id, "user_device_id": device_id, "version": version, "installs": installs,
                  "installs_hash": installs_hash(installs), "after_update_script": script, "updated_by": author,
                  "created_at": int(previous["created_at"]) if previous else now, "updated_at": now}
        device_data.put_install_config(tx, config, expected_version=version - 1)
        device_data.put_history(tx, device_id, {"version": version, "installs": installs,
                                                "installs_hash": config["installs_hash"],
                                                "after_update_script": script, "change_note": note,
                                                "updated_by": author, "created_at": now}, keep=HISTORY_KEPT)
        saved.update(config)
        return [{"type": "install.updated", "ref": {"config_id": device_id, "version": version,
                                                     "installs_hash_b64": config["installs_hash"]}}]

    feed.emit(device_id, int(device.user_id), build)
    return view(saved)


def save(caller: UserCaller, device: Device, *, installs: list[dict[str, Any]], after_update_script: str | None,
         change_note: str | None) -> dict[str, Any]:
    return _save(device, installs=check(installs), script=after_update_script, note=change_note,
                 author=_author(caller))


def restore(caller: UserCaller, device: Device, *, version: int, change_note: str | None) -> dict[str, Any]:
    entry = device_data.history_entry(int(device.id), version)
    if entry is None:
        raise NotFound(f"Version {version} is not in the history", code="404")
    note = change_note or f"restored version {version}"
    return _save(device, installs=entry.get("installs") or [], script=entry.get("after_update_script"), note=note,
                 author=_author(caller))


def histories(device: Device, *, offset: int, limit: int) -> tuple[list[dict[str, Any]], int]:
    entries = device_data.history(int(device.id), offset=offset, limit=limit)
    keys = ("version", "installs", "installs_hash", "after_update_script", "change_note", "updated_by", "created_at")
    return [{k: e.get(k) for k in keys} for e in entries], device_data.history_count(int(device.id))


# ------------------------------------------------------------------------------------- automation patches

PATCHABLE = ("type", "enabled", "cmd", "cmd_argv", "timeout_ms", "env", "to", "from", "continue_on_error",
             "depends_on", "tags", "run_as", "verify", "ob_name")
MATCH_KEYS = ("ob_type", "ob_id", "id")


def _flatten(patch: dict[str, Any], index: int) -> dict[str, Any]:
    """A patch as the server applies it: legacy `changes:{...}` merged in, `details` dropped."""
    if not isinstance(patch, dict):
        raise BadRequest(f"patches[{index}]: an object is required")
    flat = {k: v for k, v in patch.items() if k not in ("changes", "details")}
    changes = patch.get("changes")
    if isinstance(changes, dict):
        flat.update({k: v for k, v in changes.items() if k != "details"})
    if flat.get("ob_type") not in ("cert", "ca"):
        raise BadRequest(f"patches[{index}].ob_type: cert or ca")
    if not isinstance(flat.get("ob_id"), int) or isinstance(flat.get("ob_id"), bool):
        raise BadRequest(f"patches[{index}].ob_id: an integer")
    if flat["ob_type"] == "cert" and ("cmd" in flat or "cmd_argv" in flat):
        raise BadRequest(f"patches[{index}]: a cert patch cannot set cmd or cmd_argv")
    return flat


def patch(caller: UserCaller, device: Device, patches: list[dict[str, Any]], *,
          after_update_script: Any = UNSET) -> dict[str, Any]:
    """`POST /apiv1/me/install-config-update/{device_public_id}`: each patch finds the items with its
    `(ob_type, ob_id[, id])` and merges the keys the server applies (unknown keys ignored); a patch that matches
    nothing and carries an `id` and a `type` becomes a new item. A new version, history and `install.updated`
    follow as for any save."""
    if not patches and after_update_script is UNSET:
        raise BadRequest("patches: at least one patch (or after_update_script)")
    flats = [_flatten(raw, index) for index, raw in enumerate(patches)]

    def derive(stored: dict[str, Any] | None) -> tuple[list[dict[str, Any]], str | None]:
        installs = [dict(item) for item in (stored or {}).get("installs") or []]
        for index, flat in enumerate(flats):
            targets = [item for item in installs if item.get("ob_type") == flat["ob_type"]
                       and item.get("ob_id") == flat["ob_id"]
                       and (flat.get("id") is None or item.get("id") == flat["id"])]
            values = {k: v for k, v in flat.items() if k in PATCHABLE}
            if targets:
                for item in targets:
                    item.update(values)
            elif isinstance(flat.get("id"), str) and flat.get("type") in TYPES:
                installs.append({k: flat[k] for k in (*MATCH_KEYS, *PATCHABLE) if k in flat})
            else:
                raise NotFound(f"patches[{index}]: no install item for {flat['ob_type']} {flat['ob_id']}",
                               code="404")
        script = (stored or {}).get("after_update_script") if after_update_script is UNSET \
            else after_update_script
        return check(installs), script

    return _save(device, note="install-config-update", author=_author(caller), derive=derive)
