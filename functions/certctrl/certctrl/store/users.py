"""Users and what makes them unique (e-mail and name claims), their e-mail codes and third-party bindings."""

from __future__ import annotations

from typing import Any

from pynamodb.exceptions import DoesNotExist, TransactWriteError

from certctrl.models.entities import EmailClaim, EmailCode, NameClaim, User
from certctrl.store import common
from suite import dynamo


class Taken(Exception):
    """The e-mail or the name belongs to another account (`what` says which)."""

    def __init__(self, what: str) -> None:
        super().__init__(what)
        self.what = what


def user_key(user_id: int) -> str:
    return f"USER#{user_id}"


def email_key(email: str) -> str:
    return f"EMAIL#{email}"


def name_key(name: str) -> str:
    return f"NAME#{name.lower()}"


def get(user_id: int) -> User | None:
    try:
        return User.get(user_key(user_id), "USER", consistent_read=True)
    except DoesNotExist:
        return None


def by_email(email: str) -> User | None:
    try:
        claim = EmailClaim.get(email_key(email), "EMAIL", consistent_read=True)
    except DoesNotExist:
        return None
    return get(claim.user_id)


def name_owner(name: str) -> int | None:
    try:
        return NameClaim.get(name_key(name), "NAME", consistent_read=True).user_id
    except DoesNotExist:
        return None


def create(user: User, code: EmailCode) -> None:
    """A new (inactive) user with its e-mail and name claims and its activation code, all or nothing."""
    try:
        with common.transaction() as tx:
            tx.save(EmailClaim(email_key(user.email), "EMAIL", user_id=user.id),
                    condition=EmailClaim.pk.does_not_exist())
            tx.save(NameClaim(name_key(user.name), "NAME", user_id=user.id), condition=NameClaim.pk.does_not_exist())
            tx.save(user, condition=User.pk.does_not_exist())
            tx.save(code)
    except TransactWriteError as error:
        taken = common.first_failure(error, ["email", "name", "id"])
        if taken is None:
            raise
        raise Taken(taken) from None


def replace_inactive(user: User, *, old_name: str, code: EmailCode) -> None:
    """Someone registers again an address that was never activated: new password, name and code (the address
    proves itself only with the code). Fails with Taken("state") when the account was activated meanwhile."""
    try:
        with common.transaction() as tx:
            tx.save(user, condition=User.state == "INACTIVE")
            if old_name.lower() != user.name.lower():
                tx.delete(NameClaim(name_key(old_name), "NAME"), condition=NameClaim.user_id == user.id)
                tx.save(NameClaim(name_key(user.name), "NAME", user_id=user.id),
                        condition=NameClaim.pk.does_not_exist())
            tx.save(code)
    except TransactWriteError as error:
        labels = ["state", "old-name", "name"] if old_name.lower() != user.name.lower() else ["state"]
        taken = common.first_failure(error, labels)
        if taken is None:
            raise
        raise Taken(taken) from None


def activate(user_id: int, *, now_ms: int) -> bool:
    """INACTIVE → ACTIVE and the code is gone; False when it was not inactive."""
    try:
        with common.transaction() as tx:
            tx.update(User(user_key(user_id), "USER"),
                      actions=[User.state.set("ACTIVE"), User.activated_at_ms.set(now_ms),
                               User.updated_at_ms.set(now_ms)],
                      condition=User.state == "INACTIVE")
            tx.delete(EmailCode(user_key(user_id), "CODE#activate"))
    except TransactWriteError as error:
        if common.failed_conditions(error):
            return False
        raise
    return True


def set_password(user_id: int, password_hash: str, *, now_ms: int) -> None:
    """A new password ends every session (the session epoch moves) and uses up the reset code."""
    with common.transaction() as tx:
        tx.update(User(user_key(user_id), "USER"),
                  actions=[User.password_hash.set(password_hash), User.session_epoch.add(1),
                           User.updated_at_ms.set(now_ms)],
                  condition=User.pk.exists())
        tx.delete(EmailCode(user_key(user_id), "CODE#reset"))


def update_password_hash(user_id: int, password_hash: str) -> None:
    """A rehash after a successful login (parameters changed); sessions stay."""
    User(user_key(user_id), "USER").update(actions=[User.password_hash.set(password_hash)],
                                           condition=User.pk.exists())


# --------------------------------------------------------------------------------------------- e-mail codes

def get_code(user_id: int, purpose: str) -> EmailCode | None:
    try:
        return EmailCode.get(user_key(user_id), f"CODE#{purpose}", consistent_read=True)
    except DoesNotExist:
        return None


def save_code(code: EmailCode) -> None:
    code.save()


def count_attempt(code: EmailCode, *, limit: int) -> bool:
    """One more wrong guess; False when the code has used up its attempts (it is then gone)."""
    try:
        code.update(actions=[EmailCode.attempts.add(1)], condition=EmailCode.attempts < limit - 1)
    except Exception as error:
        if common.is_condition_failure(error):
            code.delete()
            return False
        raise
    return True


# ------------------------------------------------------------------------------------------- bindings (#19)

def bindings(user_id: int) -> list[dict[str, Any]]:
    return list(dynamo.query_partition(common.accounts(), user_key(user_id), prefix="BIND#"))


# ------------------------------------------------------------------------------------------------ roles (#20)

def set_role(user_id: int, role: str, *, granted: bool, now_ms: int) -> User | None:
    """Add or remove one role (the admin role: `python -m certctrl.seed make-admin`); None for an unknown user.
    Takes effect on the user's next request (sessions read the user each time)."""
    user = get(user_id)
    if user is None:
        return None
    roles = [r for r in (user.roles or []) if r != role] + ([role] if granted else [])
    user.update(actions=[User.roles.set(roles), User.updated_at_ms.set(now_ms)], condition=User.pk.exists())
    return user
