"""Target bots (Discord webhooks, Telegram bots, Feishu apps) in ConfigTable.

Keys: pk "BOT" / sk <id, 10 digits>. The secret part of a bot's config (webhook URL, bot token, app secret)
is one SecretBox-sealed JSON in `secret_sealed`; `config_public` holds the rest and `config_masked` the masked
display of each secret, so listing bots never needs KMS.
"""

from __future__ import annotations

from typing import Any

from kook import clock, config
from kook.store import counters, tables
from suite import dynamo

BOT = "BOT"
FAILING = "failing"  # a target answered 401/403/404: forwarding to it stops until a test succeeds


def _table() -> str:
    return config.get().config_table


def sort_key(bot_id: int) -> str:
    return f"{bot_id:010d}"


def new_id() -> int:
    return counters.next_ids(_table(), "bot")[0]


def create(bot: dict[str, Any]) -> None:
    dynamo.put(_table(), {"pk": BOT, "sk": sort_key(bot["id"]), **bot}, condition="attribute_not_exists(pk)")


def get(bot_id: int) -> dict[str, Any] | None:
    return dynamo.get(_table(), BOT, sort_key(bot_id))


def get_many(bot_ids: list[int]) -> dict[int, dict[str, Any]]:
    found = dynamo.batch_get(_table(), [(BOT, sort_key(i)) for i in bot_ids])
    return {item["id"]: item for item in found.values()}


def list_all() -> list[dict[str, Any]]:
    return list(dynamo.query_partition(_table(), BOT))


def delete(bot_id: int) -> bool:
    try:
        dynamo.client().delete_item(TableName=_table(), Key=dynamo.key(BOT, sort_key(bot_id)),
                                    ConditionExpression="attribute_exists(pk)")
    except Exception as exc:
        if dynamo.is_condition_failure(exc):
            return False
        raise
    return True


def set_status(bot_id: int, status: str, *, reason: str | None = None) -> None:
    """Mark a bot active, disabled or failing (the pipeline marks a target that answers 401/403/404 failing)."""
    expression = "SET #status = :status, updated_at = :now"
    values: dict[str, Any] = {":status": status, ":now": clock.iso()}
    if reason:
        expression += ", status_reason = :reason"
        values[":reason"] = reason
    try:
        dynamo.update(_table(), BOT, sort_key(bot_id), expression, names={"#status": "status"}, values=values,
                      condition="attribute_exists(pk)", return_values="NONE")
    except Exception as exc:
        if not dynamo.is_condition_failure(exc):
            raise


def record_test(bot_id: int, *, ok: bool) -> None:
    try:
        dynamo.update(_table(), BOT, sort_key(bot_id), "SET last_test_at = :at, last_test_ok = :ok",
                      values={":at": clock.iso(), ":ok": ok}, condition="attribute_exists(pk)", return_values="NONE")
    except Exception as exc:
        if not dynamo.is_condition_failure(exc):
            raise


def restore(bots: list[dict[str, Any]]) -> None:
    dynamo.batch_put(_table(), [{"pk": BOT, "sk": sort_key(b["id"]), **b} for b in bots])
    if bots:
        counters.raise_counter_to(_table(), "bot", max(b["id"] for b in bots))


def delete_all() -> int:
    bots = list_all()
    dynamo.batch_delete(_table(), [(BOT, sort_key(b["id"])) for b in bots])
    return len(bots)


def count() -> int:
    return tables.count_partition(_table(), BOT)
