"""Device login (`POST /auth/device`), RFC 8628-like with cert-ctrl's own JSON actions.

1. `device_start {scopes, interval, expires_in}` (anyone): a device code for the agent and a user code
   `XXXX-XXXX` for the person, both single use, valid `expires_in` seconds (30–3600, default 900).
2. `device_verify {user_code, approve}` (a signed-in user): approve or deny. Answers `{status: approved|denied}`.
3. `device_poll {device_code}` (the agent): `authorization_pending`, `slow_down` (polled sooner than `interval`
   seconds after the previous poll), `access_denied`, `expired` (also for a device code we do not know, or one
   whose registration code was already used), or `ready` with a single-use `registration_code` (valid
   REGISTRATION_CODE_TTL seconds), `user_id` and `registration_code_ttl`. Polling again while ready replaces the
   code (the previous one stops working), so an answer lost on the way costs nothing. No token is issued here:
   the registration is the only place credentials appear.

Every poll answers 200 with `data.status` (the agent parses `data` whatever the status); a `slow_down` does not
raise the interval the server enforces (the agent keeps its interval and waits after each answer, so it is
never too fast; scripts that add 5 s are fine too).
"""

from __future__ import annotations

from typing import Any

from certctrl import clock, config, ids
from certctrl.logic.callers import UserCaller
from certctrl.models.entities import DeviceAuthorization, RegistrationCode, UserCode
from certctrl.store import device_auth, limits
from suite.errors import BadRequest, Conflict, NotFound, ServiceUnavailable, TooManyRequests

REGISTRATION_CODE_TTL = 600
USER_CODE_LENGTH = 9


def _limit(key: str, *, limit: int, window_seconds: int) -> None:
    decision = limits.hit(key, limit=limit, window_seconds=window_seconds)
    if not decision.allowed:
        raise TooManyRequests("Too many requests; try again later", retry_after=decision.retry_after,
                              details={"params": {"retry_after": decision.retry_after}})


def start(*, scopes: list[str], interval: int, expires_in: int, ip: str) -> dict[str, Any]:
    _limit(f"device-start#{ip}", limit=60, window_seconds=3600)
    device_code = ids.device_code()
    now = clock.epoch()
    authorization = DeviceAuthorization(device_auth.authorization_key(ids.digest(device_code)), "DEVAUTH",
                                        user_code="", status="pending", scopes=scopes, interval=interval,
                                        created_at=now, expires_at=now + expires_in)
    for _attempt in range(5):  # a user-code collision is rare (31^8 codes); draw again
        user_code = ids.user_code()
        authorization.user_code = user_code
        try:
            device_auth.start(authorization, UserCode(device_auth.user_code_key(user_code), "USERCODE",
                                                      authorization=authorization.pk, expires_at=now + expires_in))
        except device_auth.Conflict:
            continue
        uri = config.get().verification_uri
        return {"device_code": device_code, "user_code": user_code, "verification_uri": uri,
                "verification_uri_complete": f"{uri}?code={user_code}", "interval": interval,
                "expires_in": expires_in}
    raise ServiceUnavailable("Could not allocate a user code; try again")


def normalize_user_code(user_code: str) -> str:
    code = user_code.strip().upper()
    if len(code) == 8 and code.isalnum():
        code = f"{code[:4]}-{code[4:]}"
    if len(code) != USER_CODE_LENGTH or code[4] != "-" or not (code[:4] + code[5:]).isalnum() \
            or not code.isascii():
        raise BadRequest("user_code must be in format XXXX-XXXX (A-Z0-9)")
    return code


def verify(caller: UserCaller, *, user_code: str, approve: bool) -> dict[str, str]:
    code = normalize_user_code(user_code)
    _limit(f"device-verify#{caller.user_id}", limit=30, window_seconds=600)
    unknown = NotFound("Unknown or expired user code", code="404")
    pointer = device_auth.get_user_code(code)
    now = clock.epoch()
    if pointer is None or pointer.expires_at <= now:
        raise unknown
    authorization = device_auth.get(pointer.authorization)
    if authorization is None or authorization.expires_at <= now:
        raise unknown
    wanted = "approved" if approve else "denied"
    if authorization.status == "pending" and device_auth.decide(authorization, approved=approve,
                                                                user_id=caller.user_id):
        return {"status": wanted}
    current = device_auth.get(pointer.authorization)
    if current is not None and current.user_id == caller.user_id and \
            (current.status == wanted or (approve and current.status in ("ready", "used"))):
        return {"status": wanted}  # the same decision again (a double click)
    raise Conflict("This device login was already decided", code="409")


def poll(*, device_code: str) -> dict[str, Any]:
    authorization = device_auth.get(device_auth.authorization_key(ids.digest(device_code)))
    now_ms = clock.epoch_ms()
    if authorization is None or authorization.expires_at * 1000 <= now_ms or authorization.status == "used":
        return {"status": "expired"}
    if authorization.status == "denied":
        return {"status": "access_denied"}
    last = authorization.last_poll_ms
    device_auth.polled(authorization, now_ms)
    if last is not None and now_ms - int(last) < int(authorization.interval) * 1000:
        return {"status": "slow_down", "interval": int(authorization.interval)}
    if authorization.status == "pending":
        return {"status": "authorization_pending", "interval": int(authorization.interval)}
    code = ids.registration_code()
    digest = ids.digest(code)
    now = now_ms // 1000
    try:
        device_auth.issue_registration(authorization, RegistrationCode(
            device_auth.registration_key(digest), "REGCODE", user_id=int(authorization.user_id),
            authorization=authorization.pk, created_at=now, expires_at=now + REGISTRATION_CODE_TTL), digest)
    except device_auth.Conflict:
        return {"status": "slow_down", "interval": int(authorization.interval)}  # a concurrent poll won
    return {"status": "ready", "registration_code": code, "user_id": int(authorization.user_id),
            "registration_code_ttl": REGISTRATION_CODE_TTL}
