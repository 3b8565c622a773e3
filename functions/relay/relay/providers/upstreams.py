"""The AI providers' own APIs that the admin side calls: OAuth (Claude PKCE, claude.ai session-key sign-in,
OpenAI and Google token endpoints) and account probes. Every base URL is configurable (config.py), so tests
point them at fakes on 127.0.0.1; every call goes through suite.outbound (SSRF guard, timeouts, byte caps).

Messages of `ProviderError` name the provider and what failed, never a token or a provider body.
"""

from __future__ import annotations

import functools
from dataclasses import dataclass
from typing import Any
from urllib.parse import parse_qs, urlsplit

from relay import config
from suite.outbound import (
    HttpClient,
    ProviderError,
    RetryPolicy,
    UrlPolicy,
    check_status,
    guarded,
    json_body,
    provider_base_url,
)

CLAUDE_CLIENT_ID = "9d1c250a-e61b-44d9-88ed-5944d1962f5e"
CLAUDE_REDIRECT_URI = "https://console.anthropic.com/oauth/code/callback"
CLAUDE_SCOPE = "user:profile user:inference"
OPENAI_CLIENT_ID = "app_EMoamEEZ73f0CkXaXp7hrann"
OPENAI_REDIRECT_URI = "http://localhost:1455/auth/callback"
OPENAI_SCOPE = "openid profile email offline_access"
ANTHROPIC_VERSION = "2023-06-01"
OAUTH_BETA = "oauth-2025-04-20"
BROWSER_UA = ("Mozilla/5.0 (Windows NT 10.0; Win64; x64) AppleWebKit/537.36 (KHTML, like Gecko) "
              "Chrome/120.0.0.0 Safari/537.36")


def claude_ai_base() -> str:
    return provider_base_url("claude_ai", "https://claude.ai")


def anthropic_console_base() -> str:
    return provider_base_url("anthropic_console", "https://console.anthropic.com")


def anthropic_api_base() -> str:
    return provider_base_url("anthropic", "https://api.anthropic.com")


def openai_auth_base() -> str:
    return provider_base_url("openai_auth", "https://auth.openai.com")


def openai_api_base() -> str:
    return provider_base_url("openai", "https://api.openai.com")


def google_oauth_base() -> str:
    return provider_base_url("google_oauth", "https://oauth2.googleapis.com")


def gemini_api_base() -> str:
    return provider_base_url("gemini", "https://generativelanguage.googleapis.com")


def default_base(platform: str) -> str:
    """The provider's API base URL for a platform (an account's own base_url wins)."""
    return {"claude": anthropic_api_base(), "gemini": gemini_api_base()}.get(platform, openai_api_base())


@dataclass(frozen=True)
class Tokens:
    access_token: str
    refresh_token: str | None
    expires_in: int | None
    scope: str | None
    organization_id: str | None = None
    account_email: str | None = None


@functools.cache
def _client(base: str) -> HttpClient:
    """A client for one configured provider base URL (an operator's choice: a loopback fake is allowed)."""
    policy = UrlPolicy.for_base_url(base)
    return HttpClient(policy, timeout=(3.05, 15.0), retry=RetryPolicy(max_attempts=2, max_retry_after=2.0),
                      max_response_bytes=1024 * 1024)


def _call(provider: str, base: str, method: str, path: str, **kwargs: Any) -> Any:
    client = _client(base)
    response = guarded(provider, lambda: client.request(method, base + path, **kwargs))
    check_status(provider, response)
    return json_body(provider, response)


def _tokens(provider: str, body: Any) -> Tokens:
    if not isinstance(body, dict) or not isinstance(body.get("access_token"), str) or not body["access_token"]:
        raise ProviderError("bad_response", f"{provider}: no access token in the answer")
    expires = body.get("expires_in")
    organization = body.get("organization") if isinstance(body.get("organization"), dict) else {}
    account = body.get("account") if isinstance(body.get("account"), dict) else {}
    return Tokens(access_token=body["access_token"], refresh_token=body.get("refresh_token") or None,
                  expires_in=int(expires) if isinstance(expires, int | float) else None,
                  scope=body.get("scope") if isinstance(body.get("scope"), str) else None,
                  organization_id=organization.get("uuid") or body.get("organization_uuid"),
                  account_email=account.get("email_address"))


# --- Claude --------------------------------------------------------------------------------------------------

def claude_authorize_url(challenge: str, state: str) -> str:
    from urllib.parse import urlencode  # noqa: PLC0415

    query = urlencode({"code": "true", "client_id": CLAUDE_CLIENT_ID, "response_type": "code",
                       "redirect_uri": CLAUDE_REDIRECT_URI, "scope": CLAUDE_SCOPE, "code_challenge": challenge,
                       "code_challenge_method": "S256", "state": state})
    return f"{claude_ai_base()}/oauth/authorize?{query}"


