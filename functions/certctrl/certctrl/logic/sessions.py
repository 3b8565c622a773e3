"""Web sessions: the cookie `cjj365=<session id>` names one; the id itself is never stored (only its digest)
and never appears in JSON. A session lasts SESSION_TTL_SECONDS from sign-in, ends at logout, and every session
of a user ends when their password is reset (the user's session epoch moves)."""

from __future__ import annotations

from certctrl import clock, config, ids
from certctrl.logic.callers import UserCaller
from certctrl.models.entities import User, WebSession
from certctrl.store import sessions, users

COOKIE = "cjj365"


def start(user: User, *, amr: list[str], ip: str | None, user_agent: str | None, acr: str = "aal1") -> str:
    session_id = ids.session_id()
    now = clock.epoch()
    sessions.save(WebSession(sessions.key(ids.digest(session_id)), "SESSION", user_id=user.id,
                             epoch=user.session_epoch or 0, amr=amr, acr=acr, auth_time=now, created_at=now,
                             expires_at=now + config.get().session_ttl_seconds, ip=ip,
                             user_agent=(user_agent or "")[:256] or None))
    return session_id


def current(session_id: str) -> UserCaller | None:
    """The signed-in user of a cookie, or None (unknown, expired, ended by a reset, account not active)."""
    if not session_id or len(session_id) > 128:
        return None
    digest = ids.digest(session_id)
    session = sessions.get(digest)
    if session is None or session.expires_at <= clock.epoch():
        return None
    user = users.get(session.user_id)
    if user is None or user.state != "ACTIVE" or (user.session_epoch or 0) != (session.epoch or 0):
        return None
    return UserCaller(user=user, via="session", session=session, session_digest=digest)


def end(caller: UserCaller) -> None:
    if caller.session_digest:
        sessions.delete(caller.session_digest)


def max_age() -> int:
    return config.get().session_ttl_seconds
