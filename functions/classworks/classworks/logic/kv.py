"""Token-scoped KV storage (`/api/kv`): every operation acts on the token's device, within its permissions.

Values are JSON up to the original's body limit (Express `json()`: 100 kB = 102400 bytes); a larger body is a
413. Every accepted value therefore fits a single DynamoDB item (400 KB); the store refuses, with the same 413,
any item that would not (a guard for the day the body limit is raised). See docs/classworks.md.
"""

from __future__ import annotations

import json
from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any
from urllib.parse import urlencode

from classworks.clock import now_iso
from classworks.logic import limits, tokens
from classworks.logic.paging import skip_page
from classworks.logic.permissions import denied_message
from classworks.store import devices as device_store
from classworks.store import kv as store
from suite import observability
from suite.body import parse_json as parse_strict
from suite.errors import ApiError, BadRequest, Forbidden, NotFound, PayloadTooLarge, Unauthorized

MAX_BODY_BYTES = 100 * 1024
MAX_KEY_LENGTH = 191
LIST_DEFAULT_LIMIT = 100
LIST_MAX_LIMIT = 1000
SORT_FIELDS = ("key", "createdAt", "updatedAt")
BASE_PATH = "/api/kv"
TOKEN_FIELDS = ("token", "apptoken")
BATCH_FORMAT_MESSAGE = '请提供有效的JSON数据，格式为 {"key":{}, "key2":{}}'

KIND_LIMITS = {"read": limits.KV_READ, "write": limits.KV_WRITE, "delete": limits.KV_DELETE,
               "batch": limits.KV_BATCH}


@dataclass(frozen=True)
class Session:
    """An admitted KV request: who calls, the rate-limit headers to send back, where the token came from."""

    caller: tokens.Caller
    headers: dict[str, str] = field(default_factory=dict)
    token_source: str | None = None

    @property
    def token_in_body(self) -> bool:
        return bool(self.token_source and self.token_source.startswith("body:"))


def admit(token: str | None, source: str | None, kind: str, source_ip: str) -> Session:
    """Authenticate the app token (and where it came from, access.app_token) and count the request against its
    limit (per token; per IP without a valid token). 401 without a token or with an unknown/revoked one, 429
    over the limit."""
    limit = KIND_LIMITS[kind]
    caller = tokens.authenticate(token)
    if caller is None:
        limits.enforce(limit, f"ip:{source_ip}")
        raise Unauthorized("需要提供有效的token" if not token else "无效的token")
    headers = limits.enforce(limit, f"token:{caller.digest}")
    return Session(caller=caller, headers=headers, token_source=source)


def _check_key(session: Session, key: str) -> None:
    caller = session.caller
    if not caller.may(key):
        raise Forbidden(denied_message(key, caller.permission_prefix))


def _check_writable(session: Session) -> None:
    if session.caller.read_only:
        raise Forbidden("当前token为只读模式,无法修改数据")


def _stored_key(key: str) -> None:
    """Keys longer than any we store cannot exist (and would exceed DynamoDB's key size): 404 at once."""
    if _check_key_length(key):
        raise _not_found(key)


def _not_found(key: str) -> ApiError:
    return NotFound(f"未找到键名为 '{key}' 的记录")


# --- token and device ---------------------------------------------------------------------------------------

def _device(session: Session) -> dict[str, Any]:
    device = device_store.get(session.caller.device_uuid)
    if device is None:
        raise NotFound("设备不存在")
    return device


def info(session: Session) -> dict[str, Any]:
    """GET /kv/_info. Devices are never bound to accounts here, so the uuid is always shown."""
    device = _device(session)
    return {"device": {"id": device["id"], "name": device.get("name"), "createdAt": device["createdAt"],
                       "updatedAt": device["updatedAt"], "uuid": device["uuid"]},
            "hasAccount": False}


def token_info(session: Session) -> dict[str, Any]:
    device = _device(session)
    record = session.caller.record
    return {"success": True, "token": session.caller.token, "appId": tokens.shown_app_id(record),
            "deviceType": record.get("deviceType"), "isReadOnly": bool(record.get("isReadOnly")),
            "note": record.get("note"), "installedAt": record["installedAt"], "updatedAt": record["updatedAt"],
            "device": {"id": device["id"], "uuid": device["uuid"], "name": device.get("name"),
                       "namespace": device["namespace"]}}


# --- listing ------------------------------------------------------------------------------------------------

