"""The four APIs the proxy serves ("surfaces"): their routes, what a request to the upstream looks like, and how
the relay's own errors look in each API's format (so an SDK raises its usual typed error).

Passthrough: the client's body bytes reach the upstream unchanged unless a documented rewrite applies, and then
only the named field changes (the JSON is re-serialised):

1. model mapping: the account's `model_mapping` (exact, else longest case-insensitive prefix) replaces `model`;
2. `/openai/v1/chat/completions`: a model written `<accountType>,<model>` picks the account type and the
   prefix is removed; a streamed request without `stream_options.include_usage` gets it (so usage can be
   counted) and the extra usage-only chunk is kept from the client;
3. `/gemini/v1/chat`: a native Gemini body (`contents`) loses only the relay's fields `model` and `stream`
   (Gemini refuses unknown fields); an OpenAI-style body (`messages`, the original's documented form) is
   converted to `contents`/`systemInstruction`/`generationConfig`/`tools`. The model goes in the URL.

Headers: the client's headers go upstream except credentials, cookies, hop-by-hop and proxy/CDN headers;
the account's credential is added (`x-api-key`, or `Authorization: Bearer` + `anthropic-beta: oauth-…` for
Claude OAuth; `Authorization: Bearer` for OpenAI; `x-goog-api-key` or a bearer for Gemini), and Claude's
`anthropic-version` defaults to 2023-06-01.
"""

from __future__ import annotations

import gzip
import hashlib
import json
import zlib
from dataclasses import dataclass
from typing import Any

from relay.logic.proxy_pool import ProxyRefusal, UpstreamAccount
from relay.logic.usage_parsing import CLAUDE, GEMINI, OPENAI, RESPONSES

PLATFORM = {CLAUDE: "claude", OPENAI: "openai", RESPONSES: "openai", GEMINI: "gemini"}

# path → (surface, upstream path appended to the account's base URL)
ROUTES: dict[str, tuple[str, str]] = {
    "/claude/v1/messages": (CLAUDE, "/v1/messages"),
    "/openai/v1/chat/completions": (OPENAI, "/v1/chat/completions"),
    "/gemini/v1/chat": (GEMINI, ""),  # the URL names the model: see gemini_path
    "/responses": (RESPONSES, "/responses"),
    "/v1/responses": (RESPONSES, "/responses"),
    "/openai/responses": (RESPONSES, "/responses"),
    "/openai/v1/responses": (RESPONSES, "/responses"),
    "/responses/compact": (RESPONSES, "/responses/compact"),
    "/v1/responses/compact": (RESPONSES, "/responses/compact"),
    "/openai/responses/compact": (RESPONSES, "/responses/compact"),
    "/openai/v1/responses/compact": (RESPONSES, "/responses/compact"),
}

# Where an account of each type points when it names no base URL (the wiring task applies these).
DEFAULT_BASE_URLS = {
    "claude-official": "https://api.anthropic.com", "claude-console": "https://api.anthropic.com",
    "openai": "https://api.openai.com", "openai-responses": "https://chatgpt.com/backend-api/codex",
    "gemini": "https://generativelanguage.googleapis.com/v1beta",
    "gemini-api": "https://generativelanguage.googleapis.com/v1beta",
}
DEFAULT_MODEL = {GEMINI: "gemini-pro"}
ANTHROPIC_VERSION = "2023-06-01"
OAUTH_BETA = "oauth-2025-04-20"
MAX_BODY_BYTES = 20 * 1024 * 1024

# Never forwarded: credentials, hop-by-hop, what the relay sets itself, and what says where the client is.
_DROPPED = frozenset({
    "authorization", "x-api-key", "x-goog-api-key", "api-key", "cookie", "host", "content-length",
    "transfer-encoding", "connection", "keep-alive", "upgrade", "te", "trailer", "proxy-authorization",
    "proxy-connection", "accept-encoding", "content-encoding", "forwarded", "via", "x-real-ip",
    "true-client-ip", "x-session-id", "expect",
})
_DROPPED_PREFIXES = ("x-forwarded-", "x-amzn-", "x-amz-", "cloudfront-", "cf-", "x-envoy-", "sec-")

