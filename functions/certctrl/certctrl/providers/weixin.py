"""WeChat, two products:

- **Website login** (Open Platform "website application", authorization code, no PKCE: WeChat has none):
  `{WEIXIN_OPEN}/connect/qrconnect?appid&redirect_uri&response_type=code&scope=snsapi_login&state#wechat_redirect`
  shows the QR code; `GET {WEIXIN_API}/sns/oauth2/access_token?appid&secret&code&grant_type=authorization_code`
  → `{access_token, openid, unionid?}`; `GET {WEIXIN_API}/sns/userinfo?access_token&openid` → `{nickname, ...}`.
- **Official account messages** (notifications): `POST {WEIXIN_API}/cgi-bin/stable_token` `{grant_type:
  client_credential, appid, secret}` → `{access_token, expires_in}` (kept until a minute before it expires);
  `POST {WEIXIN_API}/cgi-bin/message/template/send?access_token=` `{touser, template_id, data}`.

WeChat answers most failures as HTTP 200 with `{errcode, errmsg}`: -1 (busy) and 45009 (rate) are worth
retrying, 40001/42001 (token) once with a fresh token, the rest are refusals.
"""

from __future__ import annotations

import time
from dataclasses import dataclass
from typing import Any
from urllib.parse import quote, urlencode

from certctrl import config
from certctrl.providers.oauth_http import client
from suite.outbound import ProviderError, check_status, guarded, json_body

PROVIDER = "weixin"
RETRYABLE_CODES = {-1, 45009, 45047}
TOKEN_CODES = {40001, 40014, 42001}
_tokens: dict[str, tuple[str, float]] = {}


@dataclass(frozen=True)
class WeixinUser:
    subject: str  # unionid when the app has one, else openid
    openid: str
    nickname: str | None


def _api() -> str:
    return config.extended().base_url("weixin-api")


def _checked(body: Any) -> dict[str, Any]:
    if not isinstance(body, dict):
        raise ProviderError("bad_response", f"{PROVIDER}: answer is not an object")
    code = body.get("errcode")
    if code not in (None, 0):
        reason = "rate_limited" if code in RETRYABLE_CODES else "rejected"
        raise ProviderError(reason, f"{PROVIDER}: errcode {code}", provider_code=code)
    return body


def _get(path: str, params: dict[str, str]) -> dict[str, Any]:
    base = _api()
    http = client(base)
    response = guarded(PROVIDER, lambda: http.get(f"{base}{path}", params=params))
    check_status(PROVIDER, response)
    return _checked(json_body(PROVIDER, response))


def _post(path: str, params: dict[str, str] | None, payload: dict[str, Any]) -> dict[str, Any]:
    base = _api()
    http = client(base)
    response = guarded(PROVIDER, lambda: http.post(f"{base}{path}", params=params, json=payload))
    check_status(PROVIDER, response)
    return _checked(json_body(PROVIDER, response))


# ------------------------------------------------------------------------------------------------ website login

def authorize_url(*, app_id: str, redirect_uri: str, state: str) -> str:
    query = urlencode({"appid": app_id, "redirect_uri": redirect_uri, "response_type": "code",
                       "scope": "snsapi_login", "state": state}, quote_via=quote)
    return f"{config.extended().base_url('weixin-open')}/connect/qrconnect?{query}#wechat_redirect"


def login_user(*, app_id: str, app_secret: str, code: str) -> WeixinUser:
    token = _get("/sns/oauth2/access_token", {"appid": app_id, "secret": app_secret, "code": code,
                                              "grant_type": "authorization_code"})
    access, openid = token.get("access_token"), token.get("openid")
    if not isinstance(access, str) or not isinstance(openid, str) or not openid:
        raise ProviderError("bad_response", f"{PROVIDER}: no access_token/openid")
    unionid = token.get("unionid") if isinstance(token.get("unionid"), str) else None
    nickname = None
    try:
        info = _get("/sns/userinfo", {"access_token": access, "openid": openid, "lang": "en"})
        nickname = info.get("nickname") if isinstance(info.get("nickname"), str) else None
        unionid = unionid or (info.get("unionid") if isinstance(info.get("unionid"), str) else None)
    except ProviderError:
        pass  # the name is a nicety: sign-in works without it
    return WeixinUser(subject=unionid or openid, openid=openid, nickname=nickname)


# ------------------------------------------------------------------------------------------------ official account

def _token(app_id: str, app_secret: str, *, fresh: bool = False) -> str:
    cached = _tokens.get(app_id)
    if cached and not fresh and cached[1] > time.monotonic():
        return cached[0]
    body = _post("/cgi-bin/stable_token", None, {"grant_type": "client_credential", "appid": app_id,
                                                 "secret": app_secret, "force_refresh": fresh})
    token, expires_in = body.get("access_token"), body.get("expires_in")
    if not isinstance(token, str) or not token:
        raise ProviderError("bad_response", f"{PROVIDER}: no access_token")
    _tokens[app_id] = (token, time.monotonic() + max(0, int(expires_in or 7200) - 60))
    return token


def send_template(*, app_id: str, app_secret: str, open_id: str, template_id: str, title: str,
                  content: str) -> str:
    """A template message to one follower; the template's fields are `title` and `content` ({{title.DATA}},
    {{content.DATA}}). Returns WeChat's msgid."""
    payload = {"touser": open_id, "template_id": template_id,
               "data": {"title": {"value": title[:200]}, "content": {"value": content[:1000]}}}
    for attempt in (0, 1):
        token = _token(app_id, app_secret, fresh=attempt == 1)
        try:
            body = _post("/cgi-bin/message/template/send", {"access_token": token}, payload)
        except ProviderError as error:
            if error.provider_code in TOKEN_CODES and attempt == 0:
                continue
            raise
        return str(body.get("msgid", ""))
    raise ProviderError("rejected", f"{PROVIDER}: the access token was refused twice")
