"""Proxy configs (the password sealed with KMS, shown as "****"), the default proxy, and the connectivity
test: a real tunnel through the proxy (providers/proxy_probe.py), SSRF-guarded."""

from __future__ import annotations

from typing import Any

from relay import clock, config
from relay.logic import oplog
from relay.models.entities import ProxyConfig
from relay.providers import proxy_probe
from relay.store import proxies, secrets, sequences
from suite.errors import BadRequest, NotFound

MASK = "****"


def _seal(proxy_id: int, password: str | None) -> str | None:
    return secrets.seal(password, "proxy_password", proxy=proxy_id) if password else None


def _password(item: ProxyConfig) -> str | None:
    return secrets.open_sealed(item.password, "proxy_password", proxy=item.id) if item.password else None


def view(item: ProxyConfig) -> dict[str, Any]:
    return {"id": item.id, "name": item.name, "type": item.type, "host": item.host, "port": int(item.port),
            "username": item.username or "", "password": MASK if item.password else "",
            "has_password": bool(item.password), "enabled": bool(item.enabled), "is_default": bool(item.is_default),
            "test_status": item.test_status or "", "test_latency": int(item.test_latency or 0),
            "test_error": item.test_error or "", "last_test_at": clock.iso(item.last_test_at) if item.last_test_at
            else None, "remark": item.remark or "", "created_at": clock.iso(item.created_at),
            "updated_at": clock.iso(item.updated_at or item.created_at)}


def get(proxy_id: int) -> ProxyConfig:
    item = proxies.get(proxy_id)
    if item is None:
        raise NotFound("proxy not found")
    return item


def page(offset: int, limit: int, keyword: str | None) -> tuple[list[dict[str, Any]], int]:
    needle = (keyword or "").strip().lower()
    found = [p for p in sorted(proxies.every(), key=lambda p: p.id, reverse=True)
             if not needle or needle in f"{p.name} {p.host} {p.remark}".lower()]
    return [view(p) for p in found[offset:offset + limit]], len(found)


def enabled() -> list[dict[str, Any]]:
    return [view(p) for p in sorted(proxies.every(), key=lambda p: p.id) if p.enabled]


def default() -> dict[str, Any] | None:
    proxy_id = proxies.default_id()
    item = proxies.get(proxy_id) if proxy_id else None
    return view(item) if item else None


def create(fields: dict[str, Any]) -> dict[str, Any]:
    now = clock.now()
    proxy_id = sequences.next_id("proxy")
    password = fields.pop("password", None)
    item = proxies.new(proxy_id, **fields, password=_seal(proxy_id, password if password != MASK else None),
                       created_at=now, updated_at=now)
    proxies.save(item)
    answer = view(item)
    oplog.changed(None, answer, target=item.id, name=item.name)
    return answer


def update(proxy_id: int, fields: dict[str, Any]) -> dict[str, Any]:
    item = get(proxy_id)
    before = view(item)
    changes = {k: v for k, v in fields.items() if v is not None and k != "password"}
    password = fields.get("password")
    if password is not None and password != MASK:
        changes["password"] = _seal(item.id, password)  # "" clears it
    if changes:
        changes["updated_at"] = clock.now()
        if not proxies.update(item, changes):
            raise NotFound("proxy not found")
        item = get(proxy_id)
    after = view(item)
    oplog.changed(before, after, target=item.id, name=item.name)
    return after


def delete(proxy_id: int) -> None:
    item = get(proxy_id)
    if not proxies.delete(item):
        raise NotFound("proxy not found")
    oplog.changed(view(item), None, target=item.id, name=item.name)


def toggle(proxy_id: int) -> dict[str, Any]:
    return update(proxy_id, {"enabled": not get(proxy_id).enabled})


def make_default(proxy_id: int) -> dict[str, Any]:
    item = get(proxy_id)
    previous_id = proxies.default_id()
    previous = proxies.get(previous_id) if previous_id and previous_id != item.id else None
    if not proxies.set_default(item, previous):
        raise NotFound("proxy not found")
    after = view(get(proxy_id))
    oplog.changed({"default": previous_id}, {"default": item.id}, target=item.id, name=item.name)
    return after


def clear_default() -> dict[str, Any]:
    previous_id = proxies.default_id()
    proxies.clear_default(proxies.get(previous_id) if previous_id else None)
    oplog.changed({"default": previous_id}, {"default": None})
    return {"message": "default proxy cleared"}


def test(*, proxy_id: int | None, kind: str | None, host: str | None, port: int | None, username: str | None,
         password: str | None) -> dict[str, Any]:
    """Open a tunnel through the proxy to the probe target; a stored proxy records the outcome."""
    stored = get(proxy_id) if proxy_id else None
    if stored is not None:
        kind, host, port = kind or stored.type, host or stored.host, port or int(stored.port)
        username = username if username is not None else stored.username
        if password in (None, "", MASK):
            password = _password(stored)
    if not host or not port:
        raise BadRequest("host and port are required")
    settings = config.get()
    try:
        latency = proxy_probe.tunnel(kind or "http", host, int(port), username=username or None,
                                     password=password or None, target=settings.proxy_probe_target,
                                     trusted_origins=settings.trusted_origins)
        outcome = {"success": True, "message": "connected", "latency": latency, "error": ""}
    except proxy_probe.ProbeFailed as exc:
        outcome = {"success": False, "message": "failed", "latency": 0, "error": str(exc)}
    if stored is not None:
        proxies.update(stored, {"test_status": "success" if outcome["success"] else "failed",
                                "test_latency": outcome["latency"], "test_error": outcome["error"] or None,
                                "last_test_at": clock.now()})
    outcome["target"] = settings.proxy_probe_target
    oplog.changed(None, outcome, target=proxy_id or f"{host}:{port}")
    return outcome