# Upstream answer headers a client may see (the rest, rate-limit figures of the relay's accounts included, stay).
PASSED_BACK = frozenset({"content-type", "request-id", "x-request-id", "openai-processing-ms", "retry-after",
                         "anthropic-organization-id"})


@dataclass(frozen=True)
class Request:
    """What the client asked, read once (the engine plans an upstream request per attempt from it)."""

    surface: str
    path: str  # the relay route
    raw: bytes  # the body as received (decompressed)
    body: dict[str, Any]
    model: str
    stream: bool
    account_type: str | None

    @property
    def platform(self) -> str:
        return PLATFORM[self.surface]


@dataclass(frozen=True)
class UpstreamRequest:
    url: str
    headers: dict[str, str]
    content: bytes
    upstream_model: str
    strip_usage_chunk: bool  # OpenAI: the relay asked for the usage chunk, the client did not


def decode_body(raw: bytes, content_encoding: str | None) -> bytes:
    encoding = (content_encoding or "").strip().lower()
    if encoding in ("", "identity"):
        return raw
    try:
        if encoding == "gzip":
            return gzip.decompress(raw)
        if encoding == "deflate":
            return zlib.decompress(raw)
    except (OSError, zlib.error, EOFError):
        raise ProxyRefusal(400, "invalid_request_error", "request body is not valid " + encoding) from None
    raise ProxyRefusal(415, "invalid_request_error", f"unsupported Content-Encoding {encoding}")


def read_request(surface: str, path: str, raw: bytes) -> Request:
    """The client's JSON body, its model and stream flag; 400 for what no upstream could take."""
    if len(raw) > MAX_BODY_BYTES:
        raise ProxyRefusal(413, "request_too_large", "request body too large")
    try:
        body = json.loads(raw) if raw else None
    except (ValueError, UnicodeDecodeError):
        raise ProxyRefusal(400, "invalid_request_error", "request body must be JSON") from None
    if not isinstance(body, dict):
        raise ProxyRefusal(400, "invalid_request_error", "request body must be a JSON object")
    model = body.get("model", DEFAULT_MODEL.get(surface))
    if model is None and surface == RESPONSES:
        model = ""
    if not isinstance(model, str) or (not model and surface != RESPONSES):
        raise ProxyRefusal(400, "invalid_request_error", "model is required")
    account_type = None
    if surface == OPENAI and "," in model:
        account_type, _, model = (part.strip() for part in model.partition(","))
        if not account_type or not model:
            raise ProxyRefusal(400, "invalid_request_error", "model must be <accountType>,<model> or <model>")
    stream = body.get("stream", False)
    if not isinstance(stream, bool):
        raise ProxyRefusal(400, "invalid_request_error", "stream must be a boolean")
    if surface == GEMINI and not isinstance(body.get("contents"), list) and not isinstance(body.get("messages"), list):
        raise ProxyRefusal(400, "invalid_request_error", "messages (or contents) is required")
    return Request(surface, path, raw, body, model, stream, account_type)


def mapped_model(model: str, mapping: dict[str, str] | Any) -> str:
    """The account's name for a model: exact match (any case), else the longest matching prefix, else as is."""
    lowered = model.lower()
    for source, target in mapping.items():
        if source.lower() == lowered:
            return target
    prefixes = sorted((s for s in mapping if s and lowered.startswith(s.lower())), key=len, reverse=True)
    return mapping[prefixes[0]] if prefixes else model