@dataclass(frozen=True)
class Listing:
    sort_by: str
    sort_dir: str
    limit: int
    skip: int

    @classmethod
    def from_query(cls, query: Mapping[str, str]) -> Listing:
        sort_by = query.get("sortBy") or "key"
        sort_dir = (query.get("sortDir") or "asc").lower()
        if sort_by not in SORT_FIELDS:
            raise BadRequest("sortBy 只能是 key、createdAt 或 updatedAt")
        if sort_dir not in ("asc", "desc"):
            raise BadRequest("sortDir 只能是 asc 或 desc")
        page = skip_page(query, default_limit=LIST_DEFAULT_LIMIT, max_limit=LIST_MAX_LIMIT)
        return cls(sort_by, sort_dir, page.limit, page.skip)

    def next_page(self, path: str, total: int) -> str | None:
        if self.skip + self.limit >= total or self.limit == 0:
            return None
        query = urlencode({"sortBy": self.sort_by, "sortDir": self.sort_dir, "limit": self.limit,
                           "skip": self.skip + self.limit})
        return f"{path}?{query}"


def _visible(session: Session, listing: Listing) -> list[dict[str, Any]]:
    """The device's keys this token may read, sorted as asked (ties broken by key)."""
    caller = session.caller
    entries = [entry for entry in store.list_metadata(caller.device_uuid) if caller.may(entry["key"])]
    entries.sort(key=lambda e: (e.get(listing.sort_by) or "", e["key"]), reverse=listing.sort_dir == "desc")
    return entries


def _metadata(session: Session, entry: Mapping[str, Any]) -> dict[str, Any]:
    return {"deviceId": session.caller.device_id, "key": entry["key"],
            "metadata": {"creatorIp": entry.get("creatorIp", ""), "createdAt": entry.get("createdAt"),
                         "updatedAt": entry.get("updatedAt")}}


def list_items(session: Session, query: Mapping[str, str]) -> dict[str, Any]:
    """GET /kv: keys with metadata; `total_rows` counts only keys this token may read."""
    listing = Listing.from_query(query)
    visible = _visible(session, listing)
    page = visible[listing.skip:listing.skip + listing.limit]
    answer: dict[str, Any] = {"items": [_metadata(session, e) for e in page], "total_rows": len(visible)}
    more = listing.next_page(BASE_PATH, len(visible))
    if more:
        answer["load_more"] = more
    return answer


def list_keys(session: Session, query: Mapping[str, str]) -> dict[str, Any]:
    """GET /kv/_keys. Unlike the original (whose total_rows was the page size), total_rows is the total."""
    listing = Listing.from_query(query)
    visible = _visible(session, listing)
    page = [e["key"] for e in visible[listing.skip:listing.skip + listing.limit]]
    answer: dict[str, Any] = {"keys": page, "total_rows": len(visible),
                              "current_page": {"limit": listing.limit, "skip": listing.skip, "count": len(page)}}
    more = listing.next_page(f"{BASE_PATH}/_keys", len(visible))
    if more:
        answer["load_more"] = more
    return answer


# --- single keys ----------------------------------------------------------------------------------------------

def get_value(session: Session, key: str) -> str:
    """GET /kv/:key: the stored JSON text, exactly as stored (no envelope)."""
    _check_key(session, key)
    _stored_key(key)
    item = store.get(session.caller.device_uuid, key)
    if item is None:
        raise _not_found(key)
    return item["value"]


def get_metadata(session: Session, key: str) -> dict[str, Any]:
    _check_key(session, key)
    _stored_key(key)
    item = store.get_metadata(session.caller.device_uuid, key)
    if item is None:
        raise _not_found(key)
    return _metadata(session, item)


def parse_json(text: str | bytes | None) -> Any:
    """Strict JSON: UTF-8, no lone surrogates, no NaN/Infinity, no numbers that overflow a double (suite.body,
    then our own encoding, which refuses non-finite numbers); an empty body is `{}`. ValueError otherwise."""
    if isinstance(text, bytes):
        text = text.decode("utf-8")  # UnicodeDecodeError is a ValueError: bytes that are not UTF-8 are refused
    if text is None or not text.strip():
        return {}
    value = parse_strict(text)
    try:
        encode(value)  # what cannot be written back (NaN, 1e999, nesting beyond the recursion limit) is refused
    except RecursionError:
        raise ValueError("nested too deeply") from None
    return value


