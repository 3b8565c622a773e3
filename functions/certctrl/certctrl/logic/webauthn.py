"""WebAuthn with py_webauthn: register, sign in and step up (options, then verify), the user's credentials.

- **Challenges** are 32 random bytes, stored by their digest with the ceremony's purpose, user and session, and
  taken (deleted, conditionally) by the one verify that uses them: single use, WEBAUTHN_CHALLENGE_SECONDS to live.
  The verify finds its challenge in the signed clientDataJSON, so the client posts the credential as
  `navigator.credentials.create()/get()` gave it (the JSON form: base64url fields), nothing else.
- **Register** (signed in, and signed in or stepped up within STEP_UP_SECONDS: adding a key to an account is as
  sensitive as changing its password): attestation `none` asked for (any format the library verifies is kept),
  resident key preferred (passkeys), user verification preferred; the user's keys are excluded; at most
  MAX_CREDENTIALS per account; a credential id is unique across accounts.
- **Sign in**: no account named (discoverable credentials) or `email` (then only that account's keys are allowed;
  this tells whether the address has keys, so the options are rate limited per client). The credential names
  its account; a userHandle, when sent, must be the account's. A new session: amr `["webauthn"]`, acr `aal2` when
  the authenticator verified the user (PIN, biometrics), else `aal1`.
- **Step up** (signed in): one of the user's own keys, user verification preferred; the session's amr gains
  `webauthn` (and `mfa` next to another factor), acr becomes `aal2`, `step_up_at` now: `/auth/status` shows
  `webauthn.step_up` true for STEP_UP_SECONDS.
- The signature counter must grow when the authenticator keeps one (py_webauthn refuses a counter that did not);
  a counter moved by a concurrent sign-in refuses this one.
"""

from __future__ import annotations

import base64
import binascii
import json
import secrets
from typing import Any

from certctrl import clock, config, ids
from certctrl.logic import sessions
from certctrl.logic.accounts import SignedIn
from certctrl.logic.callers import UserCaller
from certctrl.models.identity_entities import WebAuthnChallenge, WebAuthnCredential
from certctrl.store import limits, users
from certctrl.store import webauthn as store
from suite.errors import ApiError, BadRequest, Conflict, Forbidden, NotFound, TooManyRequests, Unauthorized

MAX_CREDENTIALS = 20
REGISTER, LOGIN, STEP_UP = "register", "login", "step-up"


def b64url(data: bytes) -> str:
    return base64.urlsafe_b64encode(data).rstrip(b"=").decode("ascii")


def from_b64url(value: str) -> bytes:
    return base64.urlsafe_b64decode(value + "=" * (-len(value) % 4))


def _settings() -> config.Extended:
    return config.extended()


def _limit(key: str, *, limit: int, window_seconds: int) -> None:
    decision = limits.hit(key, limit=limit, window_seconds=window_seconds)
    if not decision.allowed:
        raise TooManyRequests("Too many requests; try again later", retry_after=decision.retry_after,
                              details={"params": {"retry_after": decision.retry_after}})


def _recent(caller: UserCaller) -> bool:
    window = _settings().step_up_seconds
    now = clock.epoch()
    session = caller.session
    return int(session.auth_time or 0) >= now - window or int(session.step_up_at or 0) >= now - window


def _require_recent(caller: UserCaller) -> None:
    if not _recent(caller):
        raise Forbidden("Sign in again or step up with a security key first", code="403",
                        details={"key": "reauthentication_required"})


def _new_challenge(purpose: str, *, user_id: int | None = None, session_digest: str | None = None,
                   user_verification: str = "preferred", name: str | None = None) -> bytes:
    challenge = secrets.token_bytes(32)
    now = clock.epoch()
    store.save_challenge(WebAuthnChallenge(store.challenge_key(ids.digest(b64url(challenge))), "CHALLENGE",
                                           purpose=purpose, user_id=user_id, session_digest=session_digest,
                                           user_verification=user_verification, name=name, created_at=now,
                                           expires_at=now + _settings().webauthn_challenge_seconds))
    return challenge


def _invalid(what: str = "The security key's answer could not be verified") -> ApiError:
    return BadRequest(what, code="400")


