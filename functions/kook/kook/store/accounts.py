"""KOOK accounts in ConfigTable.

Keys: pk "ACCOUNT" / sk <id, 10 digits> (one small partition: the whole list is one Query);
pk "ACCOUNT_EMAIL" / sk <lower-cased email> (uniqueness, written in the same transaction);
pk "ACCOUNT_CAPTCHA" / sk <id> (a pending captcha, TTL).
Secrets (cookie, password, bot token, verify token, encrypt key) arrive here already sealed by SecretBox.
"""

from __future__ import annotations

from typing import Any

from kook import clock, config
from kook.store import cache, counters
from suite import dynamo

ACCOUNT = "ACCOUNT"
EMAIL = "ACCOUNT_EMAIL"
CAPTCHA = "ACCOUNT_CAPTCHA"


def _table() -> str:
    return config.get().config_table


def sort_key(account_id: int) -> str:
    return f"{account_id:010d}"


def new_id() -> int:
    return counters.next_ids(_table(), "account")[0]


def create(account: dict[str, Any]) -> bool:
    """Write a new account (its `id` already allocated); False when the e-mail is already registered."""
    email_key = account["email"].lower()
    transaction = dynamo.Transaction()
    transaction.put(_table(), {"pk": EMAIL, "sk": email_key, "account_id": account["id"]},
                    condition="attribute_not_exists(pk)")
    transaction.put(_table(), {"pk": ACCOUNT, "sk": sort_key(account["id"]), **account},
                    condition="attribute_not_exists(pk)")
    return transaction.commit_if_conditions_hold()


def get(account_id: int) -> dict[str, Any] | None:
    return dynamo.get(_table(), ACCOUNT, sort_key(account_id))


def list_all() -> list[dict[str, Any]]:
    return list(dynamo.query_partition(_table(), ACCOUNT))


def delete(account_id: int) -> bool:
    """Remove the account, its e-mail claim, captcha and cached server lists. False when it did not exist."""
    account = get(account_id)
    if account is None:
        return False
    transaction = dynamo.Transaction()
    transaction.delete(_table(), ACCOUNT, sort_key(account_id), condition="attribute_exists(pk)")
    transaction.delete(_table(), EMAIL, account["email"].lower())
    if not transaction.commit_if_conditions_hold():
        return False
    dynamo.delete(_table(), CAPTCHA, str(account_id))
    cache.invalidate(cache.account_prefix(account_id))
    return True


def update(account_id: int, changes: dict[str, Any]) -> dict[str, Any] | None:
    """Set attributes of an existing account; None when it does not exist. None values remove the attribute."""
    names: dict[str, str] = {}
    values: dict[str, Any] = {":now": clock.iso()}
    assignments = ["#updated_at = :now"]
    removals = []
    names["#updated_at"] = "updated_at"
    for index, (name, value) in enumerate(changes.items()):
        names[f"#a{index}"] = name
        if value is None:
            removals.append(f"#a{index}")
        else:
            values[f":v{index}"] = value
            assignments.append(f"#a{index} = :v{index}")
    expression = "SET " + ", ".join(assignments)
    if removals:
        expression += " REMOVE " + ", ".join(removals)
    try:
        return dynamo.update(_table(), ACCOUNT, sort_key(account_id), expression, names=names, values=values,
                             condition="attribute_exists(pk)")
    except Exception as exc:
        if dynamo.is_condition_failure(exc):
            return None
        raise


def mark_active(account_id: int, *, status: str = "online") -> None:
    """Called by the ingestion side (issue 6) when an account delivers events: `last_active` and `status`."""
    update(account_id, {"last_active": clock.iso(), "status": status})


def restore(accounts: list[dict[str, Any]]) -> None:
    """Write accounts exactly as given (ids kept), with their e-mail claims (backup restore)."""
    items = []
    for account in accounts:
        items.append({"pk": ACCOUNT, "sk": sort_key(account["id"]), **account})
        items.append({"pk": EMAIL, "sk": account["email"].lower(), "account_id": account["id"]})
    dynamo.batch_put(_table(), items)
    if accounts:
        counters.raise_counter_to(_table(), "account", max(a["id"] for a in accounts))


def delete_all() -> int:
    accounts = list_all()
    keys = [(ACCOUNT, sort_key(a["id"])) for a in accounts] + [(EMAIL, a["email"].lower()) for a in accounts]
    dynamo.batch_delete(_table(), keys)
    return len(accounts)


# ------------------------------------------------------------------------------------------------ captcha

def captcha(account_id: int) -> dict[str, Any] | None:
    item = dynamo.get(_table(), CAPTCHA, str(account_id))
    if item and item.get("expires_at", 0) > clock.epoch():
        return item
    return None


def put_captcha(account_id: int, fields: dict[str, Any], *, ttl_seconds: int = 120) -> None:
    """A captcha the login flow is waiting for (issue 6 sets `required` and `image_url`; the API adds `code`)."""
    dynamo.put(_table(), {"pk": CAPTCHA, "sk": str(account_id), **fields,
                          "expires_at": clock.epoch() + ttl_seconds, "updated_at": clock.iso()})


def pending_captchas() -> list[dict[str, Any]]:
    """Captchas a login is waiting for (the live view pushes them to /ws/captcha)."""
    now = clock.epoch()
    return [item for item in dynamo.query_partition(_table(), CAPTCHA)
            if item.get("required") and item.get("expires_at", 0) > now]