def encode(value: Any) -> str:
    return json.dumps(value, ensure_ascii=False, separators=(",", ":"), allow_nan=False)


def _check_body_size(body: bytes) -> None:
    if len(body) > MAX_BODY_BYTES:
        raise PayloadTooLarge(f"请求体过大，最大 {MAX_BODY_BYTES // 1024}KB")


def _check_key_length(key: str) -> str | None:
    if not key or len(key) > MAX_KEY_LENGTH:
        return f"键名长度必须在1到{MAX_KEY_LENGTH}个字符之间"
    return None


def _without_token(value: Any, session: Session) -> Any:
    # A token sent in the body must not end up stored inside the value.
    if session.token_in_body and isinstance(value, dict):
        return {k: v for k, v in value.items() if k not in TOKEN_FIELDS}
    return value


def put_value(session: Session, key: str, body: bytes, source_ip: str) -> dict[str, Any]:
    """POST /kv/:key: store a JSON object or array (null or an empty body store `{}`), as the original's
    strict body parser accepted them; `body` is the request's bytes as sent."""
    _check_writable(session)
    _check_key(session, key)
    problem = _check_key_length(key)
    if problem:
        raise BadRequest(problem)
    _check_body_size(body)
    try:
        value = parse_json(body)
    except ValueError:
        raise BadRequest("无效的数据格式") from None
    if value is None or value == "":
        value = {}
    if not isinstance(value, dict | list):
        raise BadRequest("无效的数据格式")
    now = now_iso()
    try:
        created = store.upsert(session.caller.device_uuid, key, encode(_without_token(value, session)),
                               source_ip, now)
    except store.ItemTooLarge:
        raise PayloadTooLarge("值过大，无法存储") from None
    return {"deviceId": session.caller.device_id, "key": key, "created": created, "updatedAt": now}


def delete_value(session: Session, key: str) -> None:
    _check_writable(session)
    _check_key(session, key)
    _stored_key(key)
    if not store.delete(session.caller.device_uuid, key):
        raise _not_found(key)


# --- batch import ----------------------------------------------------------------------------------------------

def _batch_entry_problem(session: Session, key: str, value: Any) -> str | None:
    caller = session.caller
    problem = _check_key_length(key)
    if problem:
        return problem
    if not caller.may(key):
        return denied_message(key, caller.permission_prefix)
    if len(encode(value).encode("utf-8")) > MAX_BODY_BYTES:
        return "值过大，无法存储"
    return None


def _failure_message(error: Exception) -> str:
    if isinstance(error, store.ItemTooLarge):
        return "值过大，无法存储"
    return "写入失败，请重试"


def batch_import(session: Session, body: bytes, source_ip: str) -> dict[str, Any]:
    """POST /kv/_batchimport `{"k1": v1, ...}`: every key judged on its own (permission, length, size);
    the answer lists what was written and what failed, and is a 200 even when some keys failed."""
    _check_writable(session)
    _check_body_size(body)
    try:
        data = parse_json(body)
    except ValueError:
        raise BadRequest(BATCH_FORMAT_MESSAGE) from None
    if isinstance(data, dict) and session.token_in_body:
        data = {k: v for k, v in data.items() if k not in TOKEN_FIELDS}
    if not isinstance(data, dict) or not data:
        raise BadRequest(BATCH_FORMAT_MESSAGE)
    errors: list[dict[str, str]] = []
    accepted: list[tuple[str, str]] = []
    for key, sent in data.items():
        value = {} if sent is None or sent == "" else sent  # as for single writes: nothing stores {}
        problem = _batch_entry_problem(session, key, value)
        if problem:
            errors.append({"key": key, "error": problem})
        else:
            accepted.append((key, encode(value)))
    outcomes = store.upsert_many(session.caller.device_uuid, accepted, source_ip, now_iso())
    results = []
    for key, outcome in outcomes:
        if isinstance(outcome, Exception):
            observability.logger().warning("batch import write failed", extra={"error": type(outcome).__name__})
            errors.append({"key": key, "error": _failure_message(outcome)})
        else:
            results.append({"key": key, "isNew": outcome})
    body: dict[str, Any] = {"deviceId": session.caller.device_id,
                            "summary": {"total": len(data), "successful": len(results), "failed": len(errors)},
                            "results": results}
    if errors:
        body["errors"] = errors
    return {"code": 200, "message": "批量导入成功", "data": body}