def _client_challenge(credential: dict[str, Any]) -> str:
    """The challenge inside the credential's clientDataJSON (base64url), or 400."""
    try:
        raw = (credential.get("response") or {}).get("clientDataJSON")
        client_data = json.loads(from_b64url(raw))
        challenge = client_data["challenge"]
    except (TypeError, ValueError, KeyError, AttributeError, binascii.Error):
        raise _invalid("response.clientDataJSON is not a WebAuthn client data object") from None
    if not isinstance(challenge, str) or not 16 <= len(challenge) <= 128:
        raise _invalid("response.clientDataJSON carries no challenge of ours")
    return challenge


def _take(credential: dict[str, Any], purpose: str) -> tuple[WebAuthnChallenge, bytes]:
    challenge = _client_challenge(credential)
    item = store.take_challenge(ids.digest(challenge))
    if item is None or item.purpose != purpose or item.expires_at <= clock.epoch():
        raise _invalid("The challenge is unknown, used or expired: ask for new options")
    return item, from_b64url(challenge)


def _options_json(options: Any) -> dict[str, Any]:
    from webauthn import options_to_json  # noqa: PLC0415 (py_webauthn loads only where ceremonies run)

    return json.loads(options_to_json(options))


def _descriptors(items: list[WebAuthnCredential]) -> list[Any]:
    from webauthn.helpers.structs import (  # noqa: PLC0415
        AuthenticatorTransport,
        PublicKeyCredentialDescriptor,
    )

    known = {t.value for t in AuthenticatorTransport}
    return [PublicKeyCredentialDescriptor(id=from_b64url(item.credential_id),
                                          transports=[AuthenticatorTransport(t) for t in (item.transports or [])
                                                      if t in known] or None)
            for item in items]


def view(item: WebAuthnCredential) -> dict[str, Any]:
    return {"id": item.credential_id, "name": item.name, "aaguid": item.aaguid, "algorithm": item.algorithm,
            "attestation_format": item.attestation_format, "transports": list(item.transports or []),
            "device_type": item.device_type, "backed_up": bool(item.backed_up),
            "user_verified": bool(item.user_verified), "sign_count": int(item.sign_count or 0),
            "created_at": int(item.created_at_ms), "last_used_at": int(item.last_used_at_ms or 0) or None}


# ------------------------------------------------------------------------------------------------ register

def registration_options(caller: UserCaller, *, name: str | None, attachment: str | None,
                         resident_key: str, user_verification: str) -> dict[str, Any]:
    from webauthn import generate_registration_options  # noqa: PLC0415
    from webauthn.helpers.structs import (  # noqa: PLC0415
        AttestationConveyancePreference,
        AuthenticatorAttachment,
        AuthenticatorSelectionCriteria,
        ResidentKeyRequirement,
        UserVerificationRequirement,
    )

    _require_recent(caller)
    _limit(f"webauthn-register#{caller.user_id}", limit=20, window_seconds=3600)
    existing = store.credentials(caller.user_id)
    if len(existing) >= MAX_CREDENTIALS:
        raise Conflict(f"An account holds at most {MAX_CREDENTIALS} security keys; remove one first", code="409")
    now = clock.epoch()
    handle = store.user_handle(caller.user_id) or store.create_user_handle(
        caller.user_id, b64url(secrets.token_bytes(64)), now=now)
    settings = _settings()
    challenge = _new_challenge(REGISTER, user_id=caller.user_id, session_digest=caller.session_digest,
                               user_verification=user_verification, name=name)
    options = generate_registration_options(
        rp_id=settings.webauthn_rp_id, rp_name=settings.webauthn_rp_name, user_name=caller.user.email,
        user_id=from_b64url(handle), user_display_name=caller.user.name, challenge=challenge,
        timeout=settings.webauthn_challenge_seconds * 1000, attestation=AttestationConveyancePreference.NONE,
        authenticator_selection=AuthenticatorSelectionCriteria(
            authenticator_attachment=AuthenticatorAttachment(attachment) if attachment else None,
            resident_key=ResidentKeyRequirement(resident_key),
            user_verification=UserVerificationRequirement(user_verification)),
        exclude_credentials=_descriptors(existing))
    return _options_json(options)


