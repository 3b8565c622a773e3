"""Users: creation (registration and by an admin), profile, password, admin changes, and their views."""

from __future__ import annotations

from typing import Any

from relay import clock
from relay.logic import oplog
from relay.models import users as shapes
from relay.models.entities import User
from relay.store import sequences, users
from suite.errors import BadRequest, NotFound
from suite.security import passwords

DEFAULT_CONCURRENCY = 10


def view(user: User) -> dict[str, Any]:
    return shapes.UserView(
        id=user.id, username=user.username, email=user.email or None, role=user.role, status=user.status,
        balance=float(user.balance or 0), price_rate=float(user.price_rate if user.price_rate is not None else 1),
        max_concurrency=int(user.max_concurrency or DEFAULT_CONCURRENCY), created_at=clock.iso(user.created_at),
        updated_at=clock.iso(user.updated_at or user.created_at)).model_dump()


def audit_view(user: User | None) -> dict[str, Any] | None:
    return view(user) if user else None


def get(user_id: int) -> User:
    user = users.get(user_id)
    if user is None:
        raise NotFound("user not found")
    return user


def create(username: str, password: str, *, email: str | None = None, role: str = "user", status: str = "active",
           price_rate: float = 1.0, max_concurrency: int = DEFAULT_CONCURRENCY) -> User:
    """A new user; 400 `username already exists` / `email already exists` as the original answered."""
    if users.username_taken(username):
        raise BadRequest("username already exists")
    if email and users.email_taken(email):
        raise BadRequest("email already exists")
    now = clock.now()
    user = users.new(sequences.next_id("user"), username=username, email=email or None,
                     password_hash=passwords.hash_password(password), role=role, status=status, balance=0,
                     price_rate=price_rate, max_concurrency=max_concurrency, key_count=0, tokens_valid_after=0,
                     created_at=now, updated_at=now)
    try:
        users.create(user)
    except users.Taken as taken:
        raise BadRequest(f"{taken.what} already exists") from None
    return user


def update_profile(user_id: int, email: str | None) -> User:
    user = get(user_id)
    if email is None or email == user.email:
        return user
    return _update(user, {"email": email})


def _update(user: User, changes: dict[str, Any]) -> User:
    changes = {**changes, "updated_at": clock.now()}
    try:
        return users.update(user, changes, old_email=user.email)
    except users.Taken:
        raise BadRequest("email already exists") from None
    except users.Missing:  # deleted between the read and the write
        raise NotFound("user not found") from None


def change_password(user_id: int, old_password: str, new_password: str) -> User:
    """Check the old password, store the new one and end every session issued before now (the caller gets a
    fresh token)."""
    user = get(user_id)
    if not passwords.verify_password(user.password_hash, old_password):
        raise BadRequest("incorrect old password")
    return _update(user, {"password_hash": passwords.hash_password(new_password),
                          "tokens_valid_after": clock.epoch()})


def admin_update(user_id: int, *, caller_id: int, **fields: Any) -> User:
    user = get(user_id)
    before = view(user)
    changes = {name: value for name, value in fields.items() if value is not None}
    if user_id == caller_id and (changes.get("role", "admin") != "admin" or changes.get("status", "active")
                                 != "active"):
        raise BadRequest("you cannot demote or disable yourself")
    if "email" in changes and changes["email"] == user.email:
        changes.pop("email")
    if not changes:
        oplog.changed(before, before, target=user.id, name=user.username)
        return user
    updated = _update(user, changes)
    oplog.changed(before, view(updated), target=user.id, name=user.username)
    return updated


def admin_delete(user_id: int, *, caller_id: int) -> None:
    if user_id == caller_id:
        raise BadRequest("you cannot delete yourself")
    user = get(user_id)
    if not users.delete(user):
        raise NotFound("user not found")
    oplog.changed(view(user), None, target=user.id, name=user.username)


def page(page_number: int, page_size: int) -> tuple[list[User], int]:
    return users.page((page_number - 1) * page_size, page_size), users.count()


def every() -> list[User]:
    return list(users.every())


def set_price_rate(user_ids: list[int], price_rate: float) -> int:
    known = users.many(user_ids)
    missing = [i for i in user_ids if i not in known]
    if missing:
        raise NotFound(f"users not found: {', '.join(map(str, missing[:10]))}")
    changed = users.set_price_rate(known, price_rate, clock.now())
    oplog.changed({"user_ids": sorted(known), "price_rates": {i: float(u.price_rate) for i, u in known.items()}},
                  {"user_ids": sorted(known), "price_rate": price_rate})
    return changed


def set_every_price_rate(price_rate: float) -> int:
    ids = [user.id for user in users.every()]
    changed = users.set_price_rate(ids, price_rate, clock.now())
    oplog.changed(None, {"users": changed, "price_rate": price_rate})
    return changed


def admin_views(found: list[User]) -> list[dict[str, Any]]:
    from relay.logic import packages  # noqa: PLC0415  (admin screens only: sign-in need not import it)

    balances = packages.balances([u.id for u in found])
    return [shapes.AdminUserView(**view(u), **balances.get(u.id, {})).model_dump() for u in found]


def admin_create(body: shapes.AdminCreateUser) -> dict[str, Any]:
    user = create(body.username, body.password, email=body.email, role=body.role, status=body.status,
                  price_rate=1.0 if body.price_rate is None else body.price_rate,
                  max_concurrency=body.max_concurrency or DEFAULT_CONCURRENCY)
    answer = view(user)
    oplog.changed(None, answer, target=user.id, name=user.username)
    return answer
