"""Captchas (RelayStateTable `CAPTCHA#<id>`/`CAPTCHA`, TTL): the answer's digest, taken by the first verify."""

from __future__ import annotations

from relay import config
from suite import dynamo


def put(captcha_id: str, answer_digest: str, expires_at: int) -> None:
    dynamo.put(config.get().state_table, {"pk": f"CAPTCHA#{captcha_id}", "sk": "CAPTCHA", "answer": answer_digest,
                                          "expires_at": expires_at})


def take(captcha_id: str) -> dict | None:
    """Delete the captcha and return what it was (None when there was none): single use, whatever the answer."""
    answer = dynamo.client().delete_item(TableName=config.get().state_table,
                                         Key=dynamo.key(f"CAPTCHA#{captcha_id}", "CAPTCHA"), ReturnValues="ALL_OLD")
    return dynamo.from_item(answer.get("Attributes"))
