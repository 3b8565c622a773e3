"""Admin: OAuth sign-in of upstream accounts (tsv group `admin-oauth`). Answers carry a token handle, never
the tokens (logic/oauth.py)."""

from relay.logic import oauth
from relay.models.oauth import AuthUrl, CookieAuth, Exchange, GenerateUrl, TokenHandle
from relay.routes.common import AdminRouter, ok

router = AdminRouter("oauth")
TAGS = ["admin-oauth"]


@router.post("/api/admin/oauth/generate-url", returns=AuthUrl, errors=(400,),
             summary="A PKCE authorization URL (Claude or OpenAI) and its session id (10 minutes)", tags=TAGS)
def generate_url(body: GenerateUrl):
    return ok(oauth.generate_url(body.platform))


@router.post("/api/admin/oauth/exchange", returns=TokenHandle, errors=(400, 502),
             summary="Trade the pasted code for tokens, kept sealed behind a 15-minute handle", tags=TAGS)
def exchange(body: Exchange):
    return ok(oauth.exchange(body.platform, body.code, body.session_id))


@router.post("/api/admin/oauth/cookie-auth", returns=TokenHandle, errors=(400, 502),
             summary="Sign a claude.ai session key in: tokens behind a 15-minute handle", tags=TAGS)
def cookie_auth(body: CookieAuth):
    return ok(oauth.cookie_auth(body.platform, body.session_key))