def register(caller: UserCaller, credential: dict[str, Any], *, name: str | None) -> dict[str, Any]:
    from webauthn import verify_registration_response  # noqa: PLC0415
    from webauthn.helpers.exceptions import WebAuthnException  # noqa: PLC0415

    item, challenge = _take(credential, REGISTER)
    if item.user_id != caller.user_id or item.session_digest != caller.session_digest:
        raise _invalid("These options were given to another session: ask for new options")
    settings = _settings()
    try:
        verified = verify_registration_response(
            credential=credential, expected_challenge=challenge, expected_rp_id=settings.webauthn_rp_id,
            expected_origin=list(settings.webauthn_origins),
            require_user_verification=item.user_verification == "required")
    except WebAuthnException as error:
        raise _invalid(f"The security key's answer could not be verified: {str(error)[:200]}") from None
    from webauthn.helpers import decode_credential_public_key  # noqa: PLC0415

    response = credential.get("response") or {}
    transports = [t for t in (response.get("transports") or []) if isinstance(t, str)][:8]
    record = WebAuthnCredential(
        users.user_key(caller.user_id), store.credential_sk(b64url(verified.credential_id)),
        user_id=caller.user_id, credential_id=b64url(verified.credential_id),
        public_key=b64url(verified.credential_public_key), sign_count=verified.sign_count,
        algorithm=int(decode_credential_public_key(verified.credential_public_key).alg),
        aaguid=str(verified.aaguid), attestation_format=str(getattr(verified.fmt, "value", verified.fmt)),
        transports=transports, device_type=str(getattr(verified.credential_device_type, "value", "single_device")),
        backed_up=bool(verified.credential_backed_up), user_verified=bool(verified.user_verified),
        name=(name or item.name or "Security key")[:64], created_at_ms=clock.epoch_ms())
    try:
        store.add(record)
    except store.Taken:
        raise Conflict("This security key is registered already", code="409") from None
    return view(record)


# ------------------------------------------------------------------------------------------------ sign in

def login_options(email: str | None, *, ip: str) -> dict[str, Any]:
    from webauthn import generate_authentication_options  # noqa: PLC0415
    from webauthn.helpers.structs import UserVerificationRequirement  # noqa: PLC0415

    _limit(f"webauthn-login-options#{ip}", limit=30, window_seconds=60)
    user_id, allowed = None, []
    if email:
        user = users.by_email(email.strip().lower())
        if user is not None and user.state == "ACTIVE":
            user_id, allowed = int(user.id), store.credentials(int(user.id))
    settings = _settings()
    challenge = _new_challenge(LOGIN, user_id=user_id)
    options = generate_authentication_options(
        rp_id=settings.webauthn_rp_id, challenge=challenge, timeout=settings.webauthn_challenge_seconds * 1000,
        allow_credentials=_descriptors(allowed), user_verification=UserVerificationRequirement.PREFERRED)
    return _options_json(options)


def _assert(credential: dict[str, Any], item: WebAuthnChallenge, challenge: bytes,
            owner: WebAuthnCredential) -> Any:
    from webauthn import verify_authentication_response  # noqa: PLC0415
    from webauthn.helpers.exceptions import WebAuthnException  # noqa: PLC0415

    settings = _settings()
    try:
        verified = verify_authentication_response(
            credential=credential, expected_challenge=challenge, expected_rp_id=settings.webauthn_rp_id,
            expected_origin=list(settings.webauthn_origins), credential_public_key=from_b64url(owner.public_key),
            credential_current_sign_count=int(owner.sign_count or 0),
            require_user_verification=item.user_verification == "required")
    except WebAuthnException as error:
        raise Unauthorized(f"The security key's answer could not be verified: {str(error)[:200]}",
                           code="401") from None
    if not store.record_use(owner, sign_count=int(verified.new_sign_count), now_ms=clock.epoch_ms()):
        raise Unauthorized("The security key was used twice at once; try again", code="401")
    return verified


def _credential_id(credential: dict[str, Any]) -> str:
    value = credential.get("id")
    if not isinstance(value, str) or not 16 <= len(value) <= 1400:
        raise _invalid("id: not a credential id")
    return value