def session_hint(surface: str, headers: dict[str, str], body: dict[str, Any]) -> str | None:
    """What identifies a conversation: `x-session-id` (any route); Responses: `session_id` header, else a digest
    of `instructions`, else of the first input text (as the original did)."""
    explicit = headers.get("x-session-id")
    if explicit:
        return explicit[:200]
    if surface != RESPONSES:
        return None
    seed = headers.get("session_id") or headers.get("session-id")
    if not seed and isinstance(body.get("instructions"), str) and body["instructions"]:
        seed = body["instructions"]
    if not seed:
        seed = _first_input_text(body.get("input"))
    return hashlib.sha256(seed.encode()).hexdigest()[:32] if seed else None


def _first_input_text(value: Any) -> str | None:
    if isinstance(value, str):
        return value or None
    for item in value if isinstance(value, list) else []:
        content = item.get("content") if isinstance(item, dict) else None
        if isinstance(content, str) and content:
            return content
        for part in content if isinstance(content, list) else []:
            if isinstance(part, dict) and isinstance(part.get("text"), str) and part["text"]:
                return part["text"]
    return None


def forwarded_headers(headers: dict[str, str]) -> dict[str, str]:
    return {name: value for name, value in headers.items()
            if name not in _DROPPED and not name.startswith(_DROPPED_PREFIXES)}


def _dumps(body: dict[str, Any]) -> bytes:
    return json.dumps(body, ensure_ascii=False, separators=(",", ":")).encode()


def plan(request: Request, headers: dict[str, str], account: UpstreamAccount) -> UpstreamRequest:
    """The upstream request for one attempt on `account`."""
    base = account.base_url.rstrip("/")
    upstream_model = mapped_model(request.model, account.model_mapping) if request.model else request.model
    body, changed = dict(request.body), False
    carries_model = request.surface == OPENAI or (request.surface in (CLAUDE, RESPONSES) and upstream_model)
    if carries_model and body.get("model") != upstream_model:
        body["model"], changed = upstream_model, True
    strip_usage = False
    if request.surface == OPENAI and request.stream:
        options = body.get("stream_options") if isinstance(body.get("stream_options"), dict) else {}
        if options.get("include_usage") is not True:
            body["stream_options"], changed, strip_usage = {**options, "include_usage": True}, True, True
    out = forwarded_headers(headers)
    out["content-type"] = "application/json"
    credential = account.credential
    if request.surface == CLAUDE:
        out.setdefault("anthropic-version", ANTHROPIC_VERSION)
        if credential.bearer:
            out["authorization"] = f"Bearer {credential.bearer}"
            betas = [b.strip() for b in out.get("anthropic-beta", "").split(",") if b.strip()]
            out["anthropic-beta"] = ",".join(dict.fromkeys([*betas, OAUTH_BETA]))
        else:
            out["x-api-key"] = credential.api_key or ""
        url = base + ROUTES[request.path][1]
    elif request.surface == GEMINI:
        body, changed = gemini_body(body), True
        if credential.bearer:
            out["authorization"] = f"Bearer {credential.bearer}"
        else:
            out["x-goog-api-key"] = credential.api_key or ""
        url = base + gemini_path(upstream_model, request.stream)
    else:
        out["authorization"] = f"Bearer {credential.bearer or credential.api_key or ''}"
        if request.surface == RESPONSES and account.organization_id:
            out["chatgpt-account-id"] = account.organization_id
            out.setdefault("openai-beta", "responses=experimental")
        url = base + ROUTES[request.path][1]
    if request.stream:
        out.setdefault("accept", "text/event-stream")
    return UpstreamRequest(url=url, headers=out, content=_dumps(body) if changed else request.raw,
                           upstream_model=upstream_model, strip_usage_chunk=strip_usage)


def gemini_path(model: str, stream: bool) -> str:
    name = model if model.startswith("models/") else f"models/{model}"
    return f"/{name}:streamGenerateContent?alt=sse" if stream else f"/{name}:generateContent"


