"""Device logins: authorizations (by device-code digest), the user codes that point at them, and the single-use
registration codes they hand out."""

from __future__ import annotations

from pynamodb.exceptions import DoesNotExist, TransactWriteError

from certctrl.models.entities import DeviceAuthorization, RegistrationCode, UserCode
from certctrl.store import common


class Conflict(Exception):
    """A condition failed: the user code exists already, or the authorization changed meanwhile."""


def authorization_key(device_code_digest: str) -> str:
    return f"DEVAUTH#{device_code_digest}"


def user_code_key(user_code: str) -> str:
    return f"USERCODE#{user_code}"


def registration_key(code_digest: str) -> str:
    return f"REGCODE#{code_digest}"


def start(authorization: DeviceAuthorization, user_code: UserCode) -> None:
    try:
        with common.transaction() as tx:
            tx.save(user_code, condition=UserCode.pk.does_not_exist())
            tx.save(authorization, condition=DeviceAuthorization.pk.does_not_exist())
    except TransactWriteError as error:
        if common.failed_conditions(error):
            raise Conflict() from None
        raise


def get(authorization_pk: str) -> DeviceAuthorization | None:
    try:
        return DeviceAuthorization.get(authorization_pk, "DEVAUTH", consistent_read=True)
    except DoesNotExist:
        return None


def get_user_code(user_code: str) -> UserCode | None:
    try:
        return UserCode.get(user_code_key(user_code), "USERCODE", consistent_read=True)
    except DoesNotExist:
        return None


def decide(authorization: DeviceAuthorization, *, approved: bool, user_id: int) -> bool:
    """pending → approved/denied by this user; False when it was decided meanwhile."""
    try:
        authorization.update(actions=[DeviceAuthorization.status.set("approved" if approved else "denied"),
                                      DeviceAuthorization.user_id.set(user_id)],
                             condition=DeviceAuthorization.status == "pending")
    except Exception as error:
        if common.is_condition_failure(error):
            return False
        raise
    return True


def polled(authorization: DeviceAuthorization, now_ms: int) -> None:
    authorization.update(actions=[DeviceAuthorization.last_poll_ms.set(now_ms)])


def issue_registration(authorization: DeviceAuthorization, code: RegistrationCode, code_digest: str) -> None:
    """A new registration code replaces the previous one (if any): approved/ready → ready."""
    previous = authorization.registration_digest
    try:
        with common.transaction() as tx:
            tx.save(code, condition=RegistrationCode.pk.does_not_exist())
            if previous:
                tx.delete(RegistrationCode(registration_key(previous), "REGCODE"))
                same = DeviceAuthorization.registration_digest == previous
            else:
                same = DeviceAuthorization.registration_digest.does_not_exist()
            tx.update(authorization, actions=[DeviceAuthorization.status.set("ready"),
                                              DeviceAuthorization.registration_digest.set(code_digest)],
                      condition=DeviceAuthorization.status.is_in("approved", "ready") & same)
    except TransactWriteError as error:
        if common.failed_conditions(error):
            raise Conflict() from None
        raise


def get_registration(code_digest: str) -> RegistrationCode | None:
    try:
        return RegistrationCode.get(registration_key(code_digest), "REGCODE", consistent_read=True)
    except DoesNotExist:
        return None


def consume_actions(tx, code: RegistrationCode, code_digest: str) -> None:
    """Add to a transaction: the code is used up and its authorization with it (both conditions must hold)."""
    tx.delete(code, condition=RegistrationCode.pk.exists())
    tx.update(DeviceAuthorization(code.authorization, "DEVAUTH"), actions=[DeviceAuthorization.status.set("used")],
              condition=(DeviceAuthorization.status == "ready")
              & (DeviceAuthorization.registration_digest == code_digest))