def login(credential: dict[str, Any], *, ip: str, user_agent: str | None) -> SignedIn:
    _limit(f"webauthn-login#{ip}", limit=30, window_seconds=60)
    item, challenge = _take(credential, LOGIN)
    credential_id = _credential_id(credential)
    refused = Unauthorized("This security key is not registered to an account", code="401")
    user_id = store.owner_of(credential_id)
    if user_id is None or (item.user_id is not None and item.user_id != user_id):
        raise refused
    owner = store.credential(user_id, credential_id)
    user = users.get(user_id)
    if owner is None or user is None:
        raise refused
    handle = (credential.get("response") or {}).get("userHandle")
    if handle and handle != store.user_handle(user_id):
        raise refused
    verified = _assert(credential, item, challenge, owner)
    if user.state != "ACTIVE":
        raise Forbidden("The account is not activated yet: enter the code sent to your e-mail address",
                        code="403")
    session_id = sessions.start(user, amr=["webauthn"], acr="aal2" if verified.user_verified else "aal1", ip=ip,
                                user_agent=user_agent)
    return SignedIn(user=user, session_id=session_id)


# ------------------------------------------------------------------------------------------------ step up

def step_up_options(caller: UserCaller) -> dict[str, Any]:
    from webauthn import generate_authentication_options  # noqa: PLC0415
    from webauthn.helpers.structs import UserVerificationRequirement  # noqa: PLC0415

    _limit(f"webauthn-step-up#{caller.user_id}", limit=30, window_seconds=300)
    existing = store.credentials(caller.user_id)
    if not existing:
        raise Conflict("No security key is registered to this account", code="409",
                       details={"key": "no_webauthn_credentials"})
    settings = _settings()
    challenge = _new_challenge(STEP_UP, user_id=caller.user_id, session_digest=caller.session_digest)
    options = generate_authentication_options(
        rp_id=settings.webauthn_rp_id, challenge=challenge, timeout=settings.webauthn_challenge_seconds * 1000,
        allow_credentials=_descriptors(existing), user_verification=UserVerificationRequirement.PREFERRED)
    return _options_json(options)


def step_up(caller: UserCaller, credential: dict[str, Any]) -> dict[str, Any]:
    item, challenge = _take(credential, STEP_UP)
    if item.user_id != caller.user_id or item.session_digest != caller.session_digest:
        raise _invalid("These options were given to another session: ask for new options")
    owner = store.credential(caller.user_id, _credential_id(credential))
    if owner is None:
        raise Unauthorized("This security key is not registered to this account", code="401")
    _assert(credential, item, challenge, owner)
    amr = list(dict.fromkeys([*(caller.session.amr or []), "webauthn"]))
    if len([m for m in amr if m != "mfa"]) >= 2 and "mfa" not in amr:
        amr.append("mfa")
    now = clock.epoch()
    store.raise_session(caller.session_digest, amr=amr, acr="aal2", step_up_at=now)
    return {"amr": amr, "acr": "aal2", "step_up_at": now, "step_up_expires_at": now + _settings().step_up_seconds}


# ------------------------------------------------------------------------------------------------ credentials

def listing(caller: UserCaller) -> list[dict[str, Any]]:
    return [view(item) for item in sorted(store.credentials(caller.user_id), key=lambda c: c.created_at_ms)]


def delete(caller: UserCaller, credential_id: str) -> None:
    if not 1 <= len(credential_id) <= 1400:
        raise NotFound("Security key not found", code="404")
    _require_recent(caller)
    if not store.remove(caller.user_id, credential_id):
        raise NotFound("Security key not found", code="404")


def status(caller: UserCaller) -> dict[str, Any]:
    """`webauthn` of `/auth/status`: how many keys the account holds and whether this session stepped up lately."""
    step_up_at = int(caller.session.step_up_at or 0)
    window = config.extended().step_up_seconds
    fresh = bool(step_up_at) and step_up_at + window > clock.epoch()
    return {"credentials": store.count(caller.user_id), "step_up": fresh,
            "step_up_at": step_up_at or None, "step_up_expires_at": step_up_at + window if fresh else None}
