"""Sign-in and binding with GitHub, WeChat and Solana (docs/certctrl.md §8, "Third-party sign-in").

**GitHub and WeChat** (authorization code): `GET /auth/<provider>?mode=login|bind&return_to=/path` redirects to
the provider with a single-use `state` (10 minutes) and, for GitHub, PKCE S256; the browser also gets the cookie
`cjj365_oauth` whose digest the state keeps, so a callback only completes in the browser that started it (no
login CSRF). `GET /auth/<provider>/callback` always redirects back to FRONTEND_URL: to `return_to` on success
(sign-in sets the session cookie), else to `/login?error=<reason>`:

- `mode=login`: an identity bound to an account signs in to it (amr `[<provider>]`). A GitHub identity that is
  not bound yet and has a verified primary e-mail no account uses gets a new ACTIVE account (name from the GitHub
  login) — an existing account with that address is never joined by e-mail (`account_exists`: sign in and bind).
  WeChat gives no address: unbound identities get `not_bound`.
- `mode=bind` (signed in): binds the identity to the account; one identity per provider per account, and an
  identity bound elsewhere is refused (`already_bound`).

**Solana** (`GET /auth/solana`, the only route the contract has): without a signature it answers the message to
sign (`{nonce, message, expires_at}`, 5 minutes, single use) and, for `mode=login`, sets `cjj365_solana` (the
browser's); with `public_key`, `signature` (both base58: 32 and 64 bytes) and `nonce` it checks the ed25519
signature over exactly that message (PyNaCl) and signs in (mode login: the wallet must be bound) or binds (mode
bind: the nonce was issued to this session).
"""

from __future__ import annotations

import base64
import hashlib
import re
import secrets
from dataclasses import dataclass, field
from typing import Any
from urllib.parse import urlencode

from certctrl import clock, config, ids
from certctrl.logic import sessions
from certctrl.logic.callers import UserCaller
from certctrl.models.entities import User
from certctrl.models.identity_entities import OAuthState, SolanaNonce, ThirdPartyBinding
from certctrl.providers import github, weixin
from certctrl.store import counters, limits, users
from certctrl.store import sign_in as store
from suite import observability
from suite.errors import ApiError, BadRequest, NotFound, TooManyRequests, Unauthorized
from suite.outbound import ProviderError
from suite.security import passwords

PROVIDERS = ("github", "weixin")
SOLANA_NONCE_SECONDS = 300
RETURN_TO = re.compile(r"^/(?!/)[A-Za-z0-9._~!$&'()*+,;=:@%/?-]{0,300}$")
BASE58 = "123456789ABCDEFGHJKLMNPQRSTUVWXYZabcdefghijkmnopqrstuvwxyz"
log = observability.logger()


@dataclass
class Outcome:
    """Where the browser goes next, and the cookies to set (`session`: the new session's id)."""

    location: str
    session_id: str | None = None
    cookies: dict[str, str] = field(default_factory=dict)  # name → value ("" clears it)


class NotConfigured(Exception):
    """The provider has no OAuth client in SIGN_IN_PROVIDERS_SECRET: the front end says so (provider_unavailable)."""


def _limit(key: str, *, limit: int, window_seconds: int) -> None:
    decision = limits.hit(key, limit=limit, window_seconds=window_seconds)
    if not decision.allowed:
        raise TooManyRequests("Too many requests; try again later", retry_after=decision.retry_after,
                              details={"params": {"retry_after": decision.retry_after}})


def _client(provider: str) -> tuple[str, str]:
    entry = store.provider_clients().get(provider) or {}
    key_id = entry.get("client_id") if provider == "github" else entry.get("app_id")
    secret = entry.get("client_secret") if provider == "github" else entry.get("app_secret")
    if not isinstance(key_id, str) or not key_id or not isinstance(secret, str) or not secret:
        raise NotConfigured(provider)
    return key_id, secret


def _front(path: str, **query: str) -> str:
    base = config.extended().frontend_url
    return f"{base}{path}" + (("&" if "?" in path else "?") + urlencode(query) if query else "")