def claude_exchange(code: str, verifier: str, state: str | None) -> Tokens:
    """Trade an authorization code (as pasted: `code#state` or the code alone) for tokens."""
    code, _, pasted_state = code.partition("#")
    body = {"grant_type": "authorization_code", "client_id": CLAUDE_CLIENT_ID, "code": code,
            "redirect_uri": CLAUDE_REDIRECT_URI, "code_verifier": verifier}
    if pasted_state or state:
        body["state"] = pasted_state or state
    answer = _call("claude-oauth", anthropic_console_base(), "POST", "/v1/oauth/token", json=body,
                   headers={"Accept": "application/json"}, idempotent=False)
    return _tokens("claude-oauth", answer)


def claude_refresh(refresh_token: str) -> Tokens:
    answer = _call("claude-oauth", anthropic_console_base(), "POST", "/v1/oauth/token",
                   json={"grant_type": "refresh_token", "refresh_token": refresh_token,
                         "client_id": CLAUDE_CLIENT_ID},
                   headers={"Accept": "application/json"}, idempotent=False)
    return _tokens("claude-oauth", answer)


def _cookie_headers(session_key: str) -> dict[str, str]:
    cookie = session_key if session_key.startswith("sessionKey=") else f"sessionKey={session_key}"
    return {"Cookie": cookie, "User-Agent": BROWSER_UA, "Accept": "application/json",
            "Origin": claude_ai_base(), "Referer": claude_ai_base() + "/new"}


def claude_organization(session_key: str) -> tuple[str, list[str]]:
    """The organization (uuid, capabilities) of a claude.ai session that can chat."""
    answer = _call("claude.ai", claude_ai_base(), "GET", "/api/organizations",
                   headers=_cookie_headers(session_key))
    for organization in answer if isinstance(answer, list) else []:
        capabilities = organization.get("capabilities") if isinstance(organization, dict) else None
        if isinstance(capabilities, list) and "chat" in capabilities and organization.get("uuid"):
            return str(organization["uuid"]), [str(c) for c in capabilities]
    raise ProviderError("rejected", "claude.ai: no organization that can chat")


def claude_cookie_code(session_key: str, organization: str, challenge: str, state: str) -> str:
    """An authorization code for the session's organization (what a browser sign-in would give)."""
    answer = _call("claude.ai", claude_ai_base(), "POST", f"/v1/oauth/{organization}/authorize",
                   json={"response_type": "code", "client_id": CLAUDE_CLIENT_ID, "organization_uuid": organization,
                         "redirect_uri": CLAUDE_REDIRECT_URI, "scope": CLAUDE_SCOPE, "state": state,
                         "code_challenge": challenge, "code_challenge_method": "S256"},
                   headers={**_cookie_headers(session_key), "Content-Type": "application/json"}, idempotent=False)
    if isinstance(answer, dict) and isinstance(answer.get("code"), str) and answer["code"]:
        return answer["code"]
    redirect = answer.get("redirect_uri") if isinstance(answer, dict) else None
    if isinstance(redirect, str):
        query = parse_qs(urlsplit(redirect).query)
        if query.get("code"):
            found = query["code"][0]
            return f"{found}#{query['state'][0]}" if query.get("state") else found
    raise ProviderError("bad_response", "claude.ai: no authorization code in the answer")


def claude_usage(access_token: str) -> dict[str, Any]:
    """The OAuth account's 5-hour and 7-day utilisation (also a cheap health probe)."""
    answer = _call("anthropic", anthropic_api_base(), "GET", "/api/oauth/usage",
                   headers={"Authorization": f"Bearer {access_token}", "anthropic-beta": OAUTH_BETA,
                            "anthropic-version": ANTHROPIC_VERSION})
    return answer if isinstance(answer, dict) else {}


# --- OpenAI and Google ---------------------------------------------------------------------------------------

def openai_authorize_url(challenge: str, state: str) -> str:
    from urllib.parse import urlencode  # noqa: PLC0415

    query = urlencode({"response_type": "code", "client_id": OPENAI_CLIENT_ID, "redirect_uri": OPENAI_REDIRECT_URI,
                       "scope": OPENAI_SCOPE, "state": state, "code_challenge": challenge,
                       "code_challenge_method": "S256", "id_token_add_organizations": "true",
                       "codex_cli_simplified_flow": "true"})
    return f"{openai_auth_base()}/oauth/authorize?{query}"


def openai_exchange(code: str, verifier: str) -> Tokens:
    answer = _call("openai-oauth", openai_auth_base(), "POST", "/oauth/token",
                   data={"grant_type": "authorization_code", "client_id": OPENAI_CLIENT_ID, "code": code,
                         "redirect_uri": OPENAI_REDIRECT_URI, "code_verifier": verifier},
                   headers={"Accept": "application/json"}, idempotent=False)
    return _tokens("openai-oauth", answer)


