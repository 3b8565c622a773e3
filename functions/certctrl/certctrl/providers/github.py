"""GitHub sign-in (an OAuth app, authorization code with PKCE S256 and state):

- the browser goes to `{GITHUB}/login/oauth/authorize?client_id&redirect_uri&scope=read:user user:email&state
  &code_challenge&code_challenge_method=S256&allow_signup=false`;
- the callback's code is exchanged at `POST {GITHUB}/login/oauth/access_token` (JSON answer with `Accept:
  application/json`; GitHub answers refusals as 200 `{error, error_description}`);
- `GET {GITHUB_API}/user` (id, login, name) and `GET {GITHUB_API}/user/emails` (the verified primary address).
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any
from urllib.parse import urlencode

from certctrl import config
from certctrl.providers.oauth_http import client
from suite.outbound import ProviderError, check_status, guarded, json_body

PROVIDER = "github"
SCOPE = "read:user user:email"


@dataclass(frozen=True)
class GithubUser:
    id: str
    login: str
    name: str | None
    email: str | None  # the verified primary address, if any


def authorize_url(*, client_id: str, redirect_uri: str, state: str, code_challenge: str) -> str:
    query = urlencode({"client_id": client_id, "redirect_uri": redirect_uri, "scope": SCOPE, "state": state,
                       "code_challenge": code_challenge, "code_challenge_method": "S256", "allow_signup": "false"})
    return f"{config.extended().base_url('github')}/login/oauth/authorize?{query}"


def exchange(*, client_id: str, client_secret: str, code: str, redirect_uri: str, code_verifier: str) -> str:
    base = config.extended().base_url("github")
    http = client(base)
    response = guarded(PROVIDER, lambda: http.post(
        f"{base}/login/oauth/access_token", headers={"Accept": "application/json"},
        data={"client_id": client_id, "client_secret": client_secret, "code": code, "redirect_uri": redirect_uri,
              "code_verifier": code_verifier}))
    check_status(PROVIDER, response)
    body = json_body(PROVIDER, response)
    token = body.get("access_token") if isinstance(body, dict) else None
    if not isinstance(token, str) or not token:
        error = body.get("error") if isinstance(body, dict) else None
        raise ProviderError("rejected", f"{PROVIDER}: the code was refused ({str(error or 'no token')[:64]})")
    return token


def _get(path: str, token: str) -> Any:
    base = config.extended().base_url("github-api")
    http = client(base)
    response = guarded(PROVIDER, lambda: http.get(f"{base}{path}", headers={
        "Authorization": f"Bearer {token}", "Accept": "application/vnd.github+json",
        "X-GitHub-Api-Version": "2022-11-28"}))
    check_status(PROVIDER, response)
    return json_body(PROVIDER, response)


def user(token: str) -> GithubUser:
    profile = _get("/user", token)
    if not isinstance(profile, dict) or not isinstance(profile.get("id"), int):
        raise ProviderError("bad_response", f"{PROVIDER}: /user has no id")
    emails = _get("/user/emails", token)
    primary = next((e.get("email") for e in emails if isinstance(e, dict) and e.get("primary") and e.get("verified")
                    and isinstance(e.get("email"), str)), None) if isinstance(emails, list) else None
    name = profile.get("name") if isinstance(profile.get("name"), str) else None
    login = profile.get("login") if isinstance(profile.get("login"), str) else str(profile["id"])
    return GithubUser(id=str(profile["id"]), login=login, name=name, email=primary)