def _failed(reason: str) -> Outcome:
    return Outcome(_front("/login", error=reason), cookies={"cjj365_oauth": ""})


def redirect_uri(provider: str) -> str:
    return f"{config.extended().public_api_url}/auth/{provider}/callback"


def _return_to(value: str | None) -> str:
    return value if value and RETURN_TO.match(value) else "/"


# ------------------------------------------------------------------------------------------------ OAuth start

def start(provider: str, *, mode: str, return_to: str | None, caller: UserCaller | None, ip: str) -> Outcome:
    _limit(f"oauth-start#{ip}", limit=30, window_seconds=60)
    if mode == "bind" and caller is None:
        raise Unauthorized("Sign in first to bind an account", code="401")
    try:
        client_id, _secret = _client(provider)
    except NotConfigured:
        return _failed("provider_unavailable")
    state, browser = secrets.token_urlsafe(32), secrets.token_urlsafe(24)
    verifier = secrets.token_urlsafe(48) if provider == "github" else None
    now = clock.epoch()
    store.save_state(OAuthState(f"OAUTHSTATE#{ids.digest(state)}", "OAUTHSTATE", provider=provider, mode=mode,
                                user_id=caller.user_id if mode == "bind" and caller else None,
                                browser_digest=ids.digest(browser), code_verifier=verifier,
                                return_to=_return_to(return_to), created_at=now,
                                expires_at=now + config.extended().oauth_state_seconds))
    if provider == "github":
        challenge = base64.urlsafe_b64encode(hashlib.sha256(verifier.encode()).digest()).rstrip(b"=").decode()
        location = github.authorize_url(client_id=client_id, redirect_uri=redirect_uri(provider), state=state,
                                        code_challenge=challenge)
    else:
        location = weixin.authorize_url(app_id=client_id, redirect_uri=redirect_uri(provider), state=state)
    return Outcome(location, cookies={"cjj365_oauth": browser})


# ------------------------------------------------------------------------------------------------ OAuth callback

@dataclass(frozen=True)
class Identity:
    provider: str
    subject: str
    display_name: str | None
    email: str | None = None
    login: str | None = None


def _identity(provider: str, state: OAuthState, code: str) -> Identity:
    client_id, secret = _client(provider)
    if provider == "github":
        token = github.exchange(client_id=client_id, client_secret=secret, code=code,
                                redirect_uri=redirect_uri(provider), code_verifier=state.code_verifier or "")
        person = github.user(token)
        return Identity("github", person.id, person.name or person.login, person.email, person.login)
    person = weixin.login_user(app_id=client_id, app_secret=secret, code=code)
    return Identity("weixin", person.subject, person.nickname)


def callback(provider: str, *, code: str | None, state: str | None, error: str | None, browser: str | None,
             ip: str, user_agent: str | None) -> Outcome:
    _limit(f"oauth-callback#{ip}", limit=30, window_seconds=60)
    item = store.take_state(ids.digest(state)) if state and len(state) <= 128 else None
    if item is None or item.provider != provider or item.expires_at <= clock.epoch() or not browser \
            or ids.digest(browser) != item.browser_digest:
        return _failed("invalid_state")
    if error or not code:
        return _failed("access_denied")
    try:
        identity = _identity(provider, item, code[:512])
    except NotConfigured:
        return _failed("provider_unavailable")
    except ProviderError as failure:
        log.warning("sign-in provider failed", extra={"provider": provider, "reason": failure.reason})
        return _failed("provider_error")
    if item.mode == "bind":
        return _bind(identity, int(item.user_id or 0), item.return_to)
    return _login(identity, item.return_to, ip=ip, user_agent=user_agent)


def _binding(identity: Identity, user_id: int) -> ThirdPartyBinding:
    return ThirdPartyBinding(users.user_key(user_id), store.binding_sk(identity.provider, identity.subject),
                             user_id=user_id, provider=identity.provider, subject=identity.subject,
                             display_name=(identity.display_name or "")[:128] or None, bound_at_ms=clock.epoch_ms())