def openai_refresh(refresh_token: str) -> Tokens:
    answer = _call("openai-oauth", openai_auth_base(), "POST", "/oauth/token",
                   data={"grant_type": "refresh_token", "client_id": OPENAI_CLIENT_ID,
                         "refresh_token": refresh_token, "scope": "openid profile email"},
                   headers={"Accept": "application/json"}, idempotent=False)
    return _tokens("openai-oauth", answer)


def google_refresh(refresh_token: str, client_id: str, client_secret: str) -> Tokens:
    answer = _call("google-oauth", google_oauth_base(), "POST", "/token",
                   data={"grant_type": "refresh_token", "refresh_token": refresh_token, "client_id": client_id,
                         "client_secret": client_secret}, headers={"Accept": "application/json"}, idempotent=False)
    return _tokens("google-oauth", answer)


# --- probes ----------------------------------------------------------------------------------------------------

def _probe_client(base: str) -> HttpClient:
    """A client for an admin-given base URL: public https hosts only, unless the origin is a configured
    trusted one (fakes on 127.0.0.1 in tests and make dev)."""
    trusted = config.get().trusted_origins
    policy = UrlPolicy(allowed_schemes=frozenset({"https", "http"}), allowed_ports=frozenset(range(1, 65536)),
                       trusted_origins=frozenset(trusted))
    return _probe_clients(policy)


@functools.cache
def _probe_clients(policy: UrlPolicy) -> HttpClient:
    return HttpClient(policy, timeout=(3.05, 8.0), retry=RetryPolicy(max_attempts=1),
                      max_response_bytes=1024 * 1024)


def probe(platform: str, base: str, *, api_key: str | None = None, bearer: str | None = None) -> int:
    """GET the provider's model list with the account's credential: the HTTP status (raises ProviderError for
    transport failures only, so a 401 or 429 is an answer the caller judges)."""
    base = base.rstrip("/")
    headers: dict[str, str] = {}
    path = "/v1/models"
    if platform == "claude":
        headers["anthropic-version"] = ANTHROPIC_VERSION
        if api_key:
            headers["x-api-key"] = api_key
        if bearer:
            headers.update({"Authorization": f"Bearer {bearer}", "anthropic-beta": OAUTH_BETA})
    elif platform == "gemini":
        path = "/v1beta/models"
        if api_key:
            headers["x-goog-api-key"] = api_key
        if bearer:
            headers["Authorization"] = f"Bearer {bearer}"
    else:
        headers["Authorization"] = f"Bearer {bearer or api_key}"
    client = _probe_client(base)
    response = guarded(platform, lambda: client.get(base + path, headers=headers))
    return response.status


def send_message(platform: str, base: str, model: str, message: str, *, api_key: str | None = None,
                 bearer: str | None = None) -> tuple[int, str]:
    """Send one short message through an account (the admin's "test this account"): (HTTP status, the
    beginning of the answer's text, or of the provider's error)."""
    base = base.rstrip("/")
    client = _probe_client(base)
    if platform == "claude":
        headers = {"anthropic-version": ANTHROPIC_VERSION, "content-type": "application/json"}
        if api_key:
            headers["x-api-key"] = api_key
        if bearer:
            headers.update({"Authorization": f"Bearer {bearer}", "anthropic-beta": OAUTH_BETA})
        body: dict[str, Any] = {"model": model, "max_tokens": 64, "messages": [{"role": "user", "content": message}]}
        url = base + "/v1/messages"
    elif platform == "gemini":
        headers = {"content-type": "application/json", **({"x-goog-api-key": api_key} if api_key else {}),
                   **({"Authorization": f"Bearer {bearer}"} if bearer else {})}
        body = {"contents": [{"role": "user", "parts": [{"text": message}]}]}
        url = f"{base}/v1beta/models/{model}:generateContent"
    else:
        headers = {"Authorization": f"Bearer {bearer or api_key}", "content-type": "application/json"}
        body = {"model": model, "max_tokens": 64, "messages": [{"role": "user", "content": message}]}
        url = base + "/v1/chat/completions"
    response = guarded(platform, lambda: client.post(url, json=body, headers=headers, idempotent=False))
    try:
        answer = response.json()
    except ValueError:
        return response.status, ""
    return response.status, _text_of(answer)[:500]


def _text_of(answer: Any) -> str:
    if not isinstance(answer, dict):
        return ""
    if isinstance(answer.get("error"), dict):
        return str(answer["error"].get("message", ""))
    for block in answer.get("content") or []:  # Anthropic
        if isinstance(block, dict) and block.get("type") == "text":
            return str(block.get("text", ""))
    for choice in answer.get("choices") or []:  # OpenAI
        message = choice.get("message") if isinstance(choice, dict) else None
        if isinstance(message, dict):
            return str(message.get("content") or "")
    for candidate in answer.get("candidates") or []:  # Gemini
        parts = ((candidate or {}).get("content") or {}).get("parts") or []
        if parts and isinstance(parts[0], dict):
            return str(parts[0].get("text", ""))
    return ""
