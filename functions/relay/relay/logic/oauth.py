"""OAuth for upstream accounts: Claude PKCE (authorization URL, code exchange), claude.ai session-key sign-in,
OpenAI PKCE. The token endpoints are provider base URLs (config.py), so tests use fakes.

Tokens never reach the admin client: an exchange answers a handle (`oauth:<id>`) in `access_token` and
`refresh_token`, which the admin UI copies into the account it creates next (as it did with the tokens);
the account create redeems the handle, once, within 15 minutes. The tokens wait sealed (KMS) in the state
table; so does the PKCE verifier of a pending authorization (10 minutes, single use).
"""

from __future__ import annotations

import json
from typing import Any

from relay import clock, ids
from relay.providers import upstreams
from relay.store import secrets, state
from suite.errors import ApiError, BadRequest, UpstreamFailure
from suite.outbound import ProviderError

SESSION_TTL = 600
HANDLE_TTL = 900
HANDLE_PREFIX = "oauth:"
CLAUDE = ("claude", "claude-official", "claude-console")
OPENAI = ("openai", "openai-responses")


def _platform(name: str | None) -> str:
    value = (name or "").strip().lower()
    if value in CLAUDE:
        return "claude"
    if value in OPENAI:
        return "openai"
    raise BadRequest(f"OAuth is not supported for platform {value or '(none)'!r} (claude, openai)")


def generate_url(platform: str | None) -> dict[str, Any]:
    which = _platform(platform)
    verifier, challenge = ids.pkce_pair()
    session_id, state_value = ids.token(16), ids.token(24)
    sealed = secrets.seal(verifier, "oauth_verifier", session=session_id)
    state.put(f"OAUTH#{session_id}", "OAUTH", {"platform": which, "verifier": sealed, "state": state_value},
              ttl=SESSION_TTL)
    url = (upstreams.claude_authorize_url(challenge, state_value) if which == "claude"
           else upstreams.openai_authorize_url(challenge, state_value))
    return {"auth_url": url, "session_id": session_id, "state": state_value, "platform": which,
            "expires_in": SESSION_TTL}


def _handle(tokens: upstreams.Tokens, platform: str, *, session_key: str | None = None,
            capabilities: list[str] | None = None) -> dict[str, Any]:
    handle_id = ids.token(18)
    expires_at = clock.now() + tokens.expires_in if tokens.expires_in else None
    payload = {"access_token": tokens.access_token, "refresh_token": tokens.refresh_token,
               "expires_at": expires_at, "organization_id": tokens.organization_id, "session_key": session_key}
    state.put(f"OAUTHTOKEN#{handle_id}", "OAUTHTOKEN",
              {"sealed": secrets.seal(json.dumps(payload), "oauth_tokens", handle=handle_id), "platform": platform},
              ttl=HANDLE_TTL)
    handle = HANDLE_PREFIX + handle_id
    return {"access_token": handle, "refresh_token": handle, "token_handle": handle, "token_type": "handle",
            "handle_expires_in": HANDLE_TTL, "expires_in": tokens.expires_in,
            "expires_at": clock.iso(expires_at) if expires_at else None, "scope": tokens.scope,
            "organization_id": tokens.organization_id, "organization_uuid": tokens.organization_id,
            "account_email": tokens.account_email, "capabilities": capabilities or [], "platform": platform}


def _provider_failed(exc: ProviderError) -> ApiError:
    """The provider refused what the admin gave (a wrong code or session key): 400; the provider is down or
    answered nonsense: 502."""
    if exc.reason == "rejected":
        return BadRequest(f"authorization refused: {exc.message}")
    return UpstreamFailure(f"authorization failed: {exc.message}")


def exchange(platform: str | None, code: str, session_id: str) -> dict[str, Any]:
    which = _platform(platform)
    pending = state.take(f"OAUTH#{session_id}", "OAUTH")  # single use, whatever happens next
    if pending is None:
        raise BadRequest("unknown or expired OAuth session")
    if pending.get("platform") != which:
        raise BadRequest("the OAuth session belongs to another platform")
    verifier = secrets.open_sealed(pending["verifier"], "oauth_verifier", session=session_id)
    code = code.strip()
    if "code=" in code:  # the whole callback URL was pasted
        from urllib.parse import parse_qs, urlsplit  # noqa: PLC0415

        query = parse_qs(urlsplit(code).query)
        code = (query.get("code") or [""])[0] + (f"#{query['state'][0]}" if query.get("state") else "")
    try:
        tokens = (upstreams.claude_exchange(code, verifier, pending.get("state")) if which == "claude"
                  else upstreams.openai_exchange(code.partition("#")[0], verifier))
    except ProviderError as exc:
        raise _provider_failed(exc) from None
    return _handle(tokens, which)


def cookie_auth(platform: str | None, session_key: str) -> dict[str, Any]:
    """claude.ai session key → OAuth tokens (the organization that can chat, a PKCE authorization, the
    exchange), as a browser sign-in would."""
    if _platform(platform) != "claude":
        raise BadRequest("session-key sign-in is supported for Claude only")
    key = session_key.strip()
    if not key:
        raise BadRequest("session_key is required")
    verifier, challenge = ids.pkce_pair()
    state_value = ids.token(24)
    try:
        organization, capabilities = upstreams.claude_organization(key)
        code = upstreams.claude_cookie_code(key, organization, challenge, state_value)
        tokens = upstreams.claude_exchange(code, verifier, state_value)
    except ProviderError as exc:
        raise _provider_failed(exc) from None
    if not tokens.organization_id:
        tokens = upstreams.Tokens(tokens.access_token, tokens.refresh_token, tokens.expires_in, tokens.scope,
                                  organization, tokens.account_email)
    return _handle(tokens, "claude", session_key=key, capabilities=capabilities)


def is_handle(value: str) -> bool:
    return value.startswith(HANDLE_PREFIX)


def redeem(value: str) -> dict[str, Any]:
    handle_id = value[len(HANDLE_PREFIX):]
    item = state.take(f"OAUTHTOKEN#{handle_id}", "OAUTHTOKEN")
    if item is None:
        raise BadRequest("the OAuth token handle is unknown, used or expired: authorize again")
    return json.loads(secrets.open_sealed(item["sealed"], "oauth_tokens", handle=handle_id))