def bind_identity(identity: Identity, user_id: int) -> str | None:
    """None when bound (or bound already), else the reason it cannot be."""
    user = users.get(user_id)
    if user is None or user.state != "ACTIVE":
        return "session_ended"
    owner = store.owner(identity.provider, identity.subject)
    if owner == user_id:
        return None
    if owner is not None:
        return "already_bound"
    if store.bindings(user_id, identity.provider):
        return "provider_already_bound"
    try:
        store.bind(_binding(identity, user_id))
    except store.Taken:
        return "already_bound"
    return None


def _bind(identity: Identity, user_id: int, return_to: str) -> Outcome:
    reason = bind_identity(identity, user_id)
    if reason:
        return _failed(reason)
    return Outcome(_front(return_to, bound=identity.provider), cookies={"cjj365_oauth": ""})


def _signed_in(user: User, identity: Identity, return_to: str, *, ip: str, user_agent: str | None) -> Outcome:
    session_id = sessions.start(user, amr=[identity.provider], ip=ip, user_agent=user_agent)
    found = store.binding(int(user.id), identity.provider, identity.subject)
    if found is not None:
        store.touch(found, now_ms=clock.epoch_ms(), display_name=identity.display_name)
    return Outcome(_front(return_to), session_id=session_id, cookies={"cjj365_oauth": ""})


def _login(identity: Identity, return_to: str, *, ip: str, user_agent: str | None) -> Outcome:
    owner = store.owner(identity.provider, identity.subject)
    if owner is not None:
        user = users.get(owner)
        if user is None or user.state != "ACTIVE":
            return _failed("account_inactive")
        return _signed_in(user, identity, return_to, ip=ip, user_agent=user_agent)
    if identity.provider != "github" or not identity.email:
        return _failed("not_bound")
    email = identity.email.strip().lower()
    if users.by_email(email) is not None:
        return _failed("account_exists")
    user = _new_account(identity, email)
    if user is None:
        return _failed("account_exists")
    return _signed_in(user, identity, return_to, ip=ip, user_agent=user_agent)


def _new_account(identity: Identity, email: str) -> User | None:
    base = re.sub(r"[^A-Za-z0-9._-]", "-", identity.login or "github")[:56]
    if len(base) < 3:
        base = f"gh-{base}"
    now_ms = clock.epoch_ms()
    user_id = counters.next_id("users")
    for attempt in range(6):
        name = base if attempt == 0 else f"{base}-{secrets.randbelow(10_000):04d}"
        if users.name_owner(name) is not None:
            continue
        user = User(users.user_key(user_id), "USER", id=user_id, email=email, name=name,
                    password_hash=passwords.hash_password(secrets.token_urlsafe(32)), state="ACTIVE", roles=[],
                    session_epoch=0, created_at_ms=now_ms, updated_at_ms=now_ms, activated_at_ms=now_ms)
        try:
            store.create_account(user, _binding(identity, user_id))
        except store.Taken as taken:
            if taken.what == "name":
                continue
            return None
        return user
    return None


# ------------------------------------------------------------------------------------------------ Solana

