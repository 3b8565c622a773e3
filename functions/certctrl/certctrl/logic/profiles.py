"""What the auth routes show about a user: the sign-in answer, `/auth/status`, the profile, the bindings."""

from __future__ import annotations

from typing import Any

from certctrl.logic import webauthn
from certctrl.logic.callers import UserCaller
from certctrl.models.entities import User
from certctrl.store import users


def login_user(user: User) -> dict[str, Any]:
    """`{id, email, name, roles}`: the agent's LoginUser reads `id` as an integer, `email`, and `roles` (a list)."""
    return {"id": int(user.id), "email": user.email, "name": user.name, "roles": list(user.roles or [])}


def session_status(caller: UserCaller) -> dict[str, Any]:
    session = caller.session
    return {"user": login_user(caller.user), "amr": list(session.amr or ["pwd"]), "acr": session.acr or "aal1",
            "auth_time": int(session.auth_time), "mfa": "webauthn" in (session.amr or []),
            "webauthn": webauthn.status(caller)}


def profile(user: User, *, devices: int, apikeys: int) -> dict[str, Any]:
    return {"user": {**login_user(user), "state": user.state, "country_of_residence": user.country_of_residence,
                     "created_at": int(user.created_at_ms)},
            "devices": {"count": devices}, "apikeys": {"count": apikeys}}


def bindings(user_id: int) -> list[dict[str, Any]]:
    return [{"provider": item.get("provider", ""), "subject": item.get("subject", ""),
             "display_name": item.get("display_name"), "bound_at": int(item.get("bound_at_ms", 0))}
            for item in users.bindings(user_id)]