def gemini_body(body: dict[str, Any]) -> dict[str, Any]:
    """A native Gemini body minus the relay's fields, or an OpenAI-style chat body converted."""
    if isinstance(body.get("contents"), list):
        return {k: v for k, v in body.items() if k not in ("model", "stream")}
    contents: list[dict[str, Any]] = []
    system: list[dict[str, Any]] = []
    for message in body.get("messages") or []:
        if not isinstance(message, dict):
            continue
        parts = _gemini_parts(message.get("content"))
        role = message.get("role")
        if role in ("system", "developer"):
            system.extend(parts)
        elif parts:
            contents.append({"role": "model" if role == "assistant" else "user", "parts": parts})
    out: dict[str, Any] = {"contents": contents}
    if isinstance(body.get("system"), str) and body["system"]:
        system.insert(0, {"text": body["system"]})
    if system:
        out["systemInstruction"] = {"parts": system}
    config = {name: body[key] for key, name in (("max_tokens", "maxOutputTokens"), ("temperature", "temperature"),
                                                 ("top_p", "topP")) if body.get(key) is not None}
    stop = body.get("stop")
    if stop:
        config["stopSequences"] = [stop] if isinstance(stop, str) else stop
    if config:
        out["generationConfig"] = config
    declarations = [tool["function"] for tool in body.get("tools") or []
                    if isinstance(tool, dict) and isinstance(tool.get("function"), dict)]
    if declarations:
        out["tools"] = [{"functionDeclarations": declarations}]
    return out


def _gemini_parts(content: Any) -> list[dict[str, Any]]:
    if isinstance(content, str):
        return [{"text": content}] if content else []
    parts = []
    for block in content if isinstance(content, list) else []:
        if not isinstance(block, dict):
            continue
        if block.get("type") == "text" and isinstance(block.get("text"), str):
            parts.append({"text": block["text"]})
        elif block.get("type") == "image_url":
            url = (block.get("image_url") or {}).get("url", "") if isinstance(block.get("image_url"), dict) else ""
            if url.startswith("data:") and ";base64," in url:
                mime, _, data = url[5:].partition(";base64,")
                parts.append({"inlineData": {"mimeType": mime, "data": data}})
    return parts


# --- the relay's own errors, in each API's format ---------------------------------------------------------

def error_body(surface: str, status: int, error_type: str, message: str) -> bytes:
    if surface == CLAUDE:
        payload: dict[str, Any] = {"type": "error", "error": {"type": error_type, "message": message}}
    elif surface == GEMINI:
        payload = {"error": {"code": status, "message": message, "status": _GRPC_STATUS.get(status, "UNKNOWN")}}
    else:
        payload = {"error": {"message": message, "type": error_type, "param": None, "code": error_type}}
    return _dumps(payload)


def stream_error_event(surface: str, error_type: str, message: str) -> bytes:
    """An error after the stream began (the status line is gone): an SSE event in the API's format."""
    if surface == CLAUDE:
        data = {"type": "error", "error": {"type": error_type, "message": message}}
        return b"event: error\ndata: " + _dumps(data) + b"\n\n"
    if surface == RESPONSES:
        data = {"type": "error", "code": error_type, "message": message, "param": None}
        return b"event: error\ndata: " + _dumps(data) + b"\n\n"
    if surface == GEMINI:
        return b"data: " + _dumps({"error": {"code": 500, "message": message, "status": "INTERNAL"}}) + b"\n\n"
    return b"data: " + _dumps({"error": {"message": message, "type": error_type, "param": None,
                                          "code": error_type}}) + b"\n\n"


_GRPC_STATUS = {400: "INVALID_ARGUMENT", 401: "UNAUTHENTICATED", 403: "PERMISSION_DENIED", 404: "NOT_FOUND",
                413: "INVALID_ARGUMENT", 415: "INVALID_ARGUMENT", 429: "RESOURCE_EXHAUSTED", 500: "INTERNAL",
                502: "UNAVAILABLE", 503: "UNAVAILABLE", 504: "DEADLINE_EXCEEDED"}


def passed_back(headers: Any) -> list[tuple[str, str]]:
    items = headers.items() if hasattr(headers, "items") else headers
    return [(str(k).lower(), str(v)) for k, v in items if str(k).lower() in PASSED_BACK]