def b58decode(text: str) -> bytes:
    number = 0
    for char in text:
        index = BASE58.find(char)
        if index < 0:
            raise ValueError("not base58")
        number = number * 58 + index
    raw = number.to_bytes((number.bit_length() + 7) // 8, "big") if number else b""
    return b"\x00" * (len(text) - len(text.lstrip("1"))) + raw


def b58encode(data: bytes) -> str:
    number = int.from_bytes(data, "big")
    out = ""
    while number:
        number, rest = divmod(number, 58)
        out = BASE58[rest] + out
    return "1" * (len(data) - len(data.lstrip(b"\x00"))) + out


def solana_message(nonce: str, *, issued: int, expires: int) -> str:
    domain = config.extended().frontend_url.split("://", 1)[-1].split("/", 1)[0]
    return (f"{domain} wants you to sign in with your Solana account.\n\nNonce: {nonce}\n"
            f"Issued At: {clock.iso_utc(issued)}\nExpiration Time: {clock.iso_utc(expires)}")


def solana_challenge(*, mode: str, caller: UserCaller | None, ip: str) -> tuple[dict[str, Any], str | None]:
    """The message to sign, and the browser cookie to set (login)."""
    _limit(f"solana-nonce#{ip}", limit=30, window_seconds=60)
    if mode == "bind" and caller is None:
        raise Unauthorized("Sign in first to bind a wallet", code="401")
    nonce = secrets.token_hex(16)
    now = clock.epoch()
    message = solana_message(nonce, issued=now, expires=now + SOLANA_NONCE_SECONDS)
    browser = secrets.token_urlsafe(24) if mode == "login" else None
    holder = ids.digest(browser) if browser else (caller.session_digest or "")
    store.save_nonce(SolanaNonce(f"SOLNONCE#{nonce}", "SOLNONCE", message=message, mode=mode,
                                 user_id=caller.user_id if mode == "bind" and caller else None, holder_digest=holder,
                                 created_at=now, expires_at=now + SOLANA_NONCE_SECONDS))
    return {"nonce": nonce, "message": message, "expires_at": now + SOLANA_NONCE_SECONDS}, browser


def _verify_signature(public_key: str, signature: str, message: str) -> None:
    from nacl.exceptions import BadSignatureError  # noqa: PLC0415
    from nacl.signing import VerifyKey  # noqa: PLC0415

    try:
        key, sig = b58decode(public_key), b58decode(signature)
    except ValueError:
        raise BadRequest("public_key and signature are base58") from None
    if len(key) != 32 or len(sig) != 64:
        raise BadRequest("public_key is 32 bytes and signature 64 (base58)")
    try:
        VerifyKey(key).verify(message.encode("utf-8"), sig)
    except BadSignatureError:
        raise Unauthorized("The signature does not match the message", code="401") from None


def solana_verify(*, mode: str, nonce: str, public_key: str, signature: str, caller: UserCaller | None,
                  browser: str | None, ip: str, user_agent: str | None) -> tuple[str, Any]:
    """("login", (user, session id)) or ("bind", binding view)."""
    _limit(f"solana-verify#{ip}", limit=30, window_seconds=60)
    item = store.take_nonce(nonce) if len(nonce) <= 64 else None
    if item is None or item.expires_at <= clock.epoch() or item.mode != mode:
        raise Unauthorized("The nonce is unknown, used or expired: ask for a new message", code="401")
    if mode == "bind":
        if caller is None or caller.user_id != item.user_id or caller.session_digest != item.holder_digest:
            raise Unauthorized("This message was issued to another session", code="401")
    elif not browser or ids.digest(browser) != item.holder_digest:
        raise Unauthorized("This message was issued to another browser", code="401")
    _verify_signature(public_key, signature, item.message)
    identity = Identity("solana", public_key, f"{public_key[:4]}…{public_key[-4:]}")
    if mode == "bind":
        reason = bind_identity(identity, caller.user_id)
        if reason:
            raise ApiError(f"The wallet cannot be bound: {reason}", status=409, code="409", details={"key": reason})
        found = store.binding(caller.user_id, "solana", public_key)
        return "bind", binding_view(found) if found else None
    owner = store.owner("solana", public_key)
    user = users.get(owner) if owner is not None else None
    if user is None:
        raise NotFound("This wallet is not bound to an account: sign in and bind it first", code="404",
                       details={"key": "not_bound"})
    if user.state != "ACTIVE":
        raise Unauthorized("The account is not active", code="401")
    outcome = _signed_in(user, identity, "/", ip=ip, user_agent=user_agent)
    return "login", (user, outcome.session_id)


def binding_view(item: ThirdPartyBinding) -> dict[str, Any]:
    return {"provider": item.provider, "subject": item.subject, "display_name": item.display_name,
            "bound_at": int(item.bound_at_ms)}
